"""Time the daily job and a 5,000-row task-sheet import on the generated dataset.

    .venv/bin/python bench/jobs.py [--rows 5000 --district 1] [--skip-warnings | --skip-import] [--profile]

1. warnings_run(notify=True) over every program (the daily job): statuses, journal, reminders.
   E-mail goes to Django's in-memory backend unless LUOSHI_EMAIL_BACKEND is set, so the messages are
   built and serialised but not sent anywhere.
2. An office-style .xlsx (title, subtitle, header 序号/任务内容/具体措施/目标/牵头单位/配合单位/责任领导/完成时限,
   merged category rows "一、…", numbers 1.., "（1）" children) naming units and leaders of one district is
   imported with tasks_import_xlsx into a new program bench-import-N owned by that district's office.
   --reimport also times importing the same file again (every row becomes an update).

Both write to the database (notifications, journal entries, a new program per run).
"""
from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import db_label, setup_django  # noqa: E402

os.environ.setdefault("LUOSHI_EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
setup_django()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

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
    p.add_argument("--skip-import", action="store_true")
    p.add_argument("--reimport", action="store_true", help="also time re-importing the same sheet (all updates)")
    p.add_argument("--save-xlsx", help="keep the generated sheet at this path")
    p.add_argument("--profile", action="store_true", help="print the top functions by cumulative time")
    return p.parse_args()


def timed(label: str, fn, profile: bool):
    prof = cProfile.Profile() if profile else None
    with CaptureQueriesContext(connection) as ctx:
        t0 = time.perf_counter()
        if prof:
            prof.enable()
        result = fn()
        if prof:
            prof.disable()
        seconds = time.perf_counter() - t0
    sql_s = sum(float(q["time"]) for q in ctx.captured_queries)
    slowest = sorted(ctx.captured_queries, key=lambda q: -float(q["time"]))[:3]
    print(f"{label}: {seconds:.2f} s, {len(ctx.captured_queries)} queries, {sql_s:.2f} s in SQL", flush=True)
    for q in slowest:
        print(f"    {float(q['time']) * 1000:8.1f} ms  {q['sql'][:300]}")
    if prof:
        s = io.StringIO()
        pstats.Stats(prof, stream=s).sort_stats("cumulative").print_stats(25)
        print(s.getvalue())
    return result, seconds, len(ctx.captured_queries)


# ---- the sheet ------------------------------------------------------------------------------------------

def district_material(no: int):
    districts = list(Unit.objects.filter(kind=UnitKind.DISTRICT).order_by("sort_order", "id"))
    if not districts:
        sys.exit("No districts: run bench/generate.py first.")
    district = districts[no - 1]
    inside = Unit.objects.filter(path__startswith=district.path, is_active=True).exclude(pk=district.pk)
    streets = list(inside.filter(kind=UnitKind.STREET).values_list("name", flat=True))
    depts = list(inside.filter(kind=UnitKind.DEPARTMENT).values_list("name", flat=True))
    communities = list(inside.filter(kind=UnitKind.COMMUNITY).values_list("name", flat=True))
    office = inside.filter(kind=UnitKind.DEPARTMENT, name="区政府办公室").first() or inside.filter(kind=UnitKind.DEPARTMENT).first()
    leaders = list(Person.objects.filter(grants__role=Role.LEADER, grants__unit=district).values_list("full_name", flat=True))
    return district, office, streets, depts, communities, leaders


def build_sheet(rows: int, rng: random.Random, district: Unit, streets, depts, communities, leaders) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
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
    print(f"luoshi bench jobs → {db_label()}  today={clock.today()}  open tasks="
          f"{Task.objects.exclude(status='closed').count():,} of {Task.objects.count():,}  CPUs={os.cpu_count()}",
          flush=True)
    results = []
    if not args.skip_warnings:
        before = Notification.objects.count()
        summary, seconds, queries = timed("warnings_run(notify=True)", lambda: warnings_run(notify=True), args.profile)
        print(f"    summary {summary}; notifications {before:,} → {Notification.objects.count():,}")
        results.append(("daily job warnings_run(notify=True)", seconds, queries, TARGETS["warnings"], str(summary)))
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
        report, seconds, queries = timed(
            f"tasks_import_xlsx({args.rows} rows → {code})",
            lambda: tasks_import_xlsx(by=None, data=data, program_code=code, owner_unit=office, year=clock.today().year,
                                      filename="bench.xlsx"), args.profile)
        print(f"    created {report.created}, updated {report.updated}, rows {report.rows}, "
              f"warnings {len(report.warnings)}")
        results.append((f"import {args.rows} rows (new program)", seconds, queries, TARGETS["import"],
                        f"created {report.created}"))
        if args.reimport:
            report, seconds, queries = timed(
                f"tasks_import_xlsx again into {code}",
                lambda: tasks_import_xlsx(by=None, data=data, program_code=code, filename="bench.xlsx"), args.profile)
            print(f"    created {report.created}, updated {report.updated}, unchanged {report.unchanged}")
            results.append((f"re-import {args.rows} rows (same sheet)", seconds, queries, None,
                            f"updated {report.updated}, unchanged {report.unchanged}"))
    print()
    print("| job | seconds | SQL queries | target | result |")
    print("|---|---:|---:|---|---|")
    for label, seconds, queries, target, note in results:
        verdict = "" if target is None else f"≤ {target:.0f} s {'✅' if seconds <= target else '❌'}"
        print(f"| {label} | {seconds:.1f} | {queries} | {verdict} | {note} |")


if __name__ == "__main__":
    main()
