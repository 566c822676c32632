"""Demo data for the ledger: the 创城督导 preset for the current year, two inspectors, and a history of
findings written through the real services at past times (clock.at), so every state shows: waiting to be
assigned, overdue, waiting for verification, returned, closed, reopened, escalated, published."""
from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from luoshi.core import clock
from luoshi.org.demo import Account, demo_photo
from luoshi.org.models import Person, Role, Unit
from luoshi.org.services import grant_role, person_create
from luoshi.core.presets import preset_load

from . import services
from .models import Finding, FindingPhoto, InspectionGroup, ProblemCategory, Severity, Source
from .photos import photo_process

INSPECTORS = [
    # username, full name, title, unit path, office role?, groups
    ("inspector", "陈刚", "市文明办督查科科长", "青岛市/市精神文明建设委员会办公室", True, ["第二督导组"]),
    ("inspector2", "赵磊", "督导组成员", "青岛市/市精神文明建设委员会办公室", False, ["第二督导组", "市交通运输局专项督导组"]),
]

# the demo accounts of the inspectors above, listed with the other apps' accounts
LEDGER_ACCOUNTS = [
    Account("inspector", "陈刚", Role.OFFICE, "青岛市/市精神文明建设委员会办公室", "市文明办督查科科长",
            note="创城督导台账：督查室（交办、确认督办升级、公开），第二督导组成员；创城月度测评：审核、公布、复核申诉"),
    Account("inspector2", "赵磊", "", "青岛市/市精神文明建设委员会办公室", "督导组成员",
            note="督导组成员：手机登记问题、核验他人发现的问题"),
]

PROBLEMS = [
    ("老旧小区环境", "小区楼道内堆放杂物，消防通道被占用", "{street}某小区3号楼", Severity.MAJOR),
    ("老旧小区环境", "小区内垃圾桶满溢，周边有散落垃圾", "{street}某小区东门", Severity.GENERAL),
    ("农贸市场及周边秩序", "市场外侧占道经营，早市摊点未按时撤离", "{street}农贸市场北侧", Severity.GENERAL),
    ("背街小巷环境卫生", "背街小巷路面坑洼积水，墙面有小广告", "{street}一条背街小巷", Severity.GENERAL),
    ("占道经营与乱堆乱放", "沿街商户出店经营，人行道被占用", "{street}主干道沿街商铺", Severity.GENERAL),
    ("交通秩序与文明出行", "非机动车乱停乱放，盲道被占", "{street}地铁站出口", Severity.GENERAL),
    ("公益广告与宣传氛围", "公益广告画面破损褪色，未及时更换", "{street}公交站台", Severity.GENERAL),
    ("建筑工地围挡", "工地围挡破损，裸土未覆盖", "{street}在建工地", Severity.SEVERE),
    ("公共场所文明行为", "公园内有不文明遛狗现象，未见劝导员", "{street}社区公园", Severity.GENERAL),
]


def _at(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, rng_minute(day, hour))))


def rng_minute(day: dt.date, hour: int) -> int:
    return (day.toordinal() * 7 + hour * 13) % 60


def ledger_demo_load(*, year: int, hashed_password: str, seed: int = 11) -> dict:
    result = preset_load(by=None, name="chuangcheng", year=year)
    program = result["program"]
    people = {}
    for username, full_name, title, path, office, groups in INSPECTORS:
        unit = None
        for part in path.split("/"):
            unit = Unit.objects.get(parent=unit, name=part)
        person = Person.objects.filter(username=username).first()
        if person is None:
            person = person_create(by=None, username=username, full_name=full_name, title=title, unit=unit,
                                   email=f"{username}@demo.luoshi.local")
            Person.objects.filter(pk=person.pk).update(password=hashed_password)
        if office:
            grant_role(by=None, person=person, role=Role.OFFICE, unit=unit)
        for g in InspectionGroup.objects.filter(program=program, name__in=groups):
            g.members.add(person)
        people[username] = person
    if not result["created_program"] or Finding.objects.filter(program=program).exists():
        return {"program": program, "findings": Finding.objects.filter(program=program).count()}
    return {"program": program, "findings": _history(program, people, random.Random(seed))}


def _liaison_of(unit: Unit) -> Person | None:
    return Person.objects.filter(grants__role=Role.LIAISON, grants__unit=unit).first()


