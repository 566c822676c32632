"""Writing the journal. Every service calls `journal_record` inside its transaction.

Code that writes many rows at once (an import, the daily job, the demo's history) builds the rows with
`journal_entry` and writes them with `journal_record_many` (one bulk INSERT per 2,000 rows):

    entries = [journal_entry(actor=by, verb="task.status", obj=task, changes={...}, at=now) for task in changed]
    journal_record_many(entries)

Both write the same row as `journal_record` would for the same arguments."""
from __future__ import annotations

import datetime as dt
import decimal
from typing import Any, Iterable

from django.db import models

from . import clock
from .models import JournalEntry


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    return {f: _plain(getattr(obj, f)) for f in fields}


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for the fields that changed."""
    return {k: [before.get(k), after.get(k)] for k in after if before.get(k) != after.get(k)}


def journal_entry(
    *,
    actor,
    verb: str,
    obj: models.Model,
    changes: dict[str, Any] | None = None,
    reason: str = "",
    scope_path: str = "",
    at: dt.datetime | None = None,
) -> JournalEntry:
    """An unsaved journal row for `obj` (saved, it is what journal_record writes). `at` defaults to now; a
    history written after the fact (the demo) passes the time it happened."""
    return JournalEntry(
        at=at if at is not None else clock.now(),
        actor=actor if getattr(actor, "pk", None) else None,
        verb=verb,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:255],
        scope_path=scope_path,
        changes=_plain(changes or {}),
        reason=reason,
    )


def journal_record(
    *,
    actor,
    verb: str,
    obj: models.Model,
    changes: dict[str, Any] | None = None,
    reason: str = "",
    scope_path: str = "",
) -> JournalEntry:
    entry = journal_entry(actor=actor, verb=verb, obj=obj, changes=changes, reason=reason, scope_path=scope_path)
    entry.save(force_insert=True)
    return entry


def journal_record_many(entries: Iterable[JournalEntry], *, batch_size: int = 2000) -> int:
    """Insert rows built by `journal_entry` in bulk, inside the caller's transaction. Returns how many."""
    rows = list(entries)
    JournalEntry.objects.bulk_create(rows, batch_size=batch_size)
    return len(rows)


def journal_for(obj: models.Model):
    return JournalEntry.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk)).select_related("actor")
