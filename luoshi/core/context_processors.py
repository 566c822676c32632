"""What the layout of every page (base.html) needs, computed cheaply: nothing here may cost a query that the page
does not show."""
from __future__ import annotations

import functools

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse


# the header's links: key in `nav` → URL name
NAV_LINKS = {"inbox": "inbox", "inbox_badge": "inbox_badge", "workbench": "workbench", "programs": "program_list", "ledger": "ledger_index", "assess": "assess_index",
             "ideas": "ideas_index", "projects": "projects_index", "intake": "intake_index", "units": "unit_tree", "notifications": "notifications",
             "cases": "case_list", "bulletins": "bulletin_index", "procedures": "procedures_index", "policies": "policies_index", "portal": "portal_home", "cockpit": "cockpit", "instructions": "instruction_list", "set_language": "set_language", "logout": "logout",
             "password": "password_change"}
# the header's link that is marked as the current page: URL names starting with … → key in `nav`
SECTION_PREFIXES = (("cockpit", "cockpit"), ("instruction", "instructions"), ("ledger_", "ledger"), ("assess_", "assess"), ("ideas_", "ideas"), ("projects_", "projects"), ("intake_", "intake"), ("case_", "cases"),
                    ("bulletin_", "bulletins"), ("procedures_", "procedures"),
                    ("policies_", "policies"))


@functools.lru_cache(maxsize=16)
def _nav_urls(prefix: str, urlconf: str | None) -> dict[str, str]:
    """The header's URLs. They depend only on the code (and the script prefix the site is served under), so they
    are reversed once per process rather than ten times per page."""
    return {key: reverse(name, urlconf=urlconf) for key, name in NAV_LINKS.items()}


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


def luoshi(request):
    ctx = {"SITE_NAME": settings.LUOSHI_SITE_NAME, "nav": _nav_urls(get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)}
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        ctx["nav_section"] = nav_section(request)
        # the unread count and the unit's name: org.context_processors (header), read only when a template shows them
    return ctx
