"""Reads of campaigns and ideas, filtered by scope in the query.

Staff: the office and leaders over a campaign's owner unit read all its ideas; assigned experts read the
ideas under review or decided, without personal data. The public (`public_ideas`, `idea_by_tracking_code`)
never selects a personal field, and masks phone and ID numbers in any text it returns."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet

from luoshi.core import clock
from luoshi.core.privacy import mask_personal
from luoshi.org.models import Role, Unit
from luoshi.org.scopes import scope_for

from . import permissions as perms
from .filters import IdeaFilterSet
from .models import ADOPTED_DECISIONS, EXPERT_STATES, Campaign, Decision, ExpertScore, Idea, IdeaState, SourceKind
from .scheme import province_names

PERSONAL_FIELDS = ("submitter_name", "submitter_phone", "submitter_email", "submitter_org", "tracking_code")


# ---- campaigns ----------------------------------------------------------------------------------------

def campaigns_visible(user) -> QuerySet[Campaign]:
    return Campaign.objects.visible_to(scope_for(user)).select_related("owner_unit")


def campaign_owner_units(user) -> QuerySet[Unit]:
    """Units the user may open a campaign for: those under their office grants (active, down to 街道/部门;
    an administrator: the top three levels)."""
    scope = scope_for(user)
    if scope.is_admin:
        return Unit.objects.filter(is_active=True, depth__lte=2).order_by("path")
    paths = scope.paths_for(Role.OFFICE)
    if not paths:
        return Unit.objects.none()
    return Unit.objects.filter(path__within=paths, is_active=True) \
        .exclude(kind__in=("community", "grid")).order_by("path")


def campaign_units(campaign: Campaign) -> QuerySet[Unit]:
    """The active units under the campaign's owner: where an adopted idea's task may be led."""
    return Unit.objects.filter(path__within=[campaign.owner_path], is_active=True).order_by("path")


def campaign_get(*, user, pk: int) -> Campaign | None:
    return campaigns_visible(user).filter(pk=pk).first()


def open_campaigns(day: dt.date | None = None) -> QuerySet[Campaign]:
    day = day or clock.today()
    return Campaign.objects.filter(is_closed=False, start_date__lte=day, end_date__gte=day).order_by("end_date", "pk")


def campaign_rows(*, user) -> list[dict]:
    """The campaigns page: each campaign with its idea counts by state (one grouped query)."""
    campaigns = list(campaigns_visible(user).order_by("-start_date", "-pk"))
    counts: dict[int, dict[str, int]] = {}
    for row in Idea.objects.filter(campaign__in=[c.pk for c in campaigns]).values("campaign", "state").annotate(n=Count("pk")):
        counts.setdefault(row["campaign"], {})[row["state"]] = row["n"]
    return [{"campaign": c, "counts": counts.get(c.pk, {}), "total": sum(counts.get(c.pk, {}).values())}
            for c in campaigns]


# ---- ideas --------------------------------------------------------------------------------------------

@dataclass
class IdeaFilters:
    state: str = ""
    topic: str = ""
    province: str = ""
    source_kind: str = ""
    decision: str = ""
    q: str = ""
    order: str = ""  # "" newest first, "score" ranking


def ideas_for(*, user, campaign: Campaign, filters: IdeaFilters | None = None) -> QuerySet[Idea]:
    """The ideas of a campaign this user may read; personal fields are deferred unless the user may see them."""
    f = filters or IdeaFilters()
    scope = scope_for(user)
    qs = Idea.objects.filter(campaign=campaign).select_related("campaign")
    if not scope.covers(campaign.owner_path, Role.OFFICE, Role.LEADER):
        if not perms.is_expert(user, campaign):
            return qs.none()
        qs = qs.filter(state__in=EXPERT_STATES)
    if not perms.can_manage(scope, campaign):
        qs = qs.defer(*PERSONAL_FIELDS)
    qs = IdeaFilterSet.narrow(qs.order_by("-seq"), f)  # order=score re-orders by the ranking
    return qs


def idea_get(*, user, pk: int) -> Idea | None:
    return (Idea.objects.visible_to(scope_for(user))
            .select_related("campaign", "campaign__owner_unit", "duplicate_of", "task", "task__program")
            .filter(pk=pk).first())


def expert_queue(*, user) -> QuerySet[Idea]:
    """Ideas waiting for this expert's score, oldest first."""
    if not getattr(user, "is_authenticated", False):
        return Idea.objects.none()
    return (Idea.objects.filter(campaign__expert_links__person=user, state=IdeaState.REVIEWING)
            .exclude(scores__expert=user).defer(*PERSONAL_FIELDS).select_related("campaign").order_by("submitted_at", "pk"))


@dataclass
class ScoreView:
    mine: ExpertScore | None
    rows: list[dict] = field(default_factory=list)   # other experts' scores this user may see
    hidden: int = 0                                   # how many are hidden until the user scores


def idea_scores(*, user, idea: Idea) -> ScoreView:
    """The office and leaders see every expert's scores with names. An expert sees their own, and the others'
    (unnamed: 专家1, 专家2 …) only after submitting their own, so no one is anchored by a colleague's marks."""
    scores = list(ExpertScore.objects.filter(idea=idea).select_related("expert").order_by("submitted_at", "pk"))
    mine = next((s for s in scores if s.expert_id == getattr(user, "pk", None)), None)
    staff = scope_for(user).covers(idea.campaign.owner_path, Role.OFFICE, Role.LEADER)
    others = [s for s in scores if s is not mine]
    if staff:
        return ScoreView(mine=mine, rows=[{"who": s.expert.display_name, "score": s} for s in others])
    if mine is None:
        return ScoreView(mine=None, hidden=len(others))
    return ScoreView(mine=mine, rows=[{"who": f"专家{i}", "score": s} for i, s in enumerate(others, 1)])


