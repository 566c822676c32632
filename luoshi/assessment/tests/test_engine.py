"""The scoring engine, pure (no database): ranking with ties, the "bottom K" definitions, rounding at
publication, missing-data policies, and the worked numbers of the research note
(../shared/research/anchors-assessment.md §3–§4). Property-based where a rule holds for every input."""
from __future__ import annotations

import copy
from decimal import Decimal as D

import pytest
from hypothesis import assume, given, settings, strategies as st

from luoshi.assessment import engine
from luoshi.assessment.engine import UnitInput, compile_scheme, compute_points_round, publish_round, rank_values
from luoshi.assessment.scheme import LinearRule, SchemeDef

ZERO = D(0)
METHODS = ("competition", "modified", "dense", "ordinal", "fractional")

# Scores with many ties (few distinct values) and scores as offices type them (two decimals).
tied_scores = st.lists(st.integers(min_value=0, max_value=6).map(D), min_size=0, max_size=25)
typed_scores = st.lists(st.decimals(min_value=0, max_value=100, places=2, allow_nan=False, allow_infinity=False),
                        min_size=0, max_size=25)
scores = st.one_of(tied_scores, typed_scores)


def better(a: D, b: D, order: str) -> bool:
    return a > b if order == "desc" else a < b


# ---- ranking -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("method, expected", [
    ("competition", ["1", "2", "2", "4"]),
    ("modified", ["1", "3", "3", "4"]),
    ("dense", ["1", "2", "2", "3"]),
    ("ordinal", ["1", "2", "3", "4"]),
    ("fractional", ["1", "2.5", "2.5", "4"]),
])
def test_research_vectors(method, expected):
    assert rank_values([D(95), D(90), D(90), D(85)], method=method) == [D(x) for x in expected]


def test_research_vectors_given_out_of_order_and_ascending():
    # The ranks follow the units, not the order they are listed in; asc ranks the lowest first.
    assert rank_values([D(90), D(85), D(95), D(90)]) == [D(2), D(4), D(1), D(2)]
    assert rank_values([D(90), D(85), D(95), D(90)], order="asc") == [D(2), D(1), D(4), D(2)]


def test_unknown_method_is_refused():
    with pytest.raises(ValueError):
        rank_values([D(1), D(2)], method="olympic")


@given(scores, st.sampled_from(("desc", "asc")))
def test_competition_is_one_plus_number_strictly_better(values, order):
    ranks = rank_values(values, method="competition", order=order)
    for v, r in zip(values, ranks):
        assert r == 1 + sum(1 for w in values if better(w, v, order))


@given(scores, st.sampled_from(("desc", "asc")))
def test_modified_is_number_better_or_equal(values, order):
    ranks = rank_values(values, method="modified", order=order)
    for v, r in zip(values, ranks):
        assert r == sum(1 for w in values if better(w, v, order) or w == v)


@given(scores, st.sampled_from(("desc", "asc")))
def test_dense_is_one_plus_number_of_distinct_better_values(values, order):
    ranks = rank_values(values, method="dense", order=order)
    for v, r in zip(values, ranks):
        assert r == 1 + len({w for w in values if better(w, v, order)})
    if values:
        assert max(ranks) == len(set(values))


@given(scores, st.sampled_from(METHODS[:3] + METHODS[4:]), st.sampled_from(("desc", "asc")))
def test_ties_share_a_rank_and_better_is_never_ranked_below(values, method, order):
    ranks = rank_values(values, method=method, order=order)
    for i, (v, r) in enumerate(zip(values, ranks)):
        for w, s in zip(values[i + 1:], ranks[i + 1:]):
            if v == w:
                assert r == s
            elif better(v, w, order):
                assert r < s


