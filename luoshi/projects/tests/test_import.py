"""The project sheet: amounts and dates as the offices write them; a refused sheet leaves the database unchanged
and names every bad row and column."""
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from luoshi.core.excel import ImportFailed
from luoshi.core.models import JournalEntry
from luoshi.projects import figures
from luoshi.projects.excel import parse_amount, parse_date, projects_import_xlsx
from luoshi.projects.models import Project, ProjectMonth, ProjectTally

HEAD = ["项目编号", "项目名称", "项目类型", "所在区市", "镇街", "主抓单位", "建设单位", "审批部门", "包联领导",
        "总投资（万元）", "年度计划投资（万元）", "计划开工", "计划投产", "1月计划", "2月计划"]


def sheet(rows) -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "重点项目"
    ws.append(["2026年重点项目动态管理清单"])
    ws.append(HEAD)
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


GOOD = [
    ["LS-10", "崂山科创中心", "产业项目", "崂山区", "中韩街道", "中韩街道", "青岛某科技有限公司", "区审批局", "高远",
     "2亿元", "12000万元", "一季度", "年底前", "1000", "1,500万"],
    ["LS-11", "沙子口冷链物流", "industry", "崂山区", "沙子口街道", "沙子口街道", "青岛某物流公司", "", "",
     "35000", "8000", date_cell := dt.date(2026, 5, 31), "2026-12-31", "", ""],
]


def test_amounts_and_dates():
    assert parse_amount("2亿元") == Decimal(20000)
    assert parse_amount("12000万元") == Decimal(12000)
    assert parse_amount("1.5亿") == Decimal(15000)
    assert parse_amount("3,500") == Decimal(3500)
    assert parse_amount("500000元") == Decimal(50)
    with pytest.raises(ValueError, match="无法识别"):
        parse_amount("两个亿")
    assert parse_date("一季度开工", year=2026) == dt.date(2026, 3, 31)
    assert parse_date("6月底前", year=2026) == dt.date(2026, 6, 30)
    with pytest.raises(ValueError):
        parse_date("尽快", year=2026)


def test_a_good_sheet_imports_and_the_figures_follow(proj, travel):
    with travel("2026-01-08"):
        report = projects_import_xlsx(by=proj["city_office"], program=proj["program"], data=sheet(GOOD), source="清单.xlsx")
    assert (report.created, report.updated) == (2, 0)
    p = Project.objects.get(code="LS-10")
    assert (p.total_investment, p.annual_plan, p.plan_start, p.plan_produce) == (
        Decimal(20000), Decimal(12000), dt.date(2026, 3, 31), dt.date(2026, 12, 31))
    assert p.leader == proj["city_leader"] and [u.name for u in p.approval_units.all()] == ["区行政审批服务局"]
    assert list(p.months.values_list("month", "planned")) == [(dt.date(2026, 1, 1), Decimal(1000)),
                                                              (dt.date(2026, 2, 1), Decimal(1500))]
    assert Project.objects.get(code="LS-11").plan_start == dt.date(2026, 5, 31)
    assert JournalEntry.objects.filter(verb="projects.import_row").count() == 2
    assert figures.program_check(proj["program"].pk) == []


def test_a_bad_sheet_changes_nothing_and_says_where(proj, travel):
    bad = [list(GOOD[0]), list(GOOD[1]), list(GOOD[1])]
    bad[0][3] = "不存在区"          # D: 所在区市
    bad[0][9] = "两个亿"            # J: 总投资
    bad[1][2] = "农业项目"          # C: 类型
    bad[2][11] = "尽快"             # L: 计划开工 (and the code repeats row 4's)
    before = (Project.objects.count(), ProjectMonth.objects.count(), ProjectTally.objects.count(),
              JournalEntry.objects.count())
    with travel("2026-01-08"), pytest.raises(ImportFailed) as e:
        projects_import_xlsx(by=proj["city_office"], program=proj["program"], data=sheet(bad))
    messages = [str(x) for x in e.value.errors]
    assert any("第3行" in m and "“所在区市”列" in m and "不存在区" in m for m in messages)
    assert any("第3行" in m and "“总投资（万元）”列" in m for m in messages)
    assert any("第4行" in m and "“项目类型”列" in m and "农业项目" in m for m in messages)
    assert any("第5行" in m and "“计划开工”列" in m for m in messages)
    assert any("第5行" in m and "与第4行重复" in m for m in messages)
    assert (Project.objects.count(), ProjectMonth.objects.count(), ProjectTally.objects.count(),
            JournalEntry.objects.count()) == before


def test_import_page_refuses_with_located_errors(proj, client_for, travel):
    from django.core.files.uploadedfile import SimpleUploadedFile

    c = client_for(proj["city_office"])
    url = reverse("projects_import", args=[proj["program"].code])
    bad = [list(GOOD[0])]
    bad[0][1] = ""
    with travel("2026-01-08"):
        r = c.post(url, {"file": SimpleUploadedFile("x.xlsx", sheet(bad))})
        assert "第3行" in r.content.decode() and "请填写项目名称" in r.content.decode()
        r = c.post(url, {"file": SimpleUploadedFile("x.xlsx", b"not excel")})
        assert "不是 Excel" in r.content.decode()
        r = c.post(url, {"file": SimpleUploadedFile("x.xlsx", sheet(GOOD))})
        assert r.status_code == 302
    assert Project.objects.filter(code__in=["LS-10", "LS-11"]).count() == 2


