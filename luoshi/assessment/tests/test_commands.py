"""`luoshi assess scheme | import | compute | export`: what they write, what they print, and that every
refusal is a non-zero exit with a Chinese message naming the place."""
from __future__ import annotations

import io
import json
import sys

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from docx import Document
from openpyxl import load_workbook

from luoshi.assessment.models import Result, Scheme, SchemeVersion, Score
from luoshi.assessment.tests.conftest import SCHEME_YAML
from luoshi.core.journal import JournalEntry

from .fixtures_io import book

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def matrix(tmp_path, rows, name="评分.xlsx"):
    path = tmp_path / name
    path.write_bytes(book({"评分": [["单位名称", "A1", "A2", "A3", "B1", "B2"]] + rows}))
    return str(path)


FULL = [["中韩街道", 18, "达标", 2, "良", 100], ["沙子口街道", 20, "达标", 0, "优", 90],
        ["区行政审批服务局", 15, "不达标", 0, "中", 80], ["区委办公室", 20, "达标", 0, "优", 100]]


# ---- scheme ------------------------------------------------------------------------------------------------

def test_scheme_command_creates_then_versions(city, cast, tmp_path, travel):
    path = tmp_path / "test-scheme.yaml"
    path.write_text(SCHEME_YAML, encoding="utf-8")
    with travel("2026-01-05"):
        out = run("assess_scheme", str(path), "--check")
        assert "检查通过（未保存）" in out and "末级标准 5 项" in out and not Scheme.objects.exists()
        out = run("assess_scheme", str(path))
        assert "已新建指标体系“测试考核”（test-scheme）第1版" in out
        assert "无需保存" in run("assess_scheme", str(path))
    scheme = Scheme.objects.get(code="test-scheme")
    assert JournalEntry.objects.filter(verb="assessment.scheme.create", actor=cast["office"]).count() == 1
    path.write_text(SCHEME_YAML.replace("name: 组织领导", "name: 组织领导和责任落实"), encoding="utf-8")
    with travel("2026-01-06"):
        out = run("assess_scheme", str(path), "--note", "改名")
    assert "已保存" in out and SchemeVersion.objects.filter(scheme=scheme).count() == 1   # no round used it yet


def test_scheme_command_prints_the_lines_of_errors(city, cast, tmp_path):
    bad = SCHEME_YAML.replace("      - {code: A1, name: 组织领导, points: 20, method: 查阅档案}\n",
                              "      - {code: A1, name: 组织领导, method: 查阅档案}\n")
    path = tmp_path / "bad.yaml"
    path.write_text(bad, encoding="utf-8")
    line = bad.splitlines().index("      - {code: A1, name: 组织领导, method: 查阅档案}") + 1
    with pytest.raises(CommandError) as exc:
        run("assess_scheme", str(path))
    message = str(exc.value)
    assert message.startswith("指标体系有 ") and "未保存" in message
    assert f"bad.yaml第{line}行" in message and "须写明分值 points" in message
    assert not Scheme.objects.exists()
    path.write_text("kind: scheme\ncode: x\n  bad: [", encoding="utf-8")
    with pytest.raises(CommandError, match="YAML 格式错误"):
        run("assess_scheme", str(path))
    elsewhere = SCHEME_YAML.replace("owner_unit: 区委办公室", "owner_unit: 不存在的办公室")
    path.write_text(elsewhere, encoding="utf-8")
    with pytest.raises(CommandError, match="不存在的办公室"):
        run("assess_scheme", str(path))


def test_scheme_command_needs_someone_of_the_office(city, cast, tmp_path):
    text = SCHEME_YAML.replace("region: 崂山区", "region: 青岛市").replace("owner_unit: 区委办公室", "owner_unit: 市南区")
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CommandError, match="没有找到“市南区”的督查室/办公室人员，请用 --as"):
        run("assess_scheme", str(path))
    with pytest.raises(CommandError, match="只有主办单位的督查室/办公室可以建立指标体系"):
        run("assess_scheme", str(path), "--as", "liaison_a")
    with pytest.raises(CommandError, match="用户“nobody”不存在"):
        run("assess_scheme", str(path), "--as", "nobody")
    assert not Scheme.objects.exists()


# ---- import, compute, export -------------------------------------------------------------------------------

def test_import_compute_and_export(assess, cast, city, tmp_path, travel):
    with travel("2026-02-02"):
        rnd = assess.round()
        path = matrix(tmp_path, FULL)
        out = run("assess_import", path, "--round", str(rnd.pk), "--evaluator", "evaluator", "--dry-run")
        assert "检查通过（未写入）：共 20 项分值，将写入 20 项（其中替换现有评分 0 项）" in out
        assert not Score.objects.exists()
        out = run("assess_import", path, "--round", str(rnd.pk), "--evaluator", "evaluator")
        assert "导入完成：共 20 项分值，写入 20 项" in out and "评估员 郑洁，4 个单位，20 项分值" in out
        assert "20 项与现有评分相同未变" in run("assess_import", path, "--round", str(rnd.pk), "--evaluator", "evaluator")
        assert Score.objects.filter(evaluator=cast["evaluator"], is_current=True).count() == 20
        entries = JournalEntry.objects.filter(verb="assessment.score.import")
        assert [e.actor for e in entries] == [cast["office"]] * 2     # acted as the office over the owner unit
        out = run("assess_compute", "--round", str(rnd.pk))
        assert "已计算“2026年1月”：4 个单位，其中 4 个参与排名" in out
        totals = dict(Result.objects.filter(round=rnd).values_list("unit__name", "total"))
        assert totals["中韩街道"] == 18 + 10 + 9 + 24 + 30

        xlsx, js, docx, pdf = (tmp_path / f"out.{ext}" for ext in ("xlsx", "json", "docx", "pdf"))
        run("assess_export", "--round", str(rnd.pk), "-o", str(xlsx))
        run("assess_export", "--round", str(rnd.pk), "-o", str(js))
        run("assess_export", "--round", str(rnd.pk), "-o", str(docx), "--issue", "5")
        out = run("assess_export", "--round", str(rnd.pk), "-o", str(pdf), "--unit", "中韩街道", "--unit", "区审批局")
        assert "已导出“2026年1月”到" in out
    ws = load_workbook(xlsx).active
    assert ws["B4"].value == "沙子口街道" and ws["H4"].value == 97          # 20+10+10+30+27
    table = json.loads(js.read_text(encoding="utf-8"))
    assert {r["unit"]: r["total"] for r in table["rows"]}["中韩街道"] == "91.00"
    doc = Document(str(docx))
    assert doc.paragraphs[1].text == "第5期"
    assert pdf.read_bytes().startswith(b"%PDF-")


