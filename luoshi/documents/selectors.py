"""Reads of the scheduled bulletins, scoped through the querysets' visible_to / manageable_by."""
from __future__ import annotations

from django.db.models import Count, Max, Q, QuerySet
from django.http import Http404

from luoshi.core.inbox import InboxItem
from luoshi.org.scopes import scope_for

from .models import Issue, IssueState, Subscription


def subscription_list(*, user) -> QuerySet[Subscription]:
    return (Subscription.objects.visible_to(scope_for(user)).select_related("owner_unit", "program")
            .annotate(issue_count=Count("issues", filter=Q(issues__state=IssueState.ISSUED)),
                      draft_count=Count("issues", filter=Q(issues__state=IssueState.DRAFT)),
                      last_issued=Max("issues__issued_at")))


def subscription_get(*, user, pk: int) -> Subscription:
    sub = Subscription.objects.visible_to(scope_for(user)).select_related("owner_unit", "program", "scheme").filter(pk=pk).first()
    if sub is None:
        raise Http404("没有找到该通报，或您无权查看。")
    return sub


def can_manage(user, sub: Subscription) -> bool:
    return Subscription.objects.manageable_by(scope_for(user)).filter(pk=sub.pk).exists()


def issue_list(*, user, subscription: Subscription | None = None) -> QuerySet[Issue]:
    qs = Issue.objects.visible_to(scope_for(user)).select_related("subscription", "subscription__owner_unit")
    if subscription is not None:
        qs = qs.filter(subscription=subscription)
    return qs.order_by("-year", "-number", "-id")


def issue_get(*, user, pk: int) -> Issue:
    issue = issue_list(user=user).filter(pk=pk).first()
    if issue is None:
        raise Http404("没有找到该期通报，或您无权查看。")
    return issue


# ---- the inbox: drafts waiting for the office to 签发 ------------------------------------------------

def _drafts(user) -> QuerySet[Issue]:
    return Issue.objects.manageable_by(scope_for(user)).filter(state=IssueState.DRAFT)


def inbox_count(user) -> int:
    return _drafts(user).count()


def inbox_items(user, limit: int | None) -> list[InboxItem]:
    from django.urls import reverse

    qs = _drafts(user).select_related("subscription", "subscription__owner_unit").order_by("created_at", "id")
    if limit is not None:
        qs = qs[:limit]
    return [InboxItem(source="documents.bulletin_review", title=i.title, url=reverse("bulletin_issue", args=[i.pk]),
                      due=i.slot, context=i.subscription.name, unit=i.subscription.owner_unit.name, state="")
            for i in qs]
