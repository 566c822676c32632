from typing import Any

from django.conf import settings


def luoshi(request):
    ctx: dict[str, Any] = {"SITE_NAME": settings.LUOSHI_SITE_NAME}
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        from .notify import unread_count

        ctx["unread_count"] = unread_count(user)
    return ctx
