"""Scores imported from Excel (a units × leaves matrix; one sheet per evaluator) and the league table
exported to Excel and JSON. Imports are checked whole: errors are located and nothing is written."""
from __future__ import annotations

import io
import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from luoshi.assessment import services
from luoshi.assessment.excel import (league_json, league_table_data, league_xlsx, score_template_xlsx,
                                     scores_import_xlsx)
from luoshi.assessment.models import Result, Round, Score
from luoshi.core.errors import PermissionDeniedError, ServiceError
from luoshi.core.excel import ImportFailed
from luoshi.core.journal import JournalEntry
from luoshi.org.services import unit_create

from .fixtures_io import air_round, book  # noqa: F401  (air_round is a fixture)

pytestmark = pytest.mark.django_db

HEADER = ["单位名称", "A1", "A2 制度建立", "A3台账规范", "任务落实", "B2 群众满意度（30分）"]


def current(rnd, **filters) -> dict:
    """(unit name, leaf code, evaluator username) → (value, level, status) of the current scores."""
    return {(s.unit.name, s.indicator.code, s.evaluator.username): (s.value, s.level, s.status)
            for s in Score.objects.filter(round=rnd, is_current=True, **filters)
            .select_related("unit", "indicator", "evaluator")}


def counts() -> dict:
    return {"scores": Score.objects.count(), "current": Score.objects.filter(is_current=True).count(),
            "journal": JournalEntry.objects.count()}


# ---- the matrix -----------------------------------------------------------------------------------------

def test_import_reads_codes_names_levels_and_pass_fail(assess, cast, city, travel):
    with travel("2026-02-02"):
        rnd = assess.round()
        data = book({"评分": [["2026年1月测试考核评分表"], HEADER,
                              ["中韩街道", 18, "达标", 3, "良", 100],
                              ["沙子口街道", 20, "不达标", 0, "优", 80.5],
                              ["区审批局", None, "是", "1", "差", "90"]]})     # a short name
        report = scores_import_xlsx(by=cast["office"], round=rnd, data=data, filename="评分.xlsx",
                                    evaluator=cast["evaluator"])
    assert report["cells"] == report["created"] == 14 and report["blank"] == 1
    assert report["replaced"] == report["unchanged"] == 0
    assert report["sheets"] == [{"sheet": "评分", "evaluator": "郑洁", "evaluator_id": cast["evaluator"].pk,
                                 "units": 3, "cells": 14}]
    got = current(rnd)
    ev = "evaluator"
    assert got[("中韩街道", "A1", ev)] == (Decimal("18"), "", "submitted")
    assert got[("中韩街道", "A2", ev)][0] == 1 and got[("沙子口街道", "A2", ev)][0] == 0
    assert got[("中韩街道", "B1", ev)] == (Decimal("24"), "良", "submitted")
    assert got[("沙子口街道", "B2", ev)][0] == Decimal("80.5")
    assert ("区行政审批服务局", "A1", ev) not in got           # blank: no score
    assert set(Score.objects.values_list("source", flat=True)) == {"import"}
    entries = list(JournalEntry.objects.filter(verb="assessment.score.import"))
    assert len(entries) == 1 and entries[0].actor == cast["office"]
    assert entries[0].changes["created"] == 14 and entries[0].changes["source_file"] == "评分.xlsx"
    assert not JournalEntry.objects.filter(verb="assessment.score.record").exists()


def test_imported_scores_compute_as_form_scores_do(assess, cast, city, travel):
    values = {"street_a": {"A1": "18", "A2": "达标", "A3": "3", "B1": "良", "B2": "100"},
              "street_b": {"A1": "20", "A2": "不达标", "A3": "0", "B1": "优", "B2": "80.5"}}
    with travel("2026-02-02"):
        by_form = assess.round(name="表单", start="2026-01-01", end="2026-01-31")
        assess.score_all(by_form, values)
        by_file = assess.round(name="导入", start="2026-01-01", end="2026-01-31")
        rows = [[city[k].name] + [values[k][c] for c in ("A1", "A2", "A3", "B1", "B2")] for k in values]
        scores_import_xlsx(by=cast["office"], round=by_file, data=book({"S": [HEADER] + rows}),
                           evaluator=cast["evaluator"])
        for rnd in (by_form, by_file):
            services.round_compute(by=cast["office"], round=rnd)
    totals = {rid: dict(Result.objects.filter(round_id=rid).values_list("unit__name", "total"))
              for rid in (by_form.pk, by_file.pk)}
    assert totals[by_form.pk] == totals[by_file.pk]
    # 18 + 10 + (10 − 1.5) + 24 + 30 = 90.5
    assert totals[by_file.pk]["中韩街道"] == Decimal("90.5")


