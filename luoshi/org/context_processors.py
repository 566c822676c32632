from django.utils.functional import SimpleLazyObject

from luoshi.org.scopes import scope_for


def scope(request):
    """`scope` in every page of a signed-in user: what they may see and do (luoshi.org.scopes.Scope). Computed only
    when a template reads it (an htmx partial usually does not); views that need it have usually computed it already,
    and scope_for keeps it on the user."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return {"scope": SimpleLazyObject(lambda: scope_for(user))}
    return {}
