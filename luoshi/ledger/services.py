"""Writes of the supervision ledger. Each function checks permission, runs in one transaction and
journals what it did; the finding's own timeline (FindingEvent) is written alongside."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils.translation import gettext as _

from luoshi.core import clock
from luoshi.core.errors import ServiceError
from luoshi.core.files import IMAGE_TYPES, attachment_store
from luoshi.core.journal import diff, journal_record, snapshot
from luoshi.core.language import Text
from luoshi.core.notify import notify_people
from luoshi.core.permissions import require
from luoshi.org.lookups import path_within
from luoshi.org.models import Pairing, Person, Role, RoleGrant, Unit
from luoshi.org.resolve import region_of
from luoshi.org.scopes import ancestor_paths
from luoshi.programs.models import Program

from . import permissions as perms
from . import tallies
from .ladder import FindingFacts, earned_steps, ladder_parse
from .models import (
    OPEN_STATUSES, OWING_STATUSES, AssignmentSheet, Escalation, EscalationState, EventKind, Finding, FindingEvent,
    FindingPhoto, FindingStatus, InspectionGroup, InspectionRound, LedgerConfig, PhotoStage, ProblemCategory,
    Severity, Source,
)

MAX_PHOTOS = 9
EDITABLE = ("category_id", "description", "address", "latitude", "longitude", "unit_id", "severity", "source",
            "task_id", "indicator_code", "found_on", "deadline")


def ledger_config(program: Program) -> LedgerConfig:
    config = getattr(program, "ledger", None)
    if config is None:
        raise ServiceError(_("专项工作“%(name)s”没有启用问题台账。") % {"name": program.name})
    return config


def _require_manage(by, program: Program) -> None:
    require(perms.can_manage(by, program), _("只有该专项工作的督查室/办公室可以进行此操作。"))


def _require_inspector(by, program: Program) -> None:
    require(perms.is_inspector(by, program), _("只有督导组成员或督查室可以登记和核验问题。"))


def _event(finding: Finding, kind: str, by, now: dt.datetime, text: str = "", **data) -> FindingEvent:
    return FindingEvent.objects.create(finding=finding, kind=kind, by=by if getattr(by, "pk", None) else None,
                                       at=now, text=text, data=data)


def _journal(by, verb: str, finding: Finding, changes=None, reason: str = "") -> None:
    journal_record(actor=by, verb=verb, obj=finding, changes=changes or {}, reason=reason, scope_path=finding.unit_path)


def _photos(by, finding: Finding, stage: str, files, event: FindingEvent | None) -> list[FindingPhoto]:
    files = list(files or [])
    if len(files) > MAX_PHOTOS:
        raise ServiceError(_("一次最多上传 %(n)s 张照片。") % {"n": MAX_PHOTOS}, field="photos")
    out, stored = [], []
    try:
        for name, data in files:
            att = attachment_store(by=by, name=name, data=data, allowed=IMAGE_TYPES)
            stored.append(att)
            out.append(FindingPhoto.objects.create(finding=finding, event=event, stage=stage, original=att))
    except ServiceError:
        # the caller's transaction rolls the rows back; the files already written go too
        for att in stored:
            att.file.delete(save=False)
        raise
    if out:
        from .photos import schedule_processing

        schedule_processing([p.pk for p in out])
    return out


# ---- recipients -----------------------------------------------------------------------------------

def unit_people(unit_paths: list[str], audience: str) -> dict[str, set[int]]:
    """unit path → people to tell: 'unit' = liaisons over the unit (itself or an ancestor, as for tasks);
    'leader' = leaders granted on the unit itself and leaders paired (包联) with it."""
    wanted = {p for path in unit_paths for p in ancestor_paths(path)}
    out: dict[str, set[int]] = defaultdict(set)
    if audience == "unit":
        grants = defaultdict(set)
        for pid, path in RoleGrant.objects.filter(role=Role.LIAISON, unit__path__in=wanted).values_list("person_id", "unit__path"):
            grants[path].add(pid)
        for path in unit_paths:
            for a in ancestor_paths(path):
                out[path] |= grants.get(a, set())
    elif audience == "leader":
        for pid, path in RoleGrant.objects.filter(role=Role.LEADER, unit__path__in=unit_paths).values_list("person_id", "unit__path"):
            out[path].add(pid)
        for pid, path in Pairing.objects.filter(target_unit__path__in=unit_paths, helper_person__isnull=False
                                                ).values_list("helper_person_id", "target_unit__path"):
            out[path].add(pid)
    return out


def office_people(program: Program) -> set[int]:
    """督查室 staff who manage the program: office grants on the owner unit or on an ancestor of it up to
    its district (or city), the same people perms.can_manage lets in, short of the city over a district."""
    owner = program.owner_unit
    region = region_of(owner)
    paths = [p for p in ancestor_paths(owner.path) if path_within(p, [region.path])]
    return set(RoleGrant.objects.filter(role=Role.OFFICE, unit__path__in=paths).values_list("person_id", flat=True))


def _send(recipients, kind: str, title: Text, body: Text, url: str, key: str) -> None:
    """Title and body as functions are written in each recipient's language (core.language)."""
    notify_people(recipients, kind=kind, title=title, body=body, url=url, dedup_key=key)


