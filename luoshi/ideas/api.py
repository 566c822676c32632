"""REST API of 金点子 (mounted by luoshi/api/api.py at /api/ideas): the campaigns a user may read, their
ideas (personal fields only for the office of the owner unit; experts see the ideas under review), one
campaign's statistics. Same selectors as the pages, so the same scoping.

No `from __future__ import annotations`: ninja resolves the parameter types at import."""
import datetime as dt
from decimal import Decimal

from django.http import Http404
from ninja import Query, Router, Schema
from ninja.pagination import paginate

from luoshi.core.params import Id, Pages

from . import permissions as perms
from . import selectors

router = Router(tags=["ideas"])


class CampaignOut(Schema):
    id: int
    name: str
    year: int
    owner_unit_id: int
    start_date: dt.date
    end_date: dt.date
    is_closed: bool
    topics: list[str]
    criteria: list[dict]
    awards: list[dict]


class IdeaOut(Schema):
    id: int
    number: str
    title: str
    content: str
    topic: str
    source_kind: str
    province: str
    city: str
    state: str
    score: Decimal | None
    score_count: int
    decision: str
    reply: str
    award: str
    task_id: int | None
    submitted_at: dt.datetime
    decided_at: dt.datetime | None
    submitter_name: str | None = None
    submitter_phone: str | None = None
    submitter_email: str | None = None
    submitter_org: str | None = None


class IdeaFilterIn(Schema):
    state: str = ""
    topic: str = ""
    province: str = ""
    source_kind: str = ""
    decision: str = ""
    q: str = ""
    order: str = ""


def _campaign(request, campaign_id: Id):
    campaign = selectors.campaign_get(user=request.user, pk=campaign_id)
    if campaign is None:
        raise Http404("征集活动不存在或无权查看。")
    return campaign


@router.get("/campaigns", response=list[CampaignOut])
def campaigns(request):
    return list(selectors.campaigns_visible(request.user).order_by("-start_date", "-pk"))


@router.get("/campaigns/{campaign_id}/ideas", response=list[IdeaOut])
@paginate(Pages, page_size=100)
def ideas(request, campaign_id: Id, filters: Query[IdeaFilterIn]):
    campaign = _campaign(request, campaign_id)
    rows = selectors.ideas_for(user=request.user, campaign=campaign, filters=selectors.IdeaFilters(**filters.dict()))
    if perms.can_see_personal(request.user, campaign):
        return rows
    return _WithoutPersonal(rows)


class _WithoutPersonal:
    """The page of ideas as dicts without the personal fields (which stay deferred, never loaded)."""

    def __init__(self, qs):
        self.qs = qs

    def count(self) -> int:
        return self.qs.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index):
        rows = self.qs[index]
        return [self._row(i) for i in rows] if isinstance(index, slice) else self._row(rows)

    @staticmethod
    def _row(idea) -> dict:
        out = {f: getattr(idea, f) for f in IdeaOut.model_fields if not f.startswith("submitter_") and f != "number"}
        out["number"] = idea.number
        return out


@router.get("/campaigns/{campaign_id}/stats")
def stats(request, campaign_id: Id):
    from luoshi.org.models import Role
    from luoshi.org.scopes import scope_for

    campaign = _campaign(request, campaign_id)
    if not scope_for(request.user).covers(campaign.owner_path, Role.OFFICE, Role.LEADER):
        raise Http404("征集活动不存在或无权查看。")
    return selectors.idea_stats(campaign=campaign)
