"""The round computation to the last digit (issue #11, round_compute at the floor): a round given as stored text
values — the column path the services use (one dict lookup per unit and leaf, subtotals summed column by column)
— gives exactly the results of the same round given as Decimal values, leaf by leaf, and the pinned numbers
below (computed before the column path existed). Awkward on purpose: points with 28 significant digits (a
ratio to 3, a 功效系数 over 35), a negative deduction floor, capped deductions and bonuses, a veto, a total on
an exact half (四舍五入), tied units, a rank leaf in two peer groups, and a unit without every leaf beside them."""
from __future__ import annotations

from decimal import Decimal as D

from hypothesis import given, settings, strategies as st

from luoshi.assessment.engine import UnitInput, compile_scheme, compute_points_round
from luoshi.assessment.scheme import SchemeDef


def leaf(code, points, **kw):
    return {"code": code, "name": code, "points": points, **kw}


SCHEME = SchemeDef.model_validate({
    "kind": "scheme", "code": "t", "name": "测试", "region": "崂山区", "owner_unit": "区委办公室",
    "precision": 2, "rounding": "half_up", "top_bottom": 1,
    "grades": [{"name": "优", "min": 70, "stars": 3}, {"name": "良", "min": 50, "stars": 2},
               {"name": "差", "min": 0, "stars": 1}],
    "deductions": [{"code": "N1", "name": "通报", "points": "1.5", "cap": 4},
                   {"code": "N2", "name": "事故", "points": 0, "veto": True}],
    "bonuses": {"levels": ["国家级", "省级"], "cap": 3,
                "kinds": [{"code": "award", "name": "表彰", "points": {"国家级": "2.5", "省级": 1}}]},
    "items": [
        {"code": "A", "name": "甲", "children": [
            leaf("A1", 20),
            leaf("A2", 10, rule={"type": "ratio", "target": 3, "cap": "1.2"}),
            leaf("A3", 10, rule={"type": "deduction", "per": "0.75", "floor": -5}),
            leaf("A4", 7, rule={"type": "linear", "satisfactory": 95, "allowed": 60}),
        ]},
        {"code": "B", "name": "乙", "children": [
            leaf("B1", 10, rule={"type": "rank", "step": "0.05"}),
            leaf("B2", 9, rule={"type": "ratio", "target": 7, "cap": "1.5", "lower_better": True}),
            leaf("B3", "12.5", rule={"type": "rubric", "levels": [{"name": "优", "points": "12.5"},
                                                                   {"name": "差", "points": "3.333"}]}),
            leaf("B4", 6, rule={"type": "pass_fail"}),
        ]},
    ],
})

# unit → (group, its eight stored values as the database returns them, deductions, bonuses)
ROUND = {
    1: ("g1", "12.3450 3.0000 2.0000 95.0000 88.0000 7.0000 12.5000 1.0000", {}, []),     # 75.345000 → 75.35
    2: ("g1", "19.9900 2.0000 9.0000 71.2500 80.0000 9.0000 3.3330 0.0000", {}, []),
    3: ("g1", "19.9900 2.0000 9.0000 71.2500 80.0000 9.0000 3.3330 0.0000", {}, []),      # tied with 2
    4: ("g1", "25.0000 4.0000 20.0000 50.0000 88.0000 0.0000 12.5000 1.0000", {"N1": D(3)}, []),
    5: ("g1", "7.1250 1.0000 0.0000 99.9999 61.5000 13.0000 3.3330 1.0000", {},
        [("award", "国家级", "k1"), ("award", "省级", "k2"), ("award", "国家级", "k3")]),
    6: ("g1", "0.0000 0.0000 40.0000 60.0000 61.5000 21.0000 3.3330 0.0000", {"N1": D(1)}, []),
    7: ("g2", "16.6660 5.0000 1.0000 83.3333 70.0000 6.9999 12.5000 1.0000", {"N2": D(1)}, []),
    8: ("g2", "16.6660 5.0000 1.0000 83.3333 70.0000 6.9999 12.5000 1.0000", {}, []),
}
# a unit scored on some leaves only (given by values, as the services give such a unit): in g1's ranking of B1
PARTIAL = UnitInput(9, group="g1", values={0: D("10"), 4: D("88.0000"), 6: D("12.5")})

