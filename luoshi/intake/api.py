"""Staff endpoints for requests (诉求工单), mounted at /api/intake. The same selectors and services as the
pages: a request the caller may not see is 404; one they see but may not act on is 403 with the service's
words; a refused action is 400 with the Chinese message and the field; a body that does not fit the schema
is 422 with Chinese per-field errors (the API's common handler).

The requester's name and phone appear only in the detail, as `requester_display` allows (masked for
readers outside the centre and the handling units; 匿名 stays anonymous to the units).

No `from __future__ import annotations` here: ninja resolves parameter types at import."""
import datetime as dt

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.pagination import paginate

from luoshi.core.params import BodyIn, Day, Id, Pages, SmallInt

from luoshi.core.errors import ServiceError
from luoshi.org.models import Unit

from . import selectors, services
from .models import ExtensionRequest, Request

router = Router(tags=["intake"])


class Error(Schema):
    detail: str


class Refused(Schema):
    detail: str
    field: str | None = None


# ---- schemas ------------------------------------------------------------------------------------------------------

class RequestOut(Schema):
    id: int
    number: str
    title: str
    kind: str
    state: str
    state_display: str
    outcome: str
    category: str
    category_name: str
    channel: str
    area_id: int | None
    area: str | None
    lead_unit_id: int | None
    lead_unit: str | None
    received_at: dt.datetime
    dispatch_due: dt.datetime
    dispatched_at: dt.datetime | None
    sign_due: dt.datetime | None
    signed_at: dt.datetime | None
    due_at: dt.datetime | None
    replied_at: dt.datetime | None
    closed_at: dt.datetime | None
    signed_on_time: bool | None
    replied_on_time: bool | None
    reopen_count: int
    extension_days: int
    supervised_at: dt.datetime | None
    return_locked: bool
    external_id: str

    # a page of the list is built from the model rows (the paginator slices the queryset)
    @staticmethod
    def resolve_state_display(obj):
        return obj["state_display"] if isinstance(obj, dict) else obj.get_state_display()

    @staticmethod
    def resolve_category(obj):
        return obj["category"] if isinstance(obj, dict) else obj.category.code

    @staticmethod
    def resolve_category_name(obj):
        return obj["category_name"] if isinstance(obj, dict) else obj.category.name

    @staticmethod
    def resolve_channel(obj):
        return obj["channel"] if isinstance(obj, dict) else obj.channel.code

    @staticmethod
    def resolve_area(obj):
        return obj["area"] if isinstance(obj, dict) else (obj.area.name if obj.area_id else None)

    @staticmethod
    def resolve_lead_unit(obj):
        return obj["lead_unit"] if isinstance(obj, dict) else (obj.lead_unit.name if obj.lead_unit_id else None)


class RequesterOut(Schema):
    name: str
    phone: str
    email: str
    anonymous: bool
    masked: bool


class EventOut(Schema):
    kind: str
    kind_display: str
    at: dt.datetime
    actor: str | None
    unit: str | None
    text: str
    public: bool


class ExtensionOut(Schema):
    id: int
    unit_id: int
    days: int
    reason: str
    state: str
    asked_at: dt.datetime
    decided_at: dt.datetime | None
    note: str


class RequestDetailOut(RequestOut):
    description: str
    address: str
    lat: str | None
    lng: str | None
    attributes: dict
    requester: RequesterOut
    assist_units: list[str]
    reply_text: str
    satisfaction: int | None
    resolved: bool | None
    rating_comment: str
    events: list[EventOut]
    extensions: list[ExtensionOut]


class RequestFilter(Schema):
    state: str | None = None        # received | dispatched | returned | handling | replied | closed | open
    category: str | None = None     # category code
    channel: str | None = None      # channel code
    unit_id: Id | None = None      # lead unit
    q: str | None = None            # in title or description
    received_from: Day | None = None
    received_to: Day | None = None
    overdue: bool | None = None     # past the limit of the step it waits at (as in the dispatcher's list)


