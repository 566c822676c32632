"""Consequence rules over a unit's history of rounds (engine.rule_fires), pure: consecutive runs, what a
round where the unit was not ranked does to a run (skips / breaks), one run firing once (restart_after),
the peer-group filter and each kind of condition."""
from __future__ import annotations

from decimal import Decimal as D

import pytest
from hypothesis import given, strategies as st

from luoshi.assessment.engine import RoundStanding, rule_fires
from luoshi.assessment.scheme import ConsequenceRule

GROUP = tuple(range(1, 11))     # ten streets ranked 1 … 10


def rule(when=None, **kw) -> ConsequenceRule:
    data = {"code": "r", "name": "连续末位", "when": when or {"type": "rank_bottom", "k": 3}, "consecutive": 2,
            "actions": ["通报批评", "约谈"], **kw}
    return ConsequenceRule.model_validate(data)


def bottom(rid, group="street"):      # ranked 10th of 10
    return RoundStanding(round_id=rid, ranked=True, group=group, rank=10, group_ranks=GROUP, total=D(60), grade="一般")


def fine(rid, group="street"):        # ranked 2nd of 10
    return RoundStanding(round_id=rid, ranked=True, group=group, rank=2, group_ranks=GROUP, total=D(95), grade="好")


def out(rid):                         # not in the round, or excluded by the office
    return RoundStanding(round_id=rid, ranked=False)


def test_two_rounds_running_fire_and_one_does_not():
    r = rule()
    assert rule_fires(r, [bottom(1), bottom(2)])
    assert not rule_fires(r, [bottom(1)])
    assert not rule_fires(r, [bottom(1), fine(2)])
    assert not rule_fires(r, [bottom(1), fine(2), bottom(3)])
    assert rule_fires(r, [fine(1), bottom(2), bottom(3)])
    assert not rule_fires(r, [])


def test_consecutive_one_fires_every_time():
    r = rule(consecutive=1)
    assert rule_fires(r, [fine(1), bottom(2)]) and not rule_fires(r, [bottom(1), fine(2)])


def test_excluded_round_skips_the_run_goes_on():
    r = rule(excluded="skips")
    assert rule_fires(r, [bottom(1), out(2), bottom(3)])
    assert rule_fires(r, [bottom(1), out(2), out(3), bottom(4)])


def test_excluded_round_breaks_the_run_starts_again():
    r = rule(excluded="breaks")
    assert not rule_fires(r, [bottom(1), out(2), bottom(3)])
    assert rule_fires(r, [bottom(1), out(2), bottom(3), bottom(4)])


def test_nothing_fires_in_a_round_the_unit_was_not_ranked_in():
    for excluded in ("skips", "breaks"):
        assert not rule_fires(rule(excluded=excluded), [bottom(1), bottom(2), out(3)])


def test_one_run_fires_once():
    r = rule()
    history = [bottom(1), bottom(2), bottom(3)]
    # It fired at round 2; round 3 alone does not make a new run of two …
    assert not rule_fires(r, history, restart_after=2)
    # … round 4 does, and that is the second time (the ladder's next action).
    assert rule_fires(r, history + [bottom(4)], restart_after=2)
    # Without the memory of round 2 the third bottom round would fire again.
    assert rule_fires(r, history)


def test_restart_after_a_round_outside_the_history_counts_from_the_start():
    assert rule_fires(rule(), [bottom(1), bottom(2)], restart_after=99)


def test_group_filter():
    r = rule(group="street")
    assert rule_fires(r, [bottom(1), bottom(2)])
    assert not rule_fires(r, [bottom(1, "dept"), bottom(2, "dept")])
    # A unit that moved group: only the rounds in the rule's group count, the others act as not ranked.
    assert rule_fires(r, [bottom(1), bottom(2, "dept"), bottom(3)])
    assert not rule_fires(rule(group="street", excluded="breaks"), [bottom(1), bottom(2, "dept"), bottom(3)])
    assert rule_fires(rule(group=""), [bottom(1, "dept"), bottom(2, "dept")])


