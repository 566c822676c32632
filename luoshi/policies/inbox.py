"""Work 惠企政策 hands to people, for the one inbox (core.inbox): draft 免申即享 batches waiting for the
department that manages the clause to check and confirm."""
from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from luoshi.core.inbox import InboxItem
from luoshi.org.scopes import scope_for

from .models import BatchState, PayoutBatch


def _drafts(user):
    return PayoutBatch.objects.manageable_by(scope_for(user)).filter(state=BatchState.DRAFT)


def confirm_count(user) -> int:
    return _drafts(user).count()


def confirm_items(user, limit: int | None) -> list[InboxItem]:
    rows = _drafts(user).select_related("clause").order_by("created_at", "id")
    if limit is not None:
        rows = rows[:limit]
    return [InboxItem(source="policies.confirm", title=_("确认免申即享名单：%(clause)s（%(period)s）")
                      % {"clause": b.clause.title, "period": b.period},
                      url=reverse("policies_batch", args=[b.pk]), context=b.clause.code)
            for b in rows]