def _tell_unit(finding_or_sheet, kind: str, title: Text, body: Text, url: str, key: str) -> None:
    path = finding_or_sheet.unit_path
    _send(unit_people([path], "unit").get(path, set()), kind, title, body, url, key)


# ---- categories, groups and rounds ------------------------------------------------------------------

def group_create(*, by, program: Program, name: str, kind: str, cadence: str = "weekly", times: int = 1,
                 leader: Person | None = None, members=(), units=()) -> InspectionGroup:
    _require_manage(by, program)
    with transaction.atomic():
        if InspectionGroup.objects.filter(program=program, name=name).exists():
            raise ServiceError(_("督导组“%(name)s”已存在。") % {"name": name}, field="name")
        group = InspectionGroup.objects.create(program=program, name=name, kind=kind, cadence=cadence, times=times,
                                               leader=leader)
        group.members.set(list(members))
        group.units.set(list(units))
        journal_record(actor=by, verb="ledger.group_create", obj=group, scope_path=program.owner_unit.path,
                       changes={"name": name, "kind": kind, "cadence": cadence, "times": times,
                                "members": [p.display_name for p in members], "units": [u.name for u in units]})
    return group


def round_create(*, by, group: InspectionGroup, date: dt.date, units=(), note: str = "") -> InspectionRound:
    require(perms.can_manage(by, group.program) or group.members.filter(pk=by.pk).exists(),
            _("只有本组成员或督查室可以安排督导。"))
    with transaction.atomic():
        rnd = InspectionRound.objects.create(group=group, date=date, note=note, created_by=by, created_at=clock.now())
        rnd.units.set(list(units) or list(group.units.all()))
        journal_record(actor=by, verb="ledger.round_create", obj=rnd, scope_path=group.program.owner_unit.path,
                       changes={"date": date, "units": [u.name for u in rnd.units.all()]})
    return rnd


def round_done(*, by, round: InspectionRound, note: str = "") -> InspectionRound:
    group = round.group
    require(perms.can_manage(by, group.program) or group.members.filter(pk=by.pk).exists(),
            _("只有本组成员或督查室可以记录督导结果。"))
    with transaction.atomic():
        round.done_at = clock.now()
        if note:
            round.note = note
        round.save(update_fields=["done_at", "note"])
        journal_record(actor=by, verb="ledger.round_done", obj=round, scope_path=group.program.owner_unit.path,
                       changes={"findings": round.findings.count()})
    return round


# ---- findings -------------------------------------------------------------------------------------

@dataclass
class FindingInput:
    unit: Unit
    description: str
    category: ProblemCategory | None = None
    severity: str = Severity.GENERAL
    source: str = Source.INSPECTION
    address: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    group: InspectionGroup | None = None
    round: InspectionRound | None = None
    task: object | None = None
    indicator_code: str = ""
    found_on: dt.date | None = None