@given(scores, st.sampled_from(("desc", "asc")))
def test_ordinal_is_a_permutation_breaking_ties_by_input_order(values, order):
    ranks = rank_values(values, method="ordinal", order=order)
    assert sorted(ranks) == [D(i) for i in range(1, len(values) + 1)]
    for i in range(len(values)):
        for j in range(i + 1, len(values)):
            if values[i] == values[j] or better(values[i], values[j], order):
                assert ranks[i] < ranks[j]
            else:
                assert ranks[i] > ranks[j]


@given(scores, st.sampled_from(("desc", "asc")))
def test_fractional_is_the_mean_of_the_tied_ordinal_positions(values, order):
    fractional = rank_values(values, method="fractional", order=order)
    ordinal = rank_values(values, method="ordinal", order=order)
    for v, r in zip(values, fractional):
        positions = [o for w, o in zip(values, ordinal) if w == v]
        assert r == sum(positions) / len(positions)
    # The ranks of a fractional ranking add up like the positions they share.
    assert sum(fractional, D(0)) == sum(ordinal, D(0))


@given(scores, st.sampled_from(METHODS))
def test_ascending_is_descending_of_the_negated_values(values, method):
    assert rank_values(values, method=method, order="asc") == rank_values([-v for v in values], method=method,
                                                                          order="desc")


@given(scores, st.sampled_from(("competition", "modified", "dense", "fractional")))
def test_ranks_do_not_depend_on_listing_order_except_ordinal(values, method):
    ranks = dict(zip(values, rank_values(values, method=method)))
    shuffled = list(reversed(values))
    assert [ranks[v] for v in shuffled] == rank_values(shuffled, method=method)


# ---- "bottom K" ---------------------------------------------------------------------------------------------

def bottom(ranks: list[int], k: int, definition: str) -> list[int]:
    return [r for r in ranks if engine.in_bottom(rank=r, ranks=ranks, k=k, definition=definition)]


def test_bottom_three_with_a_tie_above_the_boundary():
    # n = 16, the last ranks 13, 13, 15, 16: "fewer than 3 strictly worse" takes 4 units, "rank ≥ 14" takes 2.
    ranks = list(range(1, 13)) + [13, 13, 15, 16]
    assert bottom(ranks, 3, "strict") == [13, 13, 15, 16]
    assert bottom(ranks, 3, "rank") == [15, 16]


def test_bottom_three_with_a_tie_inside():
    ranks = list(range(1, 14)) + [14, 14, 16]
    assert bottom(ranks, 3, "strict") == bottom(ranks, 3, "rank") == [14, 14, 16]


def test_bottom_three_computed_from_scores():
    # The same as above, from scores: the two units tied at 13th both fall in the strict bottom three.
    values = [D(100 - i) for i in range(12)] + [D(50), D(50), D(40), D(30)]
    ranks = engine.competition_ranks(values)
    assert ranks[-4:] == [13, 13, 15, 16]
    assert len(bottom(ranks, 3, "strict")) == 4 and len(bottom(ranks, 3, "rank")) == 2


@given(tied_scores.filter(bool), st.integers(min_value=1, max_value=6))
def test_bottom_definitions_bracket_k(values, k):
    ranks = engine.competition_ranks(values)
    strict, by_rank = bottom(ranks, k, "strict"), bottom(ranks, k, "rank")
    # The rank rule never takes more than k units; the strict rule takes at least k (boundary ties all in),
    # and everything the rank rule takes.
    assert len(by_rank) <= k
    assert len(strict) >= min(k, len(values))
    assert sorted(by_rank) == sorted(r for r in strict if r >= len(ranks) - k + 1)
    # Without ties both say the same.
    if len(set(values)) == len(values):
        assert sorted(strict) == sorted(by_rank)


# ---- rounding ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, rule, expected", [
    ("28.175", "gbt8170", "28.18"),
    ("28.165", "gbt8170", "28.16"),
    ("28.165", "half_up", "28.17"),
    ("28.1651", "gbt8170", "28.17"),   # only an exact half goes to even
    ("2.675", "half_up", "2.68"),
    ("2.675", "gbt8170", "2.68"),
    ("2.665", "gbt8170", "2.66"),
    ("-2.675", "half_up", "-2.68"),
])
def test_rounding_rules(text, rule, expected):
    assert str(publish_round(D(text), 2, rule)) == expected


