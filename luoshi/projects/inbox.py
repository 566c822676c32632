"""The work key projects hands to people, registered with the one inbox (core.inbox): a month's investment to
report (liaisons of the project's units), problems to hand on (the program's office), applications to score
(揭榜挂帅 experts). The problems once handed on are ledger findings: the ledger's own inbox source lists them."""
from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils.translation import gettext as _, gettext_lazy

from luoshi.core import clock
from luoshi.core.inbox import InboxItem, register_inbox


def _report_items(user, limit):
    from .selectors import month_of_report, months_due

    qs = months_due(user).select_related("program__projects_config")
    qs = qs[:limit] if limit is not None else qs
    today = clock.today()
    month = month_of_report(today)
    out = []
    for p in qs:
        due = today.replace(day=p.program.projects_config.report_day)
        out.append(InboxItem(source="projects.report", title=_("报送%(m)s月投资：%(name)s") % {"m": month.month, "name": p.name},
                             url=reverse("projects_detail", args=[p.pk]), due=due, context=p.program.name,
                             state="overdue" if today > due else ""))
    return out


def _issue_items(user, limit):
    from .selectors import issues_waiting

    qs = issues_waiting(user)
    qs = qs[:limit] if limit is not None else qs
    return [InboxItem(source="projects.assign", title=_("待交办项目问题：%(name)s") % {"name": i.project.name},
                      url=reverse("projects_detail", args=[i.project_id]), context=i.get_kind_display())
            for i in qs]


def _score_items(user, limit):
    from .challenges import to_score

    qs = to_score(user)
    qs = qs[:limit] if limit is not None else qs
    return [InboxItem(source="projects.challenge_score", title=_("揭榜评审：%(team)s") % {"team": a.team_name},
                      url=reverse("projects_challenge", args=[a.challenge_id]), due=a.challenge.review_until,
                      context=a.challenge.title) for a in qs]


def _rate_items(user, limit):
    from .figures import quarter_of
    from .selectors import quarter_start, ratings_due

    today = clock.today()
    quarter = quarter_of(quarter_start(today) - dt.timedelta(days=1))
    qs = ratings_due(user).select_related("program")
    qs = qs[:limit] if limit is not None else qs
    return [InboxItem(source="projects.rate", title=_("%(q)s督导核查：%(name)s") % {"q": quarter, "name": p.name},
                      url=reverse("projects_detail", args=[p.pk]), context=p.program.name) for p in qs]


def register() -> None:
    from .challenges import to_score
    from .selectors import issues_waiting, months_due

    register_inbox("projects.report", label=gettext_lazy("待报送项目投资"), order=45,
                   pending=months_due, items=_report_items)
    register_inbox("projects.assign", label=gettext_lazy("待交办项目问题"), order=46,
                   pending=issues_waiting, items=_issue_items)
    from .selectors import ratings_due

    register_inbox("projects.rate", label=gettext_lazy("待督导核查项目"), order=48,
                   pending=ratings_due, items=_rate_items)
    register_inbox("projects.challenge_score", label=gettext_lazy("待评审揭榜申请"), order=47,
                   pending=to_score, items=_score_items)
