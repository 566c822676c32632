"""The cockpit (一屏观) at city scale: server time and SQL queries of the cockpit page, in-process, one client,
nothing cached across requests (issue #14: the city cockpit ≤ 150 ms at p95).

    DATABASE_URL=sqlite:////tmp/copy-of-bench.sqlite3 .venv/bin/python bench/cockpit.py [--samples 20] [--snapshots]

Works on the dataset of bench/generate.py (+ ledger_data.py, assessment_data.py, intake_data.py), migrated to the
current code. --snapshots first takes today's trend snapshots (the nightly step) and reports how long that took.
Run it on a copy of the bench database: it writes sessions (and, with --snapshots, the snapshot rows)."""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import db_label, require_migrated, setup_django  # noqa: E402

setup_django()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

import re  # noqa: E402

from luoshi.org.models import Person  # noqa: E402

CASES = [  # (label, username, query string)
    ("city cockpit", "bench_office", ""),
    ("city cockpit 本季度", "bench_office", "?period=quarter"),
    ("city cockpit 本年", "bench_office", "?period=year"),
    ("district cockpit", "office_d01", ""),
    ("district leader", "leader_d01_1", ""),
    ("district cockpit 本年", "office_d01", "?period=year"),
]
TARGET_P95_MS = 150


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=20)
    parser.add_argument("--snapshots", action="store_true")
    args = parser.parse_args()
    require_migrated()
    if args.snapshots:
        from luoshi.cockpit.services import snapshots_take

        t = time.perf_counter()
        n = snapshots_take()
        print(f"nightly snapshots: {n} rows in {time.perf_counter() - t:.2f} s")
    from luoshi.org.models import Unit, UnitKind

    district = Person.objects.get(username="office_d01").unit
    district = district if district.kind == UnitKind.DISTRICT else district.parent
    street = Unit.objects.filter(kind=UnitKind.STREET, path__startswith=district.path).order_by("pk").first()
    if street is not None:  # a street's page: the district office drilling down, and the street's own liaison
        CASES.extend([("street cockpit", "office_d01", f"?unit={street.pk}"),
                      ("street cockpit 本年", "office_d01", f"?unit={street.pk}&period=year"),
                      ("street liaison", f"liaison_u{street.pk}", "")])
    print(f"database: {db_label()}")
    print("| page | user | panels | p50 ms | p95 ms | SQL queries | target p95 |")
    print("|---|---|---|---:|---:|---:|---|")
    for label, username, query in CASES:
        person = Person.objects.filter(username=username).first()
        if person is None:
            print(f"| {label} | {username} (missing) | | | | | |")
            continue
        client = Client(HTTP_HOST="localhost")
        client.force_login(person)
        assert client.get("/cockpit/" + query).status_code == 200   # warm the process (imports, templates)
        times, queries = [], 0
        for _ in range(args.samples):
            with CaptureQueriesContext(connection) as q:
                t = time.perf_counter()
                response = client.get("/cockpit/" + query)
                times.append(1000 * (time.perf_counter() - t))
            assert response.status_code == 200
            queries = len(q.captured_queries)
        times.sort()
        p95 = times[max(0, round(0.95 * len(times)) - 1)]
        panels = "、".join(re.findall(r'<h2 id="panel-[a-z]+-h">([^<]+?) ?<', response.content.decode()))
        print(f"| {label} | {username} | {panels} | {statistics.median(times):.1f} | {p95:.1f} | {queries} | "
              f"≤ {TARGET_P95_MS} {'✅' if p95 <= TARGET_P95_MS else '❌'} |")


if __name__ == "__main__":
    main()