# unit → total_raw, total, rate, rank, subtotals, grade, (十佳, 十差), peer points: as computed before the column path
PINNED = {
    1: ("75.345000", "75.35", "89.17", "1",
        ["37.845000", "37.5000"], "优", (True, False), {4: "10.00"}),
    2: ("53.83966666666666666666666667", "53.84", "63.72", "3",
        ["35.00666666666666666666666667", "18.83300000000000000000000000"], "良", (False, False), {4: "8.50"}),
    3: ("53.83966666666666666666666667", "53.84", "63.72", "3",
        ["35.00666666666666666666666667", "18.83300000000000000000000000"], "良", (False, False), {4: "8.50"}),
    4: ("68.4000000000000000000000000", "68.40", "85.68", "2",
        ["30.4000000000000000000000000", "42.0000"], "良", (False, False), {4: "10.00"}),
    5: ("52.13748717948717948717948718", "52.14", "58.15", "5",
        ["27.45833333333333333333333333", "21.67915384615384615384615385"], "良", (False, False), {4: "7.50"}),
    6: ("11.53300000000000000000000000", "11.53", "15.42", "7",
        ["-0.8000", "13.83300000000000000000000000"], "差", (False, True), {4: "7.50"}),
    7: ("81.48279257326533236189088416", "81.48", "96.43", "1",
        ["43.9826640000000000000000000", "37.50012857326533236189088416"], "差", (False, False), {4: "10.00"}),
    8: ("81.48279257326533236189088416", "81.48", "96.43", "1",
        ["43.9826640000000000000000000", "37.50012857326533236189088416"], "优", (False, False), {4: "10.00"}),
}


def _units(stored: bool, table=ROUND):
    units = []
    for uid, (group, texts, deductions, bonuses) in table.items():
        u = UnitInput(uid, group=group, deductions=dict(deductions), bonuses=list(bonuses))
        if stored:
            u.stored = texts.split()
        else:
            u.values = {i: D(t) for i, t in enumerate(texts.split())}
        units.append(u)
    return units + [UnitInput(PARTIAL.unit_id, group=PARTIAL.group, values=dict(PARTIAL.values))]


def _digits(r):
    """Every field of a result as text, so that 9.5 and 9.50 differ."""
    return (r.unit_id, r.group, {k: str(v) for k, v in r.leaf_points.items()}, [str(s) for s in r.subtotals],
            str(r.earned), str(r.available), str(r.bonus), str(r.deduction), str(r.total_raw), str(r.total),
            str(r.rate), r.grade, r.stars, r.vetoed, r.excluded, str(r.rank), r.group_size, r.top, r.bottom,
            r.movement, {k: str(v) for k, v in r.peer_points.items()})


def _compute(units):
    return compute_points_round(compile_scheme(SCHEME), units, previous_ranks={1: D(3), 7: D(1)}, convert=D)


def test_stored_values_give_the_pinned_results_to_the_last_digit():
    results = {r.unit_id: r for r in _compute(_units(stored=True))}
    for uid, (total_raw, total, rate, rank, subtotals, grade, top_bottom, peer) in PINNED.items():
        r = results[uid]
        assert (str(r.total_raw), str(r.total), str(r.rate), str(r.rank), [str(s) for s in r.subtotals], r.grade,
                (r.top, r.bottom), {k: str(v) for k, v in r.peer_points.items()}) == (
            total_raw, total, rate, rank, subtotals, grade, top_bottom, peer), uid
    assert results[1].movement == 2 and results[7].vetoed and results[9].rank == 6 and str(results[9].total) == "32.50"


def test_stored_values_and_decimal_values_give_the_same_digits():
    by_text = [_digits(r) for r in _compute(_units(stored=True))]
    by_value = [_digits(r) for r in _compute(_units(stored=False))]
    assert by_text == by_value


# a stored value as the database gives it: four decimals, values repeated across units as in a real round
stored_text = st.sampled_from(["0.0000", "1.0000", "3.0000", "2.5000", "12.5000", "3.3330", "7.0000", "61.5000",
                               "95.0000", "99.9999", "19.9900", "0.7500", "40.0000", "5.0000", "6.9999"])


@settings(max_examples=60)
@given(st.lists(st.tuples(st.sampled_from(["g1", "g2"]), st.lists(stored_text, min_size=8, max_size=8)),
                min_size=1, max_size=12))
def test_any_round_by_text_equals_the_round_by_value(rows):
    table = {uid: (group, " ".join(texts), {}, []) for uid, (group, texts) in enumerate(rows, start=1)}
    by_text = [_digits(r) for r in _compute(_units(stored=True, table=table))]
    by_value = [_digits(r) for r in _compute(_units(stored=False, table=table))]
    assert by_text == by_value
