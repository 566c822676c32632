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

from .language import in_language_of


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
PendingFn = Callable[[Any], Any]


@dataclass(frozen=True)
class InboxSource:
    key: str
    label: Any  # a (lazy) translated string, e.g. _("待报送任务")
    order: int
    count: CountFn
    items: ItemsFn
    app: str = ""  # the app label, for grouping on the page
    pending: PendingFn | None = None  # the waiting rows as a queryset (None: nothing for this user), if the source has one

    def count_upto(self, user: Any, cap: int) -> int:
        """`count(user)`, but stopping at `cap` rows where the source is a queryset (the navigation badge shows
        "99+" beyond that: counting every one of 10,000 findings to verify on every page cost the city office
        ~50 ms)."""
        if self.pending is None:
            return min(self.count(user), cap)
        qs = self.pending(user)
        # no ORDER BY: with a LIMIT the database would otherwise sort every waiting row before stopping at `cap`
        return 0 if qs is None else qs.order_by()[:cap].count()


_sources: dict[str, InboxSource] = {}


def register_inbox(key: str, *, label: Any, order: int, items: ItemsFn, count: CountFn | None = None,
                   pending: PendingFn | None = None, app: str = "") -> None:
    """Register (or replace) the inbox source `key`; sources are listed by `order`, lowest first. Give `pending`
    (user → queryset of the waiting rows, or None) when the source is one queryset: its count is derived from it
    (and can stop early for the badge); otherwise give `count`."""
    if count is None:
        if pending is None:
            raise ValueError(f"inbox source {key}: give count or pending")

        def count(user, pending=pending):
            qs = pending(user)
            return 0 if qs is None else qs.count()
    _sources[key] = InboxSource(key=key, label=label, order=order, count=count, items=items,
                                app=app or key.split(".", 1)[0], pending=pending)


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


BADGE_CAP = 100  # the badge says "99+" from here on


def inbox_badge_total(user: Any) -> int:
    """The navigation badge's figure: `inbox_total`, except that each source stops counting at BADGE_CAP (so the
    figure is exact below 100 and at least 100 otherwise)."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return sum(source.count_upto(user, BADGE_CAP) for source in inbox_sources())


# ---- reading the inbox ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class InboxGroup:
    """One source on the page: its key, label, count and its first items (all of them when `complete`)."""

    key: str
    label: Any
    count: int
    items: list[InboxItem]

    @property
    def complete(self) -> bool:
        return len(self.items) >= self.count


def inbox_groups(user: Any, *, limit: int | None = 20, only: str = "") -> list[InboxGroup]:
    """The sources with work for `user`, each with its count and its first `limit` items (None: all); `only`
    restricts to one source key (the page's 全部 link of a group)."""
    groups = []
    for source, n in inbox_counts(user):
        if n and (not only or source.key == only):
            groups.append(InboxGroup(source.key, source.label, n, source.items(user, limit)))
    return groups


def item_key(item: InboxItem) -> str:
    """A stable identity of an item across days: its source and its link (the dedup key of its messages)."""
    return f"inbox:{item.source}:{item.extra.get('key') or item.url}"


# ---- messages from the same items ---------------------------------------------------------------------------

def _absolute(url: str) -> str:
    from django.conf import settings

    base = getattr(settings, "LUOSHI_PUBLIC_URL", "")
    return f"{base}{url}" if url.startswith("/") and base else url


def item_message_body(item: InboxItem) -> str:
    from django.utils.translation import gettext as _

    parts = [p for p in (item.context, item.unit) if p]
    if item.due:
        parts.append(_("时限 %(date)s") % {"date": f"{item.due.year}年{item.due.month}月{item.due.day}日"})
    return " · ".join(parts)


def inbox_announce(person_ids: Any, key: str, *, limit: int = 50) -> int:
    """Tell each person (in-app and by every channel of core.notify) about the items of source `key` that wait
    for them and were not announced before: the message is the inbox item itself (title, what it belongs to,
    due date, link), so the message and the inbox never disagree. Services call it after their commit for the
    people who just got work (`transaction.on_commit(lambda: inbox_announce(ids, key))`). Returns the messages
    built (before deduplication)."""
    from django.contrib.auth import get_user_model
    from django.utils.translation import gettext as _

    from .notify import Message, deliver

    source = _sources.get(key)
    ids = {int(i) for i in (person_ids or ()) if i}
    if source is None or not ids:
        return 0
    messages = []
    # in each person's language (core.language), not the language of whoever's request or job runs this
    for person in get_user_model().objects.filter(pk__in=ids, is_active=True):
        with in_language_of(person):
            for item in source.items(person, limit):
                messages.append(Message(person.pk, person.email or "", "inbox",
                                        _("%(label)s：%(title)s") % {"label": source.label, "title": item.title[:40]},
                                        item_message_body(item), _absolute(item.url), item_key(item)))
    deliver(messages)
    return len(messages)


def inbox_digest_for(user: Any, *, per_source: int = 5) -> tuple[int, str]:
    """(total, text) of one person's digest: every source with work, its count and its first items."""
    from django.utils.translation import gettext as _

    lines: list[str] = []
    total = 0
    for group in inbox_groups(user, limit=per_source):
        total += group.count
        lines.append(_("%(label)s：%(n)s 项") % {"label": group.label, "n": group.count})
        for item in group.items:
            extra = item_message_body(item)
            lines.append(f"  · {item.title}" + (f"（{extra}）" if extra else "") + f"\n    {_absolute(item.url)}")
        if group.count > len(group.items):
            lines.append("  · " + _("……另有 %(n)s 项") % {"n": group.count - len(group.items)})
    return total, "\n".join(lines)


def inbox_digest_run(today: dt.date | None, notify: bool) -> list[str]:
    """The daily digest (a core.daily step): one message per active person with work waiting, listing it by
    source, in-app and by e-mail; at most one per person and day."""
    from django.contrib.auth import get_user_model
    from django.utils.translation import gettext as _

    from . import clock
    from .notify import Message, deliver

    day = today or clock.today()
    messages = []
    people = 0
    for person in get_user_model().objects.filter(is_active=True).order_by("pk").iterator(chunk_size=500):
        with in_language_of(person):  # the person's language (core.language), whatever the job's thread had
            total, text = inbox_digest_for(person)
            if not total:
                continue
            people += 1
            messages.append(Message(person.pk, person.email or "", "digest",
                                    _("每日待办：%(n)s 项") % {"n": total}, text, _absolute("/inbox/"),
                                    f"digest:{day.isoformat()}"))
    if notify:
        deliver(messages)
    return [f"待办摘要：{people} 人有待办事项" + ("，已发送。" if notify else "（未发送）。")]


def announce_on_commit(person_ids: Any, key: str) -> None:
    """`inbox_announce` once the current transaction commits (nothing is sent for a refused or rolled-back write)."""
    from django.db import transaction

    ids = sorted({int(i) for i in (person_ids or ()) if i})
    if ids:
        transaction.on_commit(lambda: inbox_announce(ids, key))
