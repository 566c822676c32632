"""The assessment presets (presets/assessment/*.yaml, kind: scheme) reproduce the seed passages: the
numbers the seeds give are asserted here (3 items, 11 indicators, 35 standards of 2 or 4 points, 30/30/40,
5 deductions, 6 kinds × 4 levels of bonus, 好/较好/一般, four peer groups; 创城 bottom three twice running
→ 降级 then 摘牌; 小型水库 below 优良 → fee cut, failing twice → re-tender; 大气 six pollutants against
GB 3095-2012 二级, level 40 / improvement 60; 项目督导 monthly + quarterly → 挂旗). They load through
`luoshi preset load`, loading twice changes nothing, and a broken file is refused naming the line."""
from __future__ import annotations

import datetime as dt
import textwrap
from decimal import Decimal

import pytest
from django.core.management import call_command

from luoshi.assessment import engine, services
from luoshi.assessment.models import Indicator, Round, Scheme, SchemeVersion
from luoshi.assessment.scheme import METHODS, GradeIn, RankBottom, RankTop
from luoshi.core.excel import ImportFailed
from luoshi.core.models import JournalEntry
from luoshi.org.models import Unit
from luoshi.org.services import grant_role, person_create
from luoshi.core.presets import preset_load, preset_names, preset_path, read_preset

NAMES = ["dangnei-fagui", "chuangcheng-monthly", "xiaoxing-shuiku", "daqi-weekly", "xiangmu-dudao"]
D = Decimal


@pytest.fixture
def qingdao(db, travel):
    with travel("2026-03-02"):
        preset_load(by=None, name="qingdao")
    return Unit.objects.get(name="青岛市", kind="city")


def definition(name):
    return read_preset(preset_path(name))


def office_of(path: str):
    unit = None
    for part in path.split("/"):
        unit = Unit.objects.get(parent=unit, name=part)
    person = person_create(by=None, username=f"o{unit.pk}", full_name="办公室", unit=unit)
    grant_role(by=None, person=person, role="office", unit=unit)
    return person


def state():
    return (sorted(Scheme.objects.values_list("code", "name", "owner_unit_id", "region_id")),
            sorted(SchemeVersion.objects.values_list("scheme__code", "number", "source")),
            Indicator.objects.count(), JournalEntry.objects.filter(verb__startswith="assessment.").count())


def test_the_five_presets_are_listed():
    assert set(NAMES) <= set(preset_names())


@pytest.mark.parametrize("name", NAMES)
def test_every_preset_says_which_numbers_are_examples(name):
    d = definition(name)
    assert d.kind == "scheme" and d.code == name
    assert "示例" in d.example_note and "示例" in preset_path(name).read_text(encoding="utf-8").split("kind: scheme")[0]
    for leaf in d.leaves():
        assert not leaf.method or leaf.method in METHODS


# ---- 党内法规执行评价 (seed 002, 胶州) -------------------------------------------------------------------

