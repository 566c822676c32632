"""Writes of procedures. Each function checks permission, runs in one transaction and writes the journal.

A case moves through its definition's steps: the first step opens when the case starts; a 通过 opens the steps
it names (several at once for 部门联审; a step with `join` opens when all its joined steps have passed);
a 退回 closes the open steps and reopens the step it names (every step after it must be passed again); a
不通过 ends the case. Each step's deadline is set when it opens (working days by core.workdays, calendar days or
months, or months before a date of the case) and its light (正常/临期/逾期) is kept by the daily job.
"""
from __future__ import annotations

import calendar
import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from luoshi.core import clock
from luoshi.core.errors import ServiceError
from luoshi.core.files import attachment_store
from luoshi.core.journal import journal_record
from luoshi.core.permissions import require
from luoshi.core.specs import SpecError, spec_problem
from luoshi.core.validation import clean_text
from luoshi.core.workdays import deadline_after
from luoshi.org.lookups import path_within
from luoshi.org.models import Role, Unit, UnitKind
from luoshi.org.resolve import unit_named
from luoshi.org.scopes import scope_for

from .calc import amounts_compute, money_text
from .models import (Case, CaseDocument, CaseState, CaseStep, Definition, Institution, InstitutionState, Light,
                     Notice, NoticeKind, OperationRecord, StepState)
from .spec import CASE_UNITS, DecisionSpec, FieldSpec, ProcedureSpec, StepSpec, procedure_parse


# ---- definitions --------------------------------------------------------------------------------------------

def definition_load(*, by, text: str, spec: ProcedureSpec | None = None, source: str = "") -> dict:
    """Store the definition: a new code gets version 1; a changed text of a known code gets the next version (the
    running cases keep theirs); the same text again changes nothing. Unit names are resolved under the owner unit;
    a name not found is a located error and nothing is written."""
    spec = spec or procedure_parse(text, source)
    owner = unit_named(spec.owner)
    if owner is None:
        raise SpecError([spec_problem(text, ("owner",), _("找不到单位“%(name)s”。") % {"name": spec.owner}, source=source)])
    if by is not None:
        require(scope_for(by).covers(owner.path, Role.OFFICE), _("只有主管单位的办公室可以加载程序定义。"))
    units: dict[str, int] = {}
    problems = []
    for i, step in enumerate(spec.steps):
        name = step.actor.unit
        if name in CASE_UNITS or name in units:
            continue
        unit = unit_named(name, region=owner)
        if unit is None or not path_within(unit.path, [owner.path]):
            problems.append(spec_problem(text, ("steps", i, "actor", "unit"),
                                         _("在“%(owner)s”下找不到单位“%(name)s”。") % {"owner": owner.name, "name": name},
                                         source=source))
        else:
            units[name] = unit.pk
    if problems:
        raise SpecError(problems)
    with transaction.atomic():
        latest = Definition.objects.select_for_update().filter(code=spec.code).order_by("-version").first()
        if latest is not None and latest.source == text and latest.units == units:
            return {"definition": latest, "created": False}
        version = latest.version + 1 if latest else 1
        Definition.objects.filter(code=spec.code).update(is_current=False)
        definition = Definition.objects.create(
            code=spec.code, version=version, name=spec.name, subject=spec.subject, owner_unit=owner,
            owner_path=owner.path, source=text, spec=spec.model_dump(mode="json"), units=units, is_current=True,
            created_at=clock.now(), created_by=by if getattr(by, "pk", None) else None)
        journal_record(actor=by, verb="procedure.definition_load", obj=definition,
                       changes={"code": spec.code, "version": version, "steps": len(spec.steps)},
                       scope_path=owner.path)
    return {"definition": definition, "created": True}


def definition_current(code: str) -> Definition:
    d = Definition.objects.filter(code=code, is_current=True).select_related("owner_unit").first()
    if d is None:
        raise ServiceError(_("没有编码为“%(code)s”的程序定义，请先加载。") % {"code": code})
    return d


# ---- values -------------------------------------------------------------------------------------------------

