"""Time the daily job and a 5,000-row task-sheet import on the generated dataset.

    .venv/bin/python bench/jobs.py [--rows 5000 --district 1] [--skip-warnings | --skip-import] [--profile]

1. warnings_run(notify=True) over every program (the daily job): statuses, journal, reminders.
   E-mail goes to Django's in-memory backend unless LUOSHI_EMAIL_BACKEND is set, so the messages are
   built and serialised but not sent anywhere.
2. An office-style .xlsx (title, subtitle, header 序号/任务内容/具体措施/目标/牵头单位/配合单位/责任领导/完成时限,
   merged category rows "一、…", numbers 1.., "（1）" children) naming units and leaders of one district is
   imported with tasks_import_xlsx into a new program bench-import-N owned by that district's office.
   --reimport also times importing the same file again (every row becomes an update).

Both write to the database: notifications and journal entries stay; the imported program is deleted
again unless --keep.
"""
from __future__ import annotations

import argparse
import datetime as dt
import cProfile
import io
import os
import pstats
import random
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import CpuMeter, db_label, require_migrated, setup_django, wait_until_quiet  # noqa: E402

os.environ.setdefault("LUOSHI_EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
setup_django()

from django.db import connection, transaction  # noqa: E402

from luoshi.core import clock  # noqa: E402
from luoshi.core.models import Notification  # noqa: E402
from luoshi.org.models import Person, Role, Unit, UnitKind  # noqa: E402
from luoshi.programs.models import Program  # noqa: E402
from luoshi.tasks.importer import tasks_import_xlsx  # noqa: E402
from luoshi.tasks.models import Task  # noqa: E402
from luoshi.tasks.warnings import warnings_run  # noqa: E402

CATEGORIES = ["助企服务", "项目建设", "科技创新", "城市更新", "民生保障", "生态环保", "营商环境", "乡村振兴", "安全生产", "社会治理"]
CN = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"]
DEADLINES = ["3月底前", "6月底前", "9月底前", "10月底前", "年底前", "12月中旬", "三季度", "四季度", "上半年", "长期坚持",
             "每月", "6月底前完成方案，年底前全面完成"]
VERBS = ["推进", "加快", "深化", "完善", "落实", "实施", "开展", "健全", "提升", "优化"]
OBJECTS = ["老旧小区改造", "重点项目开工", "企业纾困帮扶", "垃圾分类", "农贸市场升级", "口袋公园建设", "养老服务设施",
           "背街小巷整治", "雨污分流改造", "高新技术企业培育", "招商引资", "安全隐患排查", "停车泊位建设", "社区食堂建设"]
MEASURES = ["制定实施方案，明确责任分工和时间节点", "建立工作台账，实行清单化管理", "完成年度目标任务，形成可复制经验",
            "加强部门协同，落实要素保障，按月报送进展"]
TARGETS = {"warnings": 30.0, "import": 10.0}


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rows", type=int, default=5000, help="task rows in the generated sheet")
    p.add_argument("--district", type=int, default=1, help="which district (1..10) the sheet is written for")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--skip-warnings", action="store_true")
    p.add_argument("--ahead", type=int, default=0, metavar="DAYS",
                   help="also run the daily job as of today+DAYS (a day on which statuses change: e.g. 3 puts "
                        "it after the 25th's 调度 day); statuses are recomputed for today afterwards (untimed)")
    p.add_argument("--cli", action="store_true",
                   help="also time the command `luoshi warnings run` end to end (a new process: start-up, the whole "
                        "daily job as cron runs it), as the day's first run")
    p.add_argument("--skip-import", action="store_true")
    p.add_argument("--reimport", action="store_true", help="also time re-importing the same sheet (all updates)")
    p.add_argument("--save-xlsx", help="keep the generated sheet at this path")
    p.add_argument("--keep", action="store_true", help="keep the imported program (default: delete it afterwards, "
                                                         "so page benchmarks see the generated dataset only)")
    p.add_argument("--clean", action="store_true",
                   help="only delete programs bench-import-* left by earlier runs (--keep, or a run that failed)")
    p.add_argument("--profile", action="store_true", help="print the top functions by cumulative time")
    p.add_argument("--noisy", type=float, default=10, metavar="PCT",
                   help="measure again when other processes used more than PCT %% of the CPU meanwhile")
    p.add_argument("--attempts", type=int, default=3, help="at most this many runs per measurement")
    return p.parse_args()


class QueryLog:
    """Counts and times every statement (connection.execute_wrapper: no 9,000-query cap, unlike
    CaptureQueriesContext), keeping the slowest few."""

    def __init__(self, keep: int = 3):
        self.count, self.seconds, self.keep, self.slowest = 0, 0.0, keep, []

    def __call__(self, execute, sql, params, many, context):
        t0 = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            took = time.perf_counter() - t0
            self.count += 1
            self.seconds += took
            if len(self.slowest) < self.keep or took > self.slowest[-1][0]:
                self.slowest = sorted(self.slowest + [(took, sql, many)], key=lambda x: -x[0])[:self.keep]


def timed(label: str, fn, args, prepare=None):
    """Run fn() once, timed, with its SQL counted. When other processes used more than --noisy % of the
    machine's CPU meanwhile, wait for quiet and run it again (up to --attempts times; prepare() first
    puts the database back as it was before fn), keeping the quietest run."""
    best = None
    for attempt in range(1, args.attempts + 1):
        if prepare:
            prepare()
        prof = cProfile.Profile() if args.profile else None
        log = QueryLog()
        busy = wait_until_quiet(20, 120)
        meter = CpuMeter([os.getpid()], connection.settings_dict["NAME"] if connection.vendor == "postgresql" else None)
        meter.start()
        with connection.execute_wrapper(log):
            t0 = time.perf_counter()
            if prof:
                prof.enable()
            result = fn()
            if prof:
                prof.disable()
            seconds = time.perf_counter() - t0
        other = meter.stop().get("cpu_other_pct", float("nan"))
        print(f"{label}: {seconds:.2f} s, {log.count} queries, {log.seconds:.2f} s waiting for the database "
              f"(CPU {busy:.0f}% busy before; used by others meanwhile {other:.0f}%)", flush=True)
        for took, sql, many in log.slowest:
            print(f"    {took * 1000:8.1f} ms  {'(executemany) ' if many else ''}{' '.join(sql.split())[:300]}")
        if prof:
            out = io.StringIO()
            pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(30)
            print(out.getvalue())
        if best is None or not other >= best[3]:
            best = (result, seconds, log.count, other)
        if not other > args.noisy:
            break
        if attempt < args.attempts:
            print(f"    (other processes used {other:.0f}% of the CPU: measuring again)", flush=True)
    return best


def delete_program(code: str) -> None:
    """Delete an imported program and its tasks (children first: Task.parent is PROTECT)."""
    program = Program.objects.get(code=code)
    with transaction.atomic():
        tasks = Task.objects.filter(program=program)
        tasks.update(parent=None)
        tasks.delete()
        program.delete()


def clear_reminders(day: dt.date) -> None:
    """Delete the reminders an earlier run sent for `day`, so every run is timed as the day's first run
    (a repeat run on the same day only finds duplicates and sends nothing)."""
    n, _ = Notification.objects.filter(dedup_key__endswith=f":{day.isoformat()}").delete()
    if n:
        print(f"(deleted {n:,} reminders of {day} left by an earlier run)")


# ---- the sheet ------------------------------------------------------------------------------------------

def district_material(no: int):
    districts = list(Unit.objects.filter(kind=UnitKind.DISTRICT).order_by("sort_order", "id"))
    if not districts:
        sys.exit("No districts: run bench/generate.py first.")
    district = districts[no - 1]
    inside = Unit.objects.filter(path__within=[district.path], is_active=True).exclude(pk=district.pk)
    streets = list(inside.filter(kind=UnitKind.STREET).values_list("name", flat=True))
    depts = list(inside.filter(kind=UnitKind.DEPARTMENT).values_list("name", flat=True))
    communities = list(inside.filter(kind=UnitKind.COMMUNITY).values_list("name", flat=True))
    office = inside.filter(kind=UnitKind.DEPARTMENT, name="区政府办公室").first() or inside.filter(kind=UnitKind.DEPARTMENT).first()
    leaders = list(Person.objects.filter(grants__role=Role.LEADER, grants__unit=district).values_list("full_name", flat=True))
    return district, office, streets, depts, communities, leaders


def build_sheet(rows: int, rng: random.Random, district: Unit, streets, depts, communities, leaders) -> bytes:
    from luoshi.core.excel import workbook_new
    from openpyxl.styles import Alignment, Font

    wb = workbook_new()
    ws = wb.active
    ws.title = "任务清单"
    header = ["序号", "任务内容", "具体措施/目标", "牵头单位", "配合单位", "责任领导", "完成时限", "备注"]
    ws.append([f"{clock.today().year}年{district.name}重点工作任务清单"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    ws.append([f"（{district.name}人民政府办公室 {clock.today():%Y年%-m月%-d日}印发）"])
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(header))
    ws.append(header)
    ws["A1"].font = Font(size=16, bold=True)
    ws["A1"].alignment = Alignment(horizontal="center")
    for c in ws[3]:
        c.font = Font(bold=True)
    units = [(streets, 40), (depts, 30), (communities, 30)]
    made, cat, number = 0, 0, 0
    per_category = max(1, rows // len(CATEGORIES))
    while made < rows:
        if made // per_category >= cat and cat < len(CATEGORIES):
            ws.append([f"{CN[cat]}、{CATEGORIES[cat]}"])
            r = ws.max_row
            ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=len(header))
            cat += 1
        number += 1
        children = rng.choice((2, 3)) if rng.random() < 0.1 else 0
        children = min(children, rows - made - 1)
        for k in range(children + 1):
            pool = rng.choices([u for u, _ in units], weights=[w for _, w in units])[0]
            lead = rng.choice(pool)
            if rng.random() < 0.1:
                other = rng.choice(depts)
                if other != lead:
                    lead = f"{lead}、{other}"
            coop = "、".join(dict.fromkeys(rng.choice(rng.choices([u for u, _ in units], weights=[w for _, w in units])[0])
                                           for _ in range(rng.choice((0, 1, 1, 2)))))
            coop = "、".join(c for c in coop.split("、") if c and c not in lead.split("、"))
            ws.append([f"（{k}）" if k else str(number),
                       f"{rng.choice(VERBS)}{rng.choice(OBJECTS)}（第{number}项{'之' + str(k) if k else ''}）",
                       rng.choice(MEASURES), lead, coop, rng.choice(leaders) if leaders else "", rng.choice(DEADLINES), ""])
            made += 1
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# ---- main -----------------------------------------------------------------------------------------------

def main() -> None:
    args = parse_args()
    require_migrated()
    print(f"luoshi bench jobs → {db_label()}  today={clock.today()}  open tasks="
          f"{Task.objects.exclude(status='closed').count():,} of {Task.objects.count():,}  CPUs={os.cpu_count()}",
          flush=True)
    if args.clean:
        for code in Program.objects.filter(code__startswith="bench-import-").values_list("code", flat=True):
            delete_program(code)
            print(f"deleted {code}")
        return
    results = []
    if not args.skip_warnings:
        today = clock.today()
        summary, seconds, queries, other = timed("warnings_run(notify=True)", lambda: warnings_run(notify=True), args,
                                                 prepare=lambda: clear_reminders(today))
        print(f"    summary {summary}")
        results.append(("daily job `warnings_run(notify=True)`", seconds, queries, other, TARGETS["warnings"],
                        str(summary)))
    if args.cli:
        cmd = [str(Path(sys.executable).with_name("luoshi")), "warnings", "run"]

        def run_cli():
            done = subprocess.run(cmd, capture_output=True, text=True, env=dict(os.environ))
            print("    " + " ".join((done.stdout + done.stderr).split())[:400])
            return done.returncode

        today = clock.today()
        code, seconds, _, other = timed("luoshi warnings run (a new process)", run_cli, args,
                                        prepare=lambda: clear_reminders(today))
        results.append(("`luoshi warnings run` (new process, whole command)", seconds, None, other,
                        TARGETS["warnings"], f"exit {code}"))
    if not args.skip_import:
        rng = random.Random(args.seed)
        district, office, streets, depts, communities, leaders = district_material(args.district)
        t0 = time.perf_counter()
        data = build_sheet(args.rows, rng, district, streets, depts, communities, leaders)
        print(f"built {args.rows}-row sheet for {district.name} ({len(data) / 1024:.0f} KiB) in "
              f"{time.perf_counter() - t0:.1f} s (not timed)", flush=True)
        if args.save_xlsx:
            Path(args.save_xlsx).write_bytes(data)
        n = 1
        while Program.objects.filter(code=f"bench-import-{n}").exists():
            n += 1
        code = f"bench-import-{n}"

        def fresh():
            if Program.objects.filter(code=code).exists():
                delete_program(code)

        report, seconds, queries, other = timed(
            f"tasks_import_xlsx({args.rows} rows → {code})",
            lambda: tasks_import_xlsx(by=None, data=data, program_code=code, owner_unit=office, year=clock.today().year,
                                      filename="bench.xlsx"), args, prepare=fresh)
        print(f"    created {report.created}, updated {report.updated}, rows {report.rows}, "
              f"warnings {len(report.warnings)}")
        results.append((f"import of a {args.rows}-row sheet (new program)", seconds, queries, other, TARGETS["import"],
                        f"created {report.created}"))
        if args.reimport:
            report, seconds, queries, other = timed(
                f"tasks_import_xlsx again into {code}",
                lambda: tasks_import_xlsx(by=None, data=data, program_code=code, filename="bench.xlsx"), args)
            print(f"    created {report.created}, updated {report.updated}, unchanged {report.unchanged}")
            results.append((f"re-import of the same sheet", seconds, queries, other, None,
                            f"updated {report.updated}, unchanged {report.unchanged}"))
        if not args.keep:
            t0 = time.perf_counter()
            delete_program(code)
            print(f"deleted {code} again ({time.perf_counter() - t0:.1f} s, not timed; --keep keeps it)")
    if args.ahead and not args.skip_warnings:
        day = clock.today() + dt.timedelta(days=args.ahead)
        attempts = [0]

        def back_to_today():
            clear_reminders(day)
            if attempts[0]:  # an earlier attempt already moved the statuses to `day`
                warnings_run(notify=False)
            attempts[0] += 1

        summary, seconds, queries, other = timed(f"warnings_run(today={day}, notify=True)",
                                                 lambda: warnings_run(today=day, notify=True), args,
                                                 prepare=back_to_today)
        print(f"    summary {summary}")
        results.append((f"daily job as of {day} (many statuses change)", seconds, queries, other, TARGETS["warnings"],
                        str(summary)))
        t0 = time.perf_counter()
        restored = warnings_run(notify=False)
        print(f"    statuses recomputed for today again ({restored['changed']} changed back, "
              f"{time.perf_counter() - t0:.1f} s, not timed)")
    if connection.vendor == "postgresql":
        # what autovacuum does on a live server (it is off on some test machines): page benchmarks run
        # after this one would otherwise read tables full of dead rows
        t0 = time.perf_counter()
        with connection.cursor() as cur:
            for table in ("tasks_task", "tasks_taskassignment", "core_notification", "core_journalentry"):
                cur.execute(f"VACUUM ANALYZE {table}")
        print(f"VACUUM ANALYZE of the tables written ({time.perf_counter() - t0:.1f} s, not timed)")
    print()
    print("| job | seconds | SQL queries | other CPU % | target | result |")
    print("|---|---:|---:|---:|---|---|")
    for label, seconds, queries, other, target, note in results:
        verdict = "" if target is None else f"≤ {target:.0f} s {'✅' if seconds <= target else '❌'}"
        print(f"| {label} | {seconds:.1f} | {'' if queries is None else queries} | {other:.0f} | {verdict} | {note} |")


if __name__ == "__main__":
    main()