def test_decimals_are_parsed_from_strings_not_floats():
    # The float 2.675 is 2.67499…; a score typed as "2.675" must publish as 2.68 under 四舍五入.
    assert round(2.675, 2) == 2.67
    assert publish_round(D("2.675"), 2, "half_up") == D("2.68")
    assert publish_round(D(2.675), 2, "half_up") == D("2.67")   # why the engine never takes floats


@given(st.decimals(min_value=-1000, max_value=1000, places=6, allow_nan=False, allow_infinity=False),
       st.integers(min_value=0, max_value=4), st.sampled_from(("half_up", "gbt8170")))
def test_rounding_is_idempotent_and_within_half_a_unit(value, places, rule):
    once = publish_round(value, places, rule)
    assert publish_round(once, places, rule) == once
    assert abs(once - value) <= D(1).scaleb(-places) / 2
    assert once.as_tuple().exponent == -places
    other = publish_round(value, places, "gbt8170" if rule == "half_up" else "half_up")
    if other != once:   # the two rules disagree only on an exact half
        assert abs(once - value) == D(1).scaleb(-places) / 2


# ---- schemes for the round tests --------------------------------------------------------------------------------

BASE = {
    "kind": "scheme", "code": "t", "name": "测试", "region": "崂山区", "owner_unit": "区委办公室",
    "precision": 2, "top_bottom": 0,
    "items": [
        {"code": "A", "name": "甲", "children": [
            {"code": "A1", "name": "甲一", "points": 60},
            {"code": "A2", "name": "甲二", "points": 40},
        ]},
    ],
}


def make(**changes) -> SchemeDef:
    data = copy.deepcopy(BASE)
    data.update(changes)
    return SchemeDef.model_validate(data)


def leaf(code, points, **kw):
    return {"code": code, "name": code, "points": points, **kw}


def run(scheme: SchemeDef, units: list[UnitInput], **kw) -> dict[int, engine.UnitResult]:
    return {r.unit_id: r for r in compute_points_round(compile_scheme(scheme), units, **kw)}


def test_rank_is_taken_on_the_published_value():
    # 90.004 and 89.996 both publish as 90.00: the public sees one number, so they share first place.
    s = make(items=[leaf("A", 100)])
    res = run(s, [UnitInput(1, values={0: D("89.996")}), UnitInput(2, values={0: D("90.004")}),
                  UnitInput(3, values={0: D("89.994")})])
    assert (res[1].total, res[2].total, res[3].total) == (D("90.00"), D("90.00"), D("89.99"))
    assert res[1].total_raw != res[2].total_raw
    assert (res[1].rank, res[2].rank, res[3].rank) == (1, 1, 3)


def test_gbt8170_publication_changes_the_tie():
    s = make(items=[leaf("A", 100)], rounding="gbt8170", precision=1)
    res = run(s, [UnitInput(1, values={0: D("88.25")}), UnitInput(2, values={0: D("88.2")})])
    assert res[1].total == res[2].total == D("88.2") and res[1].rank == res[2].rank == 1
    s = make(items=[leaf("A", 100)], rounding="half_up", precision=1)
    res = run(s, [UnitInput(1, values={0: D("88.25")}), UnitInput(2, values={0: D("88.2")})])
    assert (res[1].total, res[1].rank, res[2].rank) == (D("88.3"), 1, 2)


# ---- missing data -----------------------------------------------------------------------------------------------

def missing_scheme(policy: str, **kw) -> SchemeDef:
    return make(items=[{"code": "A", "name": "甲", "children": [leaf("A1", 60), leaf("A2", 40, missing=policy)]}], **kw)