def field_value(f: FieldSpec, raw) -> str | None:
    """The stored form (text) of a field's value, or ServiceError naming the field."""
    text = "" if raw is None else str(raw).strip()
    if not text:
        if f.required:
            raise ServiceError(_("请填写“%(label)s”。") % {"label": f.label}, field=f.code)
        return None
    if f.type in ("decimal", "money"):
        try:
            value = Decimal(text.replace(",", "").replace("，", ""))
        except InvalidOperation:
            raise ServiceError(_("“%(label)s”须为数字，收到“%(v)s”。") % {"label": f.label, "v": text}, field=f.code) from None
        if not value.is_finite() or value < 0:
            raise ServiceError(_("“%(label)s”须为不小于 0 的数字。") % {"label": f.label}, field=f.code)
        places = 2 if f.type == "money" else f.places
        if value != value.quantize(Decimal(1).scaleb(-places)) or value >= Decimal(10) ** 14:
            raise ServiceError(_("“%(label)s”最多 %(p)s 位小数。") % {"label": f.label, "p": places}, field=f.code)
        return f"{value.quantize(Decimal(1).scaleb(-places)):f}"
    if f.type == "choice":
        if text in f.choices:
            return text
        by_label = {v: k for k, v in f.choices.items()}
        if text in by_label:
            return by_label[text]
        raise ServiceError(_("“%(label)s”须为以下之一：%(options)s；收到“%(v)s”。")
                           % {"label": f.label, "options": "、".join(f.choices.values()), "v": text}, field=f.code)
    if f.type == "date":
        try:
            return dt.date.fromisoformat(text[:10]).isoformat()
        except ValueError:
            raise ServiceError(_("“%(label)s”须为日期（如 2026-06-30），收到“%(v)s”。") % {"label": f.label, "v": text},
                               field=f.code) from None
    return clean_text(text, f.label, f.code, limit=200)


def add_months(day: dt.date, n: int) -> dt.date:
    """`day` moved by n calendar months (negative: back); the 31st becomes the month's last day when needed."""
    month = day.month - 1 + n
    year, month = day.year + month // 12, month % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _end_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


def step_due(step: StepSpec, case: Case, opened: dt.datetime) -> dt.datetime:
    """The end of the step's time limit (24:00 of its last day)."""
    limit = step.limit
    day = timezone.localtime(opened).date()
    if limit.working_days is not None:
        return deadline_after(opened, limit.working_days)
    if limit.days is not None:
        return _end_of(day + dt.timedelta(days=limit.days))
    if limit.months is not None:
        return _end_of(add_months(day, limit.months))
    assert limit.months_before is not None and limit.field is not None
    raw = case.fields.get(limit.field)
    if not raw:
        raise ServiceError(_("办件缺少日期“%(field)s”，无法计算时限。") % {"field": limit.field})
    return _end_of(add_months(dt.date.fromisoformat(raw), -limit.months_before))


# ---- cases --------------------------------------------------------------------------------------------------

def _town_of(unit: Unit) -> Unit | None:
    return Unit.objects.filter(pk__in=unit.ancestor_ids(), kind=UnitKind.STREET).order_by("-depth").first()


def _actor_unit(definition: Definition, case: Case, name: str) -> Unit:
    if name == "case":
        return case.unit
    if name == "town":
        return case.town or case.unit
    if name == "owner":
        return definition.owner_unit
    return Unit.objects.get(pk=definition.units[name])


def _next_number(definition: Definition, year: int) -> str:
    prefix = f"{definition.parsed().number_prefix}-{year}-"
    last = (Case.objects.filter(number__startswith=prefix).order_by("-number").values_list("number", flat=True).first())
    seq = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{seq:04d}"


def _journal(by, verb: str, case: Case, changes=None, reason: str = "") -> None:
    journal_record(actor=by, verb=verb, obj=case, changes=changes or {}, reason=reason, scope_path=case.unit_path)


def can_start(user, definition: Definition, unit: Unit) -> bool:
    scope = scope_for(user)
    first = definition.parsed().steps[0]
    return path_within(unit.path, [definition.owner_path]) and (
        scope.covers(unit.path, first.actor.role, Role.OFFICE) or scope.covers(definition.owner_path, Role.OFFICE))


DONE = "__done__"  # at_step of a case imported after its last step: every step passed, the case 已办结


