"""Copies of a unit's path kept on other apps' rows, so that a scope filter needs no join
(e.g. tasks.TaskAssignment.unit_path). An app registers each copy in its AppConfig.ready();
org.services.unit_move rewrites them when a subtree moves. org does not import the apps above it."""
from __future__ import annotations

from typing import Callable

from django.db import models
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr

_copies: list[tuple[type[models.Model], str]] = []
_after_move: list[Callable[[str], None]] = []


def register_path_copy(model: type[models.Model], field: str) -> None:
    """`model.field` holds a copy of a unit's path that must follow the unit when it moves."""
    if (model, field) not in _copies:
        _copies.append((model, field))


def register_after_move(fn: Callable[[str], None]) -> None:
    """`fn(new_path)` runs after a subtree moved and its path copies were rewritten (e.g. tasks rebuilds the counts
    per unit subtree of the programs with work there), inside the same transaction."""
    if fn not in _after_move:
        _after_move.append(fn)


def path_copies() -> tuple[tuple[type[models.Model], str], ...]:
    return tuple(_copies)


def path_copies_move(old_path: str, new_path: str) -> None:
    """Rewrite every registered copy under `old_path` to sit under `new_path` (inside the caller's transaction):
    one UPDATE per copy, new prefix + the rest of the old path, however many rows the subtree holds."""
    for model, field in _copies:
        rest = Substr(F(field), len(old_path) + 1)
        model._default_manager.filter(**{f"{field}__within": [old_path]}).update(
            **{field: Concat(Value(new_path), rest, output_field=models.CharField())})
    for fn in _after_move:
        fn(new_path)