def test_missing_zero_counts_no_points_but_full_weight():
    r = run(missing_scheme("zero"), [UnitInput(1, values={0: D(45)})])[1]
    assert (r.total, r.available, r.rate) == (D("45.00"), D(100), D("45.00"))
    assert r.leaf_points[1] == 0


def test_missing_full_gives_full_marks():
    r = run(missing_scheme("full"), [UnitInput(1, values={0: D(45)})])[1]
    assert (r.total, r.available, r.leaf_points[1]) == (D("85.00"), D(100), D(40))


def test_missing_exclude_drops_the_points_from_what_is_due():
    r = run(missing_scheme("exclude"), [UnitInput(1, values={0: D(45)})])[1]
    assert 1 not in r.leaf_points            # N/A: not a zero
    assert (r.earned, r.available) == (D(45), D(60))
    assert r.rate == D("75.00")              # 得分率 over what was due
    assert r.total == D("45.00")             # without renormalise the total is the points earned


def test_missing_exclude_with_renormalise_scales_back_to_full_marks():
    r = run(missing_scheme("exclude", renormalise=True), [UnitInput(1, values={0: D(45)})])[1]
    assert r.total == D("75.00") and r.rate == D("75.00")
    # A unit with every leaf present is not rescaled.
    r = run(missing_scheme("exclude", renormalise=True), [UnitInput(1, values={0: D(45), 1: D(20)})])[1]
    assert r.total == D("65.00")


def test_missing_exclude_unit_takes_the_unit_out_of_the_ranking():
    s = missing_scheme("exclude_unit", top_bottom=1)
    res = run(s, [UnitInput(1, values={0: D(60)}),                 # would be first on A1 alone…
                  UnitInput(2, values={0: D(50), 1: D(40)}),
                  UnitInput(3, values={0: D(10), 1: D(0)})],
              previous_ranks={1: D(3), 2: D(1)})
    one = res[1]
    assert one.excluded and "A2" in one.excluded
    assert one.rank is None and not one.top and not one.bottom and one.movement is None
    assert one.total == D("60.00")           # it still has a score card
    assert (res[2].rank, res[3].rank, res[2].group_size) == (1, 2, 2)
    assert res[2].top and res[3].bottom


def test_office_exclusion_is_kept_and_wins_over_missing_data():
    s = missing_scheme("exclude_unit")
    res = run(s, [UnitInput(1, values={0: D(60)}, excluded="整建制撤并"), UnitInput(2, values={0: D(1), 1: D(1)})])
    assert res[1].excluded == "整建制撤并" and res[1].rank is None and res[2].rank == 1


@settings(max_examples=60)
@given(st.lists(st.tuples(st.integers(min_value=0, max_value=60), st.one_of(st.none(), st.integers(0, 40))),
                min_size=1, max_size=15))
def test_a_unit_missing_an_exclude_unit_leaf_is_never_ranked(rows):
    s = missing_scheme("exclude_unit", top_bottom=2)
    units = [UnitInput(i, values={0: D(a)} if b is None else {0: D(a), 1: D(b)}) for i, (a, b) in enumerate(rows)]
    res = run(s, units)
    complete = [i for i, (_a, b) in enumerate(rows) if b is not None]
    for i, (_a, b) in enumerate(rows):
        r = res[i]
        if b is None:
            assert r.rank is None and r.excluded and not r.top and not r.bottom
        else:
            assert r.rank is not None and not r.excluded and r.group_size == len(complete)
    assert sorted(res[i].rank for i in complete) == sorted(
        engine.rank_values([res[i].total for i in complete]))


@settings(max_examples=60)
@given(st.lists(st.one_of(st.none(), st.integers(0, 60)), min_size=2, max_size=2).filter(lambda v: any(
    x is not None for x in v)), st.booleans())