def test_import_errors_are_located_and_nothing_is_written(assess, cast, city, travel):
    with travel("2026-02-02"):
        rnd = assess.round()
        assess.score(rnd, "street_a", {"A1": "10"})
        before = counts()
        data = book({"评分": [
            ["单位名称", "A1", "A2", "A3", "B1", "B2", "A", "Z9 不存在", "序号"],   # row 1: A is an item, Z9 unknown
            ["中韩街道", 25, "可以", 1.5, "极好", -1, None, None, 1],          # row 2: five bad values
            ["不存在的街道", 1, None, None, None, None, None, None, 2],          # row 3
            ["市南区", 1, None, None, None, None, None, None, 3],                # row 4: a unit, not in the round
            ["中韩街道", 1, None, None, None, None, None, None, 4],              # row 5: repeated
            [None, 3, None, None, None, None, None, None, 5],                    # row 6: values without a unit
            ["合计", 99, None, None, None, None, None, None, None],             # a total row: skipped
        ]})
        with pytest.raises(ImportFailed) as exc:
            scores_import_xlsx(by=cast["office"], round=rnd, data=data, evaluator=cast["evaluator"])
    assert counts() == before
    located = {(e.sheet, e.row, e.column) for e in exc.value.errors}
    assert located == {
        ("评分", 1, "A"), ("评分", 1, "Z9 不存在"),
        ("评分", 2, "A1"), ("评分", 2, "A2"), ("评分", 2, "A3"), ("评分", 2, "B1"), ("评分", 2, "B2"),
        ("评分", 3, "单位名称"), ("评分", 4, "单位名称"), ("评分", 5, "单位名称"), ("评分", 6, "单位名称"),
    }
    messages = {(e.row, e.column): e.message for e in exc.value.errors}
    assert "评价项目" in messages[(1, "A")]
    assert "不是本期次指标体系中的末级标准" in messages[(1, "Z9 不存在")]
    assert "应得分 20" in messages[(2, "A1")]
    assert "达标" in messages[(2, "A2")]
    assert "整数" in messages[(2, "A3")]
    assert "优、良、中、差" in messages[(2, "B1")]
    assert "负数" in messages[(2, "B2")]
    assert messages[(3, "单位名称")] == "找不到单位“不存在的街道”"
    assert messages[(4, "单位名称")] == "“市南区”不是本期次的参评单位"
    assert "重复（与第2行相同" in messages[(5, "单位名称")]
    assert "没有填写单位名称" in messages[(6, "单位名称")]
    assert "工作表“评分”第2行“A1”列" in str(exc.value)


def test_header_mismatch_and_ambiguous_names(assess, cast, city, travel):
    with travel("2026-02-02"):
        rnd = assess.round()
        data = book({"评分": [["单位名称", "A1 群众满意度", "B2", "群众满意度"], ["中韩街道", 1, 2, 3]]})
        with pytest.raises(ImportFailed) as exc:
            scores_import_xlsx(by=cast["office"], round=rnd, data=data)
    messages = {e.column: e.message for e in exc.value.errors}
    assert "编码 A1 是“组织领导”" in messages["A1 群众满意度"]
    assert "同一项末级标准（B2）" in messages["群众满意度"]
    assert not Score.objects.exists()