def _check_input(program: Program, data: FindingInput) -> None:
    if not (data.description or "").strip():
        raise ServiceError(_("请填写问题描述。"), field="description")
    if data.severity not in Severity.values:
        raise ServiceError(_("未知的严重程度“%(v)s”。") % {"v": data.severity}, field="severity")
    if data.source not in Source.values:
        raise ServiceError(_("未知的问题来源“%(v)s”。") % {"v": data.source}, field="source")
    if data.category is not None and data.category.program_id != program.pk:
        raise ServiceError(_("问题类别不属于本专项工作。"), field="category")
    if data.group is not None and data.group.program_id != program.pk:
        raise ServiceError(_("督导组不属于本专项工作。"), field="group")
    if data.task is not None and data.task.program_id != program.pk:
        raise ServiceError(_("关联任务不属于本专项工作。"), field="task")
    region = region_of(program.owner_unit)
    if not path_within(data.unit.path, [region.path]):
        raise ServiceError(_("责任单位“%(unit)s”不在%(region)s范围内。") % {"unit": data.unit.name, "region": region.name},
                           field="unit")
    for value, low, high, field in ((data.latitude, -90, 90, "latitude"), (data.longitude, -180, 180, "longitude")):
        if value is not None and not (low <= value <= high):
            raise ServiceError(_("坐标超出范围。"), field=field)
    today = clock.today()
    if data.found_on and data.found_on > today:
        raise ServiceError(_("发现日期不能晚于今天。"), field="found_on")


def _next_seq(config: LedgerConfig) -> int:
    # The config row is locked for the numbering, so two inspectors saving at once get different numbers.
    LedgerConfig.objects.select_for_update().filter(pk=config.pk).first()
    return (Finding.objects.filter(program_id=config.program_id).aggregate(m=Max("seq"))["m"] or 0) + 1


def finding_code(program: Program, seq: int) -> str:
    return f"{program.year}-{seq:05d}"


def finding_record(*, by, program: Program, data: FindingInput, photos=()) -> Finding:
    """An inspector records a problem (with before-photos). It waits for an assignment sheet."""
    config = ledger_config(program)
    _require_inspector(by, program)
    _check_input(program, data)
    now = clock.now()
    found_on = data.found_on or clock.today()
    if data.round is None and data.group is not None:
        # found during the group's round of that day, when one was planned
        data.round = InspectionRound.objects.filter(group=data.group, date=found_on).first()
    with transaction.atomic(), tallies.tracking(program.pk) as tracked:
        seq = _next_seq(config)
        finding = Finding.objects.create(
            program=program, seq=seq, code=finding_code(program, seq), category=data.category,
            description=data.description.strip(), address=data.address.strip(), latitude=data.latitude,
            longitude=data.longitude, unit=data.unit, unit_path=data.unit.path, severity=data.severity,
            source=data.source, group=data.group, round=data.round, task=data.task,
            indicator_code=data.indicator_code or (data.category.indicator_code if data.category else ""),
            reporter=by, found_on=found_on, created_at=now, updated_at=now)
        tracked.add(finding.pk)
        event = _event(finding, EventKind.RECORDED, by, now, finding.description)
        _photos(by, finding, PhotoStage.BEFORE, photos, event)
        _journal(by, "ledger.finding_record", finding, snapshot(finding, ("code", "unit_id", "severity", "source",
                                                                          "category_id", "description", "address")))
    return finding


