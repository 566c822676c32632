"""The computed part of one unit's score card, read (nothing here writes): its leaf points and totals from its
current scores (`card_preview` from what the card has read, `unit_preview` reading them itself), with its rank-rule
leaves' points in its peer group. The selector (selectors.score_card) and the appeal services call these.

Which scores count is one rule for a card and for the round's computation (services._inputs): the queryset
`Score.objects.counted` and, for scores already read, `score_counts` — a returned score never counts; once the
round is published only approved ones do; several evaluators' values of one leaf are combined by the scheme's
`multi_rater` (`engine.aggregate_raters`). A 加分/扣分 entry goes into an engine input by `add_adjustment`, here
and in the computation alike.
"""
from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable, Mapping
from decimal import Decimal

from django.db import connection
from django.db.models import Count, Q

from luoshi.core import prepared

from . import engine
from .models import Adjustment, Indicator, RankValue, Round, RoundUnit, Score, score_counts

ZERO = Decimal(0)

# (kind, item, level, award, count) of a current 加分/扣分 entry
AdjustmentRow = tuple[str, str, str, str, Decimal]


def add_adjustment(u: engine.UnitInput, kind: str, item: str, level: str, award: str, count: Decimal) -> None:
    """A current 加分/扣分 entry into a unit's engine input (the round's computation and a card's preview alike)."""
    if kind == Adjustment.Kind.BONUS:
        u.bonuses.append((item, level, award))
    else:
        u.deductions[item] = u.deductions.get(item, ZERO) + count


def card_preview(rnd: Round, unit_id: int, *, group: str, excluded: str, leaf_ids: Mapping[str, int],
                 scores: Iterable[tuple[int, Decimal, str]], adjustments: Iterable[AdjustmentRow],
                 approved_only: bool, peer_points: Mapping[str, str] | None) -> engine.UnitResult | None:
    """The unit's points as a whole-round computation gives them, from what its card has read: its participation
    (`group`, `excluded`), its current scores as (leaf id, value, status), its current adjustments; `leaf_ids`:
    leaf code → id. Rank-rule leaves take the stored `peer_points` (Result.peer_points, ADR 0022) when they fit;
    otherwise one query counts, for each rank leaf the unit has a value for, the peer group's members with a
    better value (the engine's rank of one card is 1 + the members strictly better, ADR 0037). Only when someone
    in the group has several evaluators' values for a rank leaf (their aggregate is the engine's to take) are the
    group's rank-leaf values read and ranked by the engine."""
    definition = rnd.version.definition()
    if definition.type != "points":
        return None
    compiled = engine.compile_scheme(definition)
    index_of_id = {leaf_ids[leaf.code]: leaf.index for leaf in compiled.leaves if leaf.code in leaf_ids}
    unit = engine.UnitInput(unit_id=unit_id, group=group, excluded=excluded)
    several: dict[int, list[Decimal]] = {}
    for indicator_id, value, status in scores:
        if not score_counts(status, approved_only=approved_only):
            continue
        index = index_of_id.get(indicator_id)
        if index is None:
            continue
        several.setdefault(index, []).append(value)
    for index, values in several.items():
        unit.values[index] = values[0] if len(values) == 1 else engine.aggregate_raters(
            values, definition.multi_rater, definition.trim_above)
    for row in adjustments:
        add_adjustment(unit, *row)
    rank_leaves = [leaf for leaf in compiled.leaves
                   if leaf.rule is not None and leaf.rule.type == "rank" and leaf.index in unit.values]
    given: dict[int, Decimal] | None = {} if not rank_leaves else None
    if given is None and peer_points is not None:
        stored = {leaf.index: Decimal(peer_points[leaf.code]) for leaf in compiled.leaves if leaf.code in peer_points}
        if stored.keys() == {leaf.index for leaf in rank_leaves}:
            given = stored
    if given is None and all(len(several[leaf.index]) == 1 for leaf in rank_leaves):
        given = rank_points_counted(rnd, unit_id, group, [(leaf, leaf_ids[leaf.code], unit.values[leaf.index])
                                                          for leaf in rank_leaves], approved_only=approved_only)
    if given is None:
        return _ranked_with_group(rnd, compiled, unit, rank_leaves, leaf_ids, approved_only=approved_only)
    return engine.compute_points_round(compiled, [unit], only_unit=unit_id, peer_points=given)[0]


def rank_points_counted(rnd: Round, unit_id: int, group: str, leaves: list[tuple[engine.Leaf, int, Decimal]], *,
                        approved_only: bool) -> dict[int, Decimal] | None:
    """The unit's points of these rank leaves ((leaf, indicator id, the unit's value)) from one query: per leaf,
    how many other members of its peer group have a strictly better value (what the scores the card reads give);
    None when a member has several current values for one of them (then only the engine's aggregate ranks).
    Before publication the maintained values (RankValue, ADR 0041) are counted on their index; a published round
    (approved scores only) counts its scores."""
    if approved_only:
        return _rank_points_counted_on_scores(rnd, unit_id, group, leaves)
    # Per leaf, a count of the index range of its better values and whether the group has a NULL (a member with
    # several values; NULL sorts first) on rank_value_idx: SQLite ~0.25 ms for 900 units × 7 leaves. One statement
    # written out (ADR 0052): the ORM took ~1.4 ms to build it as filtered counts, and it scanned every entry.
    if not leaves:
        return {}
    params: list = []
    for _leaf, indicator_id, value in leaves:
        params += [rnd.pk, group, indicator_id, value]
    for _leaf, indicator_id, _value in leaves:
        params += [rnd.pk, group, indicator_id]
    orders = tuple(leaf.rule.order for leaf, _i, _v in leaves)
    with connection.cursor() as cur:   # on PostgreSQL prepared once per connection (ADR 0061)
        prepared.execute(cur, _better_peers_name(orders), _better_peers_sql(connection.vendor, orders), params)
        *better, several = cur.fetchone()
    if several:
        return None
    return {leaf.index: engine.rank_points(leaf.points, n_better + 1, leaf.rule.step)
            for (leaf, _indicator_id, _value), n_better in zip(leaves, better, strict=True)}


