"""The installed `luoshi` command, run as a subprocess against its own temporary SQLite database:
preset load, tasks import (dry run, errors, real), tasks export, units import. Exit codes and messages
are what an operator sees; the database is read back with sqlite3."""
from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from luoshi.core.testing import HANG_GUARD_S
from luoshi.tasks.tests.sheets import load, office_sheet, plain_sheet, task

ROOT = Path(__file__).resolve().parent.parent
LUOSHI = ROOT / ".venv" / "bin" / "luoshi"

pytestmark = [
    pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")),
                       reason="tests the command, not the database: run only on the SQLite pass"),
    pytest.mark.skipif(not LUOSHI.exists(), reason="the luoshi executable is not installed in .venv"),
]

ROWS = [
    "一、助企服务",                                                                               # row 4
    task("1", "建设助企服务“一张网”", "建成统一平台", "区行政审批局", "各街道", "", "6月底前完成方案，年底前全面完成"),
    task("（1）", "制定平台建设方案", "", "崂山区行政审批服务局", "", "", "三季度"),                # row 6
    task("2", "完善制度创新清单", "", "区委办公室、区发改局", "", "", "每月"),                      # row 7
    "二、优化营商环境",
    task("1", "政策兑现“免申即享”", "", "区科创委", "区直各部门", "", "长期坚持"),
]
CODES = ["1-1", "1-1.1", "1-2", "2-1"]


def environ(var_dir: Path) -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "LUOSHI_MEDIA_ROOT", "LUOSHI_TEST_SQLITE")}
    env.update(LUOSHI_VAR_DIR=str(var_dir), DJANGO_SETTINGS_MODULE="config.settings", PYTHONIOENCODING="utf-8")
    return env


