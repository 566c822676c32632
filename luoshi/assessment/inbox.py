"""The 待办 sources of assessment (core.inbox): rounds an evaluator is to score, scores returned for correction,
rounds to review and publish, appeals to decide, consequence proposals to confirm, and rounds in which a unit's
liaison is to submit materials. Lean indexed queries; a person without the role costs no query."""
from __future__ import annotations

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy

from luoshi.core.inbox import InboxItem, register_inbox
from luoshi.org.models import Role
from luoshi.org.scopes import scope_for

from .models import (Appeal, AppealState, Consequence, EvaluatorAssignment, ProposalState, Round, RoundState,
                     RoundUnit, Scheme, Score, ScoreStatus)


def rounds_to_score(user) -> QuerySet[Round] | None:
    if not getattr(user, "pk", None):
        return None
    return Round.objects.filter(state=RoundState.SCORING,
                                pk__in=EvaluatorAssignment.objects.filter(person=user).values("round_id"))


def scores_returned(user) -> QuerySet[Score] | None:
    if not getattr(user, "pk", None):
        return None
    return Score.objects.filter(evaluator=user, is_current=True, status=ScoreStatus.RETURNED,
                                round__state__in=(RoundState.SCORING, RoundState.REVIEW))


def _managed_schemes(user):
    scope = scope_for(user)
    if not scope.paths_for(Role.OFFICE):
        return None
    return Scheme.objects.manageable_by(scope).values("pk")


def rounds_to_review(user) -> QuerySet[Round] | None:
    schemes = _managed_schemes(user)
    return None if schemes is None else Round.objects.filter(scheme__in=schemes, state=RoundState.REVIEW)


def appeals_to_decide(user) -> QuerySet[Appeal] | None:
    schemes = _managed_schemes(user)
    return None if schemes is None else Appeal.objects.filter(round__scheme__in=schemes, state=AppealState.FILED)


def consequences_to_confirm(user) -> QuerySet[Consequence] | None:
    schemes = _managed_schemes(user)
    return None if schemes is None else Consequence.objects.filter(round__scheme__in=schemes,
                                                                   state=ProposalState.PROPOSED)


def materials_to_submit(user) -> QuerySet[RoundUnit] | None:
    """A unit of the liaison's taking part in a round that is collecting materials (材料报送)."""
    paths = scope_for(user).paths_for(Role.LIAISON)
    if not paths:
        return None
    return RoundUnit.objects.filter(unit__path__within=paths, round__state=RoundState.COLLECTING)


def _cut(rows, limit):
    return rows if limit is None else rows[:limit]


def _round_items(qs, source: str, limit, url_name: str) -> list[InboxItem]:
    rows = _cut(qs.order_by("period_end", "pk").values("pk", "name", "scheme__name", "period_end"), limit)
    return [InboxItem(source=source, title=r["name"], url=reverse(url_name, args=[r["pk"]]),
                      context=r["scheme__name"], state="") for r in rows]


def _score_items(qs, limit) -> list[InboxItem]:
    rows = _cut(qs.order_by("round_id", "unit_id", "indicator__position").values(
        "pk", "round_id", "round__name", "round__scheme__name", "unit_id", "unit__name", "indicator__code",
        "indicator__name"), limit)
    return [InboxItem(source="assess.returned", title=f"{r['indicator__code']} {r['indicator__name']}"[:80],
                      url=reverse("assess_score", args=[r["round_id"]]) + f"?unit={r['unit_id']}",
                      context=f"{r['round__scheme__name']} · {r['round__name']}", unit=r["unit__name"],
                      state="returned", extra={"key": f"s{r['pk']}"}) for r in rows]


def _appeal_items(qs, limit) -> list[InboxItem]:
    rows = _cut(qs.order_by("filed_at", "pk").values("pk", "round_id", "round__name", "round__scheme__name",
                                                    "round__appeal_deadline", "unit_id", "unit__name",
                                                    "indicator__code", "indicator__name"), limit)
    return [InboxItem(source="assess.appeals", title=f"{r['indicator__code']} {r['indicator__name']}"[:80],
                      url=reverse("assess_card", args=[r["round_id"], r["unit_id"]]),
                      context=f"{r['round__scheme__name']} · {r['round__name']}", unit=r["unit__name"],
                      due=r["round__appeal_deadline"], state="pending", extra={"key": f"a{r['pk']}"}) for r in rows]


def _consequence_items(qs, limit) -> list[InboxItem]:
    rows = _cut(qs.order_by("created_at", "pk").values("pk", "round_id", "round__name", "round__scheme__name",
                                                      "unit__name", "action", "rule_name"), limit)
    return [InboxItem(source="assess.consequences", title=f"{r['action']}（{r['rule_name']}）"[:80],
                      url=reverse("assess_round", args=[r["round_id"]]) + "#consequences",
                      context=f"{r['round__scheme__name']} · {r['round__name']}", unit=r["unit__name"],
                      state="proposed", extra={"key": f"c{r['pk']}"}) for r in rows]


def _material_items(qs, limit) -> list[InboxItem]:
    rows = _cut(qs.order_by("round__period_end", "pk").values("pk", "round_id", "round__name", "round__scheme__name",
                                                             "unit_id", "unit__name"), limit)
    return [InboxItem(source="assess.materials", title=r["round__name"],
                      url=reverse("assess_card", args=[r["round_id"], r["unit_id"]]),
                      context=r["round__scheme__name"], unit=r["unit__name"]) for r in rows]



def register() -> None:
    register_inbox("assess.score", label=gettext_lazy("待评分的考核期次"), order=30,
                   pending=rounds_to_score,
                   items=lambda user, limit: [] if (qs := rounds_to_score(user)) is None else
                   _round_items(qs, "assess.score", limit, "assess_score"))
    register_inbox("assess.returned", label=gettext_lazy("被退回待修改的评分"), order=31,
                   pending=scores_returned,
                   items=lambda user, limit: [] if (qs := scores_returned(user)) is None else _score_items(qs, limit))
    register_inbox("assess.review", label=gettext_lazy("待审核、公布的考核期次"), order=32,
                   pending=rounds_to_review,
                   items=lambda user, limit: [] if (qs := rounds_to_review(user)) is None else
                   _round_items(qs, "assess.review", limit, "assess_review"))
    register_inbox("assess.appeals", label=gettext_lazy("待复核的申诉"), order=33,
                   pending=appeals_to_decide,
                   items=lambda user, limit: [] if (qs := appeals_to_decide(user)) is None else _appeal_items(qs, limit))
    register_inbox("assess.consequences", label=gettext_lazy("待确认的后果措施"), order=34,
                   pending=consequences_to_confirm,
                   items=lambda user, limit: [] if (qs := consequences_to_confirm(user)) is None else
                   _consequence_items(qs, limit))
    register_inbox("assess.materials", label=gettext_lazy("待报送考核材料"), order=35,
                   pending=materials_to_submit,
                   items=lambda user, limit: [] if (qs := materials_to_submit(user)) is None else
                   _material_items(qs, limit))
