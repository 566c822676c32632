from luoshi.org.scopes import scope_for


def scope(request):
    """`scope` in every page of a signed-in user: what they may see and do (luoshi.org.scopes.Scope)."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return {"scope": scope_for(user)}
    return {}
