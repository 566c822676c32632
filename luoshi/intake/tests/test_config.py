"""The intake preset (kind: intake): the shipped 城阳 12345 preset loads on the demo unit tree, mistakes are
named with their line and key, a reload deactivates what the file no longer lists (never deletes it), and
dispatch_suggest follows the rules as data (group rule, category rule with assisting unit, the area
fallback, no area → no proposal)."""
from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from luoshi.core.errors import PermissionDeniedError
from luoshi.core.excel import ImportFailed
from luoshi.core.models import JournalEntry
from luoshi.intake import services
from luoshi.intake.config import intake_load, intake_settings
from luoshi.intake.models import Channel, DispatchRule, Request, ServiceCategory
from luoshi.org.models import Unit
from luoshi.core.presets import PRESET_DIR, preset_load

PRESET = PRESET_DIR / "intake" / "chengyang-12345.yaml"


@pytest.fixture
def qingdao(db):
    preset_load(by=None, name="qingdao")
    return Unit.objects.get(name="城阳区")


def unit(name: str, region: Unit) -> Unit:
    return Unit.objects.get(name=name, path__startswith=region.path)


@pytest.fixture
def chengyang(qingdao):
    intake_load(by=None, text=PRESET.read_text(encoding="utf-8"), source=PRESET.name)
    return qingdao


def errors_of(text: str):
    with pytest.raises(ImportFailed) as e:
        intake_load(by=None, text=text, source="t.yaml")
    return e.value.errors


MINIMAL = """\
kind: intake
name: 测试
region: 城阳区
channels:
  - {code: "12345", name: 12345 热线, kind: hotline}
categories:
  - {code: "0101", group: 城市管理, name: 路灯损坏}
  - {code: "0201", group: 生态环境, name: 噪声扰民}
rules:
  - {to: area}
"""


# ---- the shipped preset ------------------------------------------------------------------------------------------

def test_chengyang_preset_loads_on_the_demo_units(chengyang):
    s = intake_settings()
    assert s.centre == chengyang and s.name == "城阳区 12345 政务服务便民热线"
    assert (s.revisit_days, s.no_answer, s.max_reopen, s.return_hours, s.retention_days) == (
        3, "close_unrated", 2, 24, 365)
    codes = set(Channel.objects.filter(is_active=True).values_list("code", flat=True))
    assert {"12345", "12319", "110", "mayor-mail", "zhaocha", "web", "open311"} <= codes
    assert ServiceCategory.objects.filter(is_active=True).count() == 16
    heating = ServiceCategory.objects.get(code="0402")
    assert (heating.limit_days, heating.dispatch_hours, heating.sign_hours, heating.kind) == (3, 2, 2, "help")
    assert [a["code"] for a in heating.attributes] == ["community", "temp"]
    assert heating.attributes[1]["values"][0] == {"key": "below16", "name": "低于 16℃"}
    rule = DispatchRule.objects.get(category__code="0104")
    assert [u.name for u in rule.assist_units.all()] == ["区城市管理局"]
    assert rule.assist_units.get().path.startswith(chengyang.path)  # 城阳's bureau, not another district's
    assert JournalEntry.objects.filter(verb="intake.configure").count() == 1


def test_the_command_loads_by_name(qingdao, capsys):
    call_command("intake_load", "chengyang-12345")
    assert "已导入：渠道 9 个，类别 16 个，派单规则 6 条" in capsys.readouterr().out
    with pytest.raises(CommandError, match="找不到配置文件"):
        call_command("intake_load", "nowhere")


def test_only_admin_or_office_may_load(qingdao):
    from luoshi.org.services import grant_role, person_create

    p = person_create(by=None, username="lia", full_name="某联络员", unit=unit("城阳街道", qingdao))
    grant_role(by=None, person=p, role="liaison", unit=unit("城阳街道", qingdao))
    with pytest.raises(PermissionDeniedError):
        intake_load(by=p, text=MINIMAL)


# ---- errors name the line and the key ---------------------------------------------------------------------------

