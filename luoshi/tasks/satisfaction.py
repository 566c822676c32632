"""群众满意度 in the unit league: the public's ratings of the tasks each unit leads come from the public
portal, a layer above tasks. The portal registers its reader here in its AppConfig.ready(); without a
reader the league shows no satisfaction (—)."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal

# (unit ids, program=…) → {unit_id: (number of ratings, average score)}
Reader = Callable[..., dict[int, tuple[int, Decimal]]]

_reader: Reader | None = None


def register_satisfaction_reader(reader: Reader) -> None:
    global _reader
    _reader = reader


def satisfaction_by_unit(unit_ids: Iterable[int], *, program) -> dict[int, tuple[int, Decimal]]:
    return _reader(list(unit_ids), program=program) if _reader is not None else {}
