"""Who may do what with a 征集活动. The office (督查室/办公室 role) over the campaign's owner unit runs it:
screening, experts, decisions, awards, tasks, and it alone sees the submitters' personal data. Leaders over
the owner unit may read (without personal data). Assigned experts see the ideas under review (blind: no
personal data) and may only score."""
from __future__ import annotations

from luoshi.org.models import Role
from luoshi.org.scopes import Scope, scope_for

from .models import Campaign, CampaignExpert


def can_manage(scope: Scope, campaign: Campaign) -> bool:
    return scope.covers(campaign.owner_path, Role.OFFICE)


def is_expert(user, campaign: Campaign) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    cache = user.__dict__.setdefault("_idea_expert_of", {})
    if campaign.pk not in cache:
        cache[campaign.pk] = CampaignExpert.objects.filter(campaign=campaign, person=user).exists()
    return cache[campaign.pk]


def can_read(user, campaign: Campaign) -> bool:
    scope = scope_for(user)
    return scope.covers(campaign.owner_path, Role.OFFICE, Role.LEADER) or is_expert(user, campaign)


def can_see_personal(user, campaign: Campaign) -> bool:
    return can_manage(scope_for(user), campaign)
