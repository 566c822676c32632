"""Eligibility as data: a small condition language (never eval) and amount rules.

Conditions (享受条件的机器可读写法), one per line; every line must hold:

    注册地 = 城阳区
    行业 在 高端装备、新一代信息技术          (also: in, 不在 / not in)
    企业规模 在 中型、小型、微型
    上年营业收入 >= 2000万元                   (≥ ≤ > < = ≠ also written >= <= != ；金额写单位：元/万元/亿元)
    研发投入占比 >= 3%
    资质 包含 专精特新                          (also: has, 不包含 / lacks)
    失信 = 否
    成立日期 >= 2023-01-01
    资质 包含 高新技术企业 或 资质 包含 科技型中小企业   (either side may hold; also: or)
    审核：提供近三年审计报告                      (needs a document: marked for review, never decided)

Amount rules (兑现金额), one line:

    固定 50万元
    比例 研发投入 10% 封顶 100万元                (a percentage of an attribute, with an optional cap)
    每 新增从业人数 2000元 封顶 50万元            (per unit)
    分档 上年营业收入：1亿元→20万元；5亿元→50万元；10亿元→100万元   (the highest tier reached)
    无                                              (no money: a service, a title, a qualification)

`rules_parse(text)` returns a `Rules`, or raises RulesError whose problems name the line (and the part of the
line) in the active language. Evaluation is a handful of closures per clause, so 10,000 enterprises × 250
clauses is a few seconds of plain Python.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Callable

from django.utils.translation import gettext as _

from .attributes import (ATTRIBUTES, BOOL, CHOICE, DATE, MONEY, NUMBER, PERCENT, SET, TEXT, Attribute, NO, YES,
                         attribute_show, date_parse, money_parse, money_show, number_parse, percent_parse)

PASS, FAIL, MISSING, REVIEW = "pass", "fail", "missing", "review"
QUALIFIES, NEEDS_REVIEW, NEARLY, NO_MATCH = "qualifies", "review", "nearly", "no"
CENT = Decimal("0.01")

OPERATORS = [  # longest first, so ">=" is not read as ">"
    ("不包含", "lacks"), ("not in", "not_in"), ("不在", "not_in"), ("包含", "has"), ("lacks", "lacks"),
    ("has", "has"), (">=", ">="), ("≥", ">="), ("<=", "<="), ("≤", "<="), ("!=", "!="), ("≠", "!="), ("==", "="),
    (">", ">"), ("<", "<"), ("=", "="), (" in ", "in"), ("在", "in"),
]
OP_SHOW = {">=": "≥", "<=": "≤", ">": ">", "<": "<", "=": "=", "!=": "≠", "in": "在", "not_in": "不在",
           "has": "包含", "lacks": "不包含"}
ORDERED = {">=", "<=", ">", "<"}
_OR = re.compile(r"\s+(?:或|or)\s+")
_REVIEW = re.compile(r"^(?:审核|review)\s*[:：]\s*(.*)$", re.IGNORECASE)
_LIST = re.compile(r"\s*[、,，;；]\s*")


@dataclass(frozen=True)
class Problem:
    line: int
    message: str
    part: str = "rules"  # or "amount": which of the clause's two fields it is about

    def __str__(self) -> str:
        return _("第%(line)s行：%(message)s") % {"line": self.line, "message": self.message}


class RulesError(ValueError):
    def __init__(self, problems: list[Problem]):
        super().__init__("；".join(str(p) for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class Test:
    """One comparison `attr op value`; `check(profile)` → True / False / None (the attribute is missing)."""

    attr: Attribute
    op: str
    value: object
    check: Callable[[dict], bool | None]

    @property
    def text(self) -> str:
        if isinstance(self.value, (tuple, frozenset)):
            shown = "、".join(self.value)
        else:
            shown = attribute_show(self.attr, self.value) if self.attr.kind != SET else str(self.value)
        return f"{self.attr.key} {OP_SHOW[self.op]} {shown}"


@dataclass(frozen=True)
class Condition:
    """One line: alternatives (any may hold), or a review note when `review` is set."""

    line: int
    source: str
    tests: tuple[Test, ...] = ()
    review: str = ""


@dataclass(frozen=True)
class Outcome:
    condition: Condition
    status: str          # pass / fail / missing / review
    actual: str          # the value that decided it, as people read it ("" when missing)


@dataclass(frozen=True)
class Amount:
    value: Decimal | None   # None: no money, or the base is missing
    why: str


@dataclass
class AmountRule:
    kind: str = "none"      # none / fixed / percent / per_unit / tiers
    attr: Attribute | None = None
    amount: Decimal = Decimal(0)
    rate: Decimal = Decimal(0)
    cap: Decimal | None = None
    tiers: list[tuple[Decimal, Decimal]] = field(default_factory=list)
    source: str = ""

    def compute(self, profile: dict) -> Amount:
        if self.kind == "none":
            return Amount(None, _("不涉及资金"))
        if self.kind == "fixed":
            return Amount(self.amount, _("定额 %(amount)s") % {"amount": money_show(self.amount)})
        assert self.attr is not None
        base = profile.get(self.attr.key)
        if base is None:
            return Amount(None, _("缺少“%(attr)s”，无法计算金额") % {"attr": self.attr.key})
        base_text = attribute_show(self.attr, base)
        if self.kind == "percent":
            raw = (base * self.rate / 100).quantize(CENT, ROUND_HALF_UP)
            why = _("%(attr)s %(base)s × %(rate)s%% = %(raw)s") % {
                "attr": self.attr.key, "base": base_text, "rate": f"{self.rate.normalize():f}", "raw": money_show(raw)}
        elif self.kind == "per_unit":
            raw = (base * self.amount).quantize(CENT, ROUND_HALF_UP)
            why = _("%(attr)s %(base)s × 每%(unit)s %(each)s = %(raw)s") % {
                "attr": self.attr.key, "base": base_text, "unit": self.attr.unit or _("单位"),
                "each": money_show(self.amount), "raw": money_show(raw)}
        else:
            reached = [(t, a) for t, a in self.tiers if base >= t]
            if not reached:
                return Amount(Decimal(0), _("%(attr)s %(base)s 未达到最低档 %(low)s") % {
                    "attr": self.attr.key, "base": base_text, "low": attribute_show(self.attr, self.tiers[0][0])})
            threshold, raw = reached[-1]
            why = _("%(attr)s %(base)s 达到 %(tier)s 档，奖励 %(raw)s") % {
                "attr": self.attr.key, "base": base_text, "tier": attribute_show(self.attr, threshold),
                "raw": money_show(raw)}
        if self.cap is not None and raw > self.cap:
            return Amount(self.cap, why + _("，封顶 %(cap)s") % {"cap": money_show(self.cap)})
        return Amount(raw, why)


@dataclass
class Rules:
    conditions: list[Condition]
    amount: AmountRule

    @property
    def attributes(self) -> set[str]:
        return {t.attr.key for c in self.conditions for t in c.tests}

    def evaluate(self, profile: dict, shown: dict | None = None) -> tuple[str, list[Outcome]]:
        """The clause's verdict for one profile and every condition's outcome (the explanation). `shown`
        caches each attribute's display text across the clauses matched for one profile."""
        shown = {} if shown is None else shown
        outcomes = [_outcome(c, profile, shown) for c in self.conditions]
        return verdict([o.status for o in outcomes]), outcomes

    def quick(self, profile: dict) -> str:
        """The verdict only, stopping at the second failing condition (for matching many enterprises)."""
        misses = 0
        review = False
        for c in self.conditions:
            if c.review:
                review = True
                continue
            ok = False
            for t in c.tests:
                if t.check(profile):
                    ok = True
                    break
            if not ok:
                misses += 1
                if misses > 1:
                    return NO_MATCH
        if misses:
            return NEARLY
        return NEEDS_REVIEW if review else QUALIFIES


