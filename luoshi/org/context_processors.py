from django.utils.functional import SimpleLazyObject

from luoshi.core.context_processors import nav_groups_for, nav_section, nav_urls

from .scopes import scope_for


def scope(request):
    """`scope` in every page of a signed-in user: what they may see and do (luoshi.org.scopes.Scope). Computed only
    when a template reads it (an htmx partial usually does not); views that need it have usually computed it already,
    and scope_for keeps it on the user.

    `nav_groups`: the header's menus of the apps this person has a role in (core.context_processors.NAV_GROUPS), read
    from the same scope: the header costs no query the page has not already paid for."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        def groups():
            s = scope_for(user)
            return nav_groups_for(s.paths.keys(), is_admin=s.is_admin, urls=nav_urls(), section=nav_section(request))

        return {"scope": SimpleLazyObject(lambda: scope_for(user)), "nav_groups": SimpleLazyObject(groups)}
    return {}