def duplicate_candidates(idea: Idea, limit: int = 20) -> list[Idea]:
    """Other ideas of the campaign with a similar title (shared two-character words), for 重复 marking."""
    words = {idea.title[i:i + 2] for i in range(len(idea.title) - 1)}
    words = {w for w in words if w.strip() and not any(ch in "，。、；：！？ ,.;:" for ch in w)}
    if not words:
        return []
    q = Q()
    for w in list(words)[:30]:
        q |= Q(title__contains=w)
    return list(Idea.objects.filter(q, campaign_id=idea.campaign_id).exclude(pk=idea.pk)
                .exclude(state__in=(IdeaState.DUPLICATE, IdeaState.REJECTED)).only("pk", "seq", "title", "campaign_id")
                .select_related(None).order_by("seq")[:limit])


# ---- statistics ---------------------------------------------------------------------------------------

def idea_stats(*, campaign: Campaign) -> dict:
    """Counts by source kind, province, topic, state and decision; the adoption rate (采纳 + 部分采纳 over
    all answered ideas) and the number of provinces. Four grouped queries."""
    base = Idea.objects.filter(campaign=campaign)

    def grouped(column: str) -> dict[str, int]:
        return {r[column]: r["n"] for r in base.values(column).annotate(n=Count("pk")).order_by()}

    by_state, by_source, by_province, by_topic = (grouped(c) for c in ("state", "source_kind", "province", "topic"))
    by_decision = {r["decision"]: r["n"] for r in base.filter(state=IdeaState.DECIDED).values("decision")
                   .annotate(n=Count("pk")).order_by()}
    total = sum(by_state.values())
    decided = by_state.get(IdeaState.DECIDED, 0)
    adopted = sum(by_decision.get(d, 0) for d in ADOPTED_DECISIONS)
    order = {name: i for i, name in enumerate(province_names())}
    provinces = sorted(by_province.items(), key=lambda kv: (-kv[1], order.get(kv[0], 99)))
    topic_order = {t: i for i, t in enumerate(campaign.topics)}

    def rows(pairs, labels=None):
        return [{"key": k, "label": (labels or {}).get(k, k), "n": n, "pct": round(100 * n / total, 1) if total else 0}
                for k, n in pairs]

    return {
        "total": total,
        "decided": decided,
        "adopted": adopted,
        "adoption_rate": round(100 * adopted / decided, 1) if decided else None,
        "provinces": len(by_province),
        "tasks": base.filter(task__isnull=False).count(),
        "by_state": rows([(s, by_state.get(s, 0)) for s in IdeaState.values], dict(IdeaState.choices)),
        "by_decision": rows([(d, by_decision.get(d, 0)) for d in Decision.values], dict(Decision.choices)),
        "by_source": rows(sorted(by_source.items(), key=lambda kv: SourceKind.values.index(kv[0])
                                 if kv[0] in SourceKind.values else 99), dict(SourceKind.choices)),
        "by_province": rows(provinces),
        "by_topic": rows(sorted(by_topic.items(), key=lambda kv: topic_order.get(kv[0], 99))),
    }


# ---- the public ---------------------------------------------------------------------------------------

def public_ideas() -> QuerySet[Idea]:
    """Published ideas that were adopted (fully or partly) or awarded, newest answer first. No personal field
    is selected; use `public_text` on the title and the reply."""
    return (Idea.objects.filter(is_public=True, state=IdeaState.DECIDED)
            .filter(Q(decision__in=ADOPTED_DECISIONS) | ~Q(award=""))
            .only("pk", "seq", "title", "topic", "province", "decision", "reply", "award", "decided_at", "task_id",
                  "campaign__name", "campaign__year", "campaign__scheme")
            .select_related("campaign").order_by("-decided_at", "-pk"))


def public_text(text: str) -> str:
    return mask_personal(text)


@dataclass(frozen=True)
class PublicIdea:
    """What the submitter (holding the 查询码) and the public tracking page see: no personal fields."""
    kind: str
    number: str
    title: str
    campaign: str
    topic: str
    province: str
    submitted_on: dt.date
    state: str
    state_label: str
    decision: str
    decision_label: str
    reply: str
    award: str
    decided_on: dt.date | None
    has_task: bool


def idea_by_tracking_code(code: str) -> PublicIdea | None:
    """The public view of the idea with this 查询码 (case and spaces ignored), or None."""
    code = "".join((code or "").split()).upper()
    if not code or len(code) > 12:
        return None
    idea = (Idea.objects.filter(tracking_code=code).select_related("campaign")
            .only("seq", "title", "topic", "province", "submitted_at", "state", "decision", "reply", "award",
                  "decided_at", "task_id", "campaign__name", "campaign__year", "campaign__scheme").first())
    if idea is None:
        return None
    # the reply is shown once there is an answer: 初审 refusal, duplicate notice or the decision's reply
    answered = idea.state in (IdeaState.REJECTED, IdeaState.DUPLICATE, IdeaState.DECIDED)
    return PublicIdea(
        kind="idea", number=idea.number, title=mask_personal(idea.title), campaign=idea.campaign.name,
        topic=idea.topic, province=idea.province, submitted_on=clock.localtime(idea.submitted_at).date(),
        state=idea.state, state_label=str(idea.get_state_display()), decision=idea.decision,
        decision_label=str(idea.get_decision_display()) if idea.decision else "",
        reply=mask_personal(idea.reply) if answered else "", award=idea.campaign.award_name(idea.award) if idea.award else "",
        decided_on=clock.localtime(idea.decided_at).date() if idea.decided_at else None, has_task=bool(idea.task_id))
