"""Reads of requests, filtered by scope. Every staff list and page goes through `visible_requests`; the public
site and the Open311 API go through `public_requests`, which never selects personal fields."""
from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from luoshi.core.privacy import mask_personal, mask_phone
from luoshi.org.models import Role
from luoshi.org.scopes import scope_for

from . import permissions as perms
from .models import Request, RequestAssist, RequestKind

# fields that identify the requester: never selected for the public or the Open311 API
PERSONAL_FIELDS = ("requester_name", "requester_phone", "requester_email", "rating_token", "tracking_code")


def visible_requests(user) -> QuerySet[Request]:
    """Requests the user may read: the region of a dispatcher, office member or leader; what was dispatched
    to (or asked of) a liaison's unit."""
    scope = scope_for(user)
    qs = Request.objects.all()
    if scope.is_admin:
        return qs
    cond = Q(pk__in=[])
    for path in scope.paths_for(Role.DISPATCHER, Role.OFFICE, Role.LEADER):
        cond |= Q(region_path__startswith=path) | Q(unit_path__startswith=path)
    liaison = scope.paths_for(Role.LIAISON)
    for path in liaison:
        cond |= Q(unit_path__startswith=path)
    if liaison:
        assist = Q(pk__in=[])
        for path in liaison:
            assist |= Q(unit_path__startswith=path)
        cond |= Exists(RequestAssist.objects.filter(assist, request=OuterRef("pk")))
    return qs.filter(cond)


def request_for(user, pk: int) -> Request | None:
    request = visible_requests(user).select_related("category", "channel", "area", "lead_unit").filter(pk=pk).first()
    if request is not None and not perms.can_view(scope_for(user), request):
        return None
    return request


def requester_display(user, request: Request) -> dict[str, str]:
    """The requester as this viewer may see them: in full for dispatchers and the handling units, masked
    (张** / 138****1234) for everyone else; 匿名 stays anonymous to the handling unit too."""
    scope = scope_for(user)
    full = perms.can_see_personal(scope, request)
    name, phone, email = request.requester_name, request.requester_phone, request.requester_email
    if request.anonymous and not perms.can_dispatch(scope, request):
        return {"name": "匿名", "phone": "", "email": "", "masked": True}
    if full:
        return {"name": name, "phone": phone, "email": email, "masked": False}
    return {"name": (name[:1] + "*" * max(len(name) - 1, 1)) if name else "", "phone": mask_phone(phone),
            "email": "", "masked": True}


def public_requests() -> QuerySet[Request]:
    """What the public may see of requests (Open311 GET, the tracking page): no 举报 (a report about
    someone stays confidential), no personal fields; descriptions are masked by `public_text`."""
    return Request.objects.exclude(kind=RequestKind.REPORT).defer(*PERSONAL_FIELDS)


def public_text(text: str) -> str:
    return mask_personal(text)