def test_exclude_rate_is_over_what_was_due(values, renormalise):
    s = make(items=[leaf("A1", 60, missing="exclude"), leaf("A2", 40, missing="exclude")], renormalise=renormalise)
    vals = {i: D(v) for i, v in enumerate(values) if v is not None and (i == 0 or v <= 40)}
    assume(vals)
    r = run(s, [UnitInput(1, values=vals)])[1]
    due = sum((D(60), D(40))[i] for i in vals)
    assert r.available == due
    assert r.rate == publish_round(sum(vals.values()) / due * 100, 2)
    if renormalise:
        assert r.total == r.rate            # full marks are 100 here


# ---- leaves: the worked numbers of §4 ----------------------------------------------------------------------------

def test_efficacy_coefficient():
    rule = LinearRule(type="linear", satisfactory=D(12), allowed=D(6))
    d = engine.leaf_points(rule, D(100), D("5.81"))
    assert publish_round(d, 2) == D("58.73")
    assert engine.leaf_points(rule, D(10), D("5.81")) == d / 10      # points × d / 100
    assert engine.leaf_points(rule, D(100), D(12)) == 100 and engine.leaf_points(rule, D(100), D(6)) == 60
    # Clamped: a floor of 60 (不低于60分) and the ceiling of 100.
    floor = LinearRule(type="linear", satisfactory=D(12), allowed=D(6), clamp_low=D(60))
    assert engine.leaf_points(floor, D(100), D("5.81")) == 60
    assert engine.leaf_points(rule, D(100), D(30)) == 100
    assert engine.leaf_points(rule, D(100), D(-100)) == 0
    # Lower is better (满意值 below 不允许值).
    lower = LinearRule(type="linear", satisfactory=D(2), allowed=D(10))
    assert engine.leaf_points(lower, D(100), D(6)) == 80


def test_efficacy_coefficient_with_equal_bounds_is_refused():
    with pytest.raises(ValueError, match="满意值与不允许值不能相同"):
        LinearRule(type="linear", satisfactory=D(6), allowed=D(6))


def test_rank_rule_points_for_tied_ranks():
    # 争先进位: 16 units, 6 points, step 5%: ranks 1, 2, 2, 4 → 6.00, 5.70, 5.70, 5.10; tied units share
    # the points of their (best) rank; far enough down the points stop at 0.
    s = make(items=[leaf("A", 6, rule={"type": "rank"})], full_marks=6)
    values = [D(100), D(90), D(90), D(80)] + [D(70 - i) for i in range(12)]
    res = run(s, [UnitInput(i, values={0: v}) for i, v in enumerate(values)])
    assert [str(res[i].total) for i in range(4)] == ["6.00", "5.70", "5.70", "5.10"]
    assert res[15].total == D("1.50")
    assert engine.rank_points(D(6), 21, D("0.05")) == 0 and engine.rank_points(D(6), 30, D("0.05")) == 0


def test_rank_rule_ranks_within_the_peer_group_and_ascending():
    s = make(items=[leaf("A", 10, rule={"type": "rank", "order": "asc", "step": "0.1"})])
    res = run(s, [UnitInput(1, group="x", values={0: D(3)}), UnitInput(2, group="x", values={0: D(5)}),
                  UnitInput(3, group="y", values={0: D(9)})])
    assert (res[1].total, res[2].total, res[3].total) == (D("10.00"), D("9.00"), D("10.00"))