def test_bottom_definitions_inside_rules():
    # n = 16 with ranks …, 13, 13, 15, 16: the units tied at 13th are in the bottom three only by "strict".
    ranks = tuple(range(1, 13)) + (13, 13, 15, 16)
    at13 = [RoundStanding(round_id=i, ranked=True, rank=13, group_ranks=ranks) for i in (1, 2)]
    assert rule_fires(rule({"type": "rank_bottom", "k": 3, "bottom": "strict"}), at13)
    assert not rule_fires(rule({"type": "rank_bottom", "k": 3, "bottom": "rank"}), at13)


def test_other_conditions():
    top = rule({"type": "rank_top", "n": 3}, consecutive=1)
    assert rule_fires(top, [fine(1)]) and not rule_fires(top, [bottom(1)])
    below = rule({"type": "score_below", "value": 80})
    assert rule_fires(below, [bottom(1), bottom(2)]) and not rule_fires(below, [bottom(1), fine(2)])
    # A round with no total (not scored) is not "below".
    no_total = RoundStanding(round_id=2, ranked=True, rank=1, group_ranks=(1,), total=None)
    assert not rule_fires(below, [bottom(1), no_total])
    grade = rule({"type": "grade_in", "grades": ["一般", "较差"]})
    assert rule_fires(grade, [bottom(1), bottom(2)]) and not rule_fires(grade, [fine(1), bottom(2)])


def test_rule_schema_refusals():
    with pytest.raises(ValueError):
        rule(consecutive=0)
    with pytest.raises(ValueError):
        rule(excluded="ignores")
    with pytest.raises(ValueError):
        rule(actions=[])
    with pytest.raises(ValueError):
        rule({"type": "rank_bottom", "k": 0})


# ---- property: the rule agrees with a plain reading of "n rounds running" ------------------------------------------

standing = st.sampled_from(("bottom", "fine", "out"))


def history_of(kinds):
    make = {"bottom": bottom, "fine": fine, "out": lambda rid: out(rid)}
    return [make[k](i + 1) for i, k in enumerate(kinds)]


@given(st.lists(standing, max_size=12), st.integers(1, 4), st.sampled_from(("skips", "breaks")))
def test_fires_exactly_when_the_last_n_counted_rounds_all_hold(kinds, n, excluded):
    r = rule(consecutive=n, excluded=excluded)
    fires = rule_fires(r, history_of(kinds))
    if not kinds or kinds[-1] == "out":
        expected = False
    elif excluded == "skips":
        counted = [k for k in kinds if k != "out"]
        expected = len(counted) >= n and all(k == "bottom" for k in counted[-n:])
    else:
        expected = len(kinds) >= n and all(k == "bottom" for k in kinds[-n:])
    assert fires == expected


@given(st.lists(standing, min_size=1, max_size=12), st.integers(1, 4))
def test_a_unit_that_was_never_ranked_never_fires(kinds, n):
    kinds = ["out"] * len(kinds)
    assert not rule_fires(rule(consecutive=n), history_of(kinds))


@given(st.lists(standing, max_size=12), st.integers(1, 3), st.sampled_from(("skips", "breaks")))
def test_replaying_fires_once_per_run(kinds, n, excluded):
    """Walk the rounds one by one as the services do, remembering where the rule last fired: a run of
    m counted bottom rounds fires m // n times, never twice for the same rounds."""
    r = rule(consecutive=n, excluded=excluded)
    history = history_of(kinds)
    last = None
    fired = []
    for i in range(len(history)):
        if rule_fires(r, history[: i + 1], restart_after=last):
            fired.append(history[i].round_id)
            last = history[i].round_id
    # Reference: count runs, resetting after each firing.
    expected, run = [], 0
    for s, k in zip(history, kinds):
        if k == "out":
            if excluded == "breaks":
                run = 0
            continue
        run = run + 1 if k == "bottom" else 0
        if run >= n:
            expected.append(s.round_id)
            run = 0
    assert fired == expected
