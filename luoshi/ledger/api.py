"""Ledger endpoints of the REST API (mounted at /api/ledger). Same selectors and services as the pages:
the same scoping, refusals and journal.

No `from __future__ import annotations` here: ninja resolves Query[...] parameter types at import."""
import datetime as dt
from decimal import Decimal

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.pagination import paginate

from luoshi.core.params import BodyIn, Day, Id, LatitudeDecimal, LongitudeDecimal, Pages

from luoshi.core.errors import ServiceError
from luoshi.org.models import Unit
from luoshi.org.resolve import UnitResolver, region_of

from . import selectors, services
from .models import AssignmentSheet, Finding, InspectionGroup, ProblemCategory

router = Router(tags=["ledger"])


class Error(Schema):
    detail: str


class LedgerProgramOut(Schema):
    code: str
    name: str
    year: int
    owner_unit_id: int


class FindingOut(Schema):
    id: int
    code: str
    program: str
    category: str | None
    description: str
    address: str
    latitude: Decimal | None
    longitude: Decimal | None
    unit_id: int
    unit_name: str
    severity: str
    source: str
    status: str
    found_on: dt.date
    deadline: dt.date | None
    sheet: str | None
    return_count: int
    repeat_count: int
    closed_at: dt.datetime | None
    is_public: bool

    @staticmethod
    def resolve_program(obj):
        return obj.program.code

    @staticmethod
    def resolve_category(obj):
        return obj.category.name if obj.category_id else None

    @staticmethod
    def resolve_unit_name(obj):
        return obj.unit.name

    @staticmethod
    def resolve_sheet(obj):
        return obj.sheet.number if obj.sheet_id else None


class EventOut(Schema):
    kind: str
    at: dt.datetime
    by: str | None
    text: str


class FindingDetailOut(FindingOut):
    events: list[EventOut]

    @staticmethod
    def resolve_events(obj):
        return [EventOut(kind=e.kind, at=e.at, by=e.by.display_name if e.by_id else None, text=e.text)
                for e in obj.events.select_related("by")]


class FindingFilterIn(Schema):
    status: str = ""
    unit_id: Id | None = None
    category_id: Id | None = None
    source: str = ""
    severity: str = ""
    overdue: bool = False
    q: str = ""
    found_from: Day | None = None
    found_to: Day | None = None


class FindingIn(BodyIn):
    unit_id: Id | None = None
    unit: str | None = None
    description: str
    category: str | None = None
    severity: str = "general"
    source: str = "inspection"
    address: str = ""
    latitude: LatitudeDecimal | None = None
    longitude: LongitudeDecimal | None = None
    group: str | None = None
    found_on: Day | None = None


class TextIn(BodyIn):
    text: str


class VerifyIn(BodyIn):
    close: bool
    method: str = "evidence"
    reason: str = ""


class SheetIn(BodyIn):
    finding_ids: list[Id]
    requirements: str = ""
    deadline: Day | None = None


class SheetOut(Schema):
    id: int
    number: str
    unit_id: int
    unit_name: str
    issued_at: dt.datetime
    acknowledged_at: dt.datetime | None
    finding_codes: list[str]

    @staticmethod
    def resolve_unit_name(obj):
        return obj.unit.name

    @staticmethod
    def resolve_finding_codes(obj):
        return [f.code for f in obj.findings.order_by("seq")]


class FigureOut(Schema):
    key: str | None
    label: str
    found: int
    rectified: int
    closed: int
    overdue: int
    repeats: int
    rectify_rate: Decimal | None
    close_rate: Decimal | None
    avg_days: Decimal | None
    rank: int | None


class EscalationOut(Schema):
    id: int
    finding: str
    unit_name: str
    step: str
    step_name: str
    reason: str
    state: str
    proposed_at: dt.datetime
    held_on: dt.date | None

    @staticmethod
    def resolve_finding(obj):
        return obj.finding.code

    @staticmethod
    def resolve_unit_name(obj):
        return obj.unit.name


def _finding(request, finding_id: Id) -> Finding:
    return selectors.finding_get(user=request.user, pk=finding_id)


@router.get("/programs", response=list[LedgerProgramOut])
def ledger_programs(request):
    return list(selectors.ledger_programs(user=request.user))


@router.get("/programs/{code}/findings", response={200: list[FindingOut], 404: Error})
@paginate(Pages, page_size=100)
def list_findings(request, code: str, filters: Query[FindingFilterIn]):
    program = selectors.ledger_program_get(user=request.user, code=code)
    unit = Unit.objects.filter(pk=filters.unit_id).first() if filters.unit_id else None
    f = selectors.FindingFilters(status=filters.status, unit=unit, category=filters.category_id, source=filters.source,
                                 severity=filters.severity, overdue=filters.overdue, q=filters.q,
                                 found_from=filters.found_from, found_to=filters.found_to)
    return selectors.finding_list(user=request.user, program=program, filters=f).select_related("program")


