"""Maintained rank-leaf values (RankValue, ADR 0041): per round, rank-rule leaf and unit, the value its peer group
ranks before publication. A score card counts its better peers on them (card.rank_points_counted) instead of
reading the peer group's scores.

Whoever changes which current scores count for a rank leaf calls, in the same transaction: `unit_leaf_refresh`
(one unit's leaf: score_record, score_return, appeal_decide) or `round_rebuild` (bulk writes: the score import,
the demo data, bench/assessment_data.py). Approving a score changes nothing here (a submitted score counts
before publication too). `round_check` compares the maintained rows with a recomputation (the tests).
"""
from __future__ import annotations

from decimal import Decimal

from .models import Indicator, RankValue, Round, RoundUnit, Score

Key = tuple[int, int]          # (indicator id, unit id)


def rank_leaf_ids(rnd: Round) -> list[int]:
    """The ids of the round's rank-rule leaves (the indicator's rule_type is its rule's type)."""
    return list(Indicator.objects.filter(version=rnd.version_id, is_leaf=True, rule_type="rank")
                .values_list("pk", flat=True))


def _values(scores) -> dict[Key, Decimal | None]:
    """(indicator id, unit id) → the one counted value, or None for several."""
    out: dict[Key, Decimal | None] = {}
    for indicator_id, unit_id, value in scores.values_list("indicator_id", "unit_id", "value"):
        key = (indicator_id, unit_id)
        out[key] = None if key in out else value
    return out


def recomputed(rnd: Round) -> dict[Key, tuple[str, Decimal | None]]:
    """What the round's rows must be, from its scores: (indicator id, unit id) → (group, value)."""
    leaf_ids = rank_leaf_ids(rnd)
    if not leaf_ids:
        return {}
    groups = dict(RoundUnit.objects.filter(round=rnd).values_list("unit_id", "group"))
    values = _values(Score.objects.counted(rnd, approved_only=False).filter(indicator_id__in=leaf_ids))
    return {key: (groups[key[1]], value) for key, value in values.items() if key[1] in groups}


def round_rebuild(rnd: Round) -> int:
    """Replace the round's rows by a recomputation (after a bulk write of scores); returns how many."""
    rows = recomputed(rnd)
    RankValue.objects.filter(round=rnd).delete()
    RankValue.objects.bulk_create([RankValue(round_id=rnd.pk, indicator_id=indicator_id, unit_id=unit_id, group=group,
                                             value=value)
                                   for (indicator_id, unit_id), (group, value) in rows.items()], batch_size=2000)
    return len(rows)


def unit_leaf_refresh(rnd: Round, unit_id: int, indicator_id: int) -> None:
    """One unit's leaf after its current scores changed (the caller's transaction; nothing for a leaf that is
    not rank-rule)."""
    if not Indicator.objects.filter(pk=indicator_id, rule_type="rank", is_leaf=True).exists():
        return
    value = _values(Score.objects.counted(rnd, approved_only=False).filter(unit_id=unit_id, indicator_id=indicator_id))
    if not value:
        RankValue.objects.filter(round=rnd, indicator_id=indicator_id, unit_id=unit_id).delete()
        return
    group = RoundUnit.objects.filter(round=rnd, unit_id=unit_id).values_list("group", flat=True).first()
    if group is None:
        return
    RankValue.objects.update_or_create(round=rnd, indicator_id=indicator_id, unit_id=unit_id,
                                       defaults={"group": group, "value": value[(indicator_id, unit_id)]})


def round_check(rnd: Round) -> list[str]:
    """The differences between the maintained rows and a recomputation, in words (empty: they agree)."""
    want = recomputed(rnd)
    have = {(indicator_id, unit_id): (group, value) for indicator_id, unit_id, group, value
            in RankValue.objects.filter(round=rnd).values_list("indicator_id", "unit_id", "group", "value")}
    return [f"round {rnd.pk} leaf {key[0]} unit {key[1]}: maintained {have.get(key)}, recomputed {want.get(key)}"
            for key in sorted(want.keys() | have.keys()) if have.get(key) != want.get(key)]
