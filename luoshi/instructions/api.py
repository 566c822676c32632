"""批示 and cockpit endpoints of the REST API (mounted at /api/instructions and /api/cockpit). Same selectors and
services as the pages: the same scoping, refusals (403 with {"detail"}, 400 with {"detail", "field"}) and journal.

No `from __future__ import annotations` here: ninja resolves the parameter types at import."""
import datetime as dt

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Router, Schema

from luoshi.core.params import BodyIn, Day, Id
from luoshi.org.models import Unit

from . import selectors, services

router = Router(tags=["instructions"])


class Error(Schema):
    detail: str


class UnitState(Schema):
    name: str
    answered: bool


class InstructionOut(Schema):
    id: int
    target_title: str
    text: str
    deadline: dt.date | None
    state: str
    author: str
    unit_count: int
    answered_count: int
    overdue: bool
    units: list[UnitState]


class InstructionIn(BodyIn):
    target: str  # "tasks.task:42", "ledger.finding:7", "intake.request:9", "assessment.result:3"
    text: str
    unit_ids: list[Id]
    deadline: Day | None = None


class ReplyIn(BodyIn):
    unit_id: Id
    text: str


class CloseIn(BodyIn):
    note: str = ""


def _out(user, pk: int) -> dict:
    rows = selectors.instruction_rows(selectors.instructions_visible(user).filter(pk=pk))
    if not rows:
        raise Http404
    return rows[0]


@router.get("/", response=list[InstructionOut])
def instruction_list(request, tab: str = "all"):
    """批示 the user sees: tab = todo (待我回复) | mine (我的批示) | open (在办) | all. At most 200, newest first."""
    qs = selectors.instruction_list(user=request.user, tab=tab if tab in selectors.TABS else "all")
    return selectors.instruction_rows(qs[:200])


@router.post("/", response={201: InstructionOut, 400: Error, 403: Error, 404: Error})
def instruction_create(request, body: InstructionIn):
    units = list(Unit.objects.filter(pk__in=body.unit_ids))
    missing = sorted(set(body.unit_ids) - {u.pk for u in units})
    if missing:
        from luoshi.core.errors import ServiceError

        raise ServiceError(_("单位编号不存在：%(ids)s") % {"ids": "、".join(map(str, missing))}, field="unit_ids")
    instruction = services.instruction_create(by=request.user, target=body.target, text=body.text, units=units,
                                              deadline=body.deadline)
    return 201, _out(request.user, instruction.pk)


@router.get("/{pk}", response={200: InstructionOut, 404: Error})
def instruction_get(request, pk: Id):
    return _out(request.user, pk)


@router.post("/{pk}/replies", response={201: InstructionOut, 400: Error, 403: Error, 404: Error})
def instruction_reply(request, pk: Id, body: ReplyIn):
    instruction = selectors.instruction_get(user=request.user, pk=pk)
    unit = Unit.objects.filter(pk=body.unit_id).first()
    if unit is None:
        raise Http404
    services.instruction_reply(by=request.user, instruction=instruction, unit=unit, text=body.text)
    return 201, _out(request.user, pk)


@router.post("/{pk}/read", response={200: InstructionOut, 400: Error, 403: Error, 404: Error})
def instruction_read(request, pk: Id):
    services.instruction_mark_read(by=request.user, instruction=selectors.instruction_get(user=request.user, pk=pk))
    return _out(request.user, pk)


@router.post("/{pk}/close", response={200: InstructionOut, 400: Error, 403: Error, 404: Error})
def instruction_close(request, pk: Id, body: CloseIn):
    services.instruction_close(by=request.user, instruction=selectors.instruction_get(user=request.user, pk=pk),
                               note=body.note)
    return _out(request.user, pk)
