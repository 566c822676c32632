"""A scheduled weekly bulletin (调度通报, 每周一) of the bench city's program with the most lead units: the time to
generate an issue (its snapshot: figures of every unit) and to write its Word file (with its charts), its Excel
workbook and its PDF, in-process (issue #14: a weekly bulletin for 150 units with its charts ≤ 3 s).

    DATABASE_URL=sqlite:////tmp/copy-of-bench.sqlite3 .venv/bin/python bench/bulletin.py [--samples 3]

Run it on a copy of the bench database: it writes a subscription and its issues."""
from __future__ import annotations

import argparse
import io
import zipfile
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import db_label, require_migrated, setup_django  # noqa: E402

setup_django()

from django.db.models import Count  # noqa: E402

from luoshi.core import clock  # noqa: E402
from luoshi.documents.bulletin import _data_from_snapshot  # noqa: E402
from luoshi.documents.issue_files import issue_file  # noqa: E402
from luoshi.documents.models import SeriesKind, Subscription  # noqa: E402
from luoshi.ledger.models import Finding  # noqa: E402
from luoshi.documents.services import SubscriptionInput, issue_create_now, subscription_create  # noqa: E402
from luoshi.org.models import Person  # noqa: E402
from luoshi.programs.models import Program  # noqa: E402
from luoshi.tasks.models import TaskAssignment  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=3)
    parser.add_argument("--kind", choices=("program", "ledger"), default="program",
                        help="program: 调度通报 of the program with the most lead units; ledger: 督查通报 of bench-ledger")
    args = parser.parse_args()
    require_migrated()
    office = Person.objects.get(username="bench_office")
    if args.kind == "ledger":
        program = Program.objects.get(code="bench-ledger")
        kind, name, formats = SeriesKind.LEDGER, "基准督查通报", ["docx", "pdf"]
        about = f"{Finding.objects.filter(program=program).count():,} findings of " \
                f"{Finding.objects.filter(program=program).values('unit_id').distinct().count()} units"
    else:
        leads = (TaskAssignment.objects.filter(role="lead").values("task__program_id")
                 .annotate(n=Count("unit_id", distinct=True)).order_by("-n").first())
        program = Program.objects.get(pk=leads["task__program_id"])
        kind, name, formats = SeriesKind.PROGRAM, "基准调度通报", ["docx", "xlsx", "pdf"]
        about = f"{program.tasks.count():,} tasks, {leads['n']} lead units"
    sub = Subscription.objects.filter(program=program, kind=kind, name=name).first()
    if sub is None:
        sub = subscription_create(by=office, data=SubscriptionInput(
            name=name, kind=kind, owner_unit=program.owner_unit, program=program, schedule="每周一", formats=formats,
            starts_on=clock.today()))
    print(f"database: {db_label()}")
    print(f"program {program.code}: {about}")
    steps: dict[str, list[float]] = {"generate (snapshot)": [], "docx (with charts)": [], "xlsx": [], "pdf": [],
                                      "total": []}
    charts = units = 0
    for _ in range(args.samples):
        t0 = time.perf_counter()
        issue = issue_create_now(by=office, subscription=sub)
        t1 = time.perf_counter()
        docx = issue_file(issue, "docx")
        t2 = time.perf_counter()
        xlsx = issue_file(issue, "xlsx") if "xlsx" in formats else b""
        t3 = time.perf_counter()
        pdf = issue_file(issue, "pdf")
        t4 = time.perf_counter()
        for k, v in zip(steps, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t4 - t0)):
            steps[k].append(v * 1000)
        if kind == SeriesKind.PROGRAM:
            data = _data_from_snapshot(issue.snapshot, issue.number)
            units = len(data["league"])
        else:
            units = len(issue.snapshot.get("units", []))
        charts = sum(n.startswith("word/media/") for n in zipfile.ZipFile(io.BytesIO(docx)).namelist())
        print(f"issue {issue.number}: docx {len(docx):,} B, xlsx {len(xlsx):,} B, pdf {len(pdf):,} B", flush=True)
    print(f"units in the issue: {units}, pictures (charts) in the Word file: {charts}")
    print("| step | median ms | max ms |")
    print("|---|---:|---:|")
    for k, v in steps.items():
        print(f"| {k} | {statistics.median(v):,.0f} | {max(v):,.0f} |")


if __name__ == "__main__":
    main()
