"""Ledger pages under load and the weekly bulletin, on the dataset of bench/generate.py plus
bench/ledger_data.py (200,000 findings):

    .venv/bin/python bench/ledger.py [the options of bench/pages.py: --requests, --concurrency, --think, ...]
    .venv/bin/python bench/ledger.py --bulletin-only

Pages: the finding list (all, and with filters) and the unit figures page, as the city office, a district
office and a street liaison. Targets: p95 ≤ 150 ms at 20 concurrent clients. The weekly 督查通报 for the
whole city (150+ units) is timed in-process: target ≤ 3 s.
"""
from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import pages  # noqa: E402  (sets Django up)

from luoshi.core import clock  # noqa: E402
from luoshi.ledger.models import Finding  # noqa: E402
from luoshi.org.models import Person, Unit, UnitKind  # noqa: E402
from luoshi.programs.models import Program  # noqa: E402

CODE = "bench-ledger"


def ledger_pages() -> list[dict]:
    if not Finding.objects.filter(program__code=CODE).exists():
        sys.exit("No ledger findings: run bench/ledger_data.py first.")
    d01 = Unit.objects.filter(kind=UnitKind.DISTRICT).order_by("sort_order", "id").first()
    street = Unit.objects.filter(kind=UnitKind.STREET, parent=d01).order_by("sort_order", "id").first()
    users = {"city office": "bench_office", "district office": "office_d01", "street liaison": f"liaison_u{street.pk}"}
    people = {p.username: p for p in Person.objects.filter(username__in=users.values())}
    base = f"/programs/{CODE}/ledger/"
    week_ago = (clock.today() - dt.timedelta(days=30)).isoformat()
    spec = [
        ("ledger list", base, "city office"),
        ("ledger list filtered", f"{base}?status=rectifying&overdue=on", "city office"),
        ("ledger list filtered", f"{base}?unit={d01.pk}&source=inspection", "city office"),
        ("ledger list search", f"{base}?q=%E5%9E%83%E5%9C%BE", "city office"),
        ("ledger list", base, "district office"),
        ("ledger list", base, "street liaison"),
        ("unit figures", f"{base}figures/", "city office"),
        ("unit figures", f"{base}figures/?from={week_ago}", "city office"),
        ("unit figures", f"{base}figures/?by=category", "district office"),
        ("unit figures", f"{base}figures/", "street liaison"),
    ]
    return [{"label": label, "path": path, "role": role, "user": people[users[role]]} for label, path, role in spec]


def time_bulletin() -> None:
    from luoshi.documents.ledger_docs import ledger_bulletin_docx, ledger_bulletin_snapshot, ledger_snapshot_docx
    from luoshi.ledger.models import LedgerConfig

    program = Program.objects.get(code=CODE)
    office = Person.objects.get(username="bench_office")
    end = clock.today()
    for label in ("first", "again"):
        LedgerConfig.objects.filter(program=program).update(revision=LedgerConfig.objects.get(program=program).revision + 1)
        t0 = time.perf_counter()
        data = ledger_bulletin_docx(user=office, program=program, start=end - dt.timedelta(days=6), end=end)
        print(f"weekly bulletin ({label} call, figures not cached): {time.perf_counter() - t0:.2f} s, "
              f"{len(data) // 1024} KB, {Finding.objects.filter(program=program).count()} findings, "
              f"{Finding.objects.filter(program=program).values('unit_id').distinct().count()} units", flush=True)
    # a scheduled issue: the snapshot stored once, the Word file drawn from it at each download
    t0 = time.perf_counter()
    snap = ledger_bulletin_snapshot(user=office, program=program, start=end - dt.timedelta(days=6), end=end)
    t1 = time.perf_counter()
    ledger_snapshot_docx(snap)
    print(f"scheduled issue: snapshot {t1 - t0:.2f} s, Word from the snapshot {time.perf_counter() - t1:.2f} s "
          f"({len(snap['units'])} units)", flush=True)


if __name__ == "__main__":
    if "--bulletin-only" in sys.argv:
        time_bulletin()
        sys.exit(0)
    pages.pick_pages = ledger_pages
    pages.TARGETS_MS.update({"ledger list": 150, "ledger list filtered": 150, "ledger list search": 150,
                             "unit figures": 150})
    pages.main()
    time_bulletin()
