"""A round's maintained tables, in one place for their writers: the rank values (rank_values.py, ADR 0041), the packed
scores (packed_scores.py, ADR 0045) and the score card's short-list flags (card_lists.py, ADR 0049). The services
keep them row by row in their transactions; whoever writes a round's scores or card rows in bulk (the score import,
the demo data, the bench scripts) calls `round_rebuild` afterwards. A new maintained table joins here, so no bulk
writer can forget it."""
from __future__ import annotations

from . import card_lists, packed_scores, rank_values
from .models import Round


def round_rebuild(rnd: Round) -> None:
    """Every maintained table of the round from its rows (after a bulk write), in the caller's transaction."""
    rank_values.round_rebuild(rnd)
    packed_scores.round_rebuild(rnd)
    card_lists.round_rebuild(rnd)


def unit_score_changed(rnd: Round, unit_id: int, indicator_id: int) -> None:
    """A unit's current score of one leaf was recorded, returned or revised: its rank value and its packed row."""
    rank_values.unit_leaf_refresh(rnd, unit_id, indicator_id)
    packed_scores.unit_refresh(rnd, unit_id)