def finding_update(*, by, finding: Finding, reason: str = "", **changes) -> Finding:
    """Correct a finding (the office, or its reporter while it is not yet closed)."""
    program = finding.program
    require(perms.can_manage(by, program) or (finding.reporter_id == by.pk and perms.is_inspector(by, program)),
            _("只有督查室或问题发现人可以修改问题。"))
    if finding.status == FindingStatus.CLOSED:
        raise ServiceError(_("问题已销号，不能修改；如问题复发，请使用“复发重开”。"))
    unknown = set(changes) - {f.removesuffix("_id") for f in EDITABLE}
    if unknown:
        raise ServiceError(_("不能修改的字段：%(f)s") % {"f": "、".join(sorted(unknown))})
    before = snapshot(finding, EDITABLE)
    for key, value in changes.items():
        setattr(finding, key, value)
    data = FindingInput(unit=finding.unit, description=finding.description, category=finding.category,
                        severity=finding.severity, source=finding.source, address=finding.address,
                        latitude=finding.latitude, longitude=finding.longitude, group=finding.group,
                        task=finding.task, found_on=finding.found_on)
    _check_input(program, data)
    if "unit" in changes and finding.sheet_id:
        raise ServiceError(_("问题已交办，不能改责任单位；请退回后重新交办。"), field="unit")
    finding.unit_path = finding.unit.path
    after = snapshot(finding, EDITABLE)
    changed = diff(before, after)
    if not changed:
        return finding
    with transaction.atomic():
        finding.updated_at = clock.now()
        with tallies.tracking(finding.program_id, [finding.pk]):
            finding.save()
        _event(finding, EventKind.EDITED, by, finding.updated_at, reason, fields=sorted(changed))
        _journal(by, "ledger.finding_update", finding, changed, reason)
    return finding


# ---- assignment sheets (交办单) --------------------------------------------------------------------

def sheets_issue(*, by, program: Program, findings: list[Finding], requirements: str = "",
                 deadline: dt.date | None = None) -> list[AssignmentSheet]:
    """Bundle recorded findings into one numbered sheet per unit. Deadlines follow the severity unless
    one `deadline` is given for all."""
    config = ledger_config(program)
    _require_manage(by, program)
    if not findings:
        raise ServiceError(_("请至少选择一个待交办的问题。"))
    now, today = clock.now(), clock.today()
    if deadline is not None and deadline < today:
        raise ServiceError(_("整改时限不能早于今天。"), field="deadline")
    sheets = []
    with transaction.atomic():
        ids = [f.pk for f in findings]
        fresh = list(Finding.objects.select_for_update().filter(pk__in=ids, program=program).select_related("unit"))
        if len(fresh) != len(set(ids)):
            raise ServiceError(_("所选问题不属于本专项工作。"))
        not_ready = [f.code for f in fresh if f.status != FindingStatus.RECORDED]
        if not_ready:
            raise ServiceError(_("以下问题已交办或已处理，不能重复交办：%(codes)s") % {"codes": "、".join(not_ready)})
        by_unit: dict[int, list[Finding]] = defaultdict(list)
        for f in fresh:
            by_unit[f.unit_id].append(f)
        LedgerConfig.objects.select_for_update().filter(pk=config.pk).first()
        year = today.year
        seq = AssignmentSheet.objects.filter(program=program, year=year).aggregate(m=Max("seq"))["m"] or 0
        # in tree order (path "/1/2/9/" before "/1/2/10/")
        with tallies.tracking(program.pk, ids):
            for unit_id, group in sorted(by_unit.items(), key=lambda kv: kv[1][0].unit.ancestor_ids()):
                seq += 1
                unit = group[0].unit
                sheet = AssignmentSheet.objects.create(
                    program=program, year=year, seq=seq, number=f"{config.sheet_prefix}〔{year}〕第{seq}号", unit=unit,
                    unit_path=unit.path, requirements=requirements or config.requirements, issued_at=now, issued_by=by)
                for f in group:
                    f.sheet = sheet
                    f.status = FindingStatus.ASSIGNED
                    f.deadline = deadline or today + dt.timedelta(days=config.days_for(f.severity))
                    f.updated_at = now
                    _event(f, EventKind.ASSIGNED, by, now, sheet.number, sheet=sheet.number, deadline=f.deadline.isoformat())
                Finding.objects.bulk_update(group, ["sheet", "status", "deadline", "updated_at"])
                journal_record(actor=by, verb="ledger.sheet_issue", obj=sheet, scope_path=unit.path,
                               changes={"number": sheet.number, "unit": unit.name, "findings": [f.code for f in group]})
                sheets.append(sheet)
    for sheet in sheets:
        n = sheet.findings.count()
        _tell_unit(sheet, "ledger_sheet", lambda sheet=sheet: _("收到交办单 %(number)s") % {"number": sheet.number},
                   lambda n=n: _("共 %(n)s 个问题，请及时签收并整改。") % {"n": n},
                   reverse("ledger_sheet", args=[sheet.pk]), f"sheet:{sheet.pk}")
    return sheets


