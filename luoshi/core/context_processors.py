from django.conf import settings


def luoshi(request):
    ctx = {"SITE_NAME": settings.LUOSHI_SITE_NAME}
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        from luoshi.org.scopes import scope_for

        from .notify import unread_count

        ctx["unread_count"] = unread_count(user)
        ctx["scope"] = scope_for(user)
    return ctx
