"""The scoring engine: pure functions over Decimals, no database.

`compute_points_round` turns each unit's inputs (one value per leaf after the evaluators' values are
aggregated, deduction counts, bonus awards) into leaf points, item subtotals, totals, the published
(rounded) total, 得分率, ranks per peer group, grades, 十佳/十差 and movement. `compute_metric_round`
does the same for metric league tables (大气). `rules_evaluate` reads a unit's history over rounds and
says which consequence rules fire now.

Conventions, decided once here:
- Numbers stay full precision until publication; the published total is rounded once by the scheme's
  rule (四舍五入 = ROUND_HALF_UP, GB/T 8170 = ROUND_HALF_EVEN) and ranks are taken on it, so two units the
  public sees with the same number share a rank.
- A unit excluded from ranking (a leaf with missing policy exclude_unit, or excluded by the office) has
  a total but no rank; it is never silently first or last.
- Ordinal ranks break ties by the order units are given in (the caller passes a stable order).
"""
from __future__ import annotations

import statistics
from bisect import bisect_right
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from itertools import repeat
from operator import add, getitem

from .scheme import DeductionRule, LinearRule, PassFailRule, RatioRule, RubricRule, SchemeDef, item_points

ZERO = Decimal(0)
HUNDRED = Decimal(100)
ROUNDING = {"half_up": ROUND_HALF_UP, "gbt8170": ROUND_HALF_EVEN}


def publish_round(value: Decimal, places: int, rule: str = "half_up") -> Decimal:
    """Round once, at publication precision, by the scheme's rule."""
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUNDING[rule])


# ---- ranking -------------------------------------------------------------------------------------------

def rank_values(values: list[Decimal], *, method: str = "competition", order: str = "desc") -> list[Decimal]:
    """Ranks for `values` (same order as given). competition 1224, modified 1334, dense 1223, ordinal 1234
    (ties broken by input order), fractional 1 2.5 2.5 4."""
    n = len(values)
    if n == 0:
        return []
    reverse = order == "desc"
    if method == "competition":     # the usual method, without the loop below (perf: the same ranks)
        return [Decimal(r) for r in competition_ranks(values, order)]
    # Stable sort keeps input order among equals, which is the ordinal tie-break.
    idx = sorted(range(n), key=lambda i: values[i], reverse=reverse)
    ranks: list[Decimal] = [ZERO] * n
    pos = 0
    dense = 0
    while pos < n:
        end = pos
        while end + 1 < n and values[idx[end + 1]] == values[idx[pos]]:
            end += 1
        dense += 1
        for j in range(pos, end + 1):
            if method == "competition":
                r = Decimal(pos + 1)
            elif method == "modified":
                r = Decimal(end + 1)
            elif method == "dense":
                r = Decimal(dense)
            elif method == "ordinal":
                r = Decimal(j + 1)
            elif method == "fractional":
                r = Decimal(pos + 1 + end + 1) / 2
            else:
                raise ValueError(method)
            ranks[idx[j]] = r
        pos = end + 1
    return ranks


def competition_ranks(values: list[Decimal], order: str = "desc") -> list[int]:
    """Competition ranks (1224) as ints: 1 + the number of values strictly better, found in one pass over the
    values sorted (equal values are adjacent, and take the rank of the first of them)."""
    ranks = [0] * len(values)
    rank, last = 0, None
    for pos, i in enumerate(sorted(range(len(values)), key=values.__getitem__, reverse=order == "desc")):
        value = values[i]
        if pos == 0 or value != last:
            rank, last = pos + 1, value
        ranks[i] = rank
    return ranks


def in_bottom(*, rank: int, ranks: list[int], k: int, definition: str = "rank") -> bool:
    """Is a unit with competition `rank` among `ranks` (its whole peer group) in the bottom k?
    "rank": rank ≥ n − k + 1.  "strict": fewer than k units rank strictly worse (boundary ties all in)."""
    n = len(ranks)
    if definition == "rank":
        return rank >= n - k + 1
    # Count the strictly worse units, stopping at k: in a group of 1,000 a unit outside the bottom is
    # known after a few steps (perf, bench/assessment.py; same answer as counting them all).
    worse = 0
    for r in ranks:
        if r > rank:
            worse += 1
            if worse >= k:
                return False
    return worse < k


def in_top(*, rank: int, n: int) -> bool:
    return rank <= n


# ---- leaves ----------------------------------------------------------------------------------------------

def aggregate_raters(values: list[Decimal], method: str = "mean", trim_above: int = 5) -> Decimal:
    """Several evaluators' values for one leaf → one value."""
    if len(values) == 1:
        return values[0]
    if method == "median":
        return Decimal(statistics.median(values))
    if method == "trimmed_mean" and len(values) > trim_above:
        values = sorted(values)[1:-1]
    return sum(values, ZERO) / len(values)


