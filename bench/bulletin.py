"""A scheduled weekly bulletin (调度通报, 每周一) of a bench city program (default: the one with the most lead units;
`--program bench-d04-1` for a district's) or the 督查通报 of bench-ledger (`--kind ledger`): the time to generate an
issue (its snapshot: figures of every unit) and to write its Word file (with its charts), its Excel workbook and its
PDF, in-process (issue #14: a weekly bulletin for 150 units with three charts ≤ 3 s).

Each step is reported as wall time and as CPU time (time.process_time of this process plus the CPU of any child
process, e.g. a PDF converter run as a program; WeasyPrint runs in-process). On a shared machine the wall time
includes waiting for a core; the CPU time is what the step costs.

    DATABASE_URL=sqlite:////tmp/copy-of-bench.sqlite3 .venv/bin/python bench/bulletin.py [--samples 3]

Run it on a copy of the bench database: it writes a subscription and its issues."""
from __future__ import annotations

import argparse
import io
import math
import os
import resource
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


def trimmed(snap: dict, units: int) -> dict:
    """The snapshot with its first `units` league rows and the same share of its red and yellow tasks (not saved)."""
    share = min(1.0, units / max(1, len(snap["league"])))
    return {**snap, "league": snap["league"][:units],
            **{k: snap[k][:math.ceil(len(snap[k]) * share)] for k in ("red_tasks", "yellow_tasks")}}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=3)
    parser.add_argument("--kind", choices=("program", "ledger"), default="program",
                        help="program: 调度通报 of the program with the most lead units; ledger: 督查通报 of bench-ledger")
    parser.add_argument("--program", default="", help="the program of a 调度通报 (code), instead of the largest")
    parser.add_argument("--units", type=int, default=0,
                        help="调度通报 only: after drawing the snapshot, keep its first N league units and the same "
                             "share of its red and yellow tasks before writing the files (the bench city has no "
                             "program with 150 lead units; the files are drawn from the snapshot alone)")
    args = parser.parse_args()
    require_migrated()
    office = Person.objects.get(username="bench_office")
    if args.kind == "ledger":
        program = Program.objects.get(code="bench-ledger")
        kind, name, formats = SeriesKind.LEDGER, "基准督查通报", ["docx", "pdf"]
        about = f"{Finding.objects.filter(program=program).count():,} findings of " \
                f"{Finding.objects.filter(program=program).values('unit_id').distinct().count()} units"
    else:
        leads_qs = TaskAssignment.objects.filter(role="lead")
        if args.program:
            leads_qs = leads_qs.filter(task__program__code=args.program)
        leads = (leads_qs.values("task__program_id").annotate(n=Count("unit_id", distinct=True)).order_by("-n")
                 .first())
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
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    names = ("generate (snapshot)", "docx (with charts)", "xlsx", "pdf", "total")
    wall: dict[str, list[float]] = {k: [] for k in names}
    cpu: dict[str, list[float]] = {k: [] for k in names}

    def cpu_now() -> float:
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        return time.process_time() + children.ru_utime + children.ru_stime

    charts = units = warnings = 0
    for _ in range(args.samples):
        marks = [(time.perf_counter(), cpu_now())]
        issue = issue_create_now(by=office, subscription=sub)
        marks.append((time.perf_counter(), cpu_now()))
        if args.units and kind == SeriesKind.PROGRAM:
            issue.snapshot = trimmed(issue.snapshot, args.units)
        docx = issue_file(issue, "docx")
        marks.append((time.perf_counter(), cpu_now()))
        xlsx = issue_file(issue, "xlsx") if "xlsx" in formats else b""
        marks.append((time.perf_counter(), cpu_now()))
        pdf = issue_file(issue, "pdf")  # draws the Word document again, then the PDF from it
        marks.append((time.perf_counter(), cpu_now()))
        for i, k in enumerate(names[:-1]):
            wall[k].append((marks[i + 1][0] - marks[i][0]) * 1000)
            cpu[k].append((marks[i + 1][1] - marks[i][1]) * 1000)
        wall["total"].append((marks[-1][0] - marks[0][0]) * 1000)
        cpu["total"].append((marks[-1][1] - marks[0][1]) * 1000)
        if kind == SeriesKind.PROGRAM:
            data = _data_from_snapshot(issue.snapshot, issue.number)
            units = len(data["league"])
            warnings = len(data["red_tasks"]) + len(data["yellow_tasks"])
        else:
            units = len(issue.snapshot.get("units", []))
        charts = sum(n.startswith("word/media/") for n in zipfile.ZipFile(io.BytesIO(docx)).namelist())
        print(f"issue {issue.number}: docx {len(docx):,} B, xlsx {len(xlsx):,} B, pdf {len(pdf):,} B", flush=True)
    print(f"units in the issue: {units}" + (f", red and yellow tasks listed: {warnings}" if warnings else "")
          + f", pictures (charts) in the Word file: {charts}")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("| step | CPU median ms | CPU max ms | wall median ms | wall max ms |")
    print("|---|---:|---:|---:|---:|")
    for k in names:
        if k == "xlsx" and "xlsx" not in formats:
            continue
        print(f"| {k} | {statistics.median(cpu[k]):,.0f} | {max(cpu[k]):,.0f} | {statistics.median(wall[k]):,.0f} "
              f"| {max(wall[k]):,.0f} |")


if __name__ == "__main__":
    main()