def sheet_acknowledge(*, by, sheet: AssignmentSheet) -> AssignmentSheet:
    require(perms.acts_for_unit(by, sheet.unit_path), _("只有责任单位的联络员可以签收交办单。"))
    if sheet.acknowledged_at:
        raise ServiceError(_("交办单已于 %(at)s 签收。") % {"at": f"{clock.localtime(sheet.acknowledged_at):%Y-%m-%d %H:%M}"})
    now = clock.now()
    with transaction.atomic():
        sheet.acknowledged_at, sheet.acknowledged_by = now, by
        sheet.save(update_fields=["acknowledged_at", "acknowledged_by"])
        findings = list(sheet.findings.filter(status=FindingStatus.ASSIGNED))
        for f in findings:
            f.status, f.updated_at = FindingStatus.RECTIFYING, now
            _event(f, EventKind.ACKNOWLEDGED, by, now, sheet.number)
        with tallies.tracking(sheet.program_id, [f.pk for f in findings]):
            Finding.objects.bulk_update(findings, ["status", "updated_at"])
        journal_record(actor=by, verb="ledger.sheet_acknowledge", obj=sheet, scope_path=sheet.unit_path,
                       changes={"findings": len(findings)})
    return sheet


# ---- rectification and 销号 -----------------------------------------------------------------------

def finding_submit(*, by, finding: Finding, text: str, photos=()) -> Finding:
    """The unit reports what it did, with after-photos. Reporting on an unsigned sheet signs it."""
    require(perms.acts_for_unit(by, finding), _("只有责任单位的联络员可以报送整改情况。"))
    if finding.status not in OWING_STATUSES:
        raise ServiceError(_("问题当前状态为“%(s)s”，不能报送整改。") % {"s": finding.get_status_display()})
    if not (text or "").strip():
        raise ServiceError(_("请填写整改情况。"), field="text")
    now = clock.now()
    with transaction.atomic():  # signing the sheet and reporting stand or fall together
        if finding.status == FindingStatus.ASSIGNED and finding.sheet and not finding.sheet.acknowledged_at:
            sheet_acknowledge(by=by, sheet=finding.sheet)
            finding.refresh_from_db()
        finding.status = FindingStatus.SUBMITTED
        finding.first_submitted_at = finding.first_submitted_at or now
        finding.updated_at = now
        with tallies.tracking(finding.program_id, [finding.pk]):  # after the signing above, which counts itself
            finding.save(update_fields=["status", "first_submitted_at", "updated_at"])
        event = _event(finding, EventKind.SUBMITTED, by, now, text.strip())
        _photos(by, finding, PhotoStage.AFTER, photos, event)
        _journal(by, "ledger.finding_submit", finding, {"status": [FindingStatus.RECTIFYING, FindingStatus.SUBMITTED]})
    if finding.reporter_id:
        _send([finding.reporter_id] + sorted(office_people(finding.program)), "ledger_submitted",
              lambda: _("问题 %(code)s 已报整改，待核验") % {"code": finding.code}, text.strip()[:200],
              reverse("ledger_finding", args=[finding.pk]), f"submitted:{finding.pk}:{now:%Y%m%d%H%M%S}")
    return finding