def test_require_complete_flags_blank_cells_missing_units_and_columns(assess, cast, city, travel):
    with travel("2026-02-02"):
        rnd = assess.round()
        data = book({"评分": [["单位名称", "A1", "A2", "A3", "B1"], ["中韩街道", 18, "达标", None, "优"]]})
        with pytest.raises(ImportFailed) as exc:
            scores_import_xlsx(by=cast["office"], round=rnd, data=data, evaluator=cast["evaluator"],
                               require_complete=True)
        messages = [(e.row, e.column, e.message) for e in exc.value.errors]
        assert (2, "A3", "没有填写分值") in messages
        missing = next(m for r, c, m in messages if m.startswith("缺少参评单位"))
        assert "沙子口街道" in missing and "区行政审批服务局" in missing and "中韩街道" not in missing
        assert (1, None, "缺少末级标准列：B2") in messages
        # without the option the same file imports what it has
        report = scores_import_xlsx(by=cast["office"], round=rnd, data=data, evaluator=cast["evaluator"])
    assert report["cells"] == 3 and report["blank"] == 1


# ---- evaluators ---------------------------------------------------------------------------------------------

def test_one_sheet_per_evaluator_named_by_sheet_or_cell(assess, cast, city, second_evaluator, travel):
    with travel("2026-02-02"):
        rnd = assess.round()
        services.evaluator_assign(by=cast["office"], round=rnd, person=second_evaluator)
        data = book({
            "填表说明": [["请按单位逐行填写，留空表示不评分。"]],
            "evaluator": [["单位名称", "A1"], ["中韩街道", 10], ["沙子口街道", 20]],      # username as sheet name
            "钱评": [["单位名称", "A1"], ["中韩街道", 14]],                                 # full name as sheet name
            "第三组": [["评估员：", "钱评"], ["单位名称", "A1"], ["沙子口街道", 16]],         # a 评估员 cell
        })
        report = scores_import_xlsx(by=cast["office"], round=rnd, data=data)
        assert report["skipped"] == ["填表说明"]
        assert [(s["sheet"], s["evaluator"], s["cells"]) for s in report["sheets"]] == [
            ("evaluator", "郑洁", 2), ("钱评", "钱评", 1), ("第三组", "钱评", 1)]
        got = current(rnd)
        assert got[("中韩街道", "A1", "evaluator")][0] == 10 and got[("中韩街道", "A1", "evaluator2")][0] == 14
        assert got[("沙子口街道", "A1", "evaluator2")][0] == 16
        services.round_compute(by=cast["office"], round=rnd)
    # two evaluators' values are averaged (mean): (10 + 14) / 2 = 12 for A1
    subtotal_a = Decimal(Result.objects.get(round=rnd, unit=city["street_a"]).subtotals[0])
    assert subtotal_a == 12


def test_unnamed_sheets_in_a_workbook_of_several_are_refused(assess, cast, city, travel):
    with travel("2026-02-02"):
        rnd = assess.round()
        data = book({"Sheet1": [["单位名称", "A1"], ["中韩街道", 10]], "Sheet2": [["单位名称", "A1"], ["沙子口街道", 10]]})
        with pytest.raises(ImportFailed) as exc:
            scores_import_xlsx(by=cast["office"], round=rnd, data=data)
        assert {e.sheet for e in exc.value.errors} == {"Sheet1", "Sheet2"}
        assert "工作表名称" in exc.value.errors[0].message and "Sheet1" in exc.value.errors[0].message
        # naming the evaluator for the whole file works; then the same unit twice is a duplicate
        report = scores_import_xlsx(by=cast["office"], round=rnd, data=data, evaluator=cast["evaluator"])
        assert report["cells"] == 2
        twice = book({"Sheet1": [["单位名称", "A1"], ["中韩街道", 10]], "Sheet2": [["单位名称", "A1"], ["中韩街道", 12]]})
        with pytest.raises(ImportFailed, match="工作表“Sheet1”第2行"):
            scores_import_xlsx(by=cast["office"], round=rnd, data=twice, evaluator=cast["evaluator"])


