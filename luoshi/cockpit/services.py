"""Writes of the cockpit: only the derived trend points (FigureSnapshot). They are maintained figures like
tasks.TaskTally — recomputed from the records, never entered by anyone — so they are not journaled."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction

from luoshi.core import clock
from luoshi.core.cockpit import panels

from .models import FigureSnapshot
from .selectors import snapshot_units


def _decimal(value) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal("0.01"))


def snapshots_take(*, day: dt.date | None = None, units=None) -> int:
    """Store every panel's snapshot figures of every scope unit as of `day` (today by default), replacing the
    day's earlier rows (the step may run twice a day). Returns how many rows were written."""
    day = day or clock.today()
    units = list(units if units is not None else snapshot_units())
    if not units:
        return 0
    rows = []
    for p in panels():
        if p.snapshot is None:
            continue
        for unit_id, figures in p.snapshot(units, day).items():
            for key, value in figures.items():
                v = _decimal(value)
                if v is not None:
                    rows.append(FigureSnapshot(unit_id=unit_id, day=day, panel=p.key, key=key, value=v))
    with transaction.atomic():
        ids = [u.pk for u in units]
        for i in range(0, len(ids), 500):
            FigureSnapshot.objects.filter(day=day, unit_id__in=ids[i:i + 500]).delete()
        FigureSnapshot.objects.bulk_create(rows, batch_size=2000)
    return len(rows)