def case_start(*, by, definition: Definition, unit: Unit, title: str, fields: dict, institution: Institution | None = None,
               trigger: str = "", trigger_key: str = "", at_step: str | None = None) -> Case:
    """Open a case of `definition` for `unit` with the start fields; its first step (or `at_step`, for a case
    imported part-way: the steps before it count as passed) opens now. `by` None: the daily job's timers.

    A case imported part-way also takes the fields of the steps it has passed (the 成交价款 of a parcel already
    sold), each checked like at its step; when a passed step computes the amounts, they are computed now, so an
    imported sale counts in the figures per 镇街. `at_step` DONE: the case is imported 已办结."""
    spec = definition.parsed()
    if by is not None:
        require(can_start(by, definition, unit), _("您不能为“%(unit)s”发起“%(name)s”。")
                % {"unit": unit.name, "name": definition.name})
    elif not path_within(unit.path, [definition.owner_path]):
        raise ServiceError(_("“%(unit)s”不在“%(owner)s”的范围内。") % {"unit": unit.name, "owner": definition.owner_unit.name})
    title = clean_text(title, _("名称"), "title", limit=200)
    values = {f.code: field_value(f, fields.get(f.code)) for f in spec.start_fields()}
    unknown = sorted(set(fields) - {f.code for f in spec.fields})
    if unknown:
        raise ServiceError(_("不认识的字段：%(names)s。") % {"names": "、".join(unknown)}, field=unknown[0])
    codes = [s.code for s in spec.steps]
    if at_step is not None and at_step != DONE and at_step not in codes:
        raise ServiceError(_("没有名为“%(s)s”的环节。") % {"s": at_step}, field="at_step")
    group = [] if at_step == DONE else spec.opened_with(at_step) if at_step is not None else [codes[0]]
    passed = codes if at_step == DONE else codes[:codes.index(group[0])] if at_step else []
    for f in spec.fields:  # the fields of the steps passed, when given
        if f.at in passed and fields.get(f.code) not in (None, ""):
            values[f.code] = field_value(f, fields[f.code])
    stored = {k: v for k, v in values.items() if v is not None}
    amounts = ([a.as_json() for a in amounts_compute(spec, stored)]
               if spec.amounts and any(spec.step(c).compute for c in passed) else [])
    now = clock.now()
    with transaction.atomic():
        Definition.objects.select_for_update().filter(pk=definition.pk).first()  # numbers in order
        case = Case.objects.create(
            definition=definition, number=_next_number(definition, timezone.localtime(now).year), title=title,
            unit=unit, unit_path=unit.path, town=_town_of(unit), owner_path=definition.owner_path,
            institution=institution, trigger=trigger, trigger_key=trigger_key, fields=stored, amounts=amounts,
            started_at=now, started_by=by if getattr(by, "pk", None) else None, passed=passed)
        for code in group:
            _open(case, definition, code, now)
        if at_step == DONE:
            case.state, case.outcome, case.finished_at = CaseState.DONE, _("已办结（导入）"), now
            case.save(update_fields=["state", "outcome", "finished_at"])
        changes = {"definition": f"{definition.code}@{definition.version}", "fields": case.fields,
                   "trigger": trigger, "at_step": (_("已办结") if at_step == DONE else "、".join(group)) if at_step else ""}
        if amounts:
            changes["amounts"] = {a["code"]: a["value"] for a in amounts}
        _journal(by, "procedure.case_start", case, changes | _published_now(case, now))
    return case


def _open(case: Case, definition: Definition, code: str, now: dt.datetime) -> CaseStep:
    spec = definition.parsed()
    step = spec.step(code)
    unit = _actor_unit(definition, case, step.actor.unit)
    row = CaseStep.objects.create(case=case, code=code, name=step.name, actor_role=step.actor.role, actor_unit=unit,
                                  actor_path=unit.path, opened_at=now, due_at=step_due(step, case, now))
    row.light = step_light(row, spec, clock.today())
    if row.light != Light.NORMAL:
        row.save(update_fields=["light"])
    if step.publish == "notice":
        _publish(case, definition, NoticeKind.NOTICE, now)
    return row


