"""Key projects and 揭榜挂帅 in the REST API (mounted by luoshi/api/api.py at /api/projects). Same selectors and
services as the pages: the same scoping, refusals and journal. Statuses: 200/201 done, 400 refused by a rule
(`detail`, `field`), 403 not allowed, 404 missing or not visible, 422 malformed.

No `from __future__ import annotations` here: ninja resolves Query[...] parameter types at import."""
import datetime as dt
from decimal import Decimal
from typing import Annotated

from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.pagination import paginate
from pydantic import Field

from luoshi.core import clock
from luoshi.core.errors import ServiceError
from luoshi.core.params import BodyIn, Day, Id, Pages

from . import challenges as ch
from . import figures, selectors, services

router = Router(tags=["projects"])

# 万元 as the models store them (14 digits, 2 decimals); the sign is judged by services.month_report in its own words
Amount = Annotated[Decimal, Field(ge=Decimal("-999999999999.99"), le=Decimal("999999999999.99"), allow_inf_nan=False)]


class Error(Schema):
    detail: str


class ProgramOut(Schema):
    code: str
    name: str
    year: int


class ProjectOut(Schema):
    id: int
    code: str
    name: str
    type: str
    district_id: int
    area_id: int | None
    lead_unit_id: int
    builder_name: str
    leader_id: int | None
    total_investment: Decimal
    annual_plan: Decimal
    phase: str
    light: str
    light_reason: str
    plan_to_date: Decimal
    actual_to_date: Decimal
    actual_year: Decimal
    plan_sign: dt.date | None
    plan_land: dt.date | None
    plan_start: dt.date | None
    plan_produce: dt.date | None
    sign_on: dt.date | None
    land_on: dt.date | None
    start_on: dt.date | None
    produce_on: dt.date | None
    is_public: bool


class ListIn(Schema):
    dim: str = ""
    key: str = ""
    figure: str = ""
    period: str = ""
    light: str = ""
    q: str = ""


class MonthIn(BodyIn):
    month: str  # 2026-03
    actual: Amount
    note: str = ""


class PhaseIn(BodyIn):
    phase: str
    on: Day
    text: str


class FigureRow(Schema):
    key: str
    label: str
    projects: int
    yellow: int
    red: int
    start_due: int
    start_met: int
    start_new: int
    produce_due: int
    produce_met: int
    produce_new: int
    plan: Decimal
    actual: Decimal
    start_rate: Decimal | None
    produce_rate: Decimal | None
    invest_rate: Decimal | None
    urls: dict[str, str]


class FiguresOut(Schema):
    period: str
    dim: str
    total: FigureRow
    rows: list[FigureRow]


class ChallengeOut(Schema):
    id: int
    title: str
    problem: str
    goals: str
    conditions: str
    funding: Decimal
    apply_until: dt.date
    review_until: dt.date
    state: str
    result_text: str


def _period(text: str) -> figures.Period:
    try:
        return figures.period_parse(text, today=clock.today())
    except ValueError as e:
        raise ServiceError(str(e), field="period")


@router.get("/programs", response=list[ProgramOut])
def list_programs(request):
    return list(selectors.programs_for(request.user))


@router.get("/programs/{code}/projects", response={200: list[ProjectOut], 400: Error, 404: Error})
@paginate(Pages, page_size=100)
def list_projects(request, code: str, filters: Query[ListIn]):
    program, _config = selectors.program_get(request.user, code)
    if filters.figure and filters.figure not in selectors.LIST_FIGURES:
        raise ServiceError(_("未知的统计项“%(f)s”。") % {"f": filters.figure}, field="figure")
    period = _period(filters.period) if (filters.period or filters.figure) else None
    return selectors.project_list(request.user, program, selectors.ListFilter(
        dim=filters.dim if filters.dim in selectors.LIST_DIMS else "", key=filters.key, figure=filters.figure,
        period=period, light=filters.light, q=filters.q))


@router.get("/programs/{code}/figures", response={200: FiguresOut, 400: Error, 404: Error})
def program_figures(request, code: str, by: str = "district", period: str = ""):
    program, config = selectors.program_get(request.user, code)
    p = _period(period)
    table = selectors.figure_table(request.user, program, config, by if by in selectors.DIM_LABELS else "district", p)
    return {"period": p.code, **table}


@router.get("/cockpit", response=dict)
def cockpit(request, period: str = ""):
    """The plain values the leaders' cockpit shows (selectors.cockpit_figures)."""
    _period(period)
    return selectors.cockpit_figures(request.user, period=period or None)


@router.get("/projects/{project_id}", response={200: ProjectOut, 404: Error})
def get_project(request, project_id: Id):
    return selectors.project_get(request.user, project_id)


@router.post("/projects/{project_id}/months", response={200: ProjectOut, 400: Error, 403: Error, 404: Error})
def report_month(request, project_id: Id, body: MonthIn):
    project = selectors.project_get(request.user, project_id)
    try:
        month = dt.date.fromisoformat(body.month + "-01")
    except ValueError:
        raise ServiceError(_("月份应写作 2026-03。"), field="month")
    services.month_report(by=request.user, project=project, month=month, actual=body.actual, note=body.note)
    return selectors.project_get(request.user, project_id)


@router.post("/projects/{project_id}/phases", response={200: ProjectOut, 400: Error, 403: Error, 404: Error})
def report_phase(request, project_id: Id, body: PhaseIn):
    project = selectors.project_get(request.user, project_id)
    services.phase_report(by=request.user, project=project, phase=body.phase, on=body.on, text=body.text)
    return selectors.project_get(request.user, project_id)


@router.get("/challenges", response=list[ChallengeOut])
def list_challenges(request):
    return list(ch.challenge_list(request.user))