def _clamp(value: Decimal, low: Decimal, high: Decimal) -> Decimal:
    return low if value < low else high if value > high else value


def leaf_points(rule, points: Decimal, value: Decimal) -> Decimal:
    """Points of a leaf from its (aggregated) input value, for every rule except rank and measured."""
    if rule is None or rule.type == "direct":
        return _clamp(value, ZERO, points)
    if isinstance(rule, PassFailRule):
        return points if value >= 1 else ZERO
    if isinstance(rule, DeductionRule):
        return max(rule.floor, points - rule.per * value)
    if isinstance(rule, RatioRule):
        if rule.lower_better:
            ratio = rule.target / value if value > 0 else rule.cap
        else:
            ratio = value / rule.target
        return points * _clamp(ratio, ZERO, rule.cap)
    if isinstance(rule, LinearRule):
        d = 60 + 40 * (value - rule.allowed) / (rule.satisfactory - rule.allowed)
        return points * _clamp(d, rule.clamp_low, rule.clamp_high) / HUNDRED
    if isinstance(rule, RubricRule):
        # The stored value is the chosen level's points (the importer and the form map names to points).
        return _clamp(value, ZERO, points)
    raise ValueError(f"rule {rule.type} needs the peer group")


def leaf_scorer(rule, points: Decimal):
    """`leaf_points` for one leaf as a function of the value alone: the same arithmetic, with the rule's
    type decided once per round instead of once per unit (3,000 units × 140 leaves; perf)."""
    if rule is None or rule.type in ("direct", "rubric"):
        return lambda value: ZERO if value < ZERO else points if value > points else value
    if rule.type == "pass_fail":
        return lambda value: points if value >= 1 else ZERO
    if rule.type == "deduction":
        floor, per = rule.floor, rule.per
        return lambda value: max(floor, points - per * value)
    if rule.type == "ratio":
        target, cap = rule.target, rule.cap
        if rule.lower_better:
            return lambda value: points * _clamp(target / value if value > 0 else cap, ZERO, cap)
        return lambda value: points * _clamp(value / target, ZERO, cap)
    if rule.type == "linear":
        allowed, span, low, high = rule.allowed, rule.satisfactory - rule.allowed, rule.clamp_low, rule.clamp_high
        return lambda value: points * _clamp(60 + 40 * (value - allowed) / span, low, high) / HUNDRED
    return lambda value: leaf_points(rule, points, value)


def rank_points(points: Decimal, rank: int, step: Decimal) -> Decimal:
    return points * max(ZERO, 1 - step * (rank - 1))


def _n(value: Decimal) -> str:
    """A number as people write it: 5, 0.5, 12.25 (no trailing zeros, no exponent)."""
    text = format(Decimal(value).normalize(), "f")
    return text


def rule_text(rule, points: Decimal, gettext=None) -> str:
    """How a leaf is scored, in the words on the score card (in the active language). `gettext`: a translator
    to use instead of Django's (the score card passes one that translates each text once per request). The rule
    is told by its `type` tag (one per class): isinstance on pydantic models is slow, and a card asks 140 times."""
    if gettext is None:
        from django.utils.translation import gettext
    _ = gettext

    p = _n(points)
    kind = "direct" if rule is None else rule.type
    if kind == "direct":
        return _("按实际情况评分，最高 %(points)s 分") % {"points": p}
    if kind == "pass_fail":
        return _("达标得 %(points)s 分，不达标不得分") % {"points": p}
    if kind == "deduction":
        return _("每发现一处扣 %(per)s 分，扣完为止") % {"per": _n(rule.per)}
    if kind == "ratio":
        template = (_("%(points)s 分 ×（目标值/实际值），目标值 %(target)s，比值封顶 %(cap)s") if rule.lower_better
                    else _("%(points)s 分 ×（实际值/目标值），目标值 %(target)s，比值封顶 %(cap)s"))
        return template % {"points": p, "target": _n(rule.target), "cap": _n(rule.cap)}
    if kind == "linear":
        return _("功效系数：60 + 40 ×（实际值 − %(allowed)s）/（%(satisfactory)s − %(allowed)s），"
                 "限定在 %(low)s–%(high)s，折合 %(points)s 分") % {
            "allowed": _n(rule.allowed), "satisfactory": _n(rule.satisfactory), "low": _n(rule.clamp_low),
            "high": _n(rule.clamp_high), "points": p}
    if kind == "rank":
        return _("按组内排名计分：第1名 %(points)s 分，每后退一名少 %(step)s%%") % {"points": p, "step": _n(rule.step * 100)}
    if kind == "rubric":
        levels = _("、").join(_("%(name)s %(points)s 分") % {"name": lv.name, "points": _n(lv.points)} for lv in rule.levels)
        return _("等级评定：%(levels)s") % {"levels": levels}
    if kind == "measured":
        return _("实测值")
    return ""