def test_evaluator_must_be_assigned_for_the_cells(assess, cast, city, second_evaluator, travel):
    with travel("2026-02-02"):
        rnd = assess.round()
        data = book({"S": [["评估员：钱评"], ["单位名称", "A1", "A2"], ["中韩街道", 10, "达标"], ["沙子口街道", 11, "达标"]]})
        with pytest.raises(ImportFailed, match="不是本期次的评估员") as exc:
            scores_import_xlsx(by=cast["office"], round=rnd, data=data)
        assert exc.value.errors[0].row == 1
        a1 = assess.leaf(rnd, "A1")
        services.evaluator_assign(by=cast["office"], round=rnd, person=second_evaluator, units=[city["street_a"]],
                                  indicators=[a1])
        with pytest.raises(ImportFailed) as exc:
            scores_import_xlsx(by=cast["office"], round=rnd, data=data)
        assert {(e.row, e.column) for e in exc.value.errors} == {(3, "A2"), (4, "A1"), (4, "A2")}
        assert "钱评未被指派评“沙子口街道”" in exc.value.errors[1].message
        nobody = book({"S": [["评估员：无此人"], ["单位名称", "A1"], ["中韩街道", 10]]})
        with pytest.raises(ImportFailed, match="系统中没有用户“无此人”"):
            scores_import_xlsx(by=cast["office"], round=rnd, data=nobody)
    assert not Score.objects.exists()


def test_reimport_keeps_the_old_score_and_its_evidence(assess, cast, city, travel):
    with travel("2026-02-02"):
        rnd = assess.round()
        a1 = assess.leaf(rnd, "A1")
        first = services.score_record(by=cast["evaluator"], round=rnd, unit=city["street_a"], indicator=a1, value="10",
                                      files=[("会议纪要.pdf", b"%PDF-1.4 x")])
        services.scores_approve(by=cast["office"], round=rnd)
        data = book({"S": [["单位名称", "A1", "A2"], ["中韩街道", 15, "达标"]]})
        report = scores_import_xlsx(by=cast["office"], round=rnd, data=data, evaluator=cast["evaluator"])
    assert report["replaced"] == 1 and report["created"] == 2
    first.refresh_from_db()
    assert first.is_current is False and first.status == "approved"
    new = Score.objects.get(round=rnd, indicator=a1, is_current=True)
    assert new.replaces_id == first.pk and new.value == 15 and new.status == "submitted"
    assert [a.original_name for a in new.evidence.all()] == ["会议纪要.pdf"]


def test_reimport_changes_only_the_changed_cells(assess, cast, city, travel):
    with travel("2026-02-02"):
        rnd = assess.round()
        first = book({"S": [["单位名称", "A1", "B1"], ["中韩街道", 15, "良"], ["沙子口街道", 12, "优"]]})
        scores_import_xlsx(by=cast["office"], round=rnd, data=first, evaluator=cast["evaluator"])
        services.scores_approve(by=cast["office"], round=rnd)
        returned = Score.objects.get(round=rnd, unit=city["street_b"], indicator__code="B1")
        services.score_return(by=cast["office"], score=returned, reason="请核实")
        # 中韩 A1 corrected; 沙子口 B1 was returned: sent again (same value) it is submitted anew
        second = book({"S": [["单位名称", "A1", "B1"], ["中韩街道", 16, "良"], ["沙子口街道", 12, "优"]]})
        dry = scores_import_xlsx(by=cast["office"], round=rnd, data=second, evaluator=cast["evaluator"], dry_run=True)
        report = scores_import_xlsx(by=cast["office"], round=rnd, data=second, evaluator=cast["evaluator"])
    assert {k: dry[k] for k in ("created", "replaced", "unchanged")} == {"created": 2, "replaced": 2, "unchanged": 2}
    assert {k: report[k] for k in ("created", "replaced", "unchanged")} == {"created": 2, "replaced": 2, "unchanged": 2}
    got = current(rnd)
    assert got[("中韩街道", "A1", "evaluator")] == (Decimal("16"), "", "submitted")
    assert got[("中韩街道", "B1", "evaluator")] == (Decimal("24"), "良", "approved")      # untouched
    assert got[("沙子口街道", "A1", "evaluator")][2] == "approved"
    assert got[("沙子口街道", "B1", "evaluator")] == (Decimal("30"), "优", "submitted")
    assert JournalEntry.objects.get(verb="assessment.score.import", changes__created=2).changes["unchanged"] == 2


