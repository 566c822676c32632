"""REST API of the case library (mounted by luoshi/api/api.py at /api/cases): search the cases a user may
read, read one, nominate, record an adoption. Same selectors and services as the pages, so the same scope
and refusals (403 for a refused role, 400 with the message and field for bad input, 404 for a case out of
sight).

No `from __future__ import annotations`: ninja resolves the parameter types at import."""
import datetime as dt
from decimal import Decimal

from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema
from ninja.pagination import paginate

from luoshi.core.params import BodyIn, Day, Id, Pages, Year
from luoshi.org.models import Unit

from . import selectors, services

router = Router(tags=["cases"])


class CaseOut(Schema):
    id: int
    title: str
    summary: str
    problem: str
    body: str
    results: str
    figures: list[dict]
    unit_id: int
    unit_name: str
    team: str
    year: int
    tags: list[str]
    state: str
    nomination: str
    score: Decimal | None
    top_level: str
    is_public: bool
    task_id: int | None
    idea_id: int | None
    finding_id: int | None
    request_id: int | None

    @staticmethod
    def resolve_unit_name(obj) -> str:
        return obj.unit.name


class CaseFilterIn(Schema):
    q: str = ""
    state: str = ""
    level: str = ""
    year: Year | None = None
    tag: str = ""


class NominateIn(BodyIn):
    nomination: str
    note: str = ""


class AdoptionIn(BodyIn):
    unit_id: Id
    adopted_on: Day
    result: str = ""


class AdoptionOut(Schema):
    id: int
    unit_id: int
    adopted_on: dt.date
    result: str


@router.get("/", response=list[CaseOut])
@paginate(Pages, page_size=50)
def cases(request, filters: Query[CaseFilterIn]):
    """Cases the user may read; `q` is searched in Chinese (jieba words, all must match)."""
    return selectors.case_list(user=request.user, filters=selectors.CaseFilters(**filters.dict()))


@router.get("/{case_id}", response=CaseOut)
def case(request, case_id: Id):
    return selectors.case_get(user=request.user, pk=case_id)


@router.post("/{case_id}/nominate", response={200: CaseOut})
def nominate(request, case_id: Id, body: NominateIn):
    """推荐: 400 when the case is not a draft, 403 when the user may not nominate this way."""
    c = selectors.case_get(user=request.user, pk=case_id)
    return services.case_nominate(by=request.user, case=c, how=body.nomination, note=body.note)


@router.post("/{case_id}/adoptions", response={201: AdoptionOut})
def adopt(request, case_id: Id, body: AdoptionIn):
    """借鉴推广: 400 for a case not in the library or a unit that adopted it already, 403 for a unit out of scope."""
    c = selectors.case_get(user=request.user, pk=case_id)
    unit = get_object_or_404(Unit, pk=body.unit_id)
    return 201, services.adoption_add(by=request.user, case=c, unit=unit, adopted_on=body.adopted_on, result=body.result)