def _ensure_liaison(unit: Unit, hashed: str | None = None) -> Person:
    person = _liaison_of(unit)
    if person is None:
        person = person_create(by=None, username=f"ll{unit.pk}", full_name=f"{unit.display_name}联络员", unit=unit)
        grant_role(by=None, person=person, role=Role.LIAISON, unit=unit)
    return person


def _history(program, people, rng: random.Random) -> int:
    today = clock.today()
    laoshan = Unit.objects.get(name="崂山区", parent__name="青岛市")
    licang = Unit.objects.get(name="李沧区", parent__name="青岛市")
    streets = list(Unit.objects.filter(parent__in=[laoshan, licang], kind="street").order_by("path"))
    categories = {c.name: c for c in ProblemCategory.objects.filter(program=program)}
    group = InspectionGroup.objects.get(program=program, name="第二督导组")
    office, inspector2 = people["inspector"], people["inspector2"]
    count = 0
    start = today - dt.timedelta(days=40)
    for day_offset in range(0, 40, 3):
        day = start + dt.timedelta(days=day_offset)
        reporter = inspector2 if day_offset % 2 else office
        verifier = office if reporter is inspector2 else inspector2
        batch = []
        for k in range(rng.randint(2, 4)):
            street = streets[(day_offset + k * 5) % len(streets)]
            cat, text, place, severity = PROBLEMS[(day_offset + k) % len(PROBLEMS)]
            data = services.FindingInput(unit=street, description=text, category=categories[cat], severity=severity,
                                         source=Source.INSPECTION if k % 3 else Source.UNDERCOVER,
                                         address=place.format(street=street.name), group=group, found_on=day)
            with clock.at(_at(day, 10 + k)):
                f = services.finding_record(by=reporter, program=program, data=data,
                                            photos=[(f"现场{k + 1}.jpg", demo_photo((150, 120, 100), rng))])
            batch.append(f)
            count += 1
        if day_offset >= 36:  # the last few days: still waiting to be assigned
            continue
        with clock.at(_at(day, 17)):
            sheets = services.sheets_issue(by=office, program=program, findings=batch)
        age = (today - day).days
        for sheet in sheets:
            liaison = _ensure_liaison(sheet.unit)
            if age > 6 and rng.random() < 0.15:
                continue  # never acknowledged: overdue
            with clock.at(_at(day + dt.timedelta(days=1), 9)):
                services.sheet_acknowledge(by=liaison, sheet=sheet)
            for f in sheet.findings.all():
                f.refresh_from_db()
                roll = rng.random()
                if age < 5 or roll < 0.2:
                    continue  # still rectifying (some of them overdue)
                done_day = day + dt.timedelta(days=rng.randint(2, 6))
                with clock.at(_at(done_day, 15)):
                    services.finding_submit(by=liaison, finding=f, text="已组织人员现场整改完毕，建立长效巡查机制。",
                                            photos=[("整改后.jpg", demo_photo((110, 150, 120), rng))])
                if roll < 0.3 or done_day >= today - dt.timedelta(days=1):
                    continue  # waiting for verification
                check_day = min(done_day + dt.timedelta(days=1), today)
                with clock.at(_at(check_day, 11)):
                    if roll < 0.38:
                        services.finding_verify(by=verifier, finding=f, close=False, method="on_site",
                                                reason="现场复查仍有杂物堆放，整改不彻底。")
                        continue
                    services.finding_verify(by=verifier, finding=f, close=True, method="on_site",
                                            reason="现场复查，整改到位。")
                if roll > 0.93 and check_day + dt.timedelta(days=5) < today:
                    with clock.at(_at(check_day + dt.timedelta(days=5), 10)):
                        services.finding_reopen(by=verifier, finding=f, text="回头看发现问题反弹，楼道再次堆放杂物。")
                elif roll > 0.7:
                    with clock.at(_at(check_day, 16)):
                        services.finding_publish(by=office, finding=f, public=True)
    # escalations: the daily job as of today, then the office confirms the oldest warnings
    services.escalations_run(today=today, notify=False)
    from .models import Escalation

    for esc in Escalation.objects.filter(program=program, step="warning").order_by("proposed_at")[:3]:
        services.escalation_decide(by=office, escalation=esc, confirm=True, held_on=today,
                                   note="已电话提醒并发送预警提醒函。")
    # photos: the demo has no worker running yet, so process them here
    for pk in FindingPhoto.objects.filter(finding__program=program, processed_at__isnull=True).values_list("pk", flat=True):
        photo_process(pk)
    return count
