"""The definition file: the 调节金 table of the 农地入市 preset as a table of cases, its bounds, refusals of unknown
combinations, and located errors for a wrong definition. No database."""
from decimal import Decimal

import pytest

from luoshi.core.errors import ServiceError
from luoshi.core.specs import SpecError
from luoshi.procedures.calc import amounts_compute, table_lookup
from luoshi.procedures.spec import procedure_parse

from .conftest import preset_text

SPEC = procedure_parse(preset_text("pingdu-nongdi-rushi"), "pingdu-nongdi-rushi.yaml")
TABLE = SPEC.table("adjustment_rate")
COMPETITIVE = ("tender", "auction", "listing")
GRADES = ("city_first", "outer_first", "outer_second", "outer_third")
USES = ("industrial", "public", "commercial")

EXPECTED = {  # use: {grade: (招拍挂, 协议)}
    "industrial": {"city_first": ("0.12", "0.15"), "outer_first": ("0.10", "0.12"), "outer_second": ("0.08", "0.10"),
                   "outer_third": ("0.06", "0.08")},
    "public": {"city_first": ("0.24", "0.30"), "outer_first": ("0.20", "0.26"), "outer_second": ("0.17", "0.22"),
               "outer_third": ("0.14", "0.18")},
    "commercial": {"city_first": ("0.40", "0.50"), "outer_first": ("0.35", "0.45"), "outer_second": ("0.32", "0.38"),
                   "outer_third": ("0.27", "0.34")},
}
CASES = [(use, grade, method, EXPECTED[use][grade][0 if method in COMPETITIVE else 1])
         for use in USES for grade in GRADES for method in (*COMPETITIVE, "agreement")]


@pytest.mark.parametrize("use,grade,method,rate", CASES)
def test_each_use_grade_and_method_has_its_rate(use, grade, method, rate):
    assert table_lookup(TABLE, {"land_use": use, "grade": grade, "method": method}) == Decimal(rate)


def test_the_table_keeps_the_seed_bounds():
    rates = {Decimal(r) for *_k, r in CASES}
    assert len(CASES) == 48 and len(rates) == 21
    assert min(rates) == Decimal("0.06") and max(rates) == Decimal("0.50")
    for grade in GRADES:
        for m in (0, 1):  # 商服 > 经营性公共服务 > 工矿仓储
            assert EXPECTED["commercial"][grade][m] > EXPECTED["public"][grade][m] > EXPECTED["industrial"][grade][m]
    for use in USES:  # nearer the city, higher
        for m in (0, 1):
            values = [Decimal(EXPECTED[use][g][m]) for g in GRADES]
            assert values == sorted(values, reverse=True) and len(set(values)) == 4
    assert "示意" in preset_text("pingdu-nongdi-rushi")  # the preset says the cells are illustrative


def test_an_unknown_combination_is_refused_with_the_combination_named():
    with pytest.raises(ServiceError) as e:
        table_lookup(TABLE, {"land_use": "residential", "grade": "city_first", "method": "auction"})
    assert "residential×city_first×auction" in e.value.message and "调节金" in e.value.message


def test_amounts_in_decimal_rounded_once_half_up():
    fields = {"land_use": "commercial", "grade": "outer_first", "method": "auction", "price": "10.30",
              "land_cost": "1.00"}
    amounts = {a.code: a for a in amounts_compute(SPEC, fields)}
    # 10.30 × 0.35 = 3.605 → 3.61 half up (banker's rounding would give 3.60)
    assert amounts["rate"].value == Decimal("0.35")
    assert amounts["adjustment"].value == Decimal("3.61")
    assert amounts["collective"].value == Decimal("5.69")  # 10.30 − 3.61 − 1.00
    assert "10.30 × 35%" in amounts["adjustment"].trace and "四舍五入" in amounts["adjustment"].trace
    assert amounts["collective"].trace == "留归集体 = 成交价款（元） - 土地增值收益调节金 - 土地成本费用（元） = 10.30 - 3.61 - 1.00 = 5.69"


def test_amounts_of_a_large_price_stay_exact():
    fields = {"land_use": "industrial", "grade": "outer_third", "method": "auction", "price": "123456789.99",
              "land_cost": "0"}
    amounts = {a.code: a.value for a in amounts_compute(SPEC, fields)}
    assert amounts["adjustment"] == Decimal("7407407.40")  # 123456789.99 × 0.06 = 7407407.3994
    assert amounts["collective"] == Decimal("116049382.59")


def test_a_missing_price_is_named():
    with pytest.raises(ServiceError) as e:
        amounts_compute(SPEC, {"land_use": "industrial", "grade": "outer_third", "method": "auction"})
    assert "成交价款" in e.value.message


def _problems(text):
    with pytest.raises(SpecError) as e:
        procedure_parse(text, "x.yaml")
    return [(p.row, p.column, p.message) for p in e.value.errors]


def test_a_wrong_definition_is_refused_with_lines_and_keys():
    text = preset_text("pingdu-nongdi-rushi")
    bad = text.replace("{code: return, label: 退回, kind: return, to: apply}\n      - {code: reject",
                       "{code: return, label: 退回, kind: return, to: nowhere}\n      - {code: reject", 1)
    bad = bad.replace('- [commercial, city_first, agreement, "0.50"]', '- [commercial, city_first, agreement, "0.55"]')
    problems = _problems(bad)
    lines = bad.splitlines()
    where = {c: (r, m) for r, c, m in problems}
    row, message = where["steps.1.decisions.1.to"]
    assert "nowhere" in lines[row - 1] and "没有编码为“nowhere”的环节" in message
    row, message = where["tables.0.rows.20.3"]
    assert "0.55" in lines[row - 1] and "超出范围" in message
    assert any("distinct" in (c or "") for _r, c, _m in problems) is False  # 0.55 is new, 0.50 gone: still 21


def test_a_pass_that_goes_back_and_a_bad_formula_are_refused():
    text = preset_text("pingdu-nongdi-rushi")
    bad = text.replace("next: [approve]}\n      - {code: return, label: 退回, kind: return, to: plan}",
                       "next: [apply]}\n      - {code: return, label: 退回, kind: return, to: plan}", 1)
    assert any("通过只能进入后面的环节" in m for _r, _c, m in _problems(bad))
    bad = text.replace("formula: price * rate", "formula: __import__('os')")
    (row, column, message), = _problems(bad)
    assert column == "amounts.1.formula" and "只能用字段、数字" in message and "__import__" in bad.splitlines()[row - 1]


def test_a_duplicate_combination_and_a_wrong_key_are_refused():
    text = preset_text("pingdu-nongdi-rushi")
    bad = text.replace('- [industrial, outer_third, agreement, "0.08"]', '- [industrial, outer_third, auction, "0.08"]')
    bad = bad.replace('- [public, outer_third, agreement, "0.18"]', '- [public, outer_fourth, agreement, "0.18"]')
    messages = " ".join(m for _r, _c, m in _problems(bad))
    assert "industrial×outer_third×auction 已在第 4 行给出" in messages
    assert "“outer_fourth”不是字段“基准地价级别”的选项" in messages
