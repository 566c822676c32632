"""Indicator schemes (指标体系) as validated data.

A scheme is YAML: a tree of items (项目 → 指标 → 标准, any depth) whose leaves carry points (应得分),
an evaluation method and a scoring rule; deduction items (减分项), tiered bonus points (加分项), grade
bands, peer groups, the rounding and tie rules, and consequence rules over rounds (后果规则).
`scheme_parse` validates a text and returns a `SchemeDef`, or raises SpecError (an ImportFailed) whose
problems name the line. Nothing here touches the database; the engine and the services read `SchemeDef`.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal, Union

from django.utils.translation import gettext as _
from pydantic import Field, PrivateAttr, field_validator, model_validator

from luoshi.core.specs import Spec, SpecFieldError, parse_yaml

METHODS = ("查阅档案", "实地核验", "随机访谈", "网络检索", "问卷调查", "第三方测评", "数据比对", "听取汇报")


Points = Annotated[Decimal, Field(ge=0, max_digits=9, decimal_places=4)]


# ---- leaf rules -------------------------------------------------------------------------------------

class DirectRule(Spec):
    """评分: the evaluator gives 0 … points (实地核验 with a note)."""
    type: Literal["direct"] = "direct"


class PassFailRule(Spec):
    """达标得满分，不达标不得分. Input 1 (达标) or 0."""
    type: Literal["pass_fail"]


class DeductionRule(Spec):
    """每发现一处扣 per 分，扣完为止. Input: the number of occurrences."""
    type: Literal["deduction"]
    per: Points
    floor: Decimal = Decimal(0)


class RatioRule(Spec):
    """Ratio to target: points × min(cap, actual/target) (lower_better: target/actual)."""
    type: Literal["ratio"]
    target: Annotated[Decimal, Field(gt=0)]
    cap: Decimal = Decimal(1)
    lower_better: bool = False


class LinearRule(Spec):
    """功效系数: d = 60 + 40·(x − x_s)/(x_h − x_s), clamped to [clamp_low, clamp_high], points × d/100."""
    type: Literal["linear"]
    satisfactory: Decimal      # x_h 满意值
    allowed: Decimal           # x_s 不允许值
    clamp_low: Decimal = Decimal(0)
    clamp_high: Decimal = Decimal(100)

    @model_validator(mode="after")
    def _distinct(self):
        if self.satisfactory == self.allowed:
            raise ValueError(_("满意值与不允许值不能相同"))
        if self.clamp_low > self.clamp_high:
            raise ValueError(_("clamp_low 不能大于 clamp_high"))
        return self


class RankRule(Spec):
    """争先进位: rank the measured value among the peer group; points × max(0, 1 − step·(rank − 1)).
    Tied units share the points of their (best) rank."""
    type: Literal["rank"]
    step: Decimal = Decimal("0.05")
    order: Literal["desc", "asc"] = "desc"


class RubricLevel(Spec):
    name: str = Field(min_length=1, max_length=20)
    points: Points


class RubricRule(Spec):
    """等级评定: the evaluator picks a level (优/良/中/差); the leaf gets that level's points."""
    type: Literal["rubric"]
    levels: list[RubricLevel] = Field(min_length=2)


class MeasuredRule(Spec):
    """A measured value (PM2.5 …) used by metric league tables; it is not points."""
    type: Literal["measured"]


Rule = Annotated[Union[DirectRule, PassFailRule, DeductionRule, RatioRule, LinearRule, RankRule, RubricRule,
                       MeasuredRule], Field(discriminator="type")]

MissingPolicy = Literal["zero", "full", "exclude", "exclude_unit"]