def _publish(case: Case, definition: Definition, kind: str, now: dt.datetime) -> None:
    spec = definition.parsed()
    body = [[_("编号"), case.number], [_("名称"), case.title], [_("村集体") if spec.subject == "parcel" else _("单位"),
                                                                case.unit.name]]
    for f in spec.fields:
        value = case.fields.get(f.code)
        if f.public and value:
            if f.type == "choice":
                value = f.choices.get(value, value)
            elif f.type == "money":
                value = money_text(Decimal(value))
            body.append([f.label, value])
    title = {NoticeKind.NOTICE: _("%(title)s交易公告"), NoticeKind.RESULT: _("%(title)s成交公示")}[kind] % {"title": case.title}
    Notice.objects.update_or_create(case=case, kind=kind, defaults={"title": title, "body": body, "published_at": now})


def step_light(step: CaseStep, spec: ProcedureSpec, today: dt.date) -> str:
    """逾期 (red) after the deadline; 临期 (yellow) from `warn_workdays` working days before it; else 正常."""
    from luoshi.core.workdays import workdays_between

    last_day = timezone.localtime(step.due_at).date() - dt.timedelta(days=1)
    if today > last_day:
        return Light.RED
    if workdays_between(today, last_day) <= spec.warn_workdays:
        return Light.YELLOW
    return Light.NORMAL


def can_act(user, step: CaseStep) -> bool:
    return step.state == StepState.OPEN and scope_for(user).covers(step.actor_path, step.actor_role)


def _require_actor(by, step: CaseStep, refusal: str) -> None:
    """The step's actor only; then the step must still be open — a step already passed, returned or withdrawn is
    refused with what became of it (a second click, or a page left open while someone else acted)."""
    require(scope_for(by).covers(step.actor_path, step.actor_role), refusal)
    if step.state == StepState.CANCELLED:
        raise ServiceError(_("环节“%(step)s”已撤回（办件已退回或结束），不能再办理。") % {"step": step.name},
                           field="decision")
    if step.state != StepState.OPEN:
        raise ServiceError(_("环节“%(step)s”已办理（%(decision)s），不能再办理。") % {
            "step": step.name, "decision": step.decision_label or StepState(step.state).label}, field="decision")


def _published_now(case: Case, now: dt.datetime) -> dict:
    """The notices this write published, for its journal entry."""
    titles = list(Notice.objects.filter(case=case, published_at=now).values_list("title", flat=True))
    return {"published": titles} if titles else {}


def _lock_step(step: CaseStep) -> CaseStep:
    return CaseStep.objects.select_for_update(of=("self",)).select_related("case", "case__definition", "case__unit").get(pk=step.pk)


def step_upload(*, by, step: CaseStep, document: str, name: str, data: bytes) -> CaseDocument:
    """Add an uploaded file to one of the step's required documents."""
    with transaction.atomic():
        step = _lock_step(step)
        _require_actor(by, step, _("只有本环节的办理人可以上传材料。"))
        spec = step.case.definition.parsed()
        doc = next((d for d in spec.step(step.code).documents if d.code == document and not d.form), None)
        if doc is None:
            raise ServiceError(_("环节“%(step)s”没有名为“%(doc)s”的材料。") % {"step": step.name, "doc": document},
                               field="document")
        att = attachment_store(by=by, name=name, data=data)
        row = CaseDocument.objects.create(step=step, code=doc.code, name=doc.name, attachment=att, added_at=clock.now())
        _journal(by, "procedure.upload", step.case, {"step": step.code, "document": doc.name, "file": att.original_name})
    return row