# ---- compiled scheme ---------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Leaf:
    index: int
    code: str
    name: str
    points: Decimal
    rule: object
    missing: str
    top: int            # index of its top-level item


@dataclass
class Compiled:
    scheme: SchemeDef
    leaves: list[Leaf]
    top_codes: list[str]
    top_points: list[Decimal]
    top_weights: list[Decimal]
    deductions: dict[str, object]
    bonus_kinds: dict[str, object]


def compile_scheme(scheme: SchemeDef) -> Compiled:
    leaves: list[Leaf] = []

    def walk(item, top: int):
        if not item.children:
            leaves.append(Leaf(len(leaves), item.code, item.name, item.points or ZERO, item.rule,
                               item.missing or scheme.missing, top))
        for child in item.children:
            walk(child, top)

    for t, item in enumerate(scheme.items):
        walk(item, t)
    return Compiled(
        scheme=scheme,
        leaves=leaves,
        top_codes=[i.code for i in scheme.items],
        top_points=[item_points(i) for i in scheme.items],
        top_weights=[i.weight or ZERO for i in scheme.items],
        deductions={d.code: d for d in scheme.deductions},
        bonus_kinds={k.code: k for k in (scheme.bonuses.kinds if scheme.bonuses else [])},
    )


# ---- a round ----------------------------------------------------------------------------------------------

@dataclass
class UnitInput:
    unit_id: int
    group: str = ""
    values: dict[int, Decimal] = field(default_factory=dict)       # leaf index → aggregated value
    deductions: dict[str, Decimal] = field(default_factory=dict)   # deduction code → occurrences
    bonuses: list[tuple[str, str, str]] = field(default_factory=list)   # (kind code, level, award key)
    excluded: str = ""          # why the office excluded the unit from ranking ("" = ranked)
    # Instead of `values`: one value per leaf, in leaf order, as the database wrote it (text); the caller
    # of compute_points_round passes `convert` to turn such a value into a Decimal. See _stored_maps.
    stored: list[str] | None = None
    # Instead of `stored`: what `stored_scorer` made of them — per leaf in leaf order its points, or for a rank
    # leaf its value (the peer group's ranking gives its points)
    scored: list[Decimal] | None = None


@dataclass
class UnitResult:
    unit_id: int
    group: str
    leaf_points: Mapping[int, Decimal]
    subtotals: list[Decimal]
    earned: Decimal
    available: Decimal
    bonus: Decimal
    deduction: Decimal
    total_raw: Decimal
    total: Decimal
    rate: Decimal | None
    grade: str = ""
    stars: int | None = None
    vetoed: bool = False
    excluded: str = ""
    rank: Decimal | None = None
    group_size: int = 0
    top: bool = False
    bottom: bool = False
    movement: int | None = None
    figures: dict = field(default_factory=dict)
    # points of the rank-rule leaves the unit has a value for (leaf index → points): what depends on the peer
    # group, stored with the result so one unit's card need not rank the group again (ADR 0022)
    peer_points: dict[int, Decimal] = field(default_factory=dict)


def bonus_total(compiled: Compiled, awards: list[tuple[str, str, str]]) -> tuple[Decimal, list[dict]]:
    """加分: an award (same key) counts once at its highest level; per-kind caps, then the overall cap.
    Returns the total and the lines as counted (for the score card)."""
    scheme = compiled.scheme
    if not scheme.bonuses or not awards:
        return ZERO, []
    best: dict[tuple[str, str], tuple[Decimal, str]] = {}
    for kind_code, level, key in awards:
        kind = compiled.bonus_kinds.get(kind_code)
        if kind is None:
            continue
        pts = kind.points.get(level, ZERO)
        k = (kind_code, key or f"{kind_code}:{level}:{len(best)}")
        if k not in best or best[k][0] < pts:
            best[k] = (pts, level)
    per_kind: dict[str, Decimal] = {}
    lines = []
    for (kind_code, key), (pts, level) in best.items():
        per_kind[kind_code] = per_kind.get(kind_code, ZERO) + pts
        lines.append({"kind": kind_code, "level": level, "key": key, "points": pts})
    total = ZERO
    for kind_code, pts in per_kind.items():
        cap = compiled.bonus_kinds[kind_code].cap
        total += min(pts, cap) if cap is not None else pts
    if scheme.bonuses.cap is not None:
        total = min(total, scheme.bonuses.cap)
    return total, lines


def deduction_total(compiled: Compiled, counts: dict[str, Decimal]) -> tuple[Decimal, bool]:
    total = ZERO
    veto = False
    for code, count in counts.items():
        item = compiled.deductions.get(code)
        if item is None or count <= 0:
            continue
        amount = item.points * count
        if item.cap is not None:
            amount = min(amount, item.cap)
        total += amount
        veto = veto or item.veto
    return total, veto