@router.get("/findings/{finding_id}", response={200: FindingDetailOut, 404: Error})
def get_finding(request, finding_id: Id):
    return _finding(request, finding_id)


@router.post("/programs/{code}/findings", response={201: FindingDetailOut, 400: Error, 403: Error, 404: Error})
def create_finding(request, code: str, body: FindingIn):
    program = selectors.ledger_program_get(user=request.user, code=code)
    if body.unit_id:
        unit = Unit.objects.filter(pk=body.unit_id).first()
        if unit is None:
            raise ServiceError(_("单位 id %(id)s 不存在。") % {"id": body.unit_id}, field="unit_id")
    else:
        units, problems = UnitResolver(region_of(program.owner_unit)).resolve(body.unit or "")
        if problems or len(units) != 1:
            raise ServiceError("；".join(problems) or _("请给出一个责任单位（unit_id 或 unit）。"), field="unit")
        unit = units[0]
    category = group = None
    if body.category:
        category = ProblemCategory.objects.filter(program=program, name=body.category).first()
        if category is None:
            raise ServiceError(_("问题类别“%(name)s”不存在。") % {"name": body.category}, field="category")
    if body.group:
        group = InspectionGroup.objects.filter(program=program, name=body.group).first()
        if group is None:
            raise ServiceError(_("督导组“%(name)s”不存在。") % {"name": body.group}, field="group")
    data = services.FindingInput(unit=unit, description=body.description, category=category, severity=body.severity,
                                 source=body.source, address=body.address, latitude=body.latitude,
                                 longitude=body.longitude, group=group, found_on=body.found_on)
    finding = services.finding_record(by=request.user, program=program, data=data)
    return 201, _finding(request, finding.pk)


@router.post("/findings/{finding_id}/submit", response={200: FindingDetailOut, 400: Error, 403: Error, 404: Error})
def submit_rectification(request, finding_id: Id, body: TextIn):
    services.finding_submit(by=request.user, finding=_finding(request, finding_id), text=body.text)
    return _finding(request, finding_id)


@router.post("/findings/{finding_id}/verify", response={200: FindingDetailOut, 400: Error, 403: Error, 404: Error})
def verify(request, finding_id: Id, body: VerifyIn):
    services.finding_verify(by=request.user, finding=_finding(request, finding_id), close=body.close,
                            method=body.method, reason=body.reason)
    return _finding(request, finding_id)


@router.post("/findings/{finding_id}/reopen", response={200: FindingDetailOut, 400: Error, 403: Error, 404: Error})
def reopen(request, finding_id: Id, body: TextIn):
    services.finding_reopen(by=request.user, finding=_finding(request, finding_id), text=body.text)
    return _finding(request, finding_id)


@router.post("/programs/{code}/sheets", response={201: list[SheetOut], 400: Error, 403: Error, 404: Error})
def issue_sheets(request, code: str, body: SheetIn):
    program = selectors.ledger_program_get(user=request.user, code=code)
    findings = list(selectors.findings_visible(user=request.user, program=program).filter(pk__in=body.finding_ids))
    missing = set(body.finding_ids) - {f.pk for f in findings}
    if missing:
        raise Http404(_("问题 id %(ids)s 不存在或无权查看。") % {"ids": "、".join(str(i) for i in sorted(missing))})
    return 201, services.sheets_issue(by=request.user, program=program, findings=findings,
                                      requirements=body.requirements, deadline=body.deadline)


@router.post("/sheets/{sheet_id}/acknowledge", response={200: SheetOut, 400: Error, 403: Error, 404: Error})
def acknowledge_sheet(request, sheet_id: Id):
    sheet = selectors.sheet_get(user=request.user, pk=sheet_id)
    return services.sheet_acknowledge(by=request.user, sheet=sheet)


@router.get("/programs/{code}/figures", response={200: list[FigureOut], 404: Error})
def figures(request, code: str, by: str = "unit", found_from: Day | None = None, found_to: Day | None = None):
    program = selectors.ledger_program_get(user=request.user, code=code)
    data = selectors.ledger_figures(user=request.user, program=program, by=by, found_from=found_from, found_to=found_to)
    return [FigureOut(key=None if r.key is None else str(r.key), label=r.label, found=r.found, rectified=r.rectified,
                      closed=r.closed, overdue=r.overdue, repeats=r.repeats, rectify_rate=r.rectify_rate,
                      close_rate=r.close_rate, avg_days=r.avg_days, rank=r.rank) for r in data["rows"]]


@router.get("/programs/{code}/escalations", response={200: list[EscalationOut], 404: Error})
@paginate(Pages, page_size=100)
def escalations(request, code: str, state: str = ""):
    program = selectors.ledger_program_get(user=request.user, code=code)
    return selectors.escalation_list(user=request.user, program=program, state=state)


__all__ = ["router", "AssignmentSheet"]
