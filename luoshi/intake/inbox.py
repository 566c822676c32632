"""The 待办 sources of intake (core.inbox): 工单 to dispatch (new or returned), extension requests to decide (the
dispatcher), 工单 to sign and to answer (the handling unit's liaison). Each reads one of the queue's partial
indexes; a person without the role costs no query."""
from __future__ import annotations

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _, gettext_lazy

from luoshi.core import clock
from luoshi.core.inbox import InboxItem, register_inbox
from luoshi.org.models import Role
from luoshi.org.scopes import scope_for

from .models import DecisionState, ExtensionRequest, Request, RequestState


def _paths(user, role: str):
    return scope_for(user).paths_for(role)


def to_dispatch(user) -> QuerySet[Request] | None:
    paths = _paths(user, Role.DISPATCHER)
    if not paths:
        return None
    return Request.objects.filter(region_path__within=paths, state__in=(RequestState.RECEIVED, RequestState.RETURNED))


def extensions_to_decide(user) -> QuerySet[ExtensionRequest] | None:
    paths = _paths(user, Role.DISPATCHER)
    if not paths:
        return None
    return ExtensionRequest.objects.filter(request__region_path__within=paths, state=DecisionState.PENDING)


def to_sign(user) -> QuerySet[Request] | None:
    paths = _paths(user, Role.LIAISON)
    return None if not paths else Request.objects.filter(unit_path__within=paths, state=RequestState.DISPATCHED)


def to_answer(user) -> QuerySet[Request] | None:
    paths = _paths(user, Role.LIAISON)
    return None if not paths else Request.objects.filter(unit_path__within=paths, state=RequestState.HANDLING)


def _day(value):
    return clock.localtime(value).date() if value else None


def _number(received_at, pk) -> str:
    day = clock.localtime(received_at).strftime("%Y%m%d") if received_at else "00000000"
    return f"{day}-{pk:07d}"


def _cut(rows, limit):
    return rows if limit is None else rows[:limit]


def _request_items(qs, source: str, due_field: str, limit) -> list[InboxItem]:
    rows = _cut(qs.order_by(due_field, "pk").values("pk", "title", "received_at", "state", "category__name",
                                                     "lead_unit__name", due_field), limit)
    return [InboxItem(source=source, title=f"{_number(r['received_at'], r['pk'])} {r['title']}"[:80],
                      url=reverse("intake_detail", args=[r["pk"]]), due=_day(r[due_field]),
                      context=r["category__name"], unit=r["lead_unit__name"] or "", state=r["state"]) for r in rows]


def _extension_items(qs, limit) -> list[InboxItem]:
    rows = _cut(qs.order_by("asked_at", "pk").values("pk", "days", "request_id", "request__title",
                                                      "request__received_at", "request__due_at", "unit__name"), limit)
    return [InboxItem(source="intake.extensions",
                      title=f"{_number(r['request__received_at'], r['request_id'])} {r['request__title']}"[:80],
                      url=reverse("intake_detail", args=[r["request_id"]]), due=_day(r["request__due_at"]),
                      context=_("申请延期 %(n)s 个工作日") % {"n": r["days"]}, unit=r["unit__name"], state="pending",
                      extra={"key": f"x{r['pk']}"}) for r in rows]



def register() -> None:
    register_inbox("intake.dispatch", label=gettext_lazy("待派单诉求（含退单）"), order=40,
                   pending=to_dispatch,
                   items=lambda user, limit: [] if (qs := to_dispatch(user)) is None else
                   _request_items(qs, "intake.dispatch", "dispatch_due", limit))
    register_inbox("intake.extensions", label=gettext_lazy("待审批诉求延期"), order=41,
                   pending=extensions_to_decide,
                   items=lambda user, limit: [] if (qs := extensions_to_decide(user)) is None else
                   _extension_items(qs, limit))
    register_inbox("intake.sign", label=gettext_lazy("待签收诉求"), order=42,
                   pending=to_sign,
                   items=lambda user, limit: [] if (qs := to_sign(user)) is None else
                   _request_items(qs, "intake.sign", "sign_due", limit))
    register_inbox("intake.answer", label=gettext_lazy("待办理回复诉求"), order=43,
                   pending=to_answer,
                   items=lambda user, limit: [] if (qs := to_answer(user)) is None else
                   _request_items(qs, "intake.answer", "due_at", limit))