def test_air_quality_composite_and_change_rate():
    s = SchemeDef.model_validate({
        "kind": "scheme", "code": "aq", "name": "大气", "region": "崂山区", "owner_unit": "区委办公室", "type": "metric",
        "league": {"metrics": [
            {"code": "pm25", "name": "PM2.5", "standard": 35}, {"code": "pm10", "name": "PM10", "standard": 70},
            {"code": "so2", "name": "SO2", "standard": 60}, {"code": "no2", "name": "NO2", "standard": 40},
            {"code": "o3", "name": "O3", "standard": 160},
            {"code": "co", "name": "CO", "standard": 4, "precision": 1}]}})
    values = {"pm25": D(21), "pm10": D(39), "so2": D(9), "no2": D(15), "o3": D(192), "co": D("0.7")}
    raw = engine.composite_index(s.league, values)
    assert raw.quantize(D("0.0001")) == D("3.0571")
    assert publish_round(raw, 2) == D("3.06")
    assert engine.composite_index(s.league, {k: v for k, v in values.items() if k != "co"}) is None
    assert engine.change_rate(D("2.49"), D("2.91"), 1) == D("-14.4")
    assert engine.change_rate(D("2.49"), None, 1) is None and engine.change_rate(D("2.49"), D(0), 1) is None


def test_metric_round_change_is_on_the_published_index():
    # Raw 2.4940 vs 2.91 would give −14.3%; the published 2.49 vs 2.91 gives −14.4%.
    s = SchemeDef.model_validate({
        "kind": "scheme", "code": "aq", "name": "大气", "region": "崂山区", "owner_unit": "区委办公室", "type": "metric",
        "league": {"metrics": [{"code": "pm25", "name": "PM2.5", "standard": 1}]}})
    res = engine.compute_metric_round(s, [UnitInput(1, values={0: D("2.494")}), UnitInput(2, values={0: D("3")}),
                                          UnitInput(3, values={})], ["pm25"], previous_index={1: D("2.91"), 2: D(3)})
    one, two, three = res
    assert one.figures["index"] == "2.49" and one.figures["change"] == "-14.4"
    assert two.figures["change"] == "0.0"
    assert three.excluded and three.rank is None
    # Lower index and bigger fall both rank first: 1 gets full level and improvement points.
    assert (one.rank, two.rank, one.total, two.total) == (1, 2, D("100.00"), D("0.00"))


def test_metric_ranks_are_on_the_published_values():
    """Two districts published with the same PM2.5 (precision 0: 35) tie on that metric, whatever the decimals."""
    s = SchemeDef.model_validate({
        "kind": "scheme", "code": "aq", "name": "大气", "region": "崂山区", "owner_unit": "区委办公室", "type": "metric",
        "league": {"metrics": [{"code": "pm25", "name": "PM2.5", "standard": 35},
                               {"code": "pm10", "name": "PM10", "standard": 70}]}})
    res = engine.compute_metric_round(s, [UnitInput(1, values={0: D("34.6"), 1: D("60")}),
                                          UnitInput(2, values={0: D("35.4"), 1: D("61")}),
                                          UnitInput(3, values={0: D("40"), 1: D("50")})], ["pm25", "pm10"])
    assert [r.figures["ranks"]["pm25"] for r in res] == [1, 1, 3]
    assert [r.figures["ranks"]["pm10"] for r in res] == [2, 3, 1]


# ---- bonuses, deductions, vetoes ------------------------------------------------------------------------------------

BONUSES = {"levels": ["国家级", "省部级", "市级"], "cap": 5, "kinds": [
    {"code": "praise", "name": "表彰推广", "points": {"国家级": 3, "省部级": 2, "市级": 1}, "cap": 4},
    {"code": "memo", "name": "领导批示", "points": {"国家级": 2, "省部级": 1.5, "市级": 1}},
]}


def bonus(awards):
    return engine.bonus_total(compile_scheme(make(bonuses=BONUSES)), awards)[0]


def test_one_award_counts_once_at_its_highest_level():
    assert bonus([("praise", "市级", "鲁政发〔2026〕1号"), ("praise", "国家级", "鲁政发〔2026〕1号")]) == 3
    assert bonus([("praise", "国家级", "鲁政发〔2026〕1号"), ("praise", "市级", "鲁政发〔2026〕1号")]) == 3
    # Two different awards both count.
    assert bonus([("praise", "市级", "文1"), ("memo", "市级", "文2")]) == 2