def grade_of(scheme: SchemeDef, total: Decimal, vetoed: bool = False):
    if not scheme.grades:
        return "", None
    if vetoed:
        g = scheme.grades[-1]
        return g.name, g.stars
    for g in scheme.grades:
        if total >= g.min:
            return g.name, g.stars
    g = scheme.grades[-1]
    return g.name, g.stars


class LeafPoints(Mapping):
    """A unit's leaf points when every leaf has one: leaf index → points, over the list of points in leaf
    order (perf: no dict of 140 entries built for each of 3,000 units)."""

    __slots__ = ("_points",)

    def __init__(self, points: list[Decimal]):
        self._points = points

    def __getitem__(self, index):
        if type(index) is not int or not 0 <= index < len(self._points):
            raise KeyError(index)
        return self._points[index]

    def __iter__(self):
        return iter(range(len(self._points)))

    def __len__(self):
        return len(self._points)

    def __repr__(self):
        return repr(dict(self))


class ColumnPoints(Mapping):
    """A unit's leaf points read from the round's columns (one list of points per leaf, in leaf order, one entry
    per unit): leaf index → `columns[index][at]`. The same mapping as LeafPoints, without a list of 140 points
    built for each of 3,000 units (perf, bench/assessment.py)."""

    __slots__ = ("_columns", "_at")

    def __init__(self, columns: list[Sequence[Decimal]], at: int):
        self._columns, self._at = columns, at

    def __getitem__(self, index):
        if type(index) is not int or not 0 <= index < len(self._columns):
            raise KeyError(index)
        return self._columns[index][self._at]

    def __iter__(self):
        return iter(range(len(self._columns)))

    def __len__(self):
        return len(self._columns)

    def __repr__(self):
        return repr(dict(self))


def _column_sums(columns: list[Sequence[Decimal]], n: int) -> list[Decimal]:
    """Per unit (n of them), its values in these columns added left to right from ZERO — `sum(row, ZERO)` of
    each unit's row — column by column in C: the same additions in the same order (perf)."""
    total: list[Decimal] = [ZERO] * n
    for column in columns:
        total = list(map(add, total, column))
    return total


class _Scored(dict):
    """Stored text → points of one leaf rule with its points, each scored the first time it is looked up (and
    converted once for all leaves), so that a leaf's column of stored values turns into its column of points by
    one dict lookup per unit, in C (perf, bench/assessment.py). Leaves with the same rule and points share one."""

    __slots__ = ("score", "convert", "converted")

    def __init__(self, score, convert, converted: dict[str, Decimal]):
        super().__init__()
        self.score, self.convert, self.converted = score, convert, converted

    def __missing__(self, text: str) -> Decimal:
        value = self.converted.get(text)
        if value is None:
            value = self.converted[text] = self.convert(text)
        points = self[text] = self.score(value)
        return points


def _stored_maps(plan, convert) -> list[_Scored]:
    """Per leaf, in leaf order: its stored text → points (see _Scored); for a rank leaf, stored text → value
    (its points come from the peer group). The scorer is a function of the rule and the points alone
    (leaf_scorer), so leaves with equal ones share a map."""
    converted: dict[str, Decimal] = {}
    shared: dict[tuple[str, str], _Scored] = {}
    values = _Scored(lambda value: value, convert, converted)
    maps = []
    for leaf, _index, _top, points, is_rank, score in plan:
        if is_rank:
            maps.append(values)
            continue
        key = (repr(leaf.rule), repr(points))
        if key not in shared:
            shared[key] = _Scored(score, convert, converted)
        maps.append(shared[key])
    return maps


def _leaf_plan(compiled: Compiled) -> list[tuple]:
    """Per leaf, once: (leaf, index, top item, points, is a rank leaf, its scorer) — perf, see leaf_scorer."""
    return [(leaf, leaf.index, leaf.top, leaf.points, leaf.rule is not None and leaf.rule.type == "rank",
             leaf_scorer(leaf.rule, leaf.points)) for leaf in compiled.leaves]


def _leaf_runs(leaves: list[Leaf]) -> tuple[list[tuple[int, int, int]], bool]:
    """The leaves' runs of one top item each, as (top item, first position, end position), and whether each top
    item has one run (leaves in pre-order, as compile_scheme lays them out): then a unit's subtotal is the sum
    over its item's run, and a unit with a value for every leaf can take the column path."""
    runs: list[tuple[int, int, int]] = []
    for pos, leaf in enumerate(leaves):
        if runs and runs[-1][0] == leaf.top:
            runs[-1] = (leaf.top, runs[-1][1], pos + 1)
        else:
            runs.append((leaf.top, pos, pos + 1))
    return runs, len({top for top, _a, _b in runs}) == len(runs)


