"""Campaign and idea scope over random unit trees and grants: `Campaign/Idea.objects.visible_to(scope)` is exactly
what the campaign and idea pages and the lists answer."""
from __future__ import annotations

import datetime as dt
import random

import pytest

from luoshi.ideas import selectors, services
from luoshi.ideas.models import Campaign, Idea, IdeaState
from luoshi.org.models import Role
from luoshi.org.tests.scoping import SEEDS, assert_pages_match, fresh_scope, random_people, random_tree

from .conftest import SCHEME

ROLES = (Role.OFFICE, Role.LEADER, Role.LIAISON, Role.EVALUATOR)


@pytest.fixture
def org(request, city, cast):
    rng = random.Random(request.param)
    units = random_tree(rng, city["district"], 8)
    people = random_people(rng, units, 7, ROLES, pairings=False)
    campaigns, ideas = [], []
    for i in range(2):
        campaign = services.campaign_create(
            by=cast["office"], name=f"随机征集{i}", owner_unit=rng.choice(units[1:]), start_date=dt.date(2026, 3, 1),
            end_date=dt.date(2026, 6, 30), scheme_text=SCHEME)
        for p in people:
            if rng.random() < 0.2:
                services.expert_assign(by=cast["office"], campaign=campaign, person=p)
        campaigns.append(campaign)
        for j, state in enumerate((IdeaState.SUBMITTED, IdeaState.REVIEWING, IdeaState.DECIDED, IdeaState.REJECTED)):
            ideas.append(Idea.objects.create(
                campaign=campaign, seq=j + 1, tracking_code=f"T{i}{j}RANDOM", title=f"随机建议{i}-{j}", content="内容",
                topic="营商环境", source_kind="person", province="山东省", submitter_name="李明",
                submitter_phone="13812345678", state=state, submitted_at=dt.datetime(2026, 4, 1, tzinfo=dt.UTC),
                updated_at=dt.datetime(2026, 4, 1, tzinfo=dt.UTC)))
    return {"people": people, "campaigns": campaigns, "ideas": ideas}


@pytest.mark.parametrize("org", SEEDS, indirect=True)
def test_campaign_and_idea_pages_answer_visible_to(org, client_for):
    def campaigns_visible(person):
        return set(Campaign.objects.visible_to(fresh_scope(person)).values_list("pk", flat=True))

    def ideas_visible(person):
        return set(Idea.objects.visible_to(fresh_scope(person)).values_list("pk", flat=True))

    def ideas_listed(person):
        return [i.pk for c in selectors.campaigns_visible(person) for i in selectors.ideas_for(user=person, campaign=c)]

    assert_pages_match(client_for, org["people"], org["campaigns"], visible=campaigns_visible,
                       url=lambda c: f"/ideas/campaigns/{c.pk}/",
                       listed=lambda person: selectors.campaigns_visible(person).values_list("pk", flat=True))
    assert_pages_match(client_for, org["people"], org["ideas"], visible=ideas_visible,
                       url=lambda i: f"/ideas/{i.pk}/", listed=ideas_listed)