def test_duplicate_codes(qingdao):
    text = MINIMAL.replace('  - {code: "0201", group: 生态环境, name: 噪声扰民}',
                           '  - {code: "0201", group: 生态环境, name: 噪声扰民}\n  - {code: "0101", group: 其他, name: 重了}')
    (e,) = errors_of(text)
    assert (e.row, e.column) == (9, "categories.2.code")
    assert e.message == "类别编码“0101”重复。"
    assert str(e) == "t.yaml第9行（categories.2.code）：类别编码“0101”重复。"
    text = MINIMAL.replace('  - {code: "12345", name: 12345 热线, kind: hotline}',
                           '  - {code: "12345", name: 12345 热线, kind: hotline}\n  - {code: "12345", name: 又一个}')
    (e,) = errors_of(text)
    assert (e.row, e.column, e.message) == (6, "channels.1.code", "渠道编码“12345”重复。")


def test_unknown_unit_in_a_rule(qingdao):
    text = MINIMAL.replace("  - {to: area}", "  - {group: 城市管理, to: 区城管局}\n  - {to: area, assist: [区城市管理局, 区环保局]}")
    (e,) = errors_of(text)
    assert (e.row, e.column) == (10, "rules.0.to") and e.message == "在城阳区下找不到单位“区城管局”。"
    text = MINIMAL.replace("  - {to: area}", "  - {to: area, assist: [区城市管理局, 区环保局]}")
    (e,) = errors_of(text)
    assert (e.row, e.column) == (10, "rules.0.assist.1") and "区环保局" in e.message
    text = MINIMAL.replace("  - {to: area}", "  - {area: 城阳镇, to: area}")
    (e,) = errors_of(text)
    assert e.column == "rules.0.area" and e.row == 10


def test_unknown_category_or_group_in_a_rule(qingdao):
    text = MINIMAL.replace("  - {to: area}", "  - {to: area}\n  - {category: [\"0101\", \"0999\"], to: 区城市管理局}")
    (e,) = errors_of(text)
    assert (e.row, e.column, e.message) == (11, "rules.1.category", "类别编码“0999”不在 categories 中。")
    text = MINIMAL.replace("  - {to: area}", "  - {group: 城管, to: 区城市管理局}")
    (e,) = errors_of(text)
    assert (e.row, e.column, e.message) == (10, "rules.0.group", "大类“城管”不在 categories 中。")


def test_list_attribute_without_values(qingdao):
    text = MINIMAL.replace('  - {code: "0201", group: 生态环境, name: 噪声扰民}', """\
  - code: "0201"
    group: 生态环境
    name: 噪声扰民
    attributes:
      - {code: source, description: 噪声来源, datatype: singlevaluelist, order: 1}""")
    (e,) = errors_of(text)
    assert e.column == "categories.1.attributes.0" and e.row == 12
    assert e.message == "列表型附加项须列出 values。"


def test_schema_errors_are_located(qingdao):
    errors = errors_of(MINIMAL.replace("name: 路灯损坏}", "name: 路灯损坏, limit_days: 0}").replace(
        "kind: hotline", "kind: phone"))
    where = {e.column: e.row for e in errors}
    assert where == {"channels.0.kind": 5, "categories.0.limit_days": 7}
    (e,) = errors_of("kind: intake\nname: x\nregion: 城阳区\nchannels: [\ncategories: []\n")
    assert e.row is not None
    (e,) = errors_of(MINIMAL.replace("region: 城阳区", "region: 不存在区"))
    assert e.column == "region" and "不存在区" in e.message


def test_a_failed_load_changes_nothing(chengyang):
    before = (list(ServiceCategory.objects.order_by("code").values_list("code", "is_active")),
              DispatchRule.objects.count(), intake_settings().revision)
    errors_of(MINIMAL.replace("  - {to: area}", "  - {to: 没有这个局}"))
    after = (list(ServiceCategory.objects.order_by("code").values_list("code", "is_active")),
             DispatchRule.objects.count(), intake_settings().revision)
    assert before == after