def stored_scorer(compiled: Compiled, convert) -> Callable[[Sequence[str]], list[Decimal]] | None:
    """A function from one unit's stored texts (one per leaf, in leaf order) to its `UnitInput.scored` row: one
    dict lookup per leaf (see _stored_maps; every row scored by one function shares its memo). The services call
    it on each unit's row as the database returns it, while the strings are fresh in the CPU's cache (perf,
    bench/assessment.py). None when the scheme's leaves do not allow the column path (then give `stored`)."""
    if not _leaf_runs(compiled.leaves)[1]:
        return None
    maps = _stored_maps(_leaf_plan(compiled), convert)
    return lambda texts: list(map(getitem, maps, texts))


def compute_points_round(compiled: Compiled, units: list[UnitInput], *,
                         previous_ranks: dict[int, Decimal] | None = None,
                         only_unit: int | None = None, convert=None,
                         peer_points: Mapping[int, Decimal] | None = None) -> list[UnitResult]:
    """`only_unit`: compute that unit's card only (rank leaves still see the whole group; no ranking).
    `peer_points` (with `only_unit`): the unit's rank-leaf points as a whole-round computation gave them (leaf
    index → points, for each rank leaf the unit has a value for); `units` need not hold the rest of the group.
    `convert`: turns a stored value of a unit given with `stored` into a Decimal (see UnitInput)."""
    scheme = compiled.scheme
    leaves = compiled.leaves
    full = scheme.max_points()
    n_top = len(compiled.top_codes)
    results: list[UnitResult] = []

    weighted = scheme.aggregation == "weighted"
    quantum, rounding = Decimal(1).scaleb(-scheme.precision), ROUNDING[scheme.rounding]
    plan = _leaf_plan(compiled)
    rank_positions = [(pos, index) for pos, (_leaf, index, _t, _p, is_rank, _s) in enumerate(plan) if is_rank]
    index_list = [leaf.index for leaf in leaves]
    index_list_is_positions = index_list == list(range(len(leaves)))
    # A unit with a value for every leaf (the usual case) takes a faster path with the same arithmetic in
    # the same order (perf): points by one comprehension, each subtotal as the sum over its top item's run
    # of leaves (leaves are in pre-order, so a top item's leaves are consecutive), 应得分 per item as for
    # any complete unit. Used only when the leaves are laid out that way.
    runs, fast = _leaf_runs(leaves)
    # Units given by stored values (one text per leaf, in leaf order) or by their scored rows: the round's points
    # as columns, one per leaf (see stored_scorer). A rank leaf's column holds its values until the peer group's
    # ranking below replaces them with points.
    stored_units = [u for u in units if (u.scored is not None or u.stored is not None)
                    and (only_unit is None or u.unit_id == only_unit)]
    if not fast:    # not with leaves from compile_scheme (stored_scorer gives no rows then); as values, leaf by leaf
        for u in stored_units:
            u.values = {index: convert(text) for index, text in zip(index_list, u.stored)}
        stored_units = []
    columns: list[Sequence[Decimal]] = []
    if stored_units:
        score_row = stored_scorer(compiled, convert) if any(u.scored is None for u in stored_units) else None
        columns = list(zip(*(u.scored if u.scored is not None else score_row(u.stored) for u in stored_units)))
        for pos, index in rank_positions:
            for u, value in zip(stored_units, columns[pos]):
                u.values[index] = value
    # Rank-based leaves need the peer group's values first.
    # leaf index → unit id → points, for each rank leaf (per leaf, so that its column is one lookup per unit: perf)
    rank_leaf_points: dict[int, dict[int, Decimal]] = {index: {} for _pos, index in rank_positions}
    # the points of a rank under one (points, step), once for all leaves that share them (perf); keyed by the exact
    # texts, as 5 and 5.0 give products of different digits
    by_rank_of: dict[tuple[str, str], dict[int, Decimal]] = {}
    for leaf in leaves:
        if leaf.rule is None or leaf.rule.type != "rank":   # (not isinstance: slow on pydantic models, per leaf)
            continue
        if peer_points is not None and only_unit is not None:
            if leaf.index in peer_points:
                rank_leaf_points.setdefault(leaf.index, {})[only_unit] = peer_points[leaf.index]
            continue
        by_group: dict[str, list[tuple[int, Decimal]]] = {}
        for u in units:
            v = u.values.get(leaf.index)
            if v is not None:
                by_group.setdefault(u.group, []).append((u.unit_id, v))
        by_rank = by_rank_of.setdefault((repr(leaf.points), repr(leaf.rule.step)), {})
        leaf_points_by_unit = rank_leaf_points.setdefault(leaf.index, {})
        if only_unit is not None:
            # One card: the unit's competition rank is 1 + the members strictly better (no sort: perf).
            for members in by_group.values():
                own = next((v for unit_id, v in members if unit_id == only_unit), None)
                if own is not None:
                    better = (sum(1 for _, v in members if v > own) if leaf.rule.order == "desc"
                              else sum(1 for _, v in members if v < own))
                    leaf_points_by_unit[only_unit] = rank_points(leaf.points, better + 1, leaf.rule.step)
            continue
        for members in by_group.values():
            ranks = competition_ranks([v for _, v in members], leaf.rule.order)
            for (unit_id, _), r in zip(members, ranks):
                if only_unit is None or unit_id == only_unit:   # one card needs its own points only
                    p = by_rank.get(r)
                    if p is None:
                        p = by_rank[r] = rank_points(leaf.points, r, leaf.rule.step)
                    leaf_points_by_unit[unit_id] = p

    all_indices = {leaf.index for leaf in leaves}
    fast_scorers = [(index, (lambda value: None) if is_rank else score)
                    for _leaf, index, _top, _points, is_rank, score in plan]
    full_avail = [ZERO] * n_top
    for leaf in leaves:
        full_avail[leaf.top] += leaf.points
    full_available = sum(full_avail, ZERO)
    # Per rank leaf of the fast path: its position and its points by unit
    rank_columns = [(pos, index, rank_leaf_points[index]) for pos, index in rank_positions]
    # Units given by stored values, column by column (perf): the rank leaves' columns of points, each item's
    # subtotal (the sum over its run of leaves), 得分 (the sum of the subtotals) and the peer points — the same
    # additions in the same order as for one unit's list of points (`ps` below).
    ready: dict[int, tuple] = {}
    if stored_units:
        n = len(stored_units)
        uids = [u.unit_id for u in stored_units]
        for pos, index, by_unit in rank_columns:
            columns[pos] = list(map(by_unit.__getitem__, uids))
        sub_columns = [[ZERO] * n for _top in range(n_top)]
        for top, a, b in runs:
            sub_columns[top] = _column_sums(columns[a:b], n)
        rank_indices = [index for _pos, index, _by_unit in rank_columns]
        peers = map(zip, repeat(rank_indices), zip(*(columns[pos] for pos, _i, _b in rank_columns))) \
            if rank_columns else repeat((), n)
        points_of = map(ColumnPoints, repeat(columns), range(n)) if index_list_is_positions else (
            dict(zip(index_list, row)) for row in zip(*columns))
        ready = {id(u): (pts, list(sub), earned, dict(peer)) for u, pts, sub, earned, peer in zip(
            stored_units, points_of, zip(*sub_columns), _column_sums(sub_columns, n), peers)}
    # The grades as plain tuples, once (grade_of's rule, without reading the scheme's models per unit)
    grades = [(g.min, g.name, g.stars) for g in scheme.grades]
    no_bonuses = not scheme.bonuses
    for u in units:
        if only_unit is not None and u.unit_id != only_unit:
            continue
        values = u.values
        excluded = u.excluded
        given = ready.get(id(u))
        if given is not None:
            pts, sub, earned, peer = given
            avail_top = full_avail      # a stored unit has a value for every leaf
            plan_left = ()
        else:
            ps = None
            if fast and values.keys() >= all_indices and not any(v is None for v in values.values()):
                ps = [score(values[index]) for index, score in fast_scorers]
            peer = {}
            if ps is not None:
                uid = u.unit_id
                for pos, index, by_unit in rank_columns:
                    ps[pos] = peer[index] = by_unit[uid]
                pts = LeafPoints(ps) if index_list_is_positions else dict(zip(index_list, ps))
                sub = [ZERO] * n_top
                for top, a, b in runs:
                    sub[top] = sum(ps[a:b], ZERO)
                avail_top = full_avail      # not changed below: plan_left is empty
                plan_left = ()
            else:
                pts = {}
                sub = [ZERO] * n_top
                avail_top = [ZERO] * n_top
                plan_left = plan
        for leaf, index, top, points, is_rank, score in plan_left:
            v = values.get(index)
            if v is None:
                policy = leaf.missing
                if policy == "exclude":
                    continue
                if policy == "full":
                    p = points
                else:
                    p = ZERO
                    if policy == "exclude_unit" and not excluded:
                        excluded = f"缺少“{leaf.code} {leaf.name}”的数据"
            elif is_rank:
                p = peer[index] = rank_leaf_points[index][u.unit_id]
            else:
                p = score(v)
            pts[index] = p
            sub[top] += p
            avail_top[top] += points
        if given is None:
            earned = sum(sub, ZERO)
        available = full_available if avail_top is full_avail else sum(avail_top, ZERO)
        if weighted:
            wsum = sum((w for w, a in zip(compiled.top_weights, avail_top) if a > 0), ZERO)
            base = (sum((w * s / a for w, s, a in zip(compiled.top_weights, sub, avail_top) if a > 0), ZERO)
                    / wsum * HUNDRED) if wsum else ZERO
        elif scheme.renormalise and 0 < available < full:
            base = earned * full / available
        else:
            base = earned
        bonus = ZERO if no_bonuses or not u.bonuses else bonus_total(compiled, u.bonuses)[0]
        deduction, vetoed = deduction_total(compiled, u.deductions) if u.deductions else (ZERO, False)
        total_raw = base + bonus - deduction
        total = total_raw.quantize(quantum, rounding=rounding)             # publish_round, hoisted (perf)
        rate = (earned / available * HUNDRED).quantize(quantum, rounding=rounding) if available > 0 else None
        if not grades:
            grade, stars = "", None
        elif vetoed:
            grade, stars = grades[-1][1], grades[-1][2]
        else:   # grade_of, inlined (perf)
            grade, stars = next(((name, st) for low, name, st in grades if total >= low), grades[-1][1:])
        results.append(UnitResult(
            unit_id=u.unit_id, group=u.group, leaf_points=pts, subtotals=sub, earned=earned, available=available,
            bonus=bonus, deduction=deduction, total_raw=total_raw, total=total, rate=rate, grade=grade,
            stars=stars, vetoed=vetoed, excluded=excluded, peer_points=peer))
    if only_unit is not None:
        return results
    rank_results(results, method=scheme.rank_method, order=scheme.rank_order, top_bottom=scheme.top_bottom,
                 previous_ranks=previous_ranks)
    return results