def verdict(statuses: list[str]) -> str:
    misses = sum(1 for s in statuses if s in (FAIL, MISSING))
    if misses > 1:
        return NO_MATCH
    if misses == 1:
        return NEARLY
    return NEEDS_REVIEW if REVIEW in statuses else QUALIFIES


def _shown(t: Test, profile: dict, cache: dict) -> str:
    text = cache.get(t.attr.key)
    if text is None:
        text = cache[t.attr.key] = f"{t.attr.key}：{attribute_show(t.attr, profile[t.attr.key])}"
    return text


def _outcome(c: Condition, profile: dict, cache: dict) -> Outcome:
    if c.review:
        return Outcome(c, REVIEW, "")
    missing = False
    shown = []
    for t in c.tests:
        got = t.check(profile)
        if got:
            return Outcome(c, PASS, _shown(t, profile, cache))
        if got is None:
            missing = True
        else:
            shown.append(_shown(t, profile, cache))
    # an attribute still unknown could decide it: say what is missing rather than "not met"
    return Outcome(c, MISSING if missing else FAIL, "；".join(dict.fromkeys(shown)))


# ---- parsing ----------------------------------------------------------------------------------------

def _value(attr: Attribute, op: str, text: str):
    text = text.strip()
    if not text:
        raise ValueError(_("缺少比较的值"))
    if op in ("in", "not_in"):
        if attr.kind not in (TEXT, CHOICE):
            raise ValueError(_("“%(attr)s”不能用“在/不在”，请用比较符号") % {"attr": attr.key})
        items = tuple(x for x in _LIST.split(text.strip("[]【】 ")) if x)
        for x in items:
            _choice(attr, x)
        return items
    if op in ("has", "lacks"):
        if attr.kind != SET:
            raise ValueError(_("“%(attr)s”不能用“包含”，“包含”只用于资质这样的多选字段") % {"attr": attr.key})
        return _choice(attr, text)
    if attr.kind == SET:
        raise ValueError(_("“%(attr)s”是多选字段，请用“包含”或“不包含”") % {"attr": attr.key})
    if op in ORDERED and attr.kind not in (MONEY, PERCENT, NUMBER, DATE):
        raise ValueError(_("“%(attr)s”不能比较大小，请用 =、≠、在、不在") % {"attr": attr.key})
    if attr.kind == MONEY:
        return money_parse(text)
    if attr.kind == PERCENT:
        if not text.endswith(("%", "％")):
            raise ValueError(_("“%(attr)s”是百分比，请写成如 3%%，不是“%(text)s”") % {"attr": attr.key, "text": text})
        return percent_parse(text)
    if attr.kind == NUMBER:
        return number_parse(text, attr.unit)
    if attr.kind == DATE:
        return date_parse(text)
    if attr.kind == BOOL:
        if text.lower() in YES:
            return True
        if text.lower() in NO:
            return False
        raise ValueError(_("“%(attr)s”只能是“是”或“否”") % {"attr": attr.key})
    return _choice(attr, text)