class Item(Spec):
    code: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.\-]+$")
    name: str = Field(min_length=1, max_length=300)
    points: Points | None = None
    weight: Decimal | None = None        # only for aggregation: weighted (top level)
    method: str = ""
    rule: Rule | None = None
    missing: MissingPolicy | None = None
    note: str = ""
    children: list["Item"] = []

    @model_validator(mode="after")
    def _shape(self):
        if self.children:
            if self.rule is not None:
                raise ValueError(_("“%(code)s”有下级指标，评分规则只能写在末级标准上") % {"code": self.code})
        else:
            if self.points is None and not isinstance(self.rule, MeasuredRule):
                raise ValueError(_("末级标准“%(code)s”须写明分值 points") % {"code": self.code})
            if self.method and self.method not in METHODS:
                raise ValueError(_("“%(code)s”的评价方法“%(method)s”不在 %(methods)s 之中")
                                 % {"code": self.code, "method": self.method, "methods": ", ".join(METHODS)})
            if isinstance(self.rule, RubricRule) and self.points is not None:
                top = max(level.points for level in self.rule.levels)
                if top > self.points:
                    raise ValueError(_("“%(code)s”的等级分值 %(top)s 超过应得分 %(points)s")
                                     % {"code": self.code, "top": top, "points": self.points})
        return self


class DeductionItem(Spec):
    """减分项: each occurrence deducts `points`; `cap` limits the total (none: 不封顶)."""
    code: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=300)
    points: Points
    cap: Points | None = None
    veto: bool = False   # 一票否决: the unit is put in the lowest grade whatever its score


class BonusKind(Spec):
    code: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=100)
    points: dict[str, Points]       # level → points
    cap: Points | None = None


class Bonuses(Spec):
    """加分项: recognition of a kind at a level. One award (the same `award` key) counts once, at its
    highest level; each kind may be capped, and the whole bonus too."""
    levels: list[str] = Field(min_length=1)
    kinds: list[BonusKind] = Field(min_length=1)
    cap: Points | None = None
    item: str = ""      # the item the bonus rewards (e.g. 贯彻执行), shown on the score card

    @model_validator(mode="after")
    def _levels_known(self):
        for kind in self.kinds:
            unknown = [lv for lv in kind.points if lv not in self.levels]
            if unknown:
                raise ValueError(_("加分类别“%(kind)s”的级别 %(levels)s 不在 levels 中")
                                 % {"kind": kind.name, "levels": ", ".join(unknown)})
        return self


class Grade(Spec):
    name: str = Field(min_length=1, max_length=20)
    min: Decimal
    stars: int | None = Field(None, ge=0, le=5)


class PeerGroup(Spec):
    code: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=50)
    unit_kinds: list[str] = []       # org UnitKind values (e.g. street, department) that fall in it


# ---- consequence rules ---------------------------------------------------------------------------------

class RankBottom(Spec):
    """In the bottom `k` of the peer group. `bottom`: "rank" — 1224 rank ≥ n − k + 1; "strict" — fewer
    than k units strictly worse (ties at the boundary all count)."""
    type: Literal["rank_bottom"]
    k: int = Field(ge=1)
    bottom: Literal["rank", "strict"] = "rank"


class RankTop(Spec):
    type: Literal["rank_top"]
    n: int = Field(ge=1)


class ScoreBelow(Spec):
    type: Literal["score_below"]
    value: Decimal


class GradeIn(Spec):
    type: Literal["grade_in"]
    grades: list[str] = Field(min_length=1)


Condition = Annotated[Union[RankBottom, RankTop, ScoreBelow, GradeIn], Field(discriminator="type")]


class ConsequenceRule(Spec):
    """When `when` holds in `consecutive` rounds running, propose an action. The n-th time a rule fires
    for a unit it proposes actions[n−1] (the last one repeats): 降级 → 摘牌. After firing, the count
    starts again. `excluded`: what a round where the unit was not ranked does to a run — "skips" (the
    round is passed over; the run goes on) or "breaks" (the run starts again)."""
    code: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=100)
    when: Condition
    consecutive: int = Field(1, ge=1, le=12)
    group: str = ""                     # a peer group code; empty: every group
    actions: list[str] = Field(min_length=1)
    excluded: Literal["skips", "breaks"] = "skips"
    payment: dict[str, Decimal] = {}    # grade → payment share (小型水库: 优良 1.0, 合格 0.9 …)
    feed: "Feed | None" = None


