"""Reads of requests, filtered by scope. Every staff list and page goes through `visible_requests`; the public
site and the Open311 API go through `public_requests`, which never selects personal fields."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import BooleanField, Count, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _

from luoshi.core import clock
from luoshi.core.privacy import mask_personal
from luoshi.org.models import Unit, UnitKind
from luoshi.org.scopes import scope_for

from . import permissions as perms
from .filters import QueueFilterSet
from .models import OPEN_STATES, Request, RequestKind, RequestState, overdue_q

# fields that identify the requester: never selected for the public or the Open311 API
PERSONAL_FIELDS = ("requester_name", "requester_phone", "requester_email", "rating_token", "tracking_code")


def visible_requests(user) -> QuerySet[Request]:
    """Requests the user may read (`Request.objects.visible_to`): lists and pages alike."""
    return Request.objects.visible_to(scope_for(user))


def request_for(user, pk: int) -> Request | None:
    """The request, when the user may read it: the same rule as the queue (a request in the list opens)."""
    return visible_requests(user).select_related("category", "channel", "area", "lead_unit").filter(pk=pk).first()


def requester_display(user, request: Request) -> dict[str, str]:
    """The requester as this viewer may see them: in full for dispatchers and the handling units, masked
    (张** / 138****1234) for everyone else; 匿名 stays anonymous to the handling unit too."""
    scope = scope_for(user)
    full = perms.can_see_personal(scope, request)
    name, phone, email = request.requester_name, request.requester_phone, request.requester_email
    if request.anonymous and not perms.can_dispatch(scope, request):
        return {"name": _("匿名"), "phone": "", "email": "", "masked": True}
    if full:
        return {"name": name, "phone": phone, "email": email, "masked": False}
    return {"name": (name[:1] + "*" * max(len(name) - 1, 1)) if name else "", "phone": mask_personal(phone),
            "email": "", "masked": True}


def public_requests() -> QuerySet[Request]:
    """What the public may see of requests (Open311 GET, the tracking page): no 举报 (a report about
    someone stays confidential), no personal fields; descriptions are masked by `public_text`."""
    return Request.objects.exclude(kind=RequestKind.REPORT).defer(*PERSONAL_FIELDS)


def public_text(text: str) -> str:
    return mask_personal(text)


# ---- staff pages (the dispatcher's queue, the request page) ------------------------------------------------

QUEUE_TABS = ("pending", "dispatched", "handling", "replied", "closed", "all")


@dataclass
class QueueFilters:
    category: int | None = None
    channel: int | None = None
    area: int | None = None
    unit: int | None = None
    state: str = ""
    received_from: dt.date | None = None
    received_to: dt.date | None = None
    q: str = ""
    overdue: bool = False


def _state_in(*states: str) -> RawSQL:
    """`state IN ('received', 'returned')` written out in the SQL. Each tab has a partial index on exactly this
    condition (migration 0003); SQLite uses a partial index only when the query repeats the condition with
    literal values (a bound parameter proves nothing at planning time). The values are our own constants."""
    if not all(s in RequestState.values for s in states):
        raise ValueError(states)
    values = ", ".join(f"'{s}'" for s in states)
    condition = f"= {values}" if len(states) == 1 else f"IN ({values})"
    return RawSQL(f'"{Request._meta.db_table}"."state" {condition}', (), output_field=BooleanField())


def _tab_q(tab: str):
    return {
        "pending": _state_in(RequestState.RECEIVED, RequestState.RETURNED),
        "dispatched": _state_in(RequestState.DISPATCHED),
        "handling": _state_in(RequestState.HANDLING),
        "replied": _state_in(RequestState.REPLIED),
        "closed": _state_in(RequestState.CLOSED),
    }.get(tab, Q())


def _filtered(user, filters: QueueFilters, now: dt.datetime) -> QuerySet[Request]:
    return QueueFilterSet.narrow(visible_requests(user), filters, now=now)


def request_search(*, user, state: str = "", category_code: str = "", channel_code: str = "", unit_id: int | None = None,
                   q: str = "", received_from: dt.date | None = None, received_to: dt.date | None = None,
                   overdue: bool = False, now: dt.datetime | None = None) -> QuerySet[Request]:
    """The REST API's list: scoped like every staff list, categories and channels by code, state "open" for
    all open states, `overdue` as the dispatcher's list means it (past the limit of the step it waits at);
    newest first. Personal fields are not selected."""
    qs = visible_requests(user).select_related("category", "channel", "area", "lead_unit").defer(*PERSONAL_FIELDS)
    if state == "open":
        qs = qs.filter(state__in=OPEN_STATES)
    elif state:
        qs = qs.filter(state=state)
    if category_code:
        qs = qs.filter(category__code=category_code)
    if channel_code:
        qs = qs.filter(channel__code=channel_code)
    if unit_id:
        qs = qs.filter(lead_unit_id=unit_id)
    if q:
        qs = qs.filter(Q(title__contains=q) | Q(description__contains=q))
    if received_from:
        qs = qs.filter(received_at__gte=_day_start(received_from))
    if received_to:
        qs = qs.filter(received_at__lt=_day_start(received_to + dt.timedelta(days=1)))
    if overdue:
        qs = qs.filter(overdue_q(now or clock.now()))
    return qs.order_by("-received_at", "-id")


def _day_start(day: dt.date) -> dt.datetime:
    from django.utils import timezone

    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


TAB_ORDER = {
    "pending": ("received_at", "id"),          # oldest first: 先来先派
    "dispatched": ("sign_due", "id"),
    "handling": ("due_at", "id"),
    "replied": ("revisit_due", "id"),
    "closed": ("-closed_at", "-id"),
    "all": ("-received_at", "-id"),
}


def request_queue(*, user, tab: str, filters: QueueFilters, now: dt.datetime | None = None) -> QuerySet[Request]:
    """One tab of the dispatcher's (or a unit's) list: scoped, filtered, in the order the tab is worked in.
    Personal fields are not selected (the list never shows them)."""
    now = now or clock.now()
    qs = _filtered(user, filters, now).filter(_tab_q(tab))
    return (qs.select_related("category", "channel", "area", "lead_unit")
            .defer(*PERSONAL_FIELDS, "description", "attributes", "reply_text", "rating_comment")
            .order_by(*TAB_ORDER.get(tab, TAB_ORDER["all"])))


def queue_counts(*, user, filters: QueueFilters, now: dt.datetime | None = None) -> dict[str, int]:
    """How many requests each working tab (待派单 … 待回访) holds under the same filters, and how many of them
    are overdue: one small query per tab over that tab's partial index, so it stays fast when a million closed
    requests pile up (one query over all open states would let SQLite's planner, which only knows that the
    average state holds a fifth of the table, scan the table). The 已办结 and 全部 tabs count their rows only
    when opened (the pager, capped)."""
    now = now or clock.now()
    base = _filtered(user, filters, now).order_by()
    out: dict[str, int] = {}
    for tab in QUEUE_TABS:
        if tab in ("closed", "all"):
            continue
        row = base.filter(_tab_q(tab)).aggregate(n=Count("id"), overdue=Count("id", filter=overdue_q(now)))
        out[tab], out[f"{tab}_overdue"] = row["n"], row["overdue"]
    return out


def request_detail(*, user, request: Request) -> dict:
    """Everything the request page shows, in a fixed number of queries."""
    from luoshi.core.journal import journal_for
    from luoshi.core.journal_text import journal_rows

    return {
        "events": list(request.events.select_related("actor", "unit")),
        "photos": list(request.photos.filter(processed_at__isnull=False, process_error="").exclude(thumb="")),
        "photos_waiting": request.photos.filter(processed_at__isnull=True).count(),
        "extensions": list(request.extensions.select_related("unit", "asked_by", "decided_by")),
        "assists": list(request.assists.select_related("unit")),
        "journal": journal_rows(journal_for(request)),
        "requester": requester_display(user, request),
        "duplicate_of": (Request.objects.only("id", "received_at", "title").filter(pk=request.duplicate_of_id).first()
                         if request.duplicate_of_id else None),
    }


def similar_open_requests(request: Request, limit: int = 5) -> list[Request]:
    """Open requests like this one (same category and area), most keyword overlap first, then the newest;
    each carries `.similarity` (0–1). For the dispatcher deciding whether a request repeats another."""
    from .text import similarity

    qs = Request.objects.filter(category_id=request.category_id, state__in=OPEN_STATES).exclude(pk=request.pk)
    if request.area_id:
        qs = qs.filter(area_id=request.area_id)
    else:
        qs = qs.filter(area__isnull=True, region_path=request.region_path)
    candidates = list(qs.select_related("lead_unit").only(
        "id", "title", "keywords", "received_at", "state", "address", "lead_unit__name", "category_id", "area_id")
        .order_by("-received_at")[:300])
    words = set((request.keywords or "").split())
    for c in candidates:
        c.similarity = similarity(words, set((c.keywords or "").split()))
    candidates.sort(key=lambda c: (-c.similarity, -c.received_at.timestamp()))
    return candidates[:limit]


def centre_path() -> str | None:
    """The path of the receiving centre (the region the intake preset was loaded for), in one query."""
    from .models import IntakeSettings

    row = IntakeSettings.objects.order_by("pk").values_list("centre__path", flat=True).first()
    return row or None


def dispatch_units(request: Request | None = None, *, root: str | None = None) -> QuerySet[Unit]:
    """Units a dispatcher may send a request to: the active streets, departments and other units of the
    receiving centre's region (not communities or grids, which are reached through their street)."""
    root = root or centre_path() or (request.region_path if request is not None else "/")
    return (Unit.objects.filter(is_active=True, path__within=[root])
            .exclude(kind__in=(UnitKind.COMMUNITY, UnitKind.GRID)).exclude(path=root)
            .only("id", "name", "path", "kind").order_by("path"))


def area_units(*, root: str | None = None) -> QuerySet[Unit]:
    """The 镇街 a requester or operator may choose as 属地."""
    root = root or centre_path()
    qs = Unit.objects.filter(is_active=True, kind=UnitKind.STREET)
    if root:
        qs = qs.filter(path__within=[root])
    return qs.only("id", "name", "path").order_by("sort_order", "path")