def _choice(attr: Attribute, text: str) -> str:
    if attr.choices and text not in attr.choices:
        raise ValueError(_("“%(text)s”不是“%(attr)s”的可选值（%(choices)s）") % {
            "text": text, "attr": attr.key, "choices": "、".join(attr.choices)})
    return text


def _checker(key: str, op: str, value) -> Callable[[dict], bool | None]:
    if op == ">=":
        return lambda p: None if (v := p.get(key)) is None else v >= value
    if op == "<=":
        return lambda p: None if (v := p.get(key)) is None else v <= value
    if op == ">":
        return lambda p: None if (v := p.get(key)) is None else v > value
    if op == "<":
        return lambda p: None if (v := p.get(key)) is None else v < value
    if op == "=":
        return lambda p: None if (v := p.get(key)) is None else v == value
    if op == "!=":
        return lambda p: None if (v := p.get(key)) is None else v != value
    if op == "in":
        allowed = frozenset(value)
        return lambda p: None if (v := p.get(key)) is None else v in allowed
    if op == "not_in":
        banned = frozenset(value)
        return lambda p: None if (v := p.get(key)) is None else v not in banned
    if op == "has":
        return lambda p: None if (v := p.get(key)) is None else value in v
    return lambda p: None if (v := p.get(key)) is None else value not in v


def _test(part: str) -> Test:
    for word, op in OPERATORS:
        at = part.find(word)
        if at > 0:
            name, rest = part[:at].strip(), part[at + len(word):]
            break
    else:
        raise ValueError(_("“%(part)s”缺少比较符号（如 >=、=、在、包含）") % {"part": part})
    attr = ATTRIBUTES.get(name)
    if attr is None:
        raise ValueError(_("不认识的字段“%(name)s”；可用的字段：%(names)s") % {"name": name, "names": "、".join(ATTRIBUTES)})
    value = _value(attr, op, rest)
    return Test(attr, op, value, _checker(attr.key, op, value))


