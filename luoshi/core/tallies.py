"""Maintained counts (ADR 0008): applying a change, and storing a fresh count. One row per ([program,] key fields)
holding a number. tasks.tallies (keys: dimension, key, status), ledger.tallies and intake.tallies (dimension, key,
figure) and projects.figures (dim, key, month, figure; the number a Decimal `value`) write their deltas and their
recounts through here; intake's rows belong to no program (program_id None)."""
from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from django.db import models
from django.db.models import Case, F, Value, When

from . import clock


def counter_rows_apply(*, model: type[models.Model], keys: tuple[str, ...], delta: Counter, value: str = "n",
                       program_id: int | None = None, day_model: type[models.Model] | None = None) -> None:
    """Add `delta` {(the `keys` fields' values): change} to the `value` field of the rows of `model` (for the
    program, when the rows have one), creating missing rows at 0 first; the rows are locked in primary-key order
    (one lock order: no deadlock between writers). A program counted for the first time gets its `day_model` row
    (the day the counts are counted for)."""
    nonzero = {k: v for k, v in delta.items() if v}
    if not nonzero:
        return
    owner = {} if program_id is None else {"program_id": program_id}
    if day_model is not None and not day_model._default_manager.filter(**owner).exists():
        day_model._default_manager.create(**owner, day=clock.today())
    manager: Any = model._default_manager
    manager.bulk_create([model(**owner, **dict(zip(keys, k)), **{value: 0}) for k in nonzero], ignore_conflicts=True)
    rows = manager.select_for_update().filter(
        **owner, **{f"{name}__in": {k[i] for k in nonzero} for i, name in enumerate(keys)}
    ).order_by("pk").values_list("pk", *keys)
    # One UPDATE that adds each row's change, the rows grouped by change: a new finding's ~60 search-character rows
    # all get +1 (ADR 0062), where a per-row CASE (bulk_update) cost ~14 ms of Python to build.
    by_change: dict[Any, list[int]] = defaultdict(list)
    for pk, *row_keys in rows:
        d = nonzero.get(tuple(row_keys))
        if d:
            by_change[d].append(pk)
    if not by_change:
        return
    pks = [pk for group in by_change.values() for pk in group]
    output: Any = model._meta.get_field(value)  # the number's field: the added values take its type (Decimal or int)
    if len(by_change) == 1:
        added: Any = Value(next(iter(by_change)), output_field=output)
    else:
        added = Case(*(When(pk__in=group, then=Value(d, output_field=output)) for d, group in by_change.items()),
                     default=Value(0, output_field=output), output_field=output)
    manager.filter(pk__in=pks).update(**{value: F(value) + added})


def counter_rows_replace(*, model: type[models.Model], keys: tuple[str, ...], counted: Counter, value: str = "n",
                         program_id: int | None = None) -> int:
    """Store a fresh count {(the `keys` fields' values): number} as the rows of `model` (the program's, when the rows
    have one): rows whose number differs are updated, missing ones created, rows counted 0 deleted. For the daily
    job, bulk loaders and `recount`. Returns how many rows changed."""
    owner = {} if program_id is None else {"program_id": program_id}
    manager: Any = model._default_manager
    existing: dict[tuple, Any] = {tuple(getattr(r, name) for name in keys): r for r in manager.filter(**owner)}
    changed, new, gone = [], [], []
    for k, row in existing.items():
        n = counted.get(k, 0)
        if n == 0:
            gone.append(row.pk)
        elif n != getattr(row, value):
            setattr(row, value, n)
            changed.append(row)
    for k, n in counted.items():
        if k not in existing and n:
            new.append(model(**owner, **dict(zip(keys, k)), **{value: n}))
    for i in range(0, len(gone), 500):
        manager.filter(pk__in=gone[i:i + 500]).delete()
    manager.bulk_update(changed, [value], batch_size=500)
    manager.bulk_create(new, batch_size=2000)
    return len(changed) + len(new) + len(gone)