def luoshi(var_dir: Path, *args, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([str(LUOSHI), *map(str, args)], env=environ(var_dir), cwd=cwd or var_dir,
                          capture_output=True, text=True, timeout=HANG_GUARD_S)


class Db:
    def __init__(self, var_dir: Path):
        self.var_dir = var_dir
        self.path = var_dir / "luoshi.sqlite3"

    def one(self, sql: str, *params):
        con = sqlite3.connect(self.path)
        try:
            return con.execute(sql, params).fetchone()[0]
        finally:
            con.close()

    def all(self, sql: str, *params):
        con = sqlite3.connect(self.path)
        try:
            return con.execute(sql, params).fetchall()
        finally:
            con.close()

    def counts(self) -> dict:
        return {t: self.one(f"SELECT COUNT(*) FROM {t}") for t in (
            "org_unit", "programs_program", "tasks_task", "tasks_taskassignment", "core_journalentry")}


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """One migrated database with the qingdao units, copied for each test."""
    var = tmp_path_factory.mktemp("luoshi-cli-base")
    migrate = luoshi(var, "migrate", "--noinput", "-v0")
    assert migrate.returncode == 0, migrate.stderr
    preset = luoshi(var, "preset", "load", "qingdao")
    return var, preset


@pytest.fixture
def cli_db(base, tmp_path):
    var = tmp_path / "var"
    var.mkdir()
    for f in base[0].glob("luoshi.sqlite3*"):
        shutil.copy(f, var / f.name)
    return Db(var)


def test_preset_load(base, cli_db):
    preset = base[1]
    assert preset.returncode == 0, preset.stderr
    created = int(re.search(r"已新建 (\d+) 个单位", preset.stdout).group(1))
    assert created == cli_db.one("SELECT COUNT(*) FROM org_unit") > 100
    assert cli_db.one("SELECT COUNT(*) FROM org_unit WHERE kind = 'district'") == 10
    before = cli_db.counts()
    again = luoshi(cli_db.var_dir, "preset", "load", "qingdao")
    assert again.returncode == 0 and "已新建 0 个单位" in again.stdout
    assert cli_db.counts() == before


def test_tasks_import_dry_run_writes_nothing(cli_db):
    sheet = cli_db.var_dir / "清单.xlsx"
    sheet.write_bytes(office_sheet(ROWS))
    before = cli_db.counts()
    r = luoshi(cli_db.var_dir, "tasks", "import", sheet, "--program", "p1", "--owner", "崂山区/区委办公室", "--year", "2026",
               "--dry-run")
    assert r.returncode == 0, r.stderr
    assert "检查通过（未写入）：将新建 4 项" in r.stdout
    assert cli_db.counts() == before
    assert cli_db.one("SELECT COUNT(*) FROM programs_program WHERE code = 'p1'") == 0


def test_tasks_import_bad_sheet(cli_db):
    rows = ROWS + [task("2", "诉求办结", "", "区不存在局", "有关部门", "李四", "尽快")]  # row 10
    sheet = cli_db.var_dir / "bad.xlsx"
    sheet.write_bytes(office_sheet(rows, sheet_title="清单"))
    before = cli_db.counts()
    r = luoshi(cli_db.var_dir, "tasks", "import", sheet, "--program", "p1", "--owner", "崂山区/区委办公室", "--year", "2026")
    assert r.returncode != 0
    assert "共4处错误，未写入任何数据" in r.stderr
    for column, message in (("牵头单位", "找不到单位“区不存在局”"), ("配合单位", "“有关部门”不明确"),
                            ("责任领导", "找不到责任领导“李四”"), ("完成时限", "无法识别的完成时限“尽快”")):
        assert f"工作表“清单”第10行“{column}”列：{message}" in r.stderr, r.stderr
    assert "导入完成" not in r.stdout
    assert cli_db.counts() == before


def test_tasks_import_then_export(cli_db):
    sheet = cli_db.var_dir / "清单.xlsx"
    sheet.write_bytes(office_sheet(ROWS))
    r = luoshi(cli_db.var_dir, "tasks", "import", sheet, "--program", "p1", "--owner", "崂山区/区委办公室", "--year", "2026")
    assert r.returncode == 0, r.stderr
    assert "导入完成：新建 4 项，更新 0 项，未变 0 项（共 4 行）" in r.stdout
    assert cli_db.one("SELECT year FROM programs_program WHERE code = 'p1'") == 2026
    assert [c for (c,) in cli_db.all("SELECT t.code FROM tasks_task t JOIN programs_program p ON p.id = t.program_id "
                                   "WHERE p.code = 'p1' ORDER BY t.sort_order")] == CODES
    assert cli_db.one("SELECT COUNT(*) FROM tasks_taskassignment") > 4
    assert cli_db.one("SELECT deadline FROM tasks_task WHERE code = '1-1'") == "2026-12-31"

    out = cli_db.var_dir / "out.xlsx"
    r = luoshi(cli_db.var_dir, "tasks", "export", "--program", "p1", "-o", out)
    assert r.returncode == 0, r.stderr
    assert "已导出 4 项任务" in r.stdout
    rows = [list(x) for x in load(out.read_bytes()).iter_rows(values_only=True)]
    assert rows[0][0] == "2026年崂山区助企服务工作要点任务分解表"
    assert rows[2][:8] == ["序号", "任务内容", "具体措施/目标", "牵头单位", "配合单位", "责任领导", "完成时限", "备注"]
    assert [r[0] for r in rows[3:]] == ["一、助企服务", "1", "（1）", "2", "二、优化营商环境", "1"]


def test_units_import(cli_db):
    good = cli_db.var_dir / "units.xlsx"
    good.write_bytes(plain_sheet([["单位名称", "上级单位", "单位类型", "简称", "编码"],
                                  ["科创园一期", "崂山科创园", "功能区", "", ""],
                                  ["崂山科创园", "崂山区", "功能区", "科创园", "LS-Z1"]]))
    bad = cli_db.var_dir / "bad-units.xlsx"
    bad.write_bytes(plain_sheet([["单位名称", "上级单位", "单位类型"],
                                 ["甲", "不存在的单位", "部门"],
                                 ["乙", "崂山区", "县"]], sheet_title="单位"))
    before = cli_db.counts()
    r = luoshi(cli_db.var_dir, "units", "import", bad)
    assert r.returncode != 0
    assert "工作表“单位”第2行“上级单位”列：找不到上级单位“不存在的单位”" in r.stderr
    assert "工作表“单位”第3行“单位类型”列：未知的单位类型“县”" in r.stderr
    assert cli_db.counts() == before

    r = luoshi(cli_db.var_dir, "units", "import", good)
    assert r.returncode == 0, r.stderr
    assert "已导入 2 个单位" in r.stdout
    assert cli_db.one("SELECT p.name FROM org_unit u JOIN org_unit p ON p.id = u.parent_id WHERE u.name = '科创园一期'") == \
        "崂山科创园"
    assert cli_db.one("SELECT p.name FROM org_unit u JOIN org_unit p ON p.id = u.parent_id WHERE u.name = '崂山科创园'") == \
        "崂山区"
    assert cli_db.counts()["org_unit"] == before["org_unit"] + 2