def test_dangnei_fagui_reproduces_the_seed_numbers():
    d = definition("dangnei-fagui")
    assert [(i.code, i.name, i.points) for i in d.items] == [("A", "学深悟透", 30), ("B", "制度配套", 30),
                                                             ("C", "贯彻执行", 40)]
    indicators = [ind for item in d.items for ind in item.children]
    assert len(indicators) == 11
    assert all(ind.children for ind in indicators)          # 项目 → 指标 → 标准
    leaves = d.leaves()
    assert len(leaves) == 35
    assert {leaf.points for leaf in leaves} == {D(2), D(4)}
    assert sum(leaf.points for leaf in leaves) == d.full_marks == D(100)
    # every indicator's standards add up to it, every item's indicators to the item
    for item in d.items:
        assert sum(ind.points for ind in item.children) == item.points
        for ind in item.children:
            assert sum(s.points for s in ind.children) == ind.points
    per_item = [sum(len(ind.children) for ind in item.children) for item in d.items]
    assert sum(per_item) == 35
    # the evaluation methods the seed names are all used
    assert {"查阅档案", "实地核验", "随机访谈", "网络检索"} <= {leaf.method for leaf in leaves}
    assert len(d.deductions) == 5
    b = d.bonuses
    assert b.item == "C" and b.levels == ["国家级", "省部级", "青岛市级", "胶州市级"]
    assert len(b.kinds) == 6 and all(list(k.points) == b.levels for k in b.kinds)
    assert {"获得领导肯定性批示", "经验做法获表彰推广"} <= {k.name for k in b.kinds}
    # a higher level is never worth less than a lower one
    assert all(list(k.points.values()) == sorted(k.points.values(), reverse=True) for k in b.kinds)
    assert b.cap is not None and all(k.cap is not None for k in b.kinds)
    assert [g.name for g in d.grades] == ["好", "较好", "一般"]
    assert [(g.name, g.unit_kinds) for g in d.peer_groups] == [
        ("镇（街道）", ["street"]), ("功能区", ["zone"]), ("部门", ["department"]), ("驻地单位", ["soe"])]


def test_dangnei_fagui_bonus_and_deduction_arithmetic():
    """One award counts once at its highest level; kinds are capped at 2, the whole bonus at 5."""
    d = definition("dangnei-fagui")
    compiled = engine.compile_scheme(d)
    total, _lines = engine.bonus_total(compiled, [("pishi", "胶州市级", "批示1"), ("pishi", "国家级", "批示1")])
    assert total == D(2)
    total, _lines = engine.bonus_total(compiled, [("pishi", "国家级", "a"), ("pishi", "省部级", "b")])
    assert total == D(2)              # 2 + 1.5 capped at the kind's 2
    awards = [(k, "国家级", k) for k in ("pishi", "biaozhang", "shidian", "jiaoliu")]
    total, _lines = engine.bonus_total(compiled, awards)
    assert total == D(5)              # 2 + 2 + 2 + 1.5 capped at 5
    assert engine.deduction_total(compiled, {"D1": D(5)}) == (D(6), False)   # 2 × 5 capped at 6


def test_dangnei_fagui_peer_groups_cover_the_jiaozhou_units(qingdao, travel):
    with travel("2026-03-02"):
        scheme = preset_load(by=None, name="dangnei-fagui")["scheme"]
        office = office_of("青岛市/胶州市/市委办公室")
        rnd = services.round_create(by=office, scheme=scheme, name="2026年上半年", period_start=dt.date(2026, 1, 1),
                                    period_end=dt.date(2026, 6, 30))
    assert scheme.owner_unit.name == "市委办公室" and scheme.owner_unit.parent.name == "胶州市"
    groups = {}
    for group, kind in rnd.participants.values_list("group", "unit__kind"):
        groups.setdefault(group, set()).add(kind)
    assert groups == {"streets": {"street"}, "zones": {"zone"}, "departments": {"department"}, "resident": {"soe"}}
    counts = {g: rnd.participants.filter(group=g).count() for g in groups}
    assert counts["streets"] == 12 and counts["zones"] >= 2 and counts["departments"] >= 10 and counts["resident"] >= 4
    # 3 items + 11 indicators + 35 standards stored as the version's tree
    assert Indicator.objects.filter(version=rnd.version).count() == 49
    assert Indicator.objects.filter(version=rnd.version, is_leaf=True).count() == 35


# ---- 创城 monthly (seed 000) --------------------------------------------------------------------------

