"""Who may do what with a 工单. Dispatchers (受理派单员) work over a region (the subtree of their grant);
a unit's liaisons handle what was dispatched to their unit (lead) or asked of it (assist); office staff and
leaders over the region may read (with personal data masked). Who may read a request at all is
`Request.objects.visible_to(scope)` (models.py), for the queue and the request page alike."""
from __future__ import annotations

from luoshi.org.models import Role
from luoshi.org.scopes import Scope


def can_dispatch(scope: Scope, request) -> bool:
    return scope.covers(request.region_path, Role.DISPATCHER)


def is_lead(scope: Scope, request) -> bool:
    return bool(request.unit_path) and scope.covers(request.unit_path, Role.LIAISON)


def assist_paths(request) -> list[str]:
    cached = getattr(request, "_assist_paths", None)
    if cached is None:
        cached = list(request.assists.values_list("unit_path", flat=True))
        request._assist_paths = cached
    return cached


def is_assist(scope: Scope, request) -> bool:
    return any(scope.covers(p, Role.LIAISON) for p in assist_paths(request))


def can_see_personal(scope: Scope, request) -> bool:
    """Name, phone and e-mail: dispatchers and the handling units only."""
    return can_dispatch(scope, request) or is_lead(scope, request) or is_assist(scope, request)
