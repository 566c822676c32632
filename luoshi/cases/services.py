"""Writes of the case library. Each checks who may do it, runs in one transaction and journals."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _

from luoshi.core import clock
from luoshi.core.errors import PermissionDeniedError, ServiceError
from luoshi.core.journal import journal_record
from luoshi.org.lookups import path_within
from luoshi.org.models import Role, RoleGrant, Unit, UnitKind
from luoshi.org.scopes import scope_for

from .models import LEVEL_ORDER, Adoption, Case, CaseState, Level, Nomination, Recognition
from .scheme import review_scheme
from .search import index_text

EDITABLE_STATES = (CaseState.DRAFT, CaseState.RETURNED)
TEXT_FIELDS = ("title", "summary", "problem", "body", "results", "team")
LIMITS = {"title": 100, "summary": 300, "problem": 4000, "body": 20000, "results": 4000, "team": 200}
MAX_TAGS, MAX_FIGURES = 10, 12


@dataclass
class CaseInput:
    title: str
    summary: str
    problem: str
    body: str
    unit: Unit
    year: int
    results: str = ""
    team: str = ""
    tags: list[str] = field(default_factory=list)
    figures: list[dict] = field(default_factory=list)  # {"label", "value", "unit"}
    program: object = None
    task: object = None
    finding: object = None
    request: object = None
    idea: object = None


def department_paths(by) -> tuple[str, ...]:
    """The subtrees a person supervises as a department (主管部门): the parent region of every department
    unit they hold a role in."""
    rows = RoleGrant.objects.filter(person=by, unit__kind=UnitKind.DEPARTMENT).values_list("unit__parent__path", flat=True)
    return tuple(p for p in rows if p)


def _may_write(by, unit: Unit) -> bool:
    scope = scope_for(by)
    return scope.covers(unit.path, *Role.values) or path_within(unit.path, department_paths(by))


def _clean(data: CaseInput) -> dict:
    values = {f: (getattr(data, f) or "").strip() for f in TEXT_FIELDS}
    for f, label in (("title", _("案例名称")), ("summary", _("摘要")), ("problem", _("解决的问题")),
                     ("body", _("主要做法"))):
        if not values[f]:
            raise ServiceError(_("请填写%(field)s。") % {"field": label}, field=f)
    for f, n in LIMITS.items():
        if len(values[f]) > n:
            raise ServiceError(_("%(field)s不能超过 %(n)s 个字（现有 %(m)s 个）。") % {
                "field": Case._meta.get_field(f).verbose_name, "n": n, "m": len(values[f])}, field=f)
    if not 2000 <= data.year <= 2100:
        raise ServiceError(_("年度应为 2000～2100 之间的年份。"), field="year")
    tags = []
    for t in data.tags:
        t = t.strip()
        if t and t not in tags:
            if len(t) > 20:
                raise ServiceError(_("标签“%(tag)s”超过 20 个字。") % {"tag": t}, field="tags")
            tags.append(t)
    if len(tags) > MAX_TAGS:
        raise ServiceError(_("标签最多 %(n)s 个。") % {"n": MAX_TAGS}, field="tags")
    figures = []
    for i, f in enumerate(data.figures, 1):
        label, value, unit = (str(f.get("label") or "").strip(), str(f.get("value") or "").strip(),
                              str(f.get("unit") or "").strip())
        if not (label or value or unit):
            continue
        if not label or not value:
            raise ServiceError(_("第 %(n)s 条成效数据要同时填写名称和数值。") % {"n": i}, field="figures")
        try:
            Decimal(value.replace(",", ""))
        except InvalidOperation:
            raise ServiceError(_("第 %(n)s 条成效数据的数值“%(v)s”不是数字。") % {"n": i, "v": value}, field="figures")
        if len(label) > 40 or len(unit) > 10:
            raise ServiceError(_("第 %(n)s 条成效数据的名称最多 40 字、单位最多 10 字。") % {"n": i}, field="figures")
        figures.append({"label": label, "value": value.replace(",", ""), "unit": unit})
    if len(figures) > MAX_FIGURES:
        raise ServiceError(_("成效数据最多 %(n)s 条。") % {"n": MAX_FIGURES}, field="figures")
    values.update(year=data.year, tags=tags, figures=figures)
    return values


def _reindex(case: Case) -> None:
    case.search_text = index_text(case.title, case.summary, case.problem, case.body, case.results, case.team,
                                  " ".join(case.tags), case.unit.name)


SOURCE_FIELDS = ("program", "task", "finding", "request", "idea")


def case_create(*, by, data: CaseInput) -> Case:
    if not _may_write(by, data.unit):
        raise PermissionDeniedError(_("您只能为本单位、所辖单位或主管领域的单位填报案例。"))
    values = _clean(data)
    now = clock.now()
    with transaction.atomic():
        case = Case(unit=data.unit, unit_path=data.unit.path, created_by=by, created_at=now, updated_at=now,
                    **values, **{f: getattr(data, f) for f in SOURCE_FIELDS})
        _reindex(case)
        case.save()
        journal_record(actor=by, verb="case.create", obj=case, scope_path=case.unit_path,
                       changes={**values, **{f"{f}_id": getattr(case, f"{f}_id") for f in SOURCE_FIELDS}})
    return case


def case_update(*, by, case: Case, data: CaseInput) -> Case:
    scope = scope_for(by)
    if not (case.created_by_id == by.pk or scope.covers(case.unit_path, Role.OFFICE)):
        raise PermissionDeniedError(_("只有填报人或督查室/办公室可以修改案例。"))
    if case.state not in EDITABLE_STATES and not scope.covers(case.unit_path, Role.OFFICE):
        raise ServiceError(_("案例已提交审核，不能再修改；如需修改请联系督查室/办公室退回。"))
    if not _may_write(by, data.unit):
        raise PermissionDeniedError(_("您只能为本单位、所辖单位或主管领域的单位填报案例。"))
    values = _clean(data)
    with transaction.atomic():
        before = {k: getattr(case, k) for k in values}
        for k, v in values.items():
            setattr(case, k, v)
        for f in SOURCE_FIELDS:
            setattr(case, f, getattr(data, f))
        case.unit, case.unit_path, case.updated_at = data.unit, data.unit.path, clock.now()
        _reindex(case)
        case.save()
        journal_record(actor=by, verb="case.update", obj=case, scope_path=case.unit_path,
                       changes={k: [before[k], values[k]] for k in values if before[k] != values[k]})
    return case


def may_nominate(by, case: Case, how: str) -> bool:
    scope = scope_for(by)
    if how == Nomination.LEADER:
        return scope.covers(case.unit_path, Role.LEADER)
    if how == Nomination.SELF:
        return scope.covers(case.unit_path, Role.LIAISON, Role.OFFICE)
    if how == Nomination.DEPARTMENT:
        return path_within(case.unit_path, department_paths(by))
    return False


def case_nominate(*, by, case: Case, how: str, note: str = "") -> Case:
    """推荐 a case for review: 领导推荐 (a leader over the unit), 单位自荐 (the unit's own liaison or
    office) or 主管部门引荐 (a department over the unit's region)."""
    if how not in Nomination.values:
        raise ServiceError(_("推荐方式应为：领导推荐、单位自荐或主管部门引荐。"), field="nomination")
    if not may_nominate(by, case, how):
        raise PermissionDeniedError({
            Nomination.LEADER: _("只有分管该单位的领导可以“领导推荐”。"),
            Nomination.SELF: _("只有本单位的联络员或办公室可以“单位自荐”。"),
            Nomination.DEPARTMENT: _("只有该单位所在区域的主管部门可以“主管部门引荐”。"),
        }[how])
    if case.state not in EDITABLE_STATES:
        raise ServiceError(_("案例已在审核或已有结论，不能重复推荐。"))
    note = note.strip()
    if len(note) > 500:
        raise ServiceError(_("推荐理由不能超过 500 字。"), field="note")
    with transaction.atomic():
        case.state, case.nomination, case.nominated_by = CaseState.NOMINATED, how, by
        case.nominated_at, case.nomination_note = clock.now(), note
        case.save(update_fields=["state", "nomination", "nominated_by", "nominated_at", "nomination_note"])
        journal_record(actor=by, verb="case.nominate", obj=case, scope_path=case.unit_path,
                       changes={"nomination": how, "note": note})
    return case


def _require_office(by, case: Case) -> None:
    if not scope_for(by).covers(case.unit_path, Role.OFFICE):
        raise PermissionDeniedError(_("只有该单位上级的督查室/办公室可以进行此操作。"))


def case_review(*, by, case: Case, scores: dict[str, str], decision: str, note: str = "") -> Case:
    """The office scores the case against the review scheme and decides: accepted (入库, when the total reaches
    the scheme's line), returned (退回修改) or declined (未入库)."""
    _require_office(by, case)
    if case.state != CaseState.NOMINATED:
        raise ServiceError(_("只有待审核的案例可以审核。"))
    if decision not in (CaseState.ACCEPTED, CaseState.RETURNED, CaseState.DECLINED):
        raise ServiceError(_("审核结论应为：入库、退回修改或不入库。"), field="decision")
    scheme = review_scheme()
    points: dict[str, str] = {}
    total = Decimal(0)
    for c in scheme.criteria:
        raw = str(scores.get(c.code, "")).strip()
        if raw == "":
            if decision == CaseState.RETURNED:
                continue
            raise ServiceError(_("请为“%(name)s”打分（0～%(max)s 分）。") % {"name": c.name, "max": c.max},
                               field=f"score_{c.code}")
        try:
            value = Decimal(raw)
        except InvalidOperation:
            raise ServiceError(_("“%(name)s”的得分“%(v)s”不是数字。") % {"name": c.name, "v": raw}, field=f"score_{c.code}")
        if not Decimal(0) <= value <= c.max or value.as_tuple().exponent < -2:
            raise ServiceError(_("“%(name)s”的得分应在 0～%(max)s 分之间（最多两位小数），现为 %(v)s。") % {
                "name": c.name, "max": c.max, "v": raw}, field=f"score_{c.code}")
        points[c.code] = str(value)
        total += value
    unknown = sorted(set(scores) - {c.code for c in scheme.criteria})
    if unknown:
        raise ServiceError(_("评审方案中没有评分项 %(codes)s。") % {"codes": "、".join(unknown)})
    if decision == CaseState.ACCEPTED and total < scheme.accept_from:
        raise ServiceError(_("总分 %(t)s 分未达到入库分数线 %(line)s 分，不能入库。") % {"t": total, "line": scheme.accept_from},
                           field="decision")
    note = note.strip()
    if decision != CaseState.ACCEPTED and not note:
        raise ServiceError(_("退回或不入库时请写明审核意见。"), field="note")
    limit = Case._meta.get_field("review_note").max_length or 0  # the column's length: refused, never cut
    if len(note) > limit:
        raise ServiceError(_("审核意见不能超过 %(n)s 字。") % {"n": limit}, field="note")
    with transaction.atomic():
        case.state, case.scores, case.score = decision, points, total if points else None
        case.review_note, case.reviewed_by, case.reviewed_at = note, by, clock.now()
        if decision != CaseState.ACCEPTED:
            case.is_public = False
        case.save(update_fields=["state", "scores", "score", "review_note", "reviewed_by", "reviewed_at", "is_public"])
        journal_record(actor=by, verb="case.review", obj=case, scope_path=case.unit_path,
                       changes={"state": decision, "scores": points, "score": case.score, "note": note})
    return case


def case_publish(*, by, case: Case, public: bool) -> Case:
    """Publish an accepted case on the public portal (or take it down). Only reviewed cases can go public."""
    _require_office(by, case)
    if public and case.state != CaseState.ACCEPTED:
        raise ServiceError(_("案例审核入库后才能在公开网站发布。"))
    with transaction.atomic():
        case.is_public = public
        case.published_at = clock.now() if public else None
        case.save(update_fields=["is_public", "published_at"])
        journal_record(actor=by, verb="case.publish" if public else "case.unpublish", obj=case,
                       scope_path=case.unit_path, changes={"is_public": public})
    return case


def recognition_add(*, by, case: Case, level: str, date: dt.date, source: str) -> Recognition:
    """Record that the case was recognised for 复制推广 at `level`, on `date`, by the document `source`."""
    _require_office(by, case)
    if case.state != CaseState.ACCEPTED:
        raise ServiceError(_("案例入库后才能登记复制推广。"))
    if level not in Level.values:
        raise ServiceError(_("推广层级应为：全区、全市、全省或全国复制推广。"), field="level")
    source = source.strip()
    if not source:
        raise ServiceError(_("请填写来源文件（发文机关和文号，或简报名称和期号）。"), field="source")
    if len(source) > 200:
        raise ServiceError(_("来源文件不能超过 200 字。"), field="source")
    if date > clock.today():
        raise ServiceError(_("推广日期不能晚于今天。"), field="date")
    if case.recognitions.filter(level=level, source=source).exists():
        raise ServiceError(_("这条复制推广记录已经登记过。"), field="source")
    with transaction.atomic():
        rec = Recognition.objects.create(case=case, level=level, date=date, source=source, recorded_by=by,
                                         recorded_at=clock.now())
        if not case.top_level or LEVEL_ORDER[Level(level)] > LEVEL_ORDER[Level(case.top_level)]:
            case.top_level = level
            case.save(update_fields=["top_level"])
        journal_record(actor=by, verb="case.recognise", obj=case, scope_path=case.unit_path,
                       changes={"level": level, "date": date, "source": source})
    return rec


def adoption_add(*, by, case: Case, unit: Unit, adopted_on: dt.date, result: str = "") -> Adoption:
    """Another unit 借鉴 the case: its own liaison or office (or the office over the case) records it."""
    scope = scope_for(by)
    if not (scope.covers(unit.path, Role.LIAISON, Role.OFFICE) or scope.covers(case.unit_path, Role.OFFICE)):
        raise PermissionDeniedError(_("只有借鉴单位或案例所在单位上级的督查室/办公室可以登记借鉴推广。"))
    if case.state != CaseState.ACCEPTED:
        raise ServiceError(_("案例入库后才能登记借鉴推广。"))
    if unit.pk == case.unit_id:
        raise ServiceError(_("借鉴单位不能是案例的牵头单位本身。"), field="unit")
    if adopted_on > clock.today():
        raise ServiceError(_("借鉴日期不能晚于今天。"), field="adopted_on")
    result = result.strip()
    if len(result) > 500:
        raise ServiceError(_("借鉴成效不能超过 500 字。"), field="result")
    if case.adoptions.filter(unit=unit).exists():
        raise ServiceError(_("%(unit)s已登记过借鉴该案例。") % {"unit": unit.name}, field="unit")
    with transaction.atomic():
        adoption = Adoption.objects.create(case=case, unit=unit, adopted_on=adopted_on, result=result,
                                           recorded_by=by, recorded_at=clock.now())
        journal_record(actor=by, verb="case.adopt", obj=case, scope_path=case.unit_path,
                       changes={"unit": unit.pk, "adopted_on": adopted_on, "result": result})
    return adoption


MAX_ATTACHMENTS = 20


def case_attach(*, by, case: Case, files: list[tuple[str, bytes]]) -> list:
    """Add supporting files (佐证材料) to a case: its author while it can be edited, or the office over its unit.
    Each file is checked (type by content, size) before any is stored; one bad file stores none."""
    from luoshi.core.files import attachment_store, upload_check

    scope = scope_for(by)
    office = scope.covers(case.unit_path, Role.OFFICE)
    if not (office or (case.created_by_id == by.pk and case.state in EDITABLE_STATES)):
        raise PermissionDeniedError(_("只有填报人（提交审核前）或督查室/办公室可以上传案例材料。"))
    if not files:
        raise ServiceError(_("请选择要上传的文件。"), field="files")
    if case.attachments.count() + len(files) > MAX_ATTACHMENTS:
        raise ServiceError(_("每个案例最多 %(n)s 个附件。") % {"n": MAX_ATTACHMENTS}, field="files")
    for name, data in files:
        upload_check(name=name, data=data)
    with transaction.atomic():
        stored = [attachment_store(by=by, name=name, data=data) for name, data in files]
        case.attachments.add(*stored)
        journal_record(actor=by, verb="case.attach", obj=case, scope_path=case.unit_path,
                       changes={"files": [a.original_name for a in stored]})
    return stored