def test_chuangcheng_reproduces_the_seed_rule():
    d = definition("chuangcheng-monthly")
    assert d.cadence == "monthly" and d.top_bottom == 10 and d.rank_method == "competition"
    assert [(g.code, g.unit_kinds) for g in d.peer_groups] == [("districts", ["district"]), ("streets", ["street"])]
    (rule,) = d.rules
    assert isinstance(rule.when, RankBottom) and (rule.when.k, rule.consecutive) == (3, 2)
    assert rule.group == "streets" and rule.actions == ["文明单位降级", "摘牌"]
    assert rule.excluded == "skips"
    # streets are scored on site only: the survey and the departments' items are not applicable to them
    on_site = d.items[0]
    assert on_site.name == "实地考察" and all(leaf.rule.type == "deduction" for leaf in on_site.children)
    assert all(leaf.missing == "exclude" for item in d.items[1:] for leaf in item.children)
    assert d.renormalise


def test_chuangcheng_street_total_is_on_site_points_as_a_percentage():
    d = definition("chuangcheng-monthly")
    compiled = engine.compile_scheme(d)
    index = {leaf.code: leaf.index for leaf in compiled.leaves}
    # a street: 6 problems on A1 (−3), 5 on A4 (−1), 3 on A6 (−3): 53 of 60 → 88.33
    street = engine.UnitInput(unit_id=1, group="streets", values={
        index["A1"]: D(6), index["A2"]: D(0), index["A3"]: D(0), index["A4"]: D(5), index["A5"]: D(0),
        index["A6"]: D(3), index["A7"]: D(0)})
    # a district: all on-site points, 知晓率 95 % (10), 满意率 82.5 % (80 % of 10), C1 9, 整改率 90 % (9)
    district = engine.UnitInput(unit_id=2, group="districts", values={
        **{index[c]: D(0) for c in ("A1", "A2", "A3", "A4", "A5", "A6", "A7")},
        index["B1"]: D(95), index["B2"]: D("82.5"), index["C1"]: D(9), index["C2"]: D(90)})
    by_unit = {r.unit_id: r for r in engine.compute_points_round(compiled, [street, district])}
    assert by_unit[1].available == D(60) and by_unit[1].total == D("88.33")
    assert by_unit[2].available == D(100) and by_unit[2].total == D(96)


def test_chuangcheng_rule_bottom_three_twice_running():
    (rule,) = definition("chuangcheng-monthly").rules
    ranks = tuple(range(1, 52))

    def st(rid, rank, ranked=True):
        return engine.RoundStanding(round_id=rid, ranked=ranked, group="streets", rank=rank if ranked else None,
                                    group_ranks=ranks if ranked else ())

    assert engine.rule_fires(rule, [st(1, 49), st(2, 51)])
    assert not engine.rule_fires(rule, [st(1, 48), st(2, 51)])          # 48th of 51 is not bottom three
    assert not engine.rule_fires(rule, [st(1, 50), st(2, 20), st(3, 51)])
    assert engine.rule_fires(rule, [st(1, 50), st(2, None, ranked=False), st(3, 51)])  # a month not ranked: skipped


# ---- 小型水库物业化 (seed 002) ------------------------------------------------------------------------

def test_xiaoxing_shuiku_rules(qingdao, travel):
    d = definition("xiaoxing-shuiku")
    assert d.cadence == "quarterly" and d.full_marks == D(100)
    assert [(g.name, g.min) for g in d.grades] == [("优良", D(90)), ("合格", D(80)), ("不合格", D(0))]
    fee, end = d.rules
    assert isinstance(fee.when, GradeIn) and fee.when.grades == ["合格", "不合格"] and fee.consecutive == 1
    assert fee.payment["优良"] == 1 and fee.payment["合格"] < 1 and fee.payment["不合格"] < fee.payment["合格"]
    assert isinstance(end.when, GradeIn) and end.when.grades == ["不合格"] and end.consecutive == 2
    assert end.actions == ["终止合同并重新招标"]
    with travel("2026-03-02"):
        scheme = preset_load(by=None, name="xiaoxing-shuiku")["scheme"]
        office = office_of("青岛市/崂山区/区农业农村局")
        rnd = services.round_create(by=office, scheme=scheme, name="2026年第一季度", period_start=dt.date(2026, 1, 1),
                                    period_end=dt.date(2026, 3, 31))
    contractors = list(rnd.participants.values_list("unit__kind", "group"))
    assert len(contractors) >= 3 and set(contractors) == {("third_party", "contractors")}


