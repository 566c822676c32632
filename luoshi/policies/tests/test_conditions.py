"""The condition language and amount rules as a table of cases: parsing, refusals with the line named,
evaluation with missing attributes, boundaries, units (万元/亿元) and percentages."""
import datetime as dt
from decimal import Decimal

import pytest

from luoshi.policies.attributes import ATTRIBUTES, attribute_parse, money_parse, money_show
from luoshi.policies.conditions import (FAIL, MISSING, NEARLY, NEEDS_REVIEW, NO_MATCH, PASS, QUALIFIES, REVIEW,
                                        RulesError, amount_parse, rules_parse)

P = {"注册地": "城阳区", "行业": "高端装备", "企业规模": "小型", "上年营业收入": Decimal("20000000"),
     "研发投入占比": Decimal("3"), "资质": frozenset({"专精特新"}), "失信": False, "成立日期": dt.date(2023, 1, 1),
     "从业人数": Decimal("50"), "研发投入": Decimal("1500000")}

CASES = [  # (condition, profile changes, expected status)
    ("上年营业收入 >= 2000万元", {}, PASS),                         # boundary: equal passes
    ("上年营业收入 > 2000万元", {}, FAIL),
    ("上年营业收入 >= 0.2亿元", {}, PASS),                          # 亿元 = 10^8
    ("上年营业收入 >= 20000000元", {}, PASS),
    ("上年营业收入 >= 2000.01万元", {}, FAIL),
    ("上年营业收入 ≥ 2000万元", {"上年营业收入": None}, MISSING),      # a missing attribute is not a failure of the value
    ("研发投入占比 >= 3%", {}, PASS),
    ("研发投入占比 >= 3.01%", {}, FAIL),
    ("研发投入占比 < 3%", {}, FAIL),
    ("注册地 = 城阳区", {}, PASS),
    ("注册地 ≠ 城阳区", {}, FAIL),
    ("行业 在 高端装备、新材料", {}, PASS),
    ("行业 不在 高端装备、新材料", {}, FAIL),
    ("行业 in [新材料, 生物医药]", {}, FAIL),
    ("企业规模 在 中型、小型、微型", {}, PASS),
    ("资质 包含 专精特新", {}, PASS),
    ("资质 不包含 专精特新", {}, FAIL),
    ("资质 包含 高新技术企业", {}, FAIL),
    ("资质 包含 高新技术企业 或 资质 包含 专精特新", {}, PASS),
    ("资质 包含 高新技术企业 或 上年营业收入 >= 1亿元", {"资质": None}, MISSING),
    ("失信 = 否", {}, PASS),
    ("失信 = 否", {"失信": True}, FAIL),
    ("成立日期 >= 2023-01-01", {}, PASS),
    ("成立日期 > 2023-01-01", {}, FAIL),
    ("从业人数 <= 50人", {}, PASS),
    ("从业人数 < 50", {}, FAIL),
    ("审核：近三年审计报告", {}, REVIEW),
]


@pytest.mark.parametrize("line,changes,status", CASES)
def test_condition_table(line, changes, status):
    profile = {k: v for k, v in {**P, **changes}.items() if v is not None}
    _verdict, outcomes = rules_parse(line).evaluate(profile)
    assert [o.status for o in outcomes] == [status]


REFUSALS = [  # (text, the words the message must contain)
    ("营收 >= 2000万元", "不认识的字段“营收”"),
    ("上年营业收入 >= 2000", "不是金额"),                             # a bare number is never read as 元
    ("研发投入占比 >= 3", "是百分比"),
    ("资质 = 专精特新", "请用“包含”"),
    ("注册地 >= 城阳区", "不能比较大小"),
    ("行业 在 火箭", "不是“行业”的可选值"),
    ("企业规模 特大", "缺少比较符号"),
    ("失信 = 也许", "只能是“是”或“否”"),
    ("成立日期 >= 2023-13-01", "不是日期"),
    ("审核：", "要写需要审核的材料"),
    ("上年营业收入 >=", "缺少比较的值"),
]


@pytest.mark.parametrize("text,words", REFUSALS)
def test_refusals_name_the_line(text, words):
    with pytest.raises(RulesError) as e:
        rules_parse("注册地 = 城阳区\n\n" + text)
    assert e.value.problems[0].line == 3
    assert words in str(e.value) and "第3行" in str(e.value)


def test_every_problem_is_reported_together():
    with pytest.raises(RulesError) as e:
        rules_parse("营收 >= 1万元\n注册地 = 城阳区\n研发投入占比 >= 3", "比例 研发投入 10")
    assert [p.line for p in e.value.problems] == [1, 3, 1]
    assert "金额规则" in str(e.value.problems[2])


VERDICTS = [
    ({}, QUALIFIES),
    ({"研发投入占比": Decimal("2.9")}, NEARLY),
    ({"研发投入占比": None}, NEARLY),
    ({"研发投入占比": Decimal("1"), "失信": True}, NO_MATCH),
]


@pytest.mark.parametrize("changes,verdict", VERDICTS)
def test_verdicts_and_the_deciding_condition(changes, verdict):
    rules = rules_parse("注册地 = 城阳区\n研发投入占比 >= 3%\n失信 = 否")
    profile = {k: v for k, v in {**P, **changes}.items() if v is not None}
    got, outcomes = rules.evaluate(profile)
    assert got == verdict == rules.quick(profile)
    if verdict == NEARLY:
        missing = [o for o in outcomes if o.status in (FAIL, MISSING)]
        assert [o.condition.source for o in missing] == ["研发投入占比 >= 3%"]
        if "研发投入占比" in profile:
            assert missing[0].actual == "研发投入占比：2.9%"