def test_bonus_caps_per_kind_then_overall():
    assert bonus([("praise", "国家级", "a"), ("praise", "国家级", "b")]) == 4        # kind cap 4, not 6
    assert bonus([("memo", "国家级", "a"), ("memo", "国家级", "b"), ("memo", "国家级", "c")]) == 5   # overall cap
    assert bonus([("praise", "国家级", "a"), ("memo", "省部级", "b")]) == D("4.5")
    assert bonus([]) == 0 and bonus([("nope", "国家级", "a")]) == 0


def test_bonus_and_deduction_in_the_total():
    s = make(bonuses=BONUSES, deductions=[{"code": "N1", "name": "通报", "points": 2, "cap": 6},
                                          {"code": "N2", "name": "信访", "points": "0.5"}])
    r = run(s, [UnitInput(1, values={0: D(50), 1: D(30)}, bonuses=[("praise", "省部级", "x")],
                          deductions={"N1": D(5), "N2": D(3)})])[1]
    assert (r.bonus, r.deduction) == (D(2), D("7.5"))     # N1 capped at 6, N2 不封顶 1.5
    assert r.total == D("74.50")


def test_deduction_leaf_stops_at_its_floor():
    # 每发现一处扣0.5分，扣完为止: never below the floor (0), never reaching into other leaves.
    s = make(items=[leaf("A1", 10, rule={"type": "deduction", "per": "0.5"}), leaf("A2", 10)])
    res = run(s, [UnitInput(1, values={0: D(3), 1: D(10)}), UnitInput(2, values={0: D(40), 1: D(10)})])
    assert res[1].leaf_points[0] == D("8.5") and res[2].leaf_points[0] == 0
    assert res[2].total == D("10.00")


def test_veto_puts_the_unit_in_the_lowest_grade():
    s = make(grades=[{"name": "好", "min": 90}, {"name": "较好", "min": 75}, {"name": "一般", "min": 0}],
             deductions=[{"code": "V", "name": "重大责任事故", "points": 0, "veto": True}])
    res = run(s, [UnitInput(1, values={0: D(60), 1: D(40)}, deductions={"V": D(1)}),
                  UnitInput(2, values={0: D(60), 1: D(20)})])
    assert (res[1].total, res[1].grade, res[1].vetoed) == (D("100.00"), "一般", True)
    assert (res[2].grade, res[2].vetoed) == ("较好", False)
    assert engine.grade_of(s, D("-5")) == ("一般", None)


def test_weighted_aggregation_renormalises_over_available_items():
    s = make(aggregation="weighted", items=[
        {"code": "A", "name": "甲", "weight": 60, "children": [leaf("A1", 10, missing="exclude")]},
        {"code": "B", "name": "乙", "weight": 40, "children": [leaf("B1", 20, missing="exclude")]}])
    both = run(s, [UnitInput(1, values={0: D(5), 1: D(20)})])[1]
    assert both.total == D("70.00")          # 60 × 50% + 40 × 100%
    only_b = run(s, [UnitInput(1, values={1: D(15)})])[1]
    assert only_b.total == D("75.00")        # A is N/A: B's 75% carries the whole weight
    none = run(s, [UnitInput(1, values={})])[1]
    assert none.total == 0 and none.rate is None


# ---- several evaluators -------------------------------------------------------------------------------------------

def test_multi_rater_mean_trimmed_mean_and_median():
    five = [D(x) for x in (80, 90, 70, 100, 60)]
    six = five + [D(0)]
    assert engine.aggregate_raters(five, "mean") == D(80)
    assert engine.aggregate_raters(five, "trimmed_mean", trim_above=5) == D(80)    # 5 raters: nothing dropped
    assert engine.aggregate_raters(six, "trimmed_mean", trim_above=5) == D(75)     # drop 0 and 100
    assert engine.aggregate_raters(six, "mean") == D(400) / 6
    assert engine.aggregate_raters(six, "median") == D(75)
    assert engine.aggregate_raters([D(7)], "trimmed_mean") == D(7)