def finding_verify(*, by, finding: Finding, close: bool, method: str = "evidence", reason: str = "") -> Finding:
    """An inspector other than the one who found it checks the rectification: 销号, or back with a reason."""
    program = finding.program
    _require_inspector(by, program)
    require(finding.reporter_id != by.pk, _("核验须由问题发现人以外的督导人员进行。"))
    require(not perms.is_unit_liaison(by, finding), _("责任单位的人员不能核验本单位的问题。"))
    last_report = finding.events.filter(kind=EventKind.SUBMITTED).order_by("-at", "-id").values_list("by_id", flat=True).first()
    require(last_report != by.pk, _("报送整改的人不能核验自己报送的整改。"))
    if finding.status != FindingStatus.SUBMITTED:
        raise ServiceError(_("只有“待核验”的问题可以核验（当前：%(s)s）。") % {"s": finding.get_status_display()})
    if method not in ("on_site", "evidence"):
        raise ServiceError(_("核验方式应为实地核验或佐证材料核验。"), field="method")
    if not close and not (reason or "").strip():
        raise ServiceError(_("退回须写明原因。"), field="reason")
    now = clock.now()
    with transaction.atomic():
        before = finding.status
        if close:
            finding.status, finding.closed_at, finding.closed_by, finding.last_closed_at = \
                FindingStatus.CLOSED, now, by, now
            _event(finding, EventKind.CLOSED, by, now, reason.strip(), method=method)
        else:
            finding.status = FindingStatus.RECTIFYING
            finding.return_count += 1
            _event(finding, EventKind.RETURNED, by, now, reason.strip(), method=method)
        finding.updated_at = now
        with tallies.tracking(finding.program_id, [finding.pk]):
            finding.save()
        _journal(by, "ledger.finding_close" if close else "ledger.finding_return", finding,
                 {"status": [before, finding.status], "method": method}, reason)
    def title() -> str:
        return (_("问题 %(code)s 已核验销号") if close else _("问题 %(code)s 被退回重改")) % {"code": finding.code}

    _tell_unit(finding, "ledger_verified", title, reason, reverse("ledger_finding", args=[finding.pk]),
               f"verified:{finding.pk}:{now:%Y%m%d%H%M%S}")
    return finding


def finding_reopen(*, by, finding: Finding, text: str, photos=()) -> Finding:
    """回头看: the problem is back after closure. Same finding, history kept, a repeat counted."""
    program = finding.program
    _require_inspector(by, program)
    if finding.status != FindingStatus.CLOSED:
        raise ServiceError(_("只有已销号的问题可以复发重开。"))
    if not (text or "").strip():
        raise ServiceError(_("请说明复发情况。"), field="text")
    config = ledger_config(program)
    now, today = clock.now(), clock.today()
    with transaction.atomic():
        finding.repeat_count += 1
        finding.status = FindingStatus.RECTIFYING
        finding.closed_at, finding.closed_by = None, None
        finding.deadline = today + dt.timedelta(days=config.days_for(finding.severity))
        finding.updated_at = now
        with tallies.tracking(finding.program_id, [finding.pk]):
            finding.save()
        event = _event(finding, EventKind.REOPENED, by, now, text.strip(), repeat=finding.repeat_count,
                       deadline=finding.deadline.isoformat())
        _photos(by, finding, PhotoStage.BEFORE, photos, event)
        _journal(by, "ledger.finding_reopen", finding, {"status": [FindingStatus.CLOSED, FindingStatus.RECTIFYING],
                                                         "repeat_count": finding.repeat_count}, text)
    _tell_unit(finding, "ledger_reopened", lambda: _("问题 %(code)s 复发，已重新交办") % {"code": finding.code}, text[:200],
               reverse("ledger_finding", args=[finding.pk]), f"reopened:{finding.pk}:{finding.repeat_count}")
    return finding