class Feed(Spec):
    """The round's score feeds another scheme's round as a bonus entry: weight × total (or fixed points
    by rank), e.g. monthly top 3 → +0.5 / +0.3 / +0.1 in the annual 综合考核."""
    scheme: str
    bonus_kind: str
    level: str
    weight: Decimal | None = None
    by_rank: list[Decimal] = []


ConsequenceRule.model_rebuild()


# ---- metric league tables ----------------------------------------------------------------------------

class Metric(Spec):
    code: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.\-]+$")
    name: str = Field(min_length=1, max_length=50)
    unit: str = ""
    standard: Annotated[Decimal, Field(gt=0)] | None = None   # S_i for the composite index
    weight: Decimal = Decimal(1)
    order: Literal["asc", "desc"] = "asc"                     # asc: lower is better (PM2.5)
    precision: int = Field(0, ge=0, le=4)
    yoy: bool = False   # 同比: the table and the public page show this metric's change on the compared round


class MetricLeague(Spec):
    """大气: each metric ranked, a composite index Σ w_i·C_i/S_i, its year-on-year change ranked, and a
    combined score = level share × level points + improvement share × improvement points, where points
    by rank are (n − r)/(n − 1) × 100. The change rate is computed on published (rounded) indices."""
    metrics: list[Metric] = Field(min_length=1)
    composite_name: str = "综合指数"
    composite_precision: int = Field(2, ge=0, le=4)
    change_precision: int = Field(1, ge=0, le=3)     # % places
    level_share: Decimal = Decimal(40)
    improvement_share: Decimal = Decimal(60)


# ---- the scheme ---------------------------------------------------------------------------------------

