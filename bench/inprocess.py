"""The ledger list and score card pages timed in-process (issue #11): one request after another through Django's
test client, nothing cached across requests. Prints this process's CPU ms (p50 of N requests; less disturbed by
other processes than wall time), wall ms, the queries of one more request and their SQL ms.

    .venv/bin/python bench/inprocess.py [all|ledger|card|figures]      # N=7 by default: N=15 .venv/bin/python ...

Needs the data of bench/ledger_data.py and bench/assessment_data.py. On SQLite the SQL ms leave out the rows'
fetching (the driver reads them lazily), so a query that returns many rows shows up in CPU ms instead.
"""
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import pages  # noqa: E402,F401  (sets Django up)

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

import bench.assessment as assessment  # noqa: E402
from bench import ledger  # noqa: E402
from luoshi.assessment.models import Round  # noqa: E402
from luoshi.org.models import Person  # noqa: E402


def specs(which: str) -> list[tuple[str, str, Person]]:
    out = []
    if which in ("all", "ledger"):
        out += [(f"{p['label']} / {p['role']}", p["path"], p["user"]) for p in ledger.ledger_pages()
                if "figures" not in p["path"]]
    if which == "figures":  # the ledger's 统计 page (maintained counts; a found-date range is computed)
        out += [(f"{p['label']} / {p['role']}", p["path"], p["user"]) for p in ledger.ledger_pages()
                if "figures" in p["path"]]
    if which in ("all", "card"):
        rnd, old = list(Round.objects.filter(scheme__code="bench-assess").order_by("period_end"))[-2:][::-1]
        units, liaisons = assessment.card_people(old, 2)
        office = Person.objects.get(username="bench_office")
        for r in (rnd, old):
            path = assessment.card_url(r, units[0])
            out.append((f"score card {r.state} / city office", path, office))
            out.append((f"score card {r.state} / street liaison", path, liaisons[f"liaison_u{units[0].parent_id}"]))
    return out


def main() -> None:
    n = int(os.environ.get("N", "7"))
    for label, path, user in specs(sys.argv[1] if len(sys.argv) > 1 else "all"):
        c = Client()
        c.force_login(user)
        assert c.get(path).status_code == 200, path
        cpu, wall = [], []
        for _ in range(n):
            t0, w0 = time.process_time(), time.perf_counter()
            c.get(path)
            cpu.append((time.process_time() - t0) * 1000)
            wall.append((time.perf_counter() - w0) * 1000)
        with CaptureQueriesContext(connection) as q:
            c.get(path)
        sql = sum(float(x["time"]) for x in q.captured_queries) * 1000
        print(f"{label:45s} CPU p50 {statistics.median(cpu):6.1f} ms  wall {statistics.median(wall):6.1f} ms  "
              f"{len(q.captured_queries):3d} queries  SQL {sql:5.0f} ms  {path}", flush=True)


if __name__ == "__main__":
    main()