@functools.cache
def _better_peers_name(orders: tuple[str, ...]) -> str:
    """The prepared statement's name for leaves of these orders (an identifier of fixed length)."""
    return "luoshi_better_" + hashlib.sha1(repr(orders).encode()).hexdigest()[:20]


@functools.cache
def _better_peers_sql(vendor: str, orders: tuple[str, ...]) -> str:
    """rank_points_counted's statement for leaves of these orders ("desc": a greater value is better), built once:
    one count per leaf of the group's strictly better values (parameters: round, group, indicator, value), then
    whether any of the leaves has a NULL value in the group (parameters: round, group, indicator per leaf).
    `vendor` keys the cache (the quoting is the database's)."""
    q = connection.ops.quote_name
    rows = (f"FROM {q(RankValue._meta.db_table)} WHERE {q('round_id')} = %s AND {q('group')} = %s "
            f"AND {q('indicator_id')} = %s AND {q('value')}")
    counts = [f"(SELECT COUNT(*) {rows} {'>' if order == 'desc' else '<'} %s)" for order in orders]
    several = " OR ".join([f"EXISTS (SELECT 1 {rows} IS NULL)"] * len(orders))
    return f"SELECT {', '.join(counts)}, {several}"


def _rank_points_counted_on_scores(rnd: Round, unit_id: int, group: str,
                                   leaves: list[tuple[engine.Leaf, int, Decimal]]) -> dict[int, Decimal] | None:
    """rank_points_counted on the approved scores themselves (a published round whose stored peer points do not
    fit: results stored before they existed)."""
    better = Q()
    for leaf, indicator_id, value in leaves:
        better |= Q(indicator_id=indicator_id, **{"value__gt" if leaf.rule.order == "desc" else "value__lt": value})
    rows = (Score.objects.counted(rnd, approved_only=True)
            .filter(indicator_id__in=[indicator_id for _leaf, indicator_id, _value in leaves],
                    unit_id__in=RoundUnit.objects.filter(round=rnd, group=group).values("unit_id"))
            .exclude(unit_id=unit_id).order_by().values_list("indicator_id")
            # only columns of score_round_leaf_idx (PostgreSQL then reads the index alone; with "id" it scans the round)
            .annotate(n=Count("unit_id"), units=Count("unit_id", distinct=True),
                      better=Count("unit_id", filter=better)))
    counts = {}
    for indicator_id, n, units, n_better in rows:
        if n != units:
            return None
        counts[indicator_id] = n_better
    return {leaf.index: engine.rank_points(leaf.points, counts.get(indicator_id, 0) + 1, leaf.rule.step)
            for leaf, indicator_id, _value in leaves}


def _ranked_with_group(rnd: Round, compiled: engine.Compiled, unit: engine.UnitInput, rank_leaves: list[engine.Leaf],
                       leaf_ids: Mapping[str, int], *, approved_only: bool) -> engine.UnitResult:
    """The unit computed by the engine with its peer group's values of these rank leaves (each member's values
    combined by `multi_rater`, as the round's computation combines them)."""
    definition = compiled.scheme
    index_of_id = {leaf_ids[leaf.code]: leaf.index for leaf in rank_leaves}
    values: dict[tuple[int, int], list[Decimal]] = {}
    for uid, indicator_id, value in (
            Score.objects.counted(rnd, approved_only=approved_only)
            .filter(indicator_id__in=list(index_of_id),
                    unit_id__in=RoundUnit.objects.filter(round=rnd, group=unit.group).values("unit_id"))
            .exclude(unit_id=unit.unit_id).values_list("unit_id", "indicator_id", "value")):
        values.setdefault((uid, index_of_id[indicator_id]), []).append(value)
    peers: dict[int, engine.UnitInput] = {}
    for (uid, index), given in values.items():
        peer = peers.get(uid)
        if peer is None:
            peer = peers[uid] = engine.UnitInput(unit_id=uid, group=unit.group)
        peer.values[index] = engine.aggregate_raters(given, definition.multi_rater, definition.trim_above)
    return engine.compute_points_round(compiled, [unit, *peers.values()], only_unit=unit.unit_id)[0]


def unit_preview(rnd: Round, unit_id: int, *, approved_only: bool = False,
                 peer_points: Mapping[str, str] | None = None) -> engine.UnitResult | None:
    """One unit's leaf points and totals from its current scores (an appeal's points; `card_preview` reading the
    unit's participation, scores and adjustments itself). Its rank is not computed here: the stored Result has it.
    `peer_points`: the unit's stored `Result.peer_points`, when they are current (not `rnd.peer_points_stale`)."""
    if rnd.version.definition().type != "points":
        return None
    participant = RoundUnit.objects.filter(round=rnd, unit_id=unit_id).values_list("group", "excluded").first()
    if participant is None:
        return None
    return card_preview(
        rnd, unit_id, group=participant[0], excluded=participant[1],
        leaf_ids=dict(Indicator.objects.filter(version=rnd.version_id, is_leaf=True).values_list("code", "pk")),
        scores=Score.objects.filter(round=rnd, unit_id=unit_id, is_current=True)
        .values_list("indicator_id", "value", "status"),
        adjustments=Adjustment.objects.filter(round=rnd, unit_id=unit_id, is_current=True)
        .values_list("kind", "item", "level", "award", "count"),
        approved_only=approved_only, peer_points=peer_points)