@given(st.lists(st.integers(0, 100).map(D), min_size=1, max_size=12), st.integers(2, 8))
def test_trimmed_mean_lies_between_min_and_max(values, trim_above):
    m = engine.aggregate_raters(values, "trimmed_mean", trim_above=trim_above)
    assert min(values) <= m <= max(values)
    if len(values) > trim_above:
        inner = sorted(values)[1:-1]
        assert m == sum(inner, D(0)) / len(inner)
    else:
        assert m == sum(values, D(0)) / len(values)


# ---- ten best / ten worst and movement ----------------------------------------------------------------------------

def test_top_and_bottom_ten_and_movement():
    s = make(items=[leaf("A", 100)], top_bottom=3)
    values = [D(v) for v in (90, 80, 80, 70, 60, 50, 50)]
    res = run(s, [UnitInput(i, values={0: v}) for i, v in enumerate(values)], previous_ranks={0: D(2), 3: D(1)})
    assert [res[i].top for i in range(7)] == [True, True, True, False, False, False, False]
    # bottom 3 with boundary ties all in: 60 (5th) and both 50s (6th).
    assert [res[i].bottom for i in range(7)] == [False, False, False, False, True, True, True]
    assert (res[0].movement, res[3].movement, res[1].movement) == (1, -3, None)


def test_no_top_or_bottom_when_the_group_is_not_bigger_than_the_list():
    s = make(items=[leaf("A", 100)], top_bottom=3)
    res = run(s, [UnitInput(i, values={0: D(i)}) for i in range(3)])
    assert not any(r.top or r.bottom for r in res.values())


def test_only_unit_computes_one_card_without_ranking():
    s = make(items=[leaf("A", 10, rule={"type": "rank"}), leaf("B", 90)])
    units = [UnitInput(1, values={0: D(5), 1: D(80)}), UnitInput(2, values={0: D(9), 1: D(10)})]
    [one] = compute_points_round(compile_scheme(s), units, only_unit=1)
    assert one.unit_id == 1 and one.rank is None
    assert one.leaf_points[0] == D("9.5")     # second in the group on the rank leaf


# ---- the round computation agrees with the leaf rules one by one -----------------------------------------------

EVERY_RULE = make(items=[
    leaf("D", 20), leaf("P", 10, rule={"type": "pass_fail"}), leaf("N", 10, rule={"type": "deduction", "per": "0.5"}),
    leaf("R", 30, rule={"type": "ratio", "target": 100}),
    leaf("L", 15, rule={"type": "linear", "satisfactory": 12, "allowed": 6, "clamp_low": 40}),
    leaf("U", 15, rule={"type": "rubric", "levels": [{"name": "优", "points": 15}, {"name": "差", "points": 5}]}),
], missing="zero")

inputs = st.lists(st.one_of(st.none(), st.decimals(min_value=0, max_value=150, places=2, allow_nan=False,
                                                   allow_infinity=False)), min_size=6, max_size=6)


@settings(max_examples=80)
@given(st.lists(inputs, min_size=1, max_size=6))
def test_round_points_are_the_leaf_rules_applied_one_by_one(rows):
    compiled = compile_scheme(EVERY_RULE)
    units = [UnitInput(i, values={j: v for j, v in enumerate(row) if v is not None}) for i, row in enumerate(rows)]
    res = run(EVERY_RULE, units)
    for i, row in enumerate(rows):
        expected = {}
        for lf, v in zip(compiled.leaves, row):
            expected[lf.index] = ZERO if v is None else engine.leaf_points(lf.rule, lf.points, v)
            assert ZERO <= expected[lf.index] <= lf.points
        r = res[i]
        assert r.leaf_points == expected
        assert r.earned == sum(expected.values(), ZERO) and r.available == 100
        assert r.total == publish_round(r.earned, 2)

