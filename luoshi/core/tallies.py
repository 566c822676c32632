"""Applying a change to maintained counts (ADR 0008): one row per ([program,] dimension, key, third field) holding
`n`. tasks.tallies (third field: status), ledger.tallies and intake.tallies (third field: figure) write their deltas
through here; intake's rows belong to no program (program_id None)."""
from __future__ import annotations

from collections import Counter

from typing import Any

from django.db import models

from . import clock


def counter_rows_apply(*, model: type[models.Model], field: str, delta: Counter, program_id: int | None = None,
                       day_model: type[models.Model] | None = None) -> None:
    """Add `delta` {(dimension, key, <field>): change} to the rows of `model` (for the program, when the rows have
    one), creating missing rows at 0 first; the rows are locked in primary-key order (one lock order: no deadlock
    between writers). A program counted for the first time gets its `day_model` row (the day the counts are
    counted for)."""
    nonzero = {k: v for k, v in delta.items() if v}
    if not nonzero:
        return
    owner = {} if program_id is None else {"program_id": program_id}
    if day_model is not None and not day_model._default_manager.filter(**owner).exists():
        day_model._default_manager.create(**owner, day=clock.today())
    manager: Any = model._default_manager
    manager.bulk_create([model(**owner, dimension=d, key=k, n=0, **{field: s}) for d, k, s in nonzero],
                        ignore_conflicts=True)
    rows = manager.select_for_update().filter(
        **owner, dimension__in={d for d, _k, _s in nonzero}, key__in={k for _d, k, _s in nonzero},
        **{f"{field}__in": {s for _d, _k, s in nonzero}}).order_by("pk")
    changed: list[Any] = []
    row: Any
    for row in rows:
        d = nonzero.get((row.dimension, row.key, getattr(row, field)))
        if d:
            row.n += d
            changed.append(row)
    manager.bulk_update(changed, ["n"])
