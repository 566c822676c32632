"""What the layout of every page (base.html) needs, computed cheaply: nothing here may cost a query that the page
does not show."""
from __future__ import annotations

import functools
from dataclasses import dataclass

from django.conf import settings
from django.middleware.csrf import get_token
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.functional import SimpleLazyObject
from django.utils.html import format_html
from django.utils.translation import gettext, gettext_lazy as _, pgettext_lazy, trans_real


# the header's links: key in `nav` → URL name
NAV_LINKS = {"inbox": "inbox", "inbox_badge": "inbox_badge", "workbench": "workbench", "programs": "program_list", "ledger": "ledger_index", "assess": "assess_index",
             "ideas": "ideas_index", "projects": "projects_index", "intake": "intake_index", "units": "unit_tree", "notifications": "notifications",
             "cases": "case_list", "bulletins": "bulletin_index", "procedures": "procedures_index", "policies": "policies_index", "portal": "portal_home", "cockpit": "cockpit", "instructions": "instruction_list", "set_language": "set_language", "logout": "logout",
             "password": "password_change", "api": "api:openapi-view", "my_pairings": "my_pairings", "pairings": "pairings"}
# the header's link that is marked as the current page: URL names starting with … → key in `nav`
SECTION_PREFIXES = (("cockpit", "cockpit"), ("instruction", "instructions"), ("ledger_", "ledger"), ("assess_", "assess"), ("ideas_", "ideas"), ("projects_", "projects"), ("intake_", "intake"), ("case_", "cases"),
                    ("bulletin_", "bulletins"), ("procedures_", "procedures"),
                    ("policies_", "policies"), ("my_pairings", "my_pairings"), ("pairing", "pairings"))

# Role names as org.models.Role stores them (core sits below org, so the names, not the enum).
OFFICE, LEADER, LIAISON, EVALUATOR, DISPATCHER = "office", "leader", "liaison", "evaluator", "dispatcher"
STAFF = (OFFICE, LEADER, LIAISON)


@dataclass(frozen=True)
class NavLink:
    key: str
    label: object
    roles: tuple[str, ...]  # () = everyone signed in


# The header's menus, grouped by what the mission's roles do: 工作 (the units' and leaders' daily work), 督查 (the
# office's oversight), 考核 (rounds and scores), 公开 (what the public brings in and sees), 管理 (the set-up). A person
# sees a link only when they hold a role that has work there; an administrator sees all. 待办 and 消息 are outside the
# menus: everyone has them.
NAV_GROUPS: tuple[tuple[str, object, tuple[NavLink, ...]], ...] = (
    ("work", _("工作"), (
        NavLink("workbench", _("工作台"), STAFF),
        NavLink("programs", _("专项工作"), STAFF),
        NavLink("projects", _("重点项目"), STAFF),
        NavLink("procedures", _("程序办件"), STAFF),
        NavLink("instructions", _("批示"), STAFF),
        NavLink("my_pairings", _("我包联的单位"), (LEADER,)),
    )),
    ("supervise", _("督查"), (
        NavLink("ledger", _("问题台账"), STAFF),
        NavLink("cockpit", _("一屏观"), (OFFICE, LEADER)),
        NavLink("bulletins", _("定期通报"), (OFFICE, LEADER)),
        NavLink("cases", _("典型案例"), STAFF),
    )),
    ("assess", _("考核"), (
        NavLink("assess", _("考核测评"), (OFFICE, LEADER, LIAISON, EVALUATOR)),
    )),
    ("public", pgettext_lazy("nav", "公开"), (
        NavLink("intake", _("诉求办理"), (OFFICE, LEADER, LIAISON, DISPATCHER)),
        NavLink("ideas", _("金点子"), (OFFICE, LEADER)),
        NavLink("policies", _("惠企政策"), STAFF),
        NavLink("portal", _("阳光公开"), ()),
    )),
    ("manage", _("管理"), (
        NavLink("units", _("单位"), (OFFICE,)),
        NavLink("pairings", _("包联关系"), (OFFICE,)),
        NavLink("api", "API", (OFFICE,)),
    )),
)


@dataclass(frozen=True)
class NavEntry:
    key: str
    label: str
    url: str
    current: bool


@dataclass(frozen=True)
class NavGroup:
    key: str
    label: str
    links: tuple[NavEntry, ...]

    @property
    def current(self) -> bool:
        return any(link.current for link in self.links)


def nav_groups_for(roles, *, is_admin: bool, urls: dict[str, str], section: str) -> list[NavGroup]:
    """The menus one person sees: `roles` are the role names they hold anywhere (a scope's `paths` keys). Groups left
    empty are not shown. The labels are translated here, once, in the request's language: a lazy label costs the
    template ~10 Python calls each time it is read and escaped (20 labels on every page)."""
    held = set(roles)
    groups = []
    for key, label, links in NAV_GROUPS:
        entries = tuple(NavEntry(link.key, str(link.label), urls[link.key], link.key == section) for link in links
                        if is_admin or not link.roles or held.intersection(link.roles))
        if entries:
            groups.append(NavGroup(key, str(label), entries))
    return groups


@functools.lru_cache(maxsize=16)
def _nav_urls(prefix: str, urlconf: str | None) -> dict[str, str]:
    """The header's URLs. They depend only on the code (and the script prefix the site is served under), so they
    are reversed once per process rather than ten times per page."""
    return {key: reverse(name, urlconf=urlconf) for key, name in NAV_LINKS.items()}


def nav_urls() -> dict[str, str]:
    """The header's URLs for the current request's script prefix."""
    return _nav_urls(get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)


def nav_section(request) -> str:
    """Which header link is the current page ("" for none)."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return ""
    name = match.url_name or ""
    if name == "workbench":
        return "workbench"
    if name == "inbox":
        return "inbox"
    if name == "program_list":
        return "programs"
    if match.app_name == "ledger":
        return "ledger"
    return next((section for prefix, section in SECTION_PREFIXES if name.startswith(prefix)), "")


def csrf_values(request) -> dict:
    """`csrf_token` and `csrf_input` masked once per page, as Django's own templates do. Django's Jinja2 backend hands
    templates lazy values that mask a new token each time the page prints one (~50 µs each; base.html prints three).
    Any masked form of the token is accepted, so one per page changes nothing for the forms."""
    token = SimpleLazyObject(lambda: get_token(request))
    return {"csrf_token": token,  # the markup of django.template.backends.utils.csrf_input
            "csrf_input": SimpleLazyObject(lambda: format_html(
                '<input type="hidden" name="csrfmiddlewaretoken" value="{}">', str(token)))}


def page_gettext():
    """The templates' `_()` and `{% trans %}` for this page: Django's `gettext` with the page's translation looked up
    once. Django's looks up the active language at every call (~1.5 µs of a 2.2 µs call; a page makes 30–200);
    a template does not change language while it renders. Messages Django's `gettext` treats specially (empty, with a
    carriage return, marked safe) go to it."""
    translate = trans_real.catalog().gettext

    def _gettext(message):
        if type(message) is str and message and "\r" not in message:
            return translate(message)
        return gettext(message)

    return _gettext


def luoshi(request):
    ctx = {"SITE_NAME": settings.LUOSHI_SITE_NAME, "nav": nav_urls(), "gettext": page_gettext(),
           **csrf_values(request)}
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        ctx["nav_section"] = nav_section(request)
        # the unread count and the unit's name: org.context_processors (header), read only when a template shows them
    return ctx