def finding_publish(*, by, finding: Finding, public: bool) -> Finding:
    """Show the problem on the public 曝光台 (or take it off). Personal data is never part of what shows."""
    _require_manage(by, finding.program)
    if finding.is_public == public:
        return finding
    now = clock.now()
    with transaction.atomic():
        finding.is_public = public
        finding.published_at = now if public else None
        finding.updated_at = now
        finding.save(update_fields=["is_public", "published_at", "updated_at"])
        _event(finding, EventKind.PUBLISHED if public else EventKind.UNPUBLISHED, by, now)
        _journal(by, "ledger.finding_publish", finding, {"is_public": [not public, public]})
    return finding


# ---- escalation ----------------------------------------------------------------------------------

def escalations_run(*, today: dt.date | None = None, notify: bool = True) -> dict:
    """The daily job's ledger part: propose every ladder step a finding has newly earned."""
    today = today or clock.today()
    now = clock.now()
    summary = {"programs": 0, "findings": 0, "proposed": 0}
    for config in LedgerConfig.objects.select_related("program__owner_unit").filter(program__is_archived=False):
        ladder = ladder_parse(config.ladder)
        if not ladder.steps:
            continue
        program = config.program
        summary["programs"] += 1
        candidates = list(Finding.objects.filter(program=program, status__in=OPEN_STATUSES).filter(
            _earnable(today)).only("id", "unit_id", "unit_path", "severity", "status", "deadline", "return_count",
                              "repeat_count", "last_closed_at", "code"))
        if not candidates:
            continue
        summary["findings"] += len(candidates)
        ids = [f.pk for f in candidates]
        level_of = {step.key: level for level, step in enumerate(ladder.steps, start=1)}
        # per (finding, cycle): the highest step already proposed, whether one still waits for the office,
        # and the steps the office confirmed
        reached: dict[tuple[int, int], int] = defaultdict(int)
        waiting: set[tuple[int, int]] = set()
        confirmed: dict[tuple[int, int], set[str]] = defaultdict(set)
        for fid, step, cycle, state in Escalation.objects.filter(finding_id__in=ids).values_list(
                "finding_id", "step", "cycle", "state"):
            reached[(fid, cycle)] = max(reached[(fid, cycle)], level_of.get(step, 0))
            if state == EscalationState.PROPOSED:
                waiting.add((fid, cycle))
            elif state == EscalationState.CONFIRMED:
                confirmed[(fid, cycle)].add(step)
        unit_confirmed: dict[int, dict[str, list[dt.date]]] = defaultdict(lambda: defaultdict(list))
        for unit_id, step, held, decided in Escalation.objects.filter(
                program=program, state=EscalationState.CONFIRMED, unit_id__in={f.unit_id for f in candidates}
        ).values_list("unit_id", "step", "held_on", "decided_at"):
            unit_confirmed[unit_id][step].append(held or clock.localtime(decided).date())
        new = []
        for f in candidates:
            facts = FindingFacts(
                severity=f.severity, overdue_days=f.overdue_days(today),
                days_since_last_close=((today - clock.localtime(f.last_closed_at).date()).days
                                       if f.repeat_count and f.last_closed_at else None),
                return_count=f.return_count, confirmed_steps=confirmed[(f.pk, f.repeat_count)],
                unit_confirmed=unit_confirmed[f.unit_id])
            key = (f.pk, f.repeat_count)
            if key in waiting:
                continue  # one open step per finding: the office decides it before the next is proposed
            # the ladder goes up: only steps above the highest one already proposed in this cycle, and of those
            # only the highest (a finding 7 days overdue gets 约谈, not 预警提醒 and 约谈 together)
            earned = [e for e in earned_steps(ladder, facts, today) if e[0] > reached[key]]
            if earned:
                level, step, reason = earned[-1]
                new.append(Escalation(program=program, finding=f, unit_id=f.unit_id, unit_path=f.unit_path,
                                      step=step.key, step_name=step.name, level=level, cycle=f.repeat_count,
                                      reason=reason, proposed_at=now, in_bulletin=step.bulletin))
        if new:
            with transaction.atomic():
                Escalation.objects.bulk_create(new, batch_size=1000, ignore_conflicts=True)
                journal_record(actor=None, verb="ledger.escalations_propose", obj=program,
                               scope_path=program.owner_unit.path,
                               changes={"proposed": len(new), "by_step": _count_by(new)})
            summary["proposed"] += len(new)
            if notify:
                _send(office_people(program), "ledger_escalation",
                      lambda: _("%(program)s：%(n)s 项督办升级待确认") % {"program": program.name, "n": len(new)},
                      "；".join(f"{k} {v} 项" for k, v in _count_by(new).items()),
                      reverse("ledger_escalations", args=[program.code]), f"escalations:{program.pk}:{today}")
    return summary