def step_decide(*, by, step: CaseStep, decision: str, comment: str = "", fields: dict | None = None) -> CaseStep:
    """Record the actor's decision on an open step and move the case on."""
    fields = fields or {}
    with transaction.atomic():
        step = _lock_step(step)
        case = Case.objects.select_for_update(of=("self",)).select_related("definition", "definition__owner_unit", "unit",
                                                               "town", "institution").get(pk=step.case_id)
        step.case = case
        _require_actor(by, step, _("只有本环节的办理人可以办理。"))
        definition = case.definition
        spec = definition.parsed()
        choice = next((d for d in spec.decisions_of(step.code) if d.code == decision), None)
        if choice is None:
            raise ServiceError(_("环节“%(step)s”没有“%(d)s”这一决定，可选：%(options)s。") % {
                "step": step.name, "d": decision,
                "options": "、".join(d.label for d in spec.decisions_of(step.code))}, field="decision")
        comment = clean_text(comment, _("意见"), "comment", limit=2000, required=choice.kind != "pass")
        now = clock.now()
        step_spec = spec.step(step.code)
        before_fields = dict(case.fields)
        if choice.kind == "pass":
            _require_documents(step, step_spec)
            for code in step_spec.fields:
                f = spec.field(code)
                assert f is not None
                value = field_value(f, fields.get(code))
                if value is not None:
                    case.fields[code] = value
            if step_spec.compute:
                case.amounts = [a.as_json() for a in amounts_compute(spec, case.fields)]
        step.state = {"pass": StepState.PASSED, "return": StepState.RETURNED, "reject": StepState.REJECTED}[choice.kind]
        step.closed_at, step.closed_by = now, by
        step.decision, step.decision_label, step.comment = choice.code, choice.label, comment
        step.save()
        if choice.kind == "pass":
            _after_pass(case, definition, step, choice, now, by)
        elif choice.kind == "return":
            assert choice.to is not None
            _cancel_open(case, now)
            undone = {choice.to} | spec.successors(choice.to)
            case.passed = [c for c in case.passed if c not in undone]
            _open(case, definition, choice.to, now)
        else:
            _cancel_open(case, now)
            case.state, case.outcome, case.finished_at = CaseState.REJECTED, choice.label, now
        case.save()
        changes = {"step": step.code, "decision": choice.label}
        if case.fields != before_fields:
            changes["fields"] = {k: [before_fields.get(k), v] for k, v in case.fields.items() if before_fields.get(k) != v}
        if step_spec.compute and choice.kind == "pass":
            changes["amounts"] = {a["code"]: a["value"] for a in case.amounts}
        generated = list(CaseDocument.objects.filter(step=step, generated=True).values_list("attachment__original_name",
                                                                                            flat=True))
        if generated:
            changes["generated"] = generated
        changes |= _published_now(case, now)
        _journal(by, f"procedure.{choice.kind}", case, changes, reason=comment)
    return step


def _require_documents(step: CaseStep, step_spec: StepSpec) -> None:
    have = set(step.documents.values_list("code", flat=True))
    missing = [d.name for d in step_spec.documents if d.required and not d.form and d.code not in have]
    if missing:
        raise ServiceError(_("请先上传：%(names)s。") % {"names": "、".join(missing)}, field="files")


def _cancel_open(case: Case, now: dt.datetime) -> None:
    CaseStep.objects.filter(case=case, state=StepState.OPEN).update(state=StepState.CANCELLED, closed_at=now)


def _after_pass(case: Case, definition: Definition, step: CaseStep, choice: DecisionSpec, now, by) -> None:
    spec = definition.parsed()
    step_spec = spec.step(step.code)
    if step.code not in case.passed:
        case.passed = [*case.passed, step.code]
    if any(d.form for d in step_spec.documents):
        _generate_forms(case, definition, step, step_spec, by, now)
    if step_spec.publish == "result":
        _publish(case, definition, NoticeKind.RESULT, now)
    open_codes = set(CaseStep.objects.filter(case=case, state=StepState.OPEN).values_list("code", flat=True))
    for code in spec.next_of(step.code, choice):
        joined = spec.step(code).join
        if code in open_codes or (joined and not set(joined) <= set(case.passed)):
            continue
        _open(case, definition, code, now)
        open_codes.add(code)
    if not open_codes:
        case.state, case.outcome, case.finished_at = CaseState.DONE, choice.label, now
        if choice.effect and case.institution_id:
            _institution_effect(case, choice.effect, spec, by)


def _generate_forms(case, definition, step, step_spec, by, now) -> None:
    from .docx_form import case_form_docx

    for doc in step_spec.documents:
        if not doc.form:
            continue
        data = case_form_docx(case=case, spec=definition.parsed(), title=doc.name, day=timezone.localtime(now).date())
        actor = by if getattr(by, "pk", None) else None
        if actor is None:
            continue  # a form needs an uploader; the job never passes a step that generates one
        att = attachment_store(by=actor, name=f"{case.number}{doc.name}.docx", data=data)
        CaseDocument.objects.create(step=step, code=doc.code, name=doc.name, attachment=att, generated=True,
                                    added_at=now)


