"""The procedures' source of the one inbox: the open steps waiting for the user (their role over the step's unit)."""
from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from luoshi.core.inbox import InboxItem

from .selectors import steps_waiting


def inbox_count(user) -> int:
    return steps_waiting(user).count()


def inbox_items(user, limit: int | None) -> list[InboxItem]:
    qs = steps_waiting(user)
    if limit is not None:
        qs = qs[:limit]
    prefix = reverse("procedures_case", args=[0]).removesuffix("0/")
    return [InboxItem(source="procedures.steps", title=f"{s.case.number} {s.case.title} · {s.name}",
                      url=f"{prefix}{s.case_id}/", due=timezone.localtime(s.due_at - dt.timedelta(seconds=1)).date(),
                      context=s.case.definition.name, unit=s.actor_unit.name, state=s.light if s.light != "normal" else "")
            for s in qs]