def rank_results(results: list[UnitResult], *, method: str, order: str, top_bottom: int,
                 previous_ranks: dict[int, Decimal] | None = None, key=lambda r: r.total) -> None:
    """Rank ranked units within each peer group on the published value; flag 十佳/十差; movement."""
    by_group: dict[str, list[UnitResult]] = {}
    for r in results:
        if not r.excluded:
            by_group.setdefault(r.group, []).append(r)
    for members in by_group.values():
        values = [key(r) for r in members]
        comp = competition_ranks(values, order)
        ranks = ([Decimal(c) for c in comp] if method == "competition"
                 else rank_values(values, method=method, order=order))
        ascending = sorted(comp)    # the units ranked strictly worse than c: n − bisect_right(ascending, c)
        n = len(members)
        # 十佳/十差 only in a group larger than N; in a group of fewer than 2N units each list is cut to ⌊n/2⌋ so the
        # two never share a unit, and a unit that ties into both at the boundary is in neither (issue #12)
        k = min(top_bottom, n // 2)
        for r, rank, c in zip(members, ranks, comp):
            r.rank = rank
            r.group_size = n
            if top_bottom and n > top_bottom:
                r.top = in_top(rank=c, n=k)
                r.bottom = n - bisect_right(ascending, c) < k      # in_bottom(definition="strict"), by bisection
                if r.top and r.bottom:
                    r.top = r.bottom = False
            if previous_ranks and r.unit_id in previous_ranks:
                r.movement = int(previous_ranks[r.unit_id] - rank)


# ---- metric league tables -------------------------------------------------------------------------------------

def composite_index(league, values: dict[str, Decimal]) -> Decimal | None:
    """Σ w_i · C_i / S_i over the metrics that have a standard; None when one of them is missing."""
    total = ZERO
    for m in league.metrics:
        if m.standard is None:
            continue
        c = values.get(m.code)
        if c is None:
            return None
        total += m.weight * c / m.standard
    return total


def change_rate(current: Decimal, previous: Decimal | None, places: int) -> Decimal | None:
    """(I_t − I_{t−1}) / I_{t−1} × 100, in %; None without a usable previous value."""
    if previous is None or previous == 0:
        return None
    return publish_round((current - previous) / previous * HUNDRED, places, "half_up")


def borda_points(rank: int, n: int) -> Decimal:
    if n <= 1:
        return HUNDRED
    return Decimal(n - rank) / Decimal(n - 1) * HUNDRED


def compute_metric_round(scheme: SchemeDef, units: list[UnitInput], metric_codes: list[str], *,
                         previous_index: dict[int, Decimal] | None = None,
                         previous_ranks: dict[int, Decimal] | None = None,
                         previous_values: dict[int, dict[str, Decimal]] | None = None) -> list[UnitResult]:
    """大气-style league: `units[i].values` holds metric index → value (index into metric_codes)."""
    league = scheme.league
    results: list[UnitResult] = []
    for u in units:
        vals = {metric_codes[i]: v for i, v in u.values.items()}
        excluded = u.excluded
        missing = [m.name for m in league.metrics if m.code not in vals]
        if missing and not excluded:
            excluded = "缺少" + "、".join(missing) + "数据"
        raw_index = composite_index(league, vals)
        index = publish_round(raw_index, league.composite_precision, scheme.rounding) if raw_index is not None else None
        prev = (previous_index or {}).get(u.unit_id)
        change = change_rate(index, prev, league.change_precision) if index is not None else None
        # 同比 of the metrics marked `yoy`, like the index's: on published (rounded) values
        before = (previous_values or {}).get(u.unit_id, {})
        changes = {}
        for m in league.metrics:
            if m.yoy and m.code in vals and before.get(m.code) is not None:
                c = change_rate(publish_round(vals[m.code], m.precision, scheme.rounding),
                                publish_round(before[m.code], m.precision, scheme.rounding), league.change_precision)
                if c is not None:
                    changes[m.code] = str(c)
        figures = {"values": {k: str(v) for k, v in vals.items()}, "index": str(index) if index is not None else None,
                   "previous_index": str(prev) if prev is not None else None,
                   "change": str(change) if change is not None else None, "changes": changes}
        results.append(UnitResult(
            unit_id=u.unit_id, group=u.group, leaf_points={}, subtotals=[], earned=ZERO, available=ZERO,
            bonus=ZERO, deduction=ZERO, total_raw=ZERO, total=ZERO, rate=None, excluded=excluded, figures=figures))

    ranked = [r for r in results if not r.excluded]
    by_group: dict[str, list[UnitResult]] = {}
    for r in ranked:
        by_group.setdefault(r.group, []).append(r)
    for members in by_group.values():
        n = len(members)
        ranks: dict[str, list[int]] = {}
        for m in league.metrics:
            # ranked on the value as published (rounded to the metric's precision): two districts shown with the
            # same concentration tie, as the engine's rule for published values says (issue #12)
            ranks[m.code] = competition_ranks([publish_round(Decimal(r.figures["values"][m.code]), m.precision,
                                                             scheme.rounding) for r in members], m.order)
        index_ranks = competition_ranks([Decimal(r.figures["index"]) for r in members], "asc")
        with_change = [r for r in members if r.figures["change"] is not None]
        change_ranks = dict(zip((id(r) for r in with_change),
                                competition_ranks([Decimal(r.figures["change"]) for r in with_change], "asc")))
        for i, r in enumerate(members):
            r.figures["ranks"] = {code: ranks[code][i] for code in ranks}
            r.figures["index_rank"] = index_ranks[i]
            level = borda_points(index_ranks[i], n)
            if id(r) in change_ranks and len(change_ranks) == n:
                r.figures["change_rank"] = change_ranks[id(r)]
                improvement = borda_points(change_ranks[id(r)], n)
                combined = (league.level_share * level + league.improvement_share * improvement) / (
                    league.level_share + league.improvement_share)
            else:
                # First year (no comparable period for every unit): level only, as 清新 does.
                r.figures["change_rank"] = change_ranks.get(id(r))
                combined = level
            r.total_raw = combined
            r.total = publish_round(combined, scheme.precision, scheme.rounding)
            r.grade, r.stars = grade_of(scheme, r.total)
    rank_results(results, method=scheme.rank_method, order="desc", top_bottom=scheme.top_bottom,
                 previous_ranks=previous_ranks)
    return results


# ---- consequence rules over history --------------------------------------------------------------------------

@dataclass(frozen=True)
class RoundStanding:
    """One unit in one round, as the rules see it. `ranked` False: not in the round, or excluded."""
    round_id: int
    ranked: bool
    group: str = ""
    rank: int | None = None
    group_ranks: tuple[int, ...] = ()
    total: Decimal | None = None
    grade: str = ""


def condition_holds(when, s: RoundStanding) -> bool:
    # Dispatch on the condition's `type` tag (one per class): isinstance on pydantic models is slow, and
    # this runs for every unit × rule × round of history (perf).
    kind = getattr(when, "type", None)
    if kind == "rank_bottom":
        return in_bottom(rank=s.rank, ranks=s.group_ranks, k=when.k, definition=when.bottom)
    if kind == "rank_top":
        return s.rank <= when.n
    if kind == "score_below":
        return s.total is not None and s.total < when.value
    if kind == "grade_in":
        return s.grade in when.grades
    raise ValueError(when)


def rule_fires(rule, history: list[RoundStanding], *, restart_after: int | None = None) -> bool:
    """Does `rule` fire at the last round of `history` (oldest first)? Counting starts after the round
    `restart_after` (the round where it last fired for this unit), so one run fires once."""
    if not history or not history[-1].ranked:
        return False
    if rule.group and history[-1].group != rule.group:
        return False
    start = 0
    if restart_after is not None:
        for i, s in enumerate(history):
            if s.round_id == restart_after:
                start = i + 1
    run = 0
    for s in history[start:]:
        if not s.ranked or (rule.group and s.group != rule.group):
            if rule.excluded == "breaks":
                run = 0
            continue
        run = run + 1 if condition_holds(rule.when, s) else 0
    return run >= rule.consecutive