def _earnable(today: dt.date):
    """Open findings that could have earned a step: overdue, returned, or reopened (the rest cannot)."""
    from django.db.models import Q

    return Q(status__in=OWING_STATUSES, deadline__lt=today) | Q(return_count__gt=0) | Q(repeat_count__gt=0)


def _count_by(rows: list[Escalation]) -> dict[str, int]:
    out: dict[str, int] = {}
    for e in rows:
        out[e.step_name] = out.get(e.step_name, 0) + 1
    return out


def escalation_decide(*, by, escalation: Escalation, confirm: bool, held_on: dt.date | None = None,
                      attendees: str = "", minutes: str = "", note: str = "", document=None) -> Escalation:
    """The office confirms a proposed step (recording the 约谈 etc.) or decides not to take it."""
    program = escalation.program
    _require_manage(by, program)
    if escalation.state != EscalationState.PROPOSED:
        raise ServiceError(_("该措施已处理（%(s)s）。") % {"s": escalation.get_state_display()})
    steps = {s.key: s for s in ladder_parse(ledger_config(program).ladder).steps}
    step = steps.get(escalation.step)
    if confirm and step is not None and step.record:
        missing = [label for value, label in ((held_on, _("实施日期")), (attendees.strip(), _("参加人员")),
                                              (minutes.strip(), _("记录/纪要"))) if not value]
        if missing:
            raise ServiceError(_("确认“%(step)s”须填写：%(fields)s。") % {"step": escalation.step_name,
                                                                     "fields": "、".join(missing)})
    if not confirm and not note.strip():
        raise ServiceError(_("不采取措施须写明理由。"), field="note")
    now = clock.now()
    with transaction.atomic():
        escalation.state = EscalationState.CONFIRMED if confirm else EscalationState.DISMISSED
        escalation.decided_at, escalation.decided_by = now, by
        escalation.held_on = (held_on or clock.today()) if confirm else None
        escalation.attendees, escalation.minutes, escalation.note = attendees.strip(), minutes.strip(), note.strip()
        if document:
            escalation.document = attachment_store(by=by, name=document[0], data=document[1])
        escalation.save()
        if confirm:
            _event(escalation.finding, EventKind.ESCALATED, by, now, escalation.step_name,
                   step=escalation.step, reason=escalation.reason)
        journal_record(actor=by, verb="ledger.escalation_confirm" if confirm else "ledger.escalation_dismiss",
                       obj=escalation, scope_path=escalation.unit_path, reason=note,
                       changes={"step": escalation.step_name, "finding": escalation.finding.code,
                                "held_on": escalation.held_on, "attendees": escalation.attendees,
                                "document": escalation.document.original_name if escalation.document else None})
    if confirm:
        recipients: set[int] = set()
        for audience in (step.notify if step else ["unit"]):
            if audience == "office":
                recipients |= office_people(program)
            else:
                recipients |= unit_people([escalation.unit_path], audience).get(escalation.unit_path, set())
        finding = escalation.finding
        _send(recipients, "ledger_escalation", lambda: _("督办%(step)s：问题 %(code)s") % {
                  "step": escalation.step_name, "code": finding.code},
              lambda: _("原因：%(reason)s。请立即整改并报送。") % {"reason": escalation.reason},
              reverse("ledger_finding", args=[finding.pk]), f"escalation:{escalation.pk}")
    return escalation
