"""Add a city-scale supervision ledger to the dataset made by bench/generate.py:

    .venv/bin/python bench/ledger_data.py [--findings 200000 --seed 1]

One ledger program (bench-ledger, owned by the city office's unit) with 10 problem categories, 11 groups,
the 创城 escalation ladder, and N findings spread over a year across the ~150 streets, in every
state: older problems mostly closed out (some after a return), recent ones waiting to be assigned, signed,
rectified or verified, a few long overdue; repeats among them. Findings on a sheet are
bundled per unit and week. Each finding gets its timeline (2–6 events); overdue ones get proposed or
confirmed escalations. Rows are written with bulk_create in batches; it takes a minute or two.
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import require_migrated, setup_django  # noqa: E402

setup_django()

from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from luoshi.core import clock  # noqa: E402
from luoshi.ledger.ladder import ladder_parse  # noqa: E402
from luoshi.ledger.models import (  # noqa: E402
    AssignmentSheet, Escalation, EscalationState, EventKind, Finding, FindingEvent, FindingStatus, GroupKind,
    InspectionGroup, LedgerConfig, ProblemCategory, Severity, Source,
)
from luoshi.org.models import Person, Role, Unit, UnitKind  # noqa: E402
from luoshi.tasks.services import program_create  # noqa: E402

CODE = "bench-ledger"
CATEGORIES = ["老旧小区环境", "农贸市场及周边秩序", "背街小巷环境卫生", "占道经营与乱堆乱放", "交通秩序与文明出行",
              "公益广告与宣传氛围", "公共场所文明行为", "窗口单位服务", "建筑工地围挡", "其他问题"]
TEXTS = ["楼道内堆放杂物，消防通道被占用", "垃圾桶满溢，周边有散落垃圾", "市场外侧占道经营", "路面坑洼积水，墙面有小广告",
         "沿街商户出店经营", "非机动车乱停乱放，盲道被占", "公益广告破损褪色", "工地围挡破损，裸土未覆盖",
         "公园内不文明遛狗", "窗口服务人员脱岗"]
LADDER = [
    {"key": "warning", "name": "预警提醒", "when": [{"overdue_days": 3}], "notify": ["unit", "leader"]},
    {"key": "interview", "name": "约谈", "when": [{"overdue_days": 7}, {"repeat_within_days": 30}],
     "notify": ["unit", "leader"], "record": True},
    {"key": "criticism", "name": "通报批评", "when": [{"after_step": "interview", "overdue_days": 14}],
     "notify": ["unit", "leader", "office"], "bulletin": True},
]
BATCH = 5000


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--findings", type=int, default=200_000)
    p.add_argument("--seed", type=int, default=1)
    return p.parse_args()


def at(day: dt.date, rng: random.Random) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(8 + rng.randint(0, 9), rng.randint(0, 59))))


def main() -> None:
    args = parse_args()
    require_migrated()
    if Finding.objects.filter(program__code=CODE).exists():
        sys.exit(f"{CODE} already has findings; drop the database or delete the program first.")
    rng = random.Random(args.seed)
    t_start = time.perf_counter()
    today, now = clock.today(), clock.now()
    office = Person.objects.get(username="bench_office")
    owner = office.unit
    # the units a 创城-style ledger assigns problems to: the streets (about 150), as in the bulletin
    units = list(Unit.objects.filter(kind=UnitKind.STREET).only("id", "path", "kind"))
    inspectors = list(Person.objects.filter(grants__role=Role.OFFICE).distinct()[:12]) or [office]
    with transaction.atomic():
        program = program_create(by=None, code=CODE, name="城市管理督导问题台账（基准）", year=today.year, owner_unit=owner,
                                 cadence_kind="weekly", cadence_weekday=4)
        ladder_parse(LADDER)
        LedgerConfig.objects.create(program=program, sheet_prefix="基准督办",
                                    deadline_days={"general": 7, "major": 5, "severe": 3}, ladder=LADDER)
        cats = [ProblemCategory.objects.create(program=program, name=n, sort_order=i) for i, n in enumerate(CATEGORIES)]
        groups = []
        for i in range(11):
            g = InspectionGroup.objects.create(program=program, name=f"第{i + 1}督导组",
                                               kind=GroupKind.SUPERVISION if i < 4 else GroupKind.SPECIAL,
                                               cadence="daily" if i < 4 else "weekly", times=1 if i < 4 else 2)
            g.members.set(inspectors[i % len(inspectors): i % len(inspectors) + 2])
            groups.append(g)
    print(f"program {CODE}: {len(units)} units, {len(inspectors)} inspectors", flush=True)

    # plan: status, dates
    start = today - dt.timedelta(days=365)
    plans = []
    for seq in range(1, args.findings + 1):
        unit = rng.choice(units)
        found = start + dt.timedelta(days=int(365 * rng.random() ** 0.8))
        r = rng.random()
        age = (today - found).days
        # old problems are mostly closed out; the open ones are mostly recent (some long overdue)
        shares = ((0.50, 0.70, 0.90, 0.97) if age < 14 else (0.03, 0.10, 0.30, 0.45) if age < 60
                  else (0.0, 0.01, 0.05, 0.08))
        if age < 2 or r < shares[0]:
            status = FindingStatus.RECORDED
        elif r < shares[1]:
            status = FindingStatus.ASSIGNED
        elif r < shares[2]:
            status = FindingStatus.RECTIFYING
        elif r < shares[3]:
            status = FindingStatus.SUBMITTED
        else:
            status = FindingStatus.CLOSED
        severity = rng.choices([Severity.GENERAL, Severity.MAJOR, Severity.SEVERE], [80, 15, 5])[0]
        plans.append((seq, unit, found, status, severity))
    # sheets: per (unit, ISO week) among assigned-or-later findings
    sheet_keys: dict[tuple[int, int, int], int] = {}
    sheets = []
    for seq, unit, found, status, severity in plans:
        if status == FindingStatus.RECORDED:
            continue
        key = (unit.pk, *found.isocalendar()[:2])
        if key not in sheet_keys:
            sheet_keys[key] = len(sheets)
            issued = found + dt.timedelta(days=1)
            sheets.append(AssignmentSheet(program=program, year=issued.year, seq=len(sheets) + 1,
                                          number=f"基准督办〔{issued.year}〕第{len(sheets) + 1}号", unit_id=unit.pk,
                                          unit_path=unit.path, issued_at=at(issued, rng), issued_by=office,
                                          acknowledged_at=None))
    t0 = time.perf_counter()
    AssignmentSheet.objects.bulk_create(sheets, batch_size=BATCH)
    sheets = list(AssignmentSheet.objects.filter(program=program).order_by("seq"))
    print(f"  {len(sheets)} sheets in {time.perf_counter() - t0:.1f} s", flush=True)

    findings, events_plan, acks = [], [], {}
    for seq, unit, found, status, severity in plans:
        reporter = rng.choice(inspectors)
        f = Finding(program=program, seq=seq, code=f"{today.year}-{seq:06d}", category=rng.choice(cats),
                    description=f"{rng.choice(TEXTS)}（第{seq}号）", address=f"某路{rng.randint(1, 400)}号",
                    unit_id=unit.pk, unit_path=unit.path, severity=severity,
                    source=rng.choices(Source.values, [50, 20, 8, 4, 15, 3])[0], group=rng.choice(groups),
                    reporter=reporter, found_on=found, created_at=at(found, rng), status=status, updated_at=now)
        ev = [(EventKind.RECORDED, reporter, f.created_at, f.description)]
        if status != FindingStatus.RECORDED:
            sheet = sheets[sheet_keys[(unit.pk, *found.isocalendar()[:2])]]
            f.sheet_id = sheet.pk
            issued = sheet.issued_at
            f.deadline = issued.date() + dt.timedelta(days={"general": 7, "major": 5, "severe": 3}[severity])
            ev.append((EventKind.ASSIGNED, office, issued, sheet.number))
            if status != FindingStatus.ASSIGNED:
                ack = issued + dt.timedelta(hours=rng.randint(2, 60))
                acks[sheet.pk] = min(acks.get(sheet.pk, ack), ack)
                ev.append((EventKind.ACKNOWLEDGED, None, ack, sheet.number))
            if status in (FindingStatus.SUBMITTED, FindingStatus.CLOSED):
                sub = issued + dt.timedelta(days=rng.randint(1, 12))
                sub = min(sub, now - dt.timedelta(hours=1))
                f.first_submitted_at = sub
                ev.append((EventKind.SUBMITTED, None, sub, "已整改完毕。"))
                if status == FindingStatus.CLOSED:
                    if rng.random() < 0.12:
                        f.return_count = 1
                        ev.append((EventKind.RETURNED, rng.choice(inspectors), sub + dt.timedelta(days=1), "整改不到位。"))
                        sub = sub + dt.timedelta(days=3)
                        ev.append((EventKind.SUBMITTED, None, sub, "已再次整改。"))
                    closed = min(sub + dt.timedelta(days=rng.randint(1, 4)), now)
                    f.closed_at = f.last_closed_at = closed
                    f.closed_by = rng.choice([p for p in inspectors if p.pk != reporter.pk] or inspectors)
                    ev.append((EventKind.CLOSED, f.closed_by, closed, "整改到位。"))
                    f.is_public = rng.random() < 0.05
                    f.published_at = closed if f.is_public else None
            if status == FindingStatus.RECTIFYING and rng.random() < 0.2:
                f.repeat_count = 1
                f.last_closed_at = f.created_at + dt.timedelta(days=10)
                ev.append((EventKind.REOPENED, rng.choice(inspectors), f.last_closed_at + dt.timedelta(days=5), "回头看复发。"))
        findings.append(f)
        events_plan.append(ev)
    t0 = time.perf_counter()
    for i in range(0, len(findings), BATCH):
        Finding.objects.bulk_create(findings[i:i + BATCH])
    ids = dict(Finding.objects.filter(program=program).values_list("seq", "id"))
    print(f"  {len(findings)} findings in {time.perf_counter() - t0:.1f} s", flush=True)
    t0 = time.perf_counter()
    sheet_objs = {s.pk: s for s in sheets}
    for pk, ack in acks.items():
        sheet_objs[pk].acknowledged_at = ack
    AssignmentSheet.objects.bulk_update([sheet_objs[pk] for pk in acks], ["acknowledged_at"], batch_size=BATCH)
    print(f"  {len(acks)} sheets acknowledged in {time.perf_counter() - t0:.1f} s", flush=True)
    t0 = time.perf_counter()
    buf, n_events = [], 0
    for (seq, *_rest), ev in zip(plans, events_plan):
        fid = ids[seq]
        for kind, by, when, text in ev:
            buf.append(FindingEvent(finding_id=fid, kind=kind, by=by, at=when, text=text))
        if len(buf) >= BATCH:
            FindingEvent.objects.bulk_create(buf)
            n_events += len(buf)
            buf = []
    FindingEvent.objects.bulk_create(buf)
    n_events += len(buf)
    print(f"  {n_events} events in {time.perf_counter() - t0:.1f} s", flush=True)
    # escalations for overdue findings: older ones confirmed
    t0 = time.perf_counter()
    esc = []
    for f in Finding.objects.filter(program=program, status__in=[FindingStatus.ASSIGNED, FindingStatus.RECTIFYING],
                                    deadline__lt=today - dt.timedelta(days=3)).only("id", "unit_id", "unit_path", "deadline"):
        over = (today - f.deadline).days
        steps = [(1, "warning", "预警提醒")] + ([(2, "interview", "约谈")] if over >= 7 else [])
        for level, key, name in steps:
            confirmed = over > 20
            esc.append(Escalation(program=program, finding_id=f.pk, unit_id=f.unit_id, unit_path=f.unit_path, step=key,
                                  step_name=name, level=level, reason=f"逾期{over}天",
                                  state=EscalationState.CONFIRMED if confirmed else EscalationState.PROPOSED,
                                  proposed_at=now - dt.timedelta(days=max(over - 3, 0)),
                                  decided_at=now if confirmed else None, decided_by=office if confirmed else None,
                                  held_on=today if confirmed else None))
    Escalation.objects.bulk_create(esc, batch_size=BATCH)
    print(f"  {len(esc)} escalations in {time.perf_counter() - t0:.1f} s", flush=True)
    t0 = time.perf_counter()
    from luoshi.ledger.tallies import program_rebuild  # the maintained counts of the findings written in bulk above

    program_rebuild(program, day=today)
    print(f"  finding counts (ledger.tallies) in {time.perf_counter() - t0:.1f} s", flush=True)
    t0 = time.perf_counter()
    from django.db import connection

    with connection.cursor() as cur:  # fresh statistics, as the daily job keeps them (luoshi warnings run)
        cur.execute("ANALYZE" if connection.vendor == "sqlite" else "VACUUM ANALYZE")
    print(f"  statistics in {time.perf_counter() - t0:.1f} s", flush=True)
    print(f"done in {time.perf_counter() - t_start:.0f} s", flush=True)


if __name__ == "__main__":
    main()