class DispatchIn(BodyIn):
    unit_id: Id
    assist_ids: list[Id] = []
    note: str = ""
    lock: bool = False


class ReasonIn(BodyIn):
    reason: str
    suggested_unit_id: Id | None = None


class TextIn(BodyIn):
    text: str


class RateIn(BodyIn):
    satisfaction: SmallInt
    resolved: bool | None = None
    comment: str = ""


class ExtensionIn(BodyIn):
    days: SmallInt
    reason: str


class DecisionIn(BodyIn):
    approve: bool
    note: str = ""


# ---- helpers --------------------------------------------------------------------------------------------------------

def _row(r: Request) -> dict:
    return {
        "id": r.pk, "number": r.number, "title": r.title, "kind": r.kind, "state": r.state,
        "state_display": r.get_state_display(), "outcome": r.outcome, "category": r.category.code,
        "category_name": r.category.name, "channel": r.channel.code, "area_id": r.area_id,
        "area": r.area.name if r.area_id else None, "lead_unit_id": r.lead_unit_id,
        "lead_unit": r.lead_unit.name if r.lead_unit_id else None, "received_at": r.received_at,
        "dispatch_due": r.dispatch_due, "dispatched_at": r.dispatched_at, "sign_due": r.sign_due,
        "signed_at": r.signed_at, "due_at": r.due_at, "replied_at": r.replied_at, "closed_at": r.closed_at,
        "signed_on_time": r.signed_on_time, "replied_on_time": r.replied_on_time, "reopen_count": r.reopen_count,
        "extension_days": r.extension_days, "supervised_at": r.supervised_at, "return_locked": r.return_locked,
        "external_id": r.external_id,
    }


def _get(request, pk: Id) -> Request:
    r = selectors.request_for(request.user, pk)
    if r is None:
        raise Http404(_("不存在或无权查看。"))
    return r


def _detail(request, pk: Id) -> dict:
    r = _get(request, pk)
    shown = selectors.requester_display(request.user, r)
    events = r.events.select_related("actor", "unit").order_by("at", "id")
    return {
        **_row(r), "description": r.description, "address": r.address,
        "lat": str(r.lat) if r.lat is not None else None, "lng": str(r.lng) if r.lng is not None else None,
        "attributes": r.attributes, "requester": {**shown, "anonymous": r.anonymous},
        "assist_units": [a.unit.name for a in r.assists.select_related("unit")], "reply_text": r.reply_text,
        "satisfaction": r.satisfaction, "resolved": r.resolved, "rating_comment": r.rating_comment,
        "events": [{"kind": e.kind, "kind_display": e.get_kind_display(), "at": e.at,
                    "actor": e.actor.display_name if e.actor_id else None, "unit": e.unit.name if e.unit_id else None,
                    "text": e.text, "public": e.public} for e in events],
        "extensions": list(r.extensions.values("id", "unit_id", "days", "reason", "state", "asked_at", "decided_at",
                                               "note")),
    }


def _unit(unit_id: int | None, field: str) -> Unit | None:
    if unit_id is None:
        return None
    unit = Unit.objects.filter(pk=unit_id).first()
    if unit is None:
        raise ServiceError(_("单位 id %(id)s 不存在。") % {"id": unit_id}, field=field)
    return unit


# ---- reads ------------------------------------------------------------------------------------------------------------

@router.get("/requests", response=list[RequestOut])
@paginate(Pages, page_size=50)
def list_requests(request, filters: Query[RequestFilter]):
    """The requests the caller may see (a dispatcher's region; what was dispatched to or asked of a liaison's
    unit; the region of office staff and leaders), newest first."""
    f = filters
    return selectors.request_search(user=request.user, state=f.state or "", category_code=f.category or "",
                                    channel_code=f.channel or "", unit_id=f.unit_id, q=f.q or "",
                                    received_from=f.received_from, received_to=f.received_to, overdue=bool(f.overdue))


