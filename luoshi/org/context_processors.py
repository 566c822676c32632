from django.db import connection
from django.utils.functional import SimpleLazyObject

from luoshi.core import prepared
from luoshi.core.context_processors import nav_groups_for, nav_section, nav_urls
from luoshi.core.sessions import PersonRead
from luoshi.core.models import Notification
from luoshi.org.models import Unit
from luoshi.org.scopes import scope_for

# The header's two figures in one statement. Through the ORM they were two queries (the user's unit, the unread count)
# that cost ~0.3 ms of Python each to build, on every page; this costs ~0.02 ms (docs/benchmarks.md, issue #11).
HEADER_SQL = (f"SELECT (SELECT name FROM {Unit._meta.db_table} WHERE id = %s), "
              f"(SELECT COUNT(*) FROM {Notification._meta.db_table} WHERE recipient_id = %s AND read_at IS NULL)")


def _keep_header(user, rows: list[tuple]) -> None:
    unit_name, unread = rows[0]
    user._luoshi_header = {"unit_name": unit_name or "", "unread": unread}


# The same two figures in the signed-in person's statement (core.sessions, ADR 0063): one statement fewer on every
# page. `p` is the person's row there, `%s` their id.
HEADER_WITH_PERSON = PersonRead(
    columns=(f"(SELECT hu.name FROM {Unit._meta.db_table} hu WHERE hu.id = p.unit_id)",
             f"(SELECT COUNT(*) FROM {Notification._meta.db_table} WHERE recipient_id = %s AND read_at IS NULL)"),
    join="", join_columns=(), keep=_keep_header)
# requests that write nothing before their page renders: the figures read with the person are still the page's
READ_ONLY_METHODS = ("GET", "HEAD")


def header_for(request, user) -> dict:
    """The header's figures for this page: those read with the person (HEADER_WITH_PERSON) on a GET or HEAD; a
    request that may have written something first (a form posted back with its errors, say) reads them now."""
    kept = getattr(user, "_luoshi_header", None)
    if kept is not None:
        del user._luoshi_header  # (request.user is a lazy object: its __dict__ is not the person's)
    if kept is not None and request.method in READ_ONLY_METHODS:
        return kept
    return header_figures(user)


def header_figures(user) -> dict:
    """What the header (base.html) shows of the signed-in user besides their name: their unit's name ("" without
    one) and how many messages they have not opened (the 消息 badge) — `user.unit.name` and
    `core.notify.unread_count(user)` read together."""
    with connection.cursor() as cur:
        prepared.execute(cur, "luoshi_header", HEADER_SQL, [user.unit_id, user.pk])
        unit_name, unread = cur.fetchone()
    return {"unit_name": unit_name or "", "unread": unread}


def scope(request):
    """`scope` in every page of a signed-in user: what they may see and do (luoshi.org.scopes.Scope); `header`, the
    header's figures (header_for); `nav_groups`, the header's menus of the apps this person has a role in
    (core.context_processors.NAV_GROUPS), read from the same scope. All are computed only when a template reads
    them (an htmx partial usually does not); views that need the scope have usually computed it already, and
    scope_for keeps it on the user, so the menus cost no query the page has not already paid for."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        def groups():
            s = scope_for(user)
            return nav_groups_for(s.paths.keys(), is_admin=s.is_admin, urls=nav_urls(), section=nav_section(request))

        return {"scope": SimpleLazyObject(lambda: scope_for(user)),
                "header": SimpleLazyObject(lambda: header_for(request, user)),
                "nav_groups": SimpleLazyObject(groups)}
    return {}