# ---- reload --------------------------------------------------------------------------------------------------------

def test_reload_deactivates_removed_categories_without_deleting(chengyang, travel):
    with travel("2026-03-02T09:00:00+08:00"):
        r = services.request_submit(data=services.RequestInput(
            category=ServiceCategory.objects.get(code="0802"), channel=Channel.objects.get(code="12345"),
            description="建议增加城阳街道的公共自行车站点", area=unit("城阳街道", chengyang)))
    intake_load(by=None, text=MINIMAL)
    assert ServiceCategory.objects.filter(code="0802", is_active=False).exists()
    assert ServiceCategory.objects.filter(is_active=True).count() == 2
    assert ServiceCategory.objects.count() == 16
    assert Request.objects.get(pk=r.pk).category.code == "0802"  # the request keeps its category
    assert not Channel.objects.get(code="12319").is_active and Channel.objects.get(code="web").is_active
    assert DispatchRule.objects.count() == 1 and intake_settings().revision == 2
    # loading the full preset again brings them back
    intake_load(by=None, text=PRESET.read_text(encoding="utf-8"))
    assert ServiceCategory.objects.filter(is_active=True).count() == 16


# ---- dispatch_suggest ------------------------------------------------------------------------------------------------

def _request(chengyang, code: str, area: str | None) -> Request:
    return services.request_submit(data=services.RequestInput(
        category=ServiceCategory.objects.get(code=code), channel=Channel.objects.get(code="12345"),
        description="测试诉求内容", area=unit(area, chengyang) if area else None))


def test_dispatch_suggest_follows_the_rules(chengyang, travel):
    with travel("2026-03-02T09:00:00+08:00"):
        food = _request(chengyang, "0301", "夏庄街道")
        wages = _request(chengyang, "0701", None)
        building = _request(chengyang, "0104", "流亭街道")
        lamp = _request(chengyang, "0101", "城阳街道")
        nowhere = _request(chengyang, "0101", None)

    lead, assist, rule = services.dispatch_suggest(food)  # group rule 市场监管
    assert lead == unit("区市场监督管理局", chengyang) and assist == [] and rule.category_group == "市场监管"

    lead, assist, rule = services.dispatch_suggest(wages)  # category rule; no area needed
    assert lead == unit("区人力资源和社会保障局", chengyang) and rule.category.code == "0701"

    lead, assist, rule = services.dispatch_suggest(building)  # category rule to the area, with an assisting unit
    assert lead == unit("流亭街道", chengyang) and assist == [unit("区城市管理局", chengyang)]
    assert rule.note == "违法建设属地查处，城管局协办"

    lead, assist, rule = services.dispatch_suggest(lamp)  # the area fallback
    assert lead == unit("城阳街道", chengyang) and assist == [] and rule.note == "其余按属地派至镇街"

    assert services.dispatch_suggest(nowhere) == (None, [], None)  # no area: the dispatcher decides


def test_area_found_from_the_address(chengyang, travel):
    with travel("2026-03-02T09:00:00+08:00"):
        r = services.request_submit(data=services.RequestInput(
            category=ServiceCategory.objects.get(code="0101"), channel=Channel.objects.get(code="12345"),
            description="路灯不亮", address="城阳区棘洪滩街道南万社区"))
    assert r.area == unit("棘洪滩街道", chengyang)
    assert services.dispatch_suggest(r)[0] == r.area


def test_area_rule_limits_a_rule_to_a_subtree(qingdao, travel):
    text = MINIMAL.replace("  - {to: area}", "  - {area: 红岛街道, to: 区城市管理局}\n  - {to: area}")
    intake_load(by=None, text=text)
    with travel("2026-03-02T09:00:00+08:00"):
        hongdao = _request(qingdao, "0101", "红岛街道")
        hetao = _request(qingdao, "0101", "河套街道")
    assert services.dispatch_suggest(hongdao)[0] == unit("区城市管理局", qingdao)
    assert services.dispatch_suggest(hetao)[0] == unit("河套街道", qingdao)