@router.get("/requests/{request_id}", response={200: RequestDetailOut, 404: Error})
def get_request(request, request_id: Id):
    """One request with its timeline, extension requests and the requester as the caller may see them."""
    return _detail(request, request_id)


# ---- writes ----------------------------------------------------------------------------------------------------------

WRITE = {200: RequestDetailOut, 400: Refused, 403: Error, 404: Error}


@router.post("/requests/{request_id}/dispatch", response=WRITE)
def dispatch(request, request_id: Id, body: DispatchIn):
    """派单 / 改派 (after 退单); `lock` = 审定派单 (the unit may not return it again)."""
    r = _get(request, request_id)
    unit = _unit(body.unit_id, "unit_id")
    assist = [_unit(pk, "assist_ids") for pk in body.assist_ids]
    services.request_dispatch(by=request.user, request=r, unit=unit, assist=assist, note=body.note, lock=body.lock)
    return _detail(request, request_id)


@router.post("/requests/{request_id}/sign", response=WRITE)
def sign(request, request_id: Id):
    """签收 by the lead unit's liaison."""
    services.request_sign(by=request.user, request=_get(request, request_id))
    return _detail(request, request_id)


@router.post("/requests/{request_id}/return", response={200: RequestOut, 400: Refused, 403: Error, 404: Error})
def return_(request, request_id: Id, body: ReasonIn):
    """退单 with a reason, within the return window after 派单. The returning unit no longer sees the request
    afterwards, so the answer is the list row (no personal data), not the detail."""
    r = _get(request, request_id)
    services.request_return(by=request.user, request=r, reason=body.reason,
                            suggested_unit=_unit(body.suggested_unit_id, "suggested_unit_id"))
    return _row(Request.objects.select_related("category", "channel", "area", "lead_unit").get(pk=request_id))


@router.post("/requests/{request_id}/notes", response=WRITE)
def note(request, request_id: Id, body: TextIn):
    """办理记录 (internal) by the lead or an assisting unit."""
    services.request_note(by=request.user, request=_get(request, request_id), text=body.text)
    return _detail(request, request_id)


@router.post("/requests/{request_id}/reply", response=WRITE)
def reply(request, request_id: Id, body: TextIn):
    """回复 by the lead unit: opens the 回访."""
    services.request_reply(by=request.user, request=_get(request, request_id), text=body.text)
    return _detail(request, request_id)


@router.post("/requests/{request_id}/rate", response=WRITE)
def rate(request, request_id: Id, body: RateIn):
    """电话回访 recorded by a dispatcher (the requester rates through the link on the public site)."""
    services.request_rate(request=_get(request, request_id), by=request.user, satisfaction=body.satisfaction,
                          resolved=body.resolved, comment=body.comment)
    return _detail(request, request_id)


@router.post("/requests/{request_id}/extensions", response={201: ExtensionOut, 400: Refused, 403: Error, 404: Error})
def extension_ask(request, request_id: Id, body: ExtensionIn):
    """延期申请 by the lead unit, before the time limit."""
    ext = services.extension_ask(by=request.user, request=_get(request, request_id), days=body.days,
                                 reason=body.reason)
    return 201, ext


@router.post("/extensions/{extension_id}/decision", response=WRITE)
def extension_decide(request, extension_id: Id, body: DecisionIn):
    """延期审批 by a dispatcher: approve (the limit moves by the working days) or refuse with a note."""
    ext = ExtensionRequest.objects.filter(pk=extension_id).first()
    if ext is None or selectors.request_for(request.user, ext.request_id) is None:
        raise Http404(_("不存在或无权查看。"))
    services.extension_decide(by=request.user, extension=ext, approve=body.approve, note=body.note)
    return _detail(request, ext.request_id)


__all__ = ["router"]