# ---- 大气 weekly league (seed 002) ------------------------------------------------------------------

def test_daqi_weekly_league():
    d = definition("daqi-weekly")
    assert d.type == "metric" and d.cadence == "weekly"
    league = d.league
    assert {m.code: m.standard for m in league.metrics} == {
        "pm25": D(35), "pm10": D(70), "so2": D(60), "no2": D(40), "co": D(4), "o3": D(160)}
    assert (league.level_share, league.improvement_share) == (D(40), D(60))
    # the worked example in the research note: 21/35 + 39/70 + 9/60 + 15/40 + 192/160 + 0.7/4 = 3.06
    index = engine.composite_index(league, {"pm25": D(21), "pm10": D(39), "so2": D(9), "no2": D(15), "o3": D(192),
                                            "co": D("0.7")})
    assert engine.publish_round(index, league.composite_precision) == D("3.06")
    (rule,) = d.rules
    assert isinstance(rule.when, RankBottom) and rule.when.k == 1 and rule.actions == ["预警提醒", "约谈"]


# ---- 项目督导核查 (seed 002) ------------------------------------------------------------------------

def test_xiangmu_dudao_monthly_and_quarterly_into_flags():
    d = definition("xiangmu-dudao")
    assert d.cadence == "quarterly"
    months, review = d.items
    assert [leaf.name for leaf in months.children] == ["第1个月督导", "第2个月督导", "第3个月督导"]
    assert review.name == "季度点评" and review.children[0].rule.type == "rubric"
    rules = {r.code: r for r in d.rules}
    assert isinstance(rules["hongqi"].when, RankTop) and rules["hongqi"].actions == ["挂红旗"]
    assert isinstance(rules["huangqi"].when, RankBottom) and rules["huangqi"].actions == ["挂黄旗"]
    assert rules["yuetan"].consecutive == 2


# ---- loading ----------------------------------------------------------------------------------------

def test_all_presets_load_and_loading_twice_changes_nothing(qingdao, travel):
    with travel("2026-03-02"):
        first = {name: preset_load(by=None, name=name) for name in NAMES}
        assert all(r["created"] and not r["unchanged"] and r["version"].number == 1 for r in first.values())
        before = state()
        again = {name: preset_load(by=None, name=name) for name in NAMES}
    assert state() == before
    assert all(r["unchanged"] and not r["created"] and r["scheme"] == first[n]["scheme"] for n, r in again.items())
    owners = {s.code: (s.region.name, s.owner_unit.name) for s in Scheme.objects.select_related("region", "owner_unit")}
    assert owners == {
        "dangnei-fagui": ("胶州市", "市委办公室"),
        "chuangcheng-monthly": ("青岛市", "市精神文明建设委员会办公室"),
        "xiaoxing-shuiku": ("崂山区", "区农业农村局"),
        "daqi-weekly": ("青岛市", "市生态环境局"),
        "xiangmu-dudao": ("青岛市", "市发展和改革委员会"),
    }
    # the metric league's measured values are the version's leaves
    daqi = first["daqi-weekly"]["version"]
    assert sorted(daqi.indicators.values_list("code", flat=True)) == ["co", "no2", "o3", "pm10", "pm25", "so2"]


def test_an_edited_preset_used_by_a_round_becomes_a_new_version(qingdao, travel, tmp_path):
    text = preset_path("xiangmu-dudao").read_text(encoding="utf-8")
    with travel("2026-03-02"):
        scheme = preset_load(by=None, name="xiangmu-dudao")["scheme"]
        office = office_of("青岛市/市发展和改革委员会")
        services.round_create(by=office, scheme=scheme, name="2026年第一季度", period_start=dt.date(2026, 1, 1),
                              period_end=dt.date(2026, 3, 31))
        edited = tmp_path / "xiangmu-dudao.yaml"
        edited.write_text(text.replace("name: 季度前三名", "name: 季度前三名（挂红旗）"), encoding="utf-8")
        result = preset_load(by=None, name=str(edited))
    assert result["new_version"] and result["version"].number == 2
    assert Round.objects.get().version.number == 1