def _amount(text: str) -> AmountRule:
    t = text.strip()
    if t in ("", "无", "none", "不涉及资金"):
        return AmountRule(source=t)
    head, _sep, rest = t.partition(" ")
    rest = rest.strip()
    rule = AmountRule(source=t)
    if head in ("固定", "fixed", "定额"):
        rule.kind, rule.amount = "fixed", money_parse(rest)
        return rule
    if head not in ("比例", "percent", "每", "per", "分档", "tiers"):
        raise ValueError(_("金额规则要以“固定”“比例”“每”“分档”或“无”开头，不是“%(head)s”") % {"head": head})
    if head in ("分档", "tiers"):
        name, _colon, tiers = rest.replace("：", ":").partition(":")
        rule.kind, rule.attr = "tiers", _attr(name)
        if not tiers:
            raise ValueError(_("分档规则写成：分档 字段：门槛→金额；门槛→金额"))
        for piece in (x for x in re.split(r"\s*[;；]\s*", tiers) if x):
            low, arrow, amount = piece.replace("->", "→").partition("→")
            if not arrow:
                raise ValueError(_("“%(piece)s”缺少“→”（门槛→金额）") % {"piece": piece})
            rule.tiers.append((_threshold(rule.attr, low), money_parse(amount)))
        if [t for t, _a in rule.tiers] != sorted({t for t, _a in rule.tiers}):
            raise ValueError(_("分档的门槛要从低到高写，且不能重复"))
        return rule
    words = rest.split()
    cap = None
    if len(words) >= 2 and words[-2] in ("封顶", "最高", "cap"):
        cap = money_parse(words[-1])
        words = words[:-2]
    if len(words) != 2:
        raise ValueError(_("写成：%(example)s") % {"example": "比例 研发投入 10% 封顶 100万元" if head in ("比例", "percent")
                                                 else "每 新增从业人数 2000元 封顶 50万元"})
    rule.attr, rule.cap = _attr(words[0]), cap
    if rule.attr.kind not in (MONEY, NUMBER):
        raise ValueError(_("“%(attr)s”不是金额或数量，不能用来计算金额") % {"attr": rule.attr.key})
    if head in ("比例", "percent"):
        rule.kind, rule.rate = "percent", percent_parse(words[1])
    else:
        rule.kind, rule.amount = "per_unit", money_parse(words[1])
    return rule


def _attr(name: str) -> Attribute:
    attr = ATTRIBUTES.get(name.strip())
    if attr is None:
        raise ValueError(_("不认识的字段“%(name)s”；可用的字段：%(names)s") % {"name": name, "names": "、".join(ATTRIBUTES)})
    return attr


def _threshold(attr: Attribute, text: str) -> Decimal:
    if attr.kind == MONEY:
        return money_parse(text)
    if attr.kind == PERCENT:
        return percent_parse(text)
    if attr.kind == NUMBER:
        return number_parse(text, attr.unit)
    raise ValueError(_("“%(attr)s”不是金额或数量，不能分档") % {"attr": attr.key})


def conditions_parse(text: str) -> list[Condition]:
    problems: list[Problem] = []
    out: list[Condition] = []
    for n, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip().lstrip("-•·").strip()
        if not line or line.startswith("#"):
            continue
        m = _REVIEW.match(line)
        if m:
            if not m.group(1).strip():
                problems.append(Problem(n, _("“审核：”后要写需要审核的材料")))
            out.append(Condition(n, line, review=m.group(1).strip()))
            continue
        tests = []
        for part in _OR.split(line):
            try:
                tests.append(_test(part.strip()))
            except ValueError as e:
                problems.append(Problem(n, str(e)))
        out.append(Condition(n, line, tuple(tests)))
    if problems:
        raise RulesError(problems)
    return out


def amount_parse(text: str) -> AmountRule:
    try:
        return _amount(text or "")
    except ValueError as e:
        raise RulesError([Problem(1, str(e))]) from None


def rules_parse(conditions: str, amount: str = "") -> Rules:
    """Both parts of a clause's rules; problems of both are reported together."""
    problems: list[Problem] = []
    parsed_conditions: list[Condition] = []
    rule = AmountRule()
    try:
        parsed_conditions = conditions_parse(conditions)
    except RulesError as e:
        problems += e.problems
    try:
        rule = amount_parse(amount)
    except RulesError as e:
        problems += [Problem(p.line, _("金额规则：%(message)s") % {"message": p.message}, "amount") for p in e.problems]
    if problems:
        raise RulesError(problems)
    return Rules(parsed_conditions, rule)