def test_review_conditions_are_never_decided():
    rules = rules_parse("注册地 = 城阳区\n审核：上年度审计报告")
    assert rules.evaluate(P)[0] == NEEDS_REVIEW == rules.quick(P)


AMOUNTS = [
    ("固定 50万元", {}, Decimal("500000")),
    ("比例 研发投入 10% 封顶 100万元", {}, Decimal("150000")),
    ("比例 研发投入 10% 封顶 10万元", {}, Decimal("100000")),
    ("比例 研发投入 12.5%", {"研发投入": Decimal("333.33")}, Decimal("41.67")),     # rounded half up to the fen
    ("每 从业人数 2000元 封顶 5万元", {}, Decimal("50000")),
    ("每 从业人数 500元", {}, Decimal("25000")),
    ("分档 上年营业收入：1000万元→5万元；2000万元→10万元；1亿元→50万元", {}, Decimal("100000")),  # boundary reaches the tier
    ("分档 上年营业收入：1000万元→5万元；2000万元→10万元", {"上年营业收入": Decimal("9999999")}, Decimal("0")),
    ("无", {}, None),
    ("比例 研发投入 10%", {"研发投入": None}, None),
]


@pytest.mark.parametrize("rule,changes,amount", AMOUNTS)
def test_amount_table(rule, changes, amount):
    profile = {k: v for k, v in {**P, **changes}.items() if v is not None}
    got = amount_parse(rule).compute(profile)
    assert got.value == amount
    assert got.why


def test_amount_explains_the_cap():
    got = amount_parse("比例 研发投入 10% 封顶 10万元").compute(P)
    assert got.why == "研发投入 150万元 × 10% = 15万元，封顶 10万元"


@pytest.mark.parametrize("rule,words", [
    ("奖励 50万元", "开头"), ("固定 50", "不是金额"), ("比例 注册地 10%", "不是金额或数量"),
    ("分档 上年营业收入：2000万元→10万元；1000万元→5万元", "从低到高"), ("分档 上年营业收入：2000万元", "缺少“→”"),
    ("比例 研发投入", "写成"),
])
def test_amount_refusals(rule, words):
    with pytest.raises(RulesError) as e:
        amount_parse(rule)
    assert words in str(e.value)


@pytest.mark.parametrize("text,value", [("2000万元", Decimal("20000000")), ("1.5亿", Decimal("150000000")),
                                        ("3,000元", Decimal("3000")), ("12万", Decimal("120000"))])
def test_money_units(text, value):
    assert money_parse(text) == value


def test_profile_values_parse_and_show():
    assert attribute_parse(ATTRIBUTES["研发投入占比"], "3.5") == Decimal("3.5")
    assert attribute_parse(ATTRIBUTES["上年营业收入"], 123456) == Decimal("123456")
    assert attribute_parse(ATTRIBUTES["资质"], "专精特新、高新技术企业") == frozenset({"专精特新", "高新技术企业"})
    assert attribute_parse(ATTRIBUTES["失信"], "否") is False
    with pytest.raises(ValueError, match="不是可选的值"):
        attribute_parse(ATTRIBUTES["资质"], "火箭企业")
    assert money_show(Decimal("150000000")) == "1.5亿元"
    assert money_show(Decimal("25000")) == "2.5万元"
    assert money_show(Decimal("999.5")) == "999.5元"


def test_match_all_bitsets_agree_with_quick_for_every_pair():
    """The city-wide run (bit sets per test) gives the same verdicts as Rules.quick pair by pair."""
    import random
    from types import SimpleNamespace

    from luoshi.policies.attributes import profile_load
    from luoshi.policies.demo import demo_clause_rows, demo_enterprise_profiles
    from luoshi.policies.matching import match_all, rules_of

    rows = demo_clause_rows()[:80]
    clauses = [SimpleNamespace(pk=i, version=1, rules=r["条件规则"], amount_rule=r["金额规则"]) for i, r in enumerate(rows)]
    clauses.append(SimpleNamespace(pk=999, version=1, rules="行业 在 高端装备 或 资质 包含 专精特新\n审核：材料", amount_rule=""))
    raw = demo_enterprise_profiles(300, seed=random.Random(4).randint(0, 100))
    profiles = [profile_load({k: v for k, v in _stored(p).items()}) for p in raw]
    expected = {"qualifies": 0, "review": 0, "nearly": 0, "no": 0}
    for c in clauses:
        for p in profiles:
            expected[rules_of(c).quick(p)] += 1
    assert match_all(clauses, profiles) == expected
    assert expected["qualifies"] and expected["nearly"] and expected["no"] and expected["review"]


def _stored(p: dict) -> dict:
    """A spreadsheet row as the import stores it."""
    from luoshi.policies.attributes import ATTRIBUTES, attribute_parse, value_dump

    return {k: value_dump(ATTRIBUTES[k], attribute_parse(ATTRIBUTES[k], v)) for k, v in p.items() if str(v) != ""}


def test_chengyang_vocabulary_has_8_themes_and_37_tags():
    from luoshi.policies.demo import _vocabulary

    spec = _vocabulary()
    assert len(spec.themes) == 8 and sum(len(t.tags) for t in spec.themes) == 37


def test_vocabulary_refuses_a_repeated_tag_at_its_line():
    from luoshi.core.specs import SpecError, parse_yaml
    from luoshi.policies.vocabulary import PolicyVocabulary

    text = "kind: policy_vocabulary\nname: 测试\nthemes:\n  - name: 科技创新\n    tags: [研发投入]\n  - name: 人才\n    tags: [研发投入]\n"
    with pytest.raises(SpecError) as e:
        parse_yaml(text, PolicyVocabulary, source="v.yaml")
    assert e.value.errors[0].row == 7 and "重复" in str(e.value.errors[0])