class SchemeDef(Spec):
    kind: Literal["scheme"]
    code: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=64)
    name: str = Field(min_length=1, max_length=200)
    region: str
    owner_unit: str
    description: str = ""
    example_note: str = ""       # where numbers are examples to adjust (the seed gave none)
    type: Literal["points", "metric"] = "points"
    full_marks: Points | None = None
    aggregation: Literal["sum", "weighted"] = "sum"
    renormalise: bool = False    # N/A leaves: scale the total back to full marks
    precision: int = Field(2, ge=0, le=4)
    rounding: Literal["half_up", "gbt8170"] = "half_up"
    rank_method: Literal["competition", "modified", "dense", "ordinal", "fractional"] = "competition"
    rank_order: Literal["desc", "asc"] = "desc"
    multi_rater: Literal["mean", "trimmed_mean", "median"] = "mean"
    trim_above: int = Field(5, ge=2)     # trimmed mean drops the highest and lowest when raters > this
    missing: MissingPolicy = "zero"
    appeal_days: int = Field(10, ge=0, le=60)
    top_bottom: int = Field(10, ge=0, le=50)    # 十佳 / 十差 size
    cadence: Literal["weekly", "monthly", "quarterly", "semiannual", "annual", "once"] = "monthly"
    peer_groups: list[PeerGroup] = []
    grades: list[Grade] = []
    items: list[Item] = []
    deductions: list[DeductionItem] = []
    bonuses: Bonuses | None = None
    rules: list[ConsequenceRule] = []
    league: MetricLeague | None = None
    _leaf_cache: dict | None = PrivateAttr(default=None)

    @field_validator("grades")
    @classmethod
    def _grades_desc(cls, v):
        mins = [g.min for g in v]
        if mins != sorted(mins, reverse=True) or len(set(mins)) != len(mins):
            raise ValueError(_("等次须按下限从高到低排列，且下限不能重复"))
        return v

    @model_validator(mode="after")
    def _consistent(self):
        if self.type == "metric":
            if self.league is None:
                raise ValueError(_("type: metric 的方案须写 league（指标、标准值与综合得分权重）"))
            return self
        if not self.items:
            raise ValueError(_("方案须至少有一个评价项目 items"))
        codes: set[str] = set()
        for loc, item in _walk_loc(self.items, ("items",)):
            if item.code in codes:
                raise SpecFieldError(loc + ("code",), _("指标编码“%(code)s”重复") % {"code": item.code})
            codes.add(item.code)
        for i, item in enumerate(self.items):
            _check_points(item, ("items", i))
        total = sum((_points(i) for i in self.items), Decimal(0))
        if self.full_marks is not None and self.aggregation == "sum" and total != self.full_marks:
            raise SpecFieldError(("full_marks",), _("各项目分值合计 %(total)s 与满分 %(full)s 不符")
                                 % {"total": total, "full": self.full_marks})
        unweighted = [i for i, item in enumerate(self.items) if item.weight is None]
        if self.aggregation == "weighted" and unweighted:
            raise SpecFieldError(("items", unweighted[0]), _("aggregation: weighted 时每个一级项目须写 weight"))
        group_codes = {g.code for g in self.peer_groups}
        grade_names = {g.name for g in self.grades}
        for n, rule in enumerate(self.rules):
            if rule.group and rule.group not in group_codes:
                raise SpecFieldError(("rules", n, "group"), _("后果规则“%(rule)s”的分组“%(group)s”未在 peer_groups 中定义")
                                     % {"rule": rule.code, "group": rule.group})
            if isinstance(rule.when, GradeIn):
                unknown = [g for g in rule.when.grades if g not in grade_names]
                if unknown:
                    raise SpecFieldError(("rules", n, "when"), _("后果规则“%(rule)s”的等次 %(grades)s 未在 grades 中定义")
                                         % {"rule": rule.code, "grades": ", ".join(unknown)})
            unknown = [g for g in rule.payment if g not in grade_names]
            if unknown:
                raise SpecFieldError(("rules", n, "payment"),
                                     _("后果规则“%(rule)s”的付款等次 %(grades)s 未在 grades 中定义")
                                     % {"rule": rule.code, "grades": ", ".join(unknown)})
        return self

    # Helpers the engine and the services use.
    def leaves(self) -> list[Item]:
        return [i for i in _walk(self.items) if not i.children]

    def leaf(self, code: str) -> Item | None:
        if self._leaf_cache is None:
            self._leaf_cache = {leaf.code: leaf for leaf in self.leaves()}
        return self._leaf_cache.get(code)

    def max_points(self) -> Decimal:
        return self.full_marks if self.full_marks is not None else sum((_points(i) for i in self.items), Decimal(0))


def _walk(items: list[Item]):
    for item in items:
        yield item
        yield from _walk(item.children)


def _walk_loc(items: list[Item], loc: tuple):
    """(key path, item) in pre-order, e.g. (("items", 0, "children", 1), item): for the error's line."""
    for i, item in enumerate(items):
        yield loc + (i,), item
        yield from _walk_loc(item.children, loc + (i, "children"))


def _points(item: Item) -> Decimal:
    if item.points is not None:
        return item.points
    return sum((_points(c) for c in item.children), Decimal(0))


def _check_points(item: Item, loc: tuple = ()) -> None:
    """Where a parent states its points, its children's points must add up to them."""
    if not item.children:
        return
    for i, child in enumerate(item.children):
        _check_points(child, loc + ("children", i))
    if item.points is not None:
        total = sum((_points(c) for c in item.children), Decimal(0))
        if total != item.points:
            raise SpecFieldError(loc + ("points",), _("“%(code)s %(name)s”分值 %(points)s，其下级合计 %(total)s，两者不符")
                                 % {"code": item.code, "name": item.name, "points": item.points, "total": total})


def item_points(item: Item) -> Decimal:
    return _points(item)


def scheme_parse(text: str, *, source: str = "") -> SchemeDef:
    """Validate a scheme's YAML. Errors name the line and the path of the key (e.g. items.0.children.2)."""
    return parse_yaml(text, SchemeDef, source=source)