def test_import_failure_lists_every_error_and_writes_nothing(assess, cast, tmp_path, travel):
    with travel("2026-02-02"):
        rnd = assess.round()
        path = matrix(tmp_path, [["中韩街道", 30, "达标", 0, "优", 100], ["不存在的街道", 1, "达标", 0, "优", 100]])
        with pytest.raises(CommandError) as exc:
            run("assess_import", path, "--round", str(rnd.pk), "--evaluator", "evaluator")
    message = str(exc.value)
    assert message.startswith("导入失败，共2处错误，未写入任何数据：")
    assert "工作表“评分”第2行“A1”列：超过该项应得分 20" in message
    assert "工作表“评分”第3行“单位名称”列：找不到单位“不存在的街道”" in message
    assert not Score.objects.exists()


@pytest.mark.parametrize("args, words", [
    (["--round", "999"], "考核期次 999 不存在"),
    (["--round", "x"], "应为数字"),
    (["--evaluator", "nobody"], "用户“nobody”不存在"),
    (["--as", "liaison_a"], "只有主办单位的督查室/办公室可以导入评分"),
])
def test_import_refusals(assess, cast, tmp_path, travel, args, words):
    with travel("2026-02-02"):
        rnd = assess.round()
        path = matrix(tmp_path, FULL)
        base = [path, "--round", str(rnd.pk)]
        if args[0] == "--round":
            base = [path] + args
        else:
            base += args
        with pytest.raises(CommandError, match=words):
            run("assess_import", *base)
    assert not Score.objects.exists()


def test_import_of_a_missing_file(assess, tmp_path, travel):
    with travel("2026-02-02"):
        rnd = assess.round()
        with pytest.raises(CommandError, match="No such file|没有|不存在"):
            run("assess_import", str(tmp_path / "无.xlsx"), "--round", str(rnd.pk))


def test_export_refusals(assess, cast, city, tmp_path, travel):
    with travel("2026-02-02"):
        rnd = assess.round()
        r = str(rnd.pk)
        with pytest.raises(CommandError, match="尚未计算结果"):
            run("assess_export", "--round", r, "-o", str(tmp_path / "a.xlsx"))
        run("assess_import", matrix(tmp_path, FULL), "--round", r, "--evaluator", "evaluator")
        run("assess_compute", "--round", r)
        with pytest.raises(CommandError, match="无法识别输出格式“.csv”"):
            run("assess_export", "--round", r, "-o", str(tmp_path / "a.csv"))
        with pytest.raises(CommandError, match="须用 --unit 指定单位"):
            run("assess_export", "--round", r, "-o", str(tmp_path / "a.pdf"))
        with pytest.raises(CommandError, match="--unit 只用于导出评分卡"):
            run("assess_export", "--round", r, "-o", str(tmp_path / "a.xlsx"), "--unit", "中韩街道")
        with pytest.raises(CommandError, match="“市南区”不是本期次的参评单位"):
            run("assess_export", "--round", r, "-o", str(tmp_path / "a.pdf"), "--unit", "市南区")
        with pytest.raises(CommandError, match="无法写入"):
            run("assess_export", "--round", r, "-o", str(tmp_path / "no-such-dir" / "a.json"))
    assert not list(tmp_path.glob("a.*"))


def test_compute_refusals(assess, cast, travel):
    with travel("2026-02-02"):
        rnd = assess.round()
        with pytest.raises(CommandError, match="只有主办单位的督查室/办公室可以计算结果"):
            run("assess_compute", "--round", str(rnd.pk), "--as", "evaluator")
    assert not Result.objects.exists()


def test_the_luoshi_command_maps_assess_import_and_exits_non_zero(assess, tmp_path, travel, monkeypatch, capsys):
    from django.db import connections

    from luoshi import cli

    # a command run from the command line closes the connections when it ends; keep the test's open
    monkeypatch.setattr(connections, "close_all", lambda: None)
    with travel("2026-02-02"):
        rnd = assess.round()
        bad = matrix(tmp_path, [["不存在的街道", 1, "达标", 0, "优", 100]])
        monkeypatch.setattr(sys, "argv", ["luoshi", "assess", "import", bad, "--round", str(rnd.pk)])
        with pytest.raises(SystemExit) as exc:
            cli.main()
    assert exc.value.code != 0
    assert "找不到单位“不存在的街道”" in capsys.readouterr().err
    assert not Score.objects.exists()