def test_commands_import_and_recount(proj, tmp_path, travel):
    from django.core.management import CommandError, call_command

    path = tmp_path / "清单.xlsx"
    path.write_bytes(sheet(GOOD))
    with travel("2026-01-08"):
        call_command("projects_import", str(path), program=proj["program"].code, username="city_office")
    assert Project.objects.filter(code="LS-10").exists()
    call_command("projects_recount", check=True)
    ProjectTally.objects.filter(figure="projects", dim="all").update(value=99)
    with pytest.raises(CommandError, match="不一致"):
        call_command("projects_recount", check=True)
    call_command("projects_recount")
    call_command("projects_recount", check=True)
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"junk")
    with pytest.raises(CommandError, match="导入失败"):
        call_command("projects_import", str(bad), program=proj["program"].code, username="city_office")


def _db_state(program):
    from luoshi.projects.models import ProjectEvent, ProjectUnit

    return (sorted(Project.objects.filter(program=program).values_list(
                "code", "name", "street_id", "total_investment", "plan_start", "light", "updated_at")),
            sorted(ProjectMonth.objects.filter(project__program=program).values_list("project_id", "month", "planned")),
            sorted(ProjectUnit.objects.filter(project__program=program).values_list("project_id", "unit_id", "role")),
            sorted(ProjectTally.objects.filter(program=program).values_list("dim", "key", "month", "figure", "value")),
            ProjectEvent.objects.count(), JournalEntry.objects.count())


def test_reimporting_existing_projects_writes_only_what_changed(proj, city, cast, travel):
    """The bulk update path: an unchanged re-import writes no project (one journal row for the import itself); a
    changed one updates fields, units, monthly plan, lights and every figure, and keeps what the sheet does not say
    (建设单位's account, 专班, publication)."""
    from luoshi.projects import services

    program, office = proj["program"], proj["city_office"]
    with travel("2026-01-08"):
        projects_import_xlsx(by=office, program=program, data=sheet(GOOD))
        ten = Project.objects.get(code="LS-10")
        Project.team.through.objects.create(project_id=ten.pk, person_id=cast["liaison_a"].pk)
        services.project_publish(by=office, project=ten, public=True, summary="公开简介")
        before = _db_state(program)
        report = projects_import_xlsx(by=office, program=program, data=sheet(GOOD))
        assert (report.created, report.updated, report.unchanged) == (0, 0, 2)
        state = _db_state(program)
        assert state[:5] == before[:5] and state[5] == before[5] + 1  # only the import's own journal row
    changed = [list(GOOD[0]), list(GOOD[1])]
    changed[0][4] = "沙子口街道"      # 镇街 moves: its units and the street's figures follow
    changed[0][13] = "3000"           # 1月计划
    changed[1][9] = "4亿元"           # 总投资
    changed.append(["LS-12", "新增项目", "industry", "崂山区", "", "中韩街道", "某公司", "", "", "1亿元", "", "二季度", "", "", ""])
    with travel("2026-02-03"):
        report = projects_import_xlsx(by=office, program=program, data=sheet(changed))
        assert (report.created, report.updated, report.unchanged) == (1, 2, 0)
    ten.refresh_from_db()
    assert ten.street == city["street_b"] and ten.is_public and ten.public_summary == "公开简介"
    assert list(ten.team.all()) == [cast["liaison_a"]]
    assert ten.months.get(month=dt.date(2026, 1, 1)).planned == Decimal(3000)
    assert Project.objects.get(code="LS-11").total_investment == Decimal(40000)
    rows = JournalEntry.objects.filter(verb="projects.import_row", at__date=dt.date(2026, 2, 3))
    assert rows.count() == 3
    assert figures.program_check(program.pk) == []
    year = figures.period_parse("2026", today=dt.date(2026, 2, 3))
    by_unit = figures.figures_by_key(program.pk, "unit", year, [str(city["street_a"].pk), str(city["street_b"].pk)])
    # 中韩街道 leads a, LS-10 and LS-12; LS-10 now stands in 沙子口街道, which also leads b, c and LS-11
    assert by_unit[str(city["street_a"].pk)].projects == 3
    assert by_unit[str(city["street_b"].pk)].projects == 4


def test_a_bad_reimport_changes_nothing(proj, travel):
    program, office = proj["program"], proj["city_office"]
    with travel("2026-01-08"):
        projects_import_xlsx(by=office, program=program, data=sheet(GOOD))
        before = _db_state(program)
        bad = [list(GOOD[0]), list(GOOD[1])]
        bad[0][9] = "50000"
        bad[1][10] = "99999"  # 年度计划 above 总投资
        with pytest.raises(ImportFailed) as e:
            projects_import_xlsx(by=office, program=program, data=sheet(bad))
        assert any("第4行" in str(x) for x in e.value.errors)
        assert _db_state(program) == before


def test_overlong_cells_are_refused_where_they_are(proj, travel):
    """A code, name or builder longer than its column holds is refused with its row and column, not stored (SQLite)
    or failed on (PostgreSQL)."""
    bad = [list(GOOD[0]), list(GOOD[1])]
    bad[0][0] = "LS-" + "9" * 40   # A: 项目编号, 43 characters
    bad[1][1] = "冷" * 201         # B: 项目名称
    bad[1][6] = "青" * 201         # G: 建设单位
    before = (Project.objects.count(), JournalEntry.objects.count())
    with travel("2026-01-08"), pytest.raises(ImportFailed) as e:
        projects_import_xlsx(by=proj["city_office"], program=proj["program"], data=sheet(bad))
    messages = [str(x) for x in e.value.errors]
    assert any("第3行" in m and "“项目编号”列" in m and "最多 40 字，现有 43 字" in m for m in messages)
    assert any("第4行" in m and "“项目名称”列" in m and "最多 200 字，现有 201 字" in m for m in messages)
    assert any("第4行" in m and "“建设单位”列" in m and "最多 200 字" in m for m in messages)
    assert (Project.objects.count(), JournalEntry.objects.count()) == before