def test_preset_load_command(qingdao, travel, capsys):
    with travel("2026-03-02"):
        call_command("preset_load", "daqi-weekly")
        call_command("preset_load", "daqi-weekly")
    out = capsys.readouterr().out
    assert "指标体系“全市大气污染防治周通报排名”第1版：新建" in out and "第1版：未变化" in out


# ---- broken presets ------------------------------------------------------------------------------------

def write(tmp_path, text: str, name="broken.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


BROKEN_HEAD = """
    kind: scheme
    code: broken
    name: 坏的方案
    region: 胶州市
    owner_unit: 市委办公室
    full_marks: 100
    items:
"""


def test_wrong_sum_names_the_line(qingdao, tmp_path):
    path = write(tmp_path, BROKEN_HEAD + """
      - code: A
        name: 学深悟透
        points: 30
        children:
          - {code: A1, name: 甲, points: 4}
          - {code: A2, name: 乙, points: 2}
      - {code: B, name: 制度配套, points: 70}
    """)
    before = state()
    with pytest.raises(ImportFailed) as exc:
        preset_load(by=None, name=str(path))
    assert state() == before
    (error,) = exc.value.errors
    assert error.sheet == "broken.yaml" and error.row == 11 and error.column == "items.0.points"
    assert "分值 30" in error.message and "合计 6" in error.message
    assert "第11行" in str(exc.value)


def test_total_not_full_marks_names_the_line(qingdao, tmp_path):
    path = write(tmp_path, BROKEN_HEAD + """
      - {code: A, name: 学深悟透, points: 30}
      - {code: B, name: 制度配套, points: 60}
    """)
    with pytest.raises(ImportFailed) as exc:
        preset_load(by=None, name=str(path))
    (error,) = exc.value.errors
    assert error.row == 6 and "合计 90" in error.message and "满分 100" in error.message


def test_standard_of_an_unknown_method_names_the_line(qingdao, tmp_path):
    path = write(tmp_path, BROKEN_HEAD + """
      - code: A
        name: 学深悟透
        points: 100
        children:
          - {code: A1, name: 甲, points: 50, method: 查阅档案}
          - {code: A2, name: 乙, points: 50, method: 拍脑袋}
    """)
    with pytest.raises(ImportFailed) as exc:
        preset_load(by=None, name=str(path))
    assert [e.row for e in exc.value.errors] == [14] and "拍脑袋" in str(exc.value)


def test_bad_yaml_names_the_line(qingdao, tmp_path):
    path = write(tmp_path, BROKEN_HEAD + """
      - {code: A, name: 学深悟透, points: [100}
    """)
    with pytest.raises(ImportFailed) as exc:
        preset_load(by=None, name=str(path))
    (error,) = exc.value.errors
    assert error.row in (9, 10) and "YAML 格式错误" in error.message
    assert not Scheme.objects.exists()


def test_unknown_owner_unit_is_refused_and_nothing_is_written(qingdao, tmp_path):
    path = write(tmp_path, BROKEN_HEAD.replace("owner_unit: 市委办公室", "owner_unit: 市委不存在办") + """
      - {code: A, name: 学深悟透, points: 100}
    """)
    with pytest.raises(ImportFailed, match="找不到主办单位“市委不存在办”"):
        preset_load(by=None, name=str(path))
    assert not Scheme.objects.exists() and not JournalEntry.objects.filter(verb__startswith="assessment.").exists()


def test_presets_need_the_units(db):
    with pytest.raises(ImportFailed, match="找不到区域单位“胶州市”"):
        preset_load(by=None, name="dangnei-fagui")
    assert not Scheme.objects.exists()