def test_imported_scores_need_someone_else_to_approve(assess, cast, city, travel):
    with travel("2026-02-02"):
        rnd = assess.round(state="review")
        scores_import_xlsx(by=cast["office"], round=rnd, data=book({"S": [["单位名称", "A1"], ["中韩街道", 10]]}))
        own = Score.objects.get(round=rnd)
        assert own.evaluator == cast["office"]
        assert services.scores_approve(by=cast["office"], round=rnd) == 0
        with pytest.raises(ServiceError, match="不能审核自己"):
            services.scores_approve(by=cast["office"], round=rnd, score_ids=[own.pk])
        scores_import_xlsx(by=cast["office"], round=rnd, data=book({"S": [["单位名称", "A1"], ["沙子口街道", 12]]}),
                           evaluator=cast["evaluator"])
        assert services.scores_approve(by=cast["office"], round=rnd) == 1


# ---- refusals -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["evaluator", "liaison_a", "leader", "outsider"])
def test_only_the_office_imports(assess, cast, who, travel):
    with travel("2026-02-02"):
        rnd = assess.round()
        with pytest.raises(PermissionDeniedError):
            scores_import_xlsx(by=cast[who], round=rnd, data=book({"S": [["单位名称", "A1"], ["中韩街道", 10]]}))
    assert not Score.objects.exists()


@pytest.mark.parametrize("state", ["draft", "collecting"])
def test_no_import_outside_scoring(assess, cast, state, travel):
    with travel("2026-02-02"):
        rnd = assess.round(state=state)
        with pytest.raises(ServiceError, match="不能导入评分"):
            scores_import_xlsx(by=cast["office"], round=rnd, data=book({"S": [["单位名称", "A1"], ["中韩街道", 10]]}))
    assert not Score.objects.exists()


def test_files_that_are_not_score_sheets(assess, cast, travel):
    with travel("2026-02-02"):
        rnd = assess.round()
        for data, words in ((b"not a zip", "不是 Excel"), (b"", "是空的"),
                            (book({"S": [["姓名", "A1"], ["中韩街道", 1]]}), "找不到评分表"),
                            (book({"S": [["单位名称", "A1"]]}), "表头下面没有单位行"),
                            (book({"S": [["单位名称", "A1"], ["中韩街道", None]]}), "没有任何分值")):
            with pytest.raises(ImportFailed, match=words):
                scores_import_xlsx(by=cast["office"], round=rnd, data=data)
    assert not Score.objects.exists()


def test_dry_run_checks_and_writes_nothing(assess, cast, travel):
    with travel("2026-02-02"):
        rnd = assess.round()
        before = counts()
        report = scores_import_xlsx(by=cast["office"], round=rnd, dry_run=True, evaluator=cast["evaluator"],
                                    data=book({"S": [["单位名称", "A1", "B1"], ["中韩街道", 10, "良"]]}))
    assert report["dry_run"] and report["cells"] == 2
    assert counts() == before


def test_errors_are_listed_up_to_a_limit(assess, cast, city, travel):
    with travel("2026-02-02"):
        rnd = assess.round()
        rows = [["单位名称"] + [f"A{i}" for i in (1, 2, 3)]] + [[f"无名街道{i}", 1, 1, 1] for i in range(250)]
        with pytest.raises(ImportFailed) as exc:
            scores_import_xlsx(by=cast["office"], round=rnd, data=book({"S": rows}))
    assert len(exc.value.errors) == 201
    assert exc.value.errors[-1].message == "……另有 50 处错误未列出。"


def test_import_queries_do_not_grow_with_the_matrix(assess, cast, city, travel):
    def run(n_units: int) -> int:
        rnd = assess.round(name=f"{n_units}个单位")
        rows = [["单位名称", "A1", "A2", "A3", "B1", "B2"]]
        for unit in units[:n_units]:
            rows.append([unit.name, 15, "达标", 2, "中", 90])
        with CaptureQueriesContext(connection) as ctx:
            scores_import_xlsx(by=cast["office"], round=rnd, data=book({"S": rows}), evaluator=cast["evaluator"])
        assert Score.objects.filter(round=rnd).count() == 5 * n_units
        return len(ctx)

    with travel("2026-02-02"):
        units = [unit_create(by=None, name=f"测试{i}街道", kind="street", parent=city["district"]) for i in range(12)]
        run(1)                          # the acting people's scopes are cached on first use
        assert run(3) == run(12)