def _institution_effect(case: Case, effect: str, spec: ProcedureSpec, by) -> None:
    inst = Institution.objects.select_for_update().get(pk=case.institution_id)
    before = {"state": inst.state, "cert_expires": inst.cert_expires.isoformat()}
    if effect == "dissolve":
        inst.state = InstitutionState.DISSOLVED
    else:
        inst.cert_issued = inst.cert_expires
        inst.cert_expires = add_months(inst.cert_expires, 12 * spec.renew_years)
    inst.save()
    journal_record(actor=by, verb=f"procedure.institution_{effect}", obj=inst,
                   changes={"state": [before["state"], inst.state],
                            "cert_expires": [before["cert_expires"], inst.cert_expires.isoformat()]},
                   scope_path=inst.unit_path)


# ---- institutions -------------------------------------------------------------------------------------------

INSTITUTION_FIELDS = ("name", "field", "unit", "authority", "cert_number", "cert_issued", "cert_expires",
                      "last_operation_on")


def can_manage_institutions(user, authority: Unit) -> bool:
    return scope_for(user).covers(authority.path, Role.OFFICE, Role.LIAISON)


def institution_create(*, by, name: str, unit: Unit, authority: Unit, cert_issued: dt.date, cert_expires: dt.date,
                       last_operation_on: dt.date, cert_number: str = "", field: str = "") -> Institution:
    if by is not None:
        require(can_manage_institutions(by, authority), _("只有登记管理机关可以登记新型研发机构。"))
    name = clean_text(name, _("机构名称"), "name", limit=100)
    field = clean_text(field, _("领域"), "field", limit=30, required=False)
    cert_number = clean_text(cert_number, _("法人证书号"), "cert_number", limit=40, required=False)
    if cert_expires <= cert_issued:
        raise ServiceError(_("证书到期日须晚于起始日。"), field="cert_expires")
    if last_operation_on > clock.today():
        raise ServiceError(_("最近运行日期不能晚于今天。"), field="last_operation_on")
    if Institution.objects.filter(name=name).exists():
        raise ServiceError(_("“%(name)s”已登记。") % {"name": name}, field="name")
    with transaction.atomic():
        inst = Institution.objects.create(
            name=name, field=field, unit=unit, unit_path=unit.path, authority=authority,
            authority_path=authority.path, cert_number=cert_number, cert_issued=cert_issued,
            cert_expires=cert_expires, last_operation_on=last_operation_on)
        journal_record(actor=by, verb="procedure.institution_create", obj=inst,
                       changes={f: getattr(inst, f) for f in INSTITUTION_FIELDS}, scope_path=unit.path)
    return inst


def unit_for_institution(text: str, authority: Unit) -> Unit | None:
    """The host unit (举办单位) a person typed: a path, or a name inside the authority's city."""
    ids = authority.ancestor_ids()
    root = Unit.objects.get(pk=ids[0]) if ids else authority
    return unit_named(text.strip(), region=root) if text.strip() else None


def can_record_operation(user, institution: Institution) -> bool:
    scope = scope_for(user)
    return (scope.covers(institution.unit_path, Role.LIAISON, Role.OFFICE)
            or scope.covers(institution.authority_path, Role.OFFICE, Role.LIAISON))


def institution_record_operation(*, by, institution: Institution, on: dt.date, note: str) -> OperationRecord:
    """A day the institution was seen operating; the latest such day moves the two-year dynamic-review timer."""
    require(can_record_operation(by, institution), _("只有举办单位或登记管理机关可以登记运行情况。"))
    note = clean_text(note, _("运行情况"), "note", limit=200)
    if on > clock.today():
        raise ServiceError(_("运行日期不能晚于今天。"), field="on")
    with transaction.atomic():
        inst = Institution.objects.select_for_update().get(pk=institution.pk)
        row = OperationRecord.objects.create(institution=inst, on=on, note=note, recorded_at=clock.now())
        before = inst.last_operation_on
        if on > inst.last_operation_on:
            inst.last_operation_on = on
            inst.save(update_fields=["last_operation_on"])
        journal_record(actor=by, verb="procedure.institution_operation", obj=inst,
                       changes={"on": on, "last_operation_on": [before, inst.last_operation_on]}, reason=note,
                       scope_path=inst.unit_path)
    return row
