"""REST API of procedures (mounted by luoshi/api/api.py at /api/procedures): the current definitions, the cases a
user may read (with their steps and amounts), starting a case, deciding an open step, the steps waiting for me and
the institutions register. Same selectors and services as the pages, so the same scoping and the same journal.

No `from __future__ import annotations`: ninja resolves the parameter types at import."""
import datetime as dt

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.pagination import paginate

from luoshi.core.params import BodyIn, Id, Pages
from luoshi.org.models import Unit

from . import selectors, services
from .models import CaseStep

router = Router(tags=["procedures"])


class Error(Schema):
    detail: str


class StepDef(Schema):
    code: str
    name: str


class DefinitionOut(Schema):
    code: str
    version: int
    name: str
    subject: str
    owner_unit_id: int
    steps: list[StepDef]


class StepOut(Schema):
    id: int
    code: str
    name: str
    actor_role: str
    actor_unit_id: int
    state: str
    light: str
    opened_at: dt.datetime
    due_at: dt.datetime
    closed_at: dt.datetime | None
    decision: str
    comment: str


class AmountOut(Schema):
    code: str
    label: str
    value: str
    trace: str


class CaseOut(Schema):
    id: int
    number: str
    title: str
    definition: str
    version: int
    unit_id: int
    town_id: int | None
    state: str
    outcome: str
    fields: dict
    started_at: dt.datetime
    finished_at: dt.datetime | None


class CaseDetailOut(CaseOut):
    amounts: list[AmountOut]
    steps: list[StepOut]


class CaseIn(BodyIn):
    definition: str
    unit_id: Id
    title: str
    fields: dict = {}


class DecideIn(BodyIn):
    decision: str
    comment: str = ""
    fields: dict = {}


class CaseFilterIn(Schema):
    definition: str = ""
    state: str = ""
    q: str = ""


class InstitutionOut(Schema):
    id: int
    name: str
    field: str
    unit_id: int
    authority_id: int
    cert_number: str
    cert_issued: dt.date
    cert_expires: dt.date
    last_operation_on: dt.date
    state: str


def _case_out(case, *, detail: bool = False) -> dict:
    out = {"id": case.pk, "number": case.number, "title": case.title, "definition": case.definition.code,
           "version": case.definition.version, "unit_id": case.unit_id, "town_id": case.town_id, "state": case.state,
           "outcome": case.outcome, "fields": case.fields, "started_at": case.started_at,
           "finished_at": case.finished_at}
    if detail:
        out["amounts"] = [{k: a[k] for k in ("code", "label", "value", "trace")} for a in case.amounts]
        out["steps"] = list(case.steps.order_by("opened_at", "id"))
    return out


def _case(request, case_id: Id):
    case = selectors.case_get(request.user, case_id)
    if case is None:
        raise Http404(_("办件不存在或无权查看。"))
    return case


@router.get("/definitions", response=list[DefinitionOut])
def definitions(request):
    return [{"code": d.code, "version": d.version, "name": d.name, "subject": d.subject,
             "owner_unit_id": d.owner_unit_id, "steps": [{"code": s.code, "name": s.name} for s in d.parsed().steps]}
            for d in selectors.definitions_current()]


@router.get("/cases", response=list[CaseOut])
@paginate(Pages, page_size=100)
def cases(request, filters: Query[CaseFilterIn]):
    qs = selectors.cases_for(request.user, code=filters.definition, state=filters.state, q=filters.q)
    return [_case_out(c) for c in qs]


@router.get("/cases/{case_id}", response={200: CaseDetailOut, 404: Error})
def case_detail(request, case_id: Id):
    return _case_out(_case(request, case_id), detail=True)


@router.post("/cases", response={201: CaseDetailOut, 400: Error, 403: Error, 404: Error})
def case_create(request, payload: CaseIn):
    definition = selectors.definition_get(payload.definition)
    unit = Unit.objects.filter(pk=payload.unit_id).first()
    if definition is None or unit is None:
        raise Http404(_("程序或单位不存在。"))
    case = services.case_start(by=request.user, definition=definition, unit=unit, title=payload.title,
                               fields=payload.fields)
    return 201, _case_out(selectors.case_get(request.user, case.pk) or case, detail=True)


@router.post("/cases/{case_id}/steps/{step_id}/decide", response={200: CaseDetailOut, 400: Error, 403: Error, 404: Error})
def step_decide(request, case_id: Id, step_id: Id, payload: DecideIn):
    case = _case(request, case_id)
    step = CaseStep.objects.filter(case=case, pk=step_id).first()
    if step is None:
        raise Http404(_("环节不存在。"))
    services.step_decide(by=request.user, step=step, decision=payload.decision, comment=payload.comment,
                         fields=payload.fields)
    return _case_out(_case(request, case_id), detail=True)


@router.get("/waiting", response=list[StepOut])
def waiting(request):
    return list(selectors.steps_waiting(request.user)[:500])


@router.get("/institutions", response=list[InstitutionOut])
@paginate(Pages, page_size=100)
def institutions(request):
    return selectors.institutions_visible(request.user).order_by("cert_expires", "name")