def test_score_template_round_trip(assess, cast, city, travel):
    with travel("2026-02-02"):
        rnd = assess.round()
        assess.score_all(rnd, {"street_a": {"A1": "18.5", "A2": "不达标", "A3": "3", "B1": "中"}, "street_b": {}})
        before = current(rnd)
        data = score_template_xlsx(user=cast["office"], round=rnd, evaluator=cast["evaluator"])
        ws = load_workbook(io.BytesIO(data)).active
        assert ws["A2"].value == "评估员：evaluator"
        assert [c.value for c in ws[4]][:3] == ["单位名称", "A1 组织领导", "A2 制度建立"]
        assert [c.value for c in ws[3]][4] == "优/良/中/差"
        rows_before = Score.objects.count()
        report = scores_import_xlsx(by=cast["office"], round=rnd, data=data)
        assert (report["cells"], report["unchanged"], report["created"]) == (10, 10, 0)
    assert current(rnd) == before and Score.objects.count() == rows_before
    with pytest.raises(PermissionDeniedError):
        score_template_xlsx(user=cast["liaison_a"], round=rnd)


# ---- metric leagues -------------------------------------------------------------------------------------------

def test_metric_values_import_by_code_or_name(air_round, cast, travel):
    with travel("2026-01-08"):
        data = book({"S": [["单位名称", "pm25", "PM10（微克/立方米）"], ["中韩街道", 30, 60], ["沙子口街道", 42, 77],
                           ["王哥庄街道", 28, -3]]})
        with pytest.raises(ImportFailed) as exc:
            scores_import_xlsx(by=cast["office"], round=air_round, data=data)
        assert [(e.row, e.column) for e in exc.value.errors] == [(4, "PM10（微克/立方米）")]
        data = book({"S": [["单位名称", "pm25", "PM10"], ["中韩街道", 30, 60], ["沙子口街道", 42, 77], ["王哥庄街道", 28, 50]]})
        scores_import_xlsx(by=cast["office"], round=air_round, data=data)
        services.round_compute(by=cast["office"], round=air_round)
    table = json.loads(league_json(user=cast["office"], round=air_round))
    rows = {r["unit"]: r for r in table["rows"]}
    # composite index = pm25/35 + pm10/70: 王哥庄 0.80 + 0.71 = 1.51 (best), 沙子口 1.20 + 1.10 = 2.30 (worst)
    assert rows["王哥庄街道"]["index"] == "1.51" and rows["王哥庄街道"]["index_rank"] == 1
    assert rows["沙子口街道"]["index"] == "2.30" and rows["沙子口街道"]["index_rank"] == 3
    assert rows["中韩街道"]["m:pm25"] == "30" and rows["中韩街道"]["r:pm25"] == 2
    assert [c["header"] for c in table["columns"]][3:7] == ["PM2.5（微克/立方米）", "PM2.5排名", "PM10（微克/立方米）",
                                                            "PM10排名"]
    ws = load_workbook(io.BytesIO(league_xlsx(user=cast["office"], round=air_round))).active
    headers = [c.value for c in ws[3]]
    assert "综合指数" in headers and "同比变化率" in headers and "综合得分" in headers
    index_col = headers.index("综合指数") + 1
    assert ws.cell(row=4, column=2).value == "王哥庄街道"
    assert ws.cell(row=4, column=index_col).value == pytest.approx(1.51)


# ---- league table ----------------------------------------------------------------------------------------------

def _published_round(assess, cast, city, travel):
    with travel("2026-02-02"):
        rnd = assess.round()
        assess.score_all(rnd, {"street_a": {"A1": "12"}, "street_b": {"B1": "良"}, "dept": {"A2": "不达标"}})
        services.adjustment_add(by=cast["office"], round=rnd, unit=city["street_b"], kind="bonus", item="award",
                                level="省部级", award="鲁政发〔2026〕3号")
        services.participant_exclude(by=cast["office"], round=rnd, unit=city["office_unit"], reason="牵头单位不参评")
        rnd = assess.publish(rnd)
    with travel("2026-02-04"):
        appeal = services.appeal_file(by=cast["liaison_a"], round=rnd, unit=city["street_a"],
                                      indicator=assess.leaf(rnd, "A1"), reason="材料已补充")
        services.appeal_decide(by=cast["office"], appeal=appeal, revise=True, value="17", decision="改为17分")
    rnd.refresh_from_db()
    return rnd


