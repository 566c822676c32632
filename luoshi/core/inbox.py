"""The one inbox (待办): every app registers, in its AppConfig.ready(), the kinds of work it hands to a
person — tasks to report, 交办单 to answer, scores to enter, requests to sign, 批示 to answer … — so the
inbox page, the 工作台 counts, the navigation badge, the reminder e-mails and the digest all read the
same sources without importing the apps (the same pattern as core.daily).

A source answers two questions for one user, each with one or two lean queries:

    count(user) -> int                          how many items wait (the badge and the tab figure)
    items(user, limit) -> list[InboxItem]       the first `limit` of them, most urgent first

`count(user)` must equal the length of the full list `items(user, None)`; a test checks every source.
Items are plain values (no ORM objects) so the page renders them without touching the database.

    from luoshi.core.inbox import InboxItem, register_inbox
    register_inbox("ledger.answer", label=_("待整改交办单"), order=20, count=..., items=...)
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class InboxItem:
    """One piece of work waiting for the user. `source` is the registered key (e.g. "tasks.report");
    `context` names what it belongs to (the program, the round, the ledger); `due` is its deadline if it
    has one; `state` is a status word the template can style ("red", "yellow", "overdue", "" …)."""

    source: str
    title: str
    url: str
    due: dt.date | None = None
    context: str = ""
    unit: str = ""
    state: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


CountFn = Callable[[Any], int]
ItemsFn = Callable[[Any, int | None], list[InboxItem]]


@dataclass(frozen=True)
class InboxSource:
    key: str
    label: Any  # a (lazy) translated string, e.g. _("待报送任务")
    order: int
    count: CountFn
    items: ItemsFn
    app: str = ""  # the app label, for grouping on the page


_sources: dict[str, InboxSource] = {}


def register_inbox(key: str, *, label: Any, order: int, count: CountFn, items: ItemsFn, app: str = "") -> None:
    """Register (or replace) the inbox source `key`; sources are listed by `order`, lowest first."""
    _sources[key] = InboxSource(key=key, label=label, order=order, count=count, items=items,
                                app=app or key.split(".", 1)[0])


def inbox_sources() -> list[InboxSource]:
    return sorted(_sources.values(), key=lambda s: (s.order, s.key))


def inbox_source(key: str) -> InboxSource | None:
    return _sources.get(key)


def inbox_counts(user: Any) -> list[tuple[InboxSource, int]]:
    """Every source with its count for `user` (zero counts included; the page hides them)."""
    if not getattr(user, "is_authenticated", False):
        return []
    return [(source, source.count(user)) for source in inbox_sources()]


def inbox_total(user: Any) -> int:
    return sum(n for _, n in inbox_counts(user))
