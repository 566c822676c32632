"""The 待办 sources of ideas (core.inbox): ideas to screen (初审) and to decide (采纳与答复) for the office that runs
the campaign, and ideas an expert is to score. Lean indexed queries; a person without the role costs no query."""
from __future__ import annotations

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy

from luoshi.core.inbox import InboxItem, register_inbox
from luoshi.org.models import Role
from luoshi.org.scopes import scope_for

from .models import Campaign, Idea, IdeaState
from .selectors import expert_queue


def _managed(user):
    scope = scope_for(user)
    if not scope.paths_for(Role.OFFICE):
        return None
    return Campaign.objects.manageable_by(scope).values("pk")


def to_screen(user) -> QuerySet[Idea] | None:
    campaigns = _managed(user)
    return None if campaigns is None else Idea.objects.filter(campaign__in=campaigns, state=IdeaState.SUBMITTED)


def to_decide(user) -> QuerySet[Idea] | None:
    """Ideas under expert review with at least one score (services.idea_decide needs one): ready for 采纳与答复."""
    campaigns = _managed(user)
    return None if campaigns is None else Idea.objects.filter(campaign__in=campaigns, state=IdeaState.REVIEWING,
                                                              score_count__gt=0)


def to_score(user) -> QuerySet[Idea] | None:
    if not getattr(user, "pk", None):
        return None
    return expert_queue(user=user)


def _items(qs, source: str, limit) -> list[InboxItem]:
    rows = qs.order_by("submitted_at", "pk").values("pk", "seq", "title", "topic", "campaign__name", "campaign__year",
                                                    "campaign__end_date", "score_count")
    if limit is not None:
        rows = rows[:limit]
    return [InboxItem(source=source, title=f"{r['campaign__year']}-{r['seq']:04d} {r['title']}"[:80],
                      url=reverse("ideas_idea", args=[r["pk"]]), context=r["campaign__name"], unit=r["topic"],
                      extra={"scores": r["score_count"]}) for r in rows]



def register() -> None:
    register_inbox("ideas.screen", label=gettext_lazy("待初审金点子"), order=50,
                   pending=to_screen,
                   items=lambda user, limit: [] if (qs := to_screen(user)) is None else _items(qs, "ideas.screen", limit))
    register_inbox("ideas.score", label=gettext_lazy("待评分金点子"), order=51,
                   pending=to_score,
                   items=lambda user, limit: [] if (qs := to_score(user)) is None else _items(qs, "ideas.score", limit))
    register_inbox("ideas.decide", label=gettext_lazy("待决定采纳并答复的金点子"), order=52,
                   pending=to_decide,
                   items=lambda user, limit: [] if (qs := to_decide(user)) is None else _items(qs, "ideas.decide", limit))