def test_league_xlsx_layout_and_numbers(assess, cast, city, travel):
    rnd = _published_round(assess, cast, city, travel)
    ws = load_workbook(io.BytesIO(league_xlsx(user=cast["office"], round=rnd))).active
    assert ws["A1"].value == "测试考核（2026年1月）排名表"
    assert "第2版" in ws["A2"].value and "申诉截止" in ws["A2"].value
    assert [c.value for c in ws[3]] == ["序号", "单位", "分组", "基础工作（40分）", "重点任务（60分）", "加分", "减分",
                                        "总分", "得分率", "名次", "等次", "升降位次", "备注"]
    body = [[c.value for c in row] for row in ws.iter_rows(min_row=4, max_row=7)]
    # street group first (scheme order), rank order; the excluded unit last in its group
    assert [r[1] for r in body] == ["中韩街道", "沙子口街道", "区行政审批服务局", "区委办公室"]
    stored = {r.unit.name: r for r in Result.objects.filter(round=rnd).select_related("unit")}
    for r in body:
        assert Decimal(str(r[7])) == stored[r[1]].total
    a, b, d, o = body
    assert a[3:9] == [37, 60, 0, 0, 97, 97] and a[9] == 1 and a[10] == "好"    # 17+10+10 | 30+30 after the appeal
    assert b[3:9] == [40, 54, 2, 0, 96, 94] and b[9] == 2                       # 40 | 24+30, +2 省部级
    assert d[9] == 1 and d[10] == "好" and d[2] == "部门"
    assert o[9] is None and o[12] == "不参与排名：牵头单位不参评"
    assert ws.cell(row=4, column=8).number_format == "0.00"
    note = ws.cell(row=8, column=1).value
    assert note.startswith("修订说明：第2版：") and "12 → 17" in note
    assert str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4 and ws.page_setup.orientation == "landscape"
    assert ws.page_setup.fitToWidth == 1 and ws.print_title_rows == "$3:$3"
    assert "A1:M1" in {str(r) for r in ws.merged_cells.ranges}


def test_league_reads_stored_results_not_recomputed(assess, cast, city, travel):
    with travel("2026-02-02"):
        rnd = assess.round()
        assess.score_all(rnd, {"street_a": {}, "street_b": {}, "dept": {}})
        services.round_compute(by=cast["office"], round=rnd)
        assess.score(rnd, "street_a", {"A1": "0"})       # not computed yet
    rows = {r["unit"]: r for r in league_table_data(user=cast["office"], round=rnd).rows}
    assert rows["中韩街道"]["total"] == 100
    assert "未公布" in league_table_data(user=cast["office"], round=rnd).subtitle


def test_league_json_matches_the_stored_results(assess, cast, city, travel):
    rnd = _published_round(assess, cast, city, travel)
    table = json.loads(league_json(user=cast["office"], round=rnd))
    assert table["round"]["revision"] == 2 and table["scheme"]["version"] == 1
    assert [r["revision"] for r in table["revisions"]] == [1, 2]
    stored = {r.unit_id: r for r in Result.objects.filter(round=rnd)}
    for row in table["rows"]:
        assert row["total"] == f"{stored[row['unit_id']].total:.2f}"
    first = table["rows"][0]
    assert first["unit"] == "中韩街道" and first["s:A"] == "37.00" and first["rank"] == 1 and first["group"] == "街道"


def test_league_before_compute_and_scoping(assess, cast, city, travel):
    with travel("2026-02-02"):
        rnd = assess.round()
        with pytest.raises(ServiceError, match="尚未计算结果"):
            league_xlsx(user=cast["office"], round=rnd)
        assess.score_all(rnd, {"street_a": {}, "street_b": {}, "dept": {}})
        services.round_compute(by=cast["office"], round=rnd)
    # before publication a unit's liaison sees only its own row
    own = league_table_data(user=cast["liaison_a"], round=Round.objects.get(pk=rnd.pk)).rows
    assert [r["unit"] for r in own] == ["中韩街道"]
