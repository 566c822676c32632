"""The preset registry (core.presets): every shipped file under presets/ is of a registered kind and valid;
`luoshi presets check` names each problem's file, line and key and exits 1; a kind that is not loaded on its
own is refused by `preset load` with a hint."""
from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from luoshi.core.excel import ImportFailed
from luoshi.core.testing import HANG_GUARD_S
from luoshi.core.presets import PRESET_DIR, preset_check, preset_files, preset_kind_of, preset_kinds, preset_load

ROOT = Path(__file__).resolve().parents[3]


def test_every_app_registered_its_kinds():
    assert {"units", "program", "ledger", "scheme", "ideas_scheme", "intake", "calendar"} <= set(preset_kinds())


@pytest.mark.parametrize("path", preset_files(), ids=lambda p: str(p.relative_to(PRESET_DIR)))
def test_every_shipped_preset_is_valid(path):
    assert preset_check(path) == []
    assert preset_kind_of(path.read_text(encoding="utf-8"), path.name).kind in preset_kinds()


def test_the_check_command_passes_on_the_shipped_presets(capsys):
    call_command("presets_check")
    out = capsys.readouterr().out
    assert f"共检查 {len(preset_files())} 个文件，全部无误。" in out
    assert "✓ presets/units/qingdao.yaml" in out


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def test_the_check_command_lists_each_problem_and_fails(tmp_path, capsys):
    good = _write(tmp_path, "good.yaml", (PRESET_DIR / "ideas" / "gaige-jindianzi.yaml").read_text(encoding="utf-8"))
    broken = _write(tmp_path, "broken.yaml", """
        kind: units
        name: broken
        units:
          - name: 某市
            kind: county
            colour: red
        """)
    unknown = _write(tmp_path, "what.yaml", "kind: recipe\nname: x\n")
    with pytest.raises(CommandError, match="2 个文件有错误（共检查 3 个）"):
        call_command("presets_check", str(good), str(broken), str(unknown))
    out = capsys.readouterr().out
    assert "✗" in out and "broken.yaml：2 处错误" in out
    assert "broken.yaml第5行（units.0.kind）：须为 " in out
    assert "broken.yaml第6行（units.0.colour）：不认识的键（拼写有误？）" in out
    assert "what.yaml第1行（kind）：预置文件须以 kind 开头" in out and "kind: scheme（指标体系）" in out
    assert "✓" in out and "good.yaml" in out


def test_the_check_command_takes_a_directory_or_a_name(tmp_path, capsys):
    _write(tmp_path, "a.yaml", "kind: calendar\nname: x\nyears:\n  2026: {holidays: [], workdays: [2026-13-01]}\n")
    with pytest.raises(CommandError, match="1 个文件有错误"):
        call_command("presets_check", str(tmp_path))
    out = capsys.readouterr().out
    assert "a.yaml：1 处错误" in out and "a.yaml第4行：“2026-13-01”不是有效的日期" in out
    call_command("presets_check", "qingdao")
    assert "共检查 1 个文件，全部无误。" in capsys.readouterr().out
    with pytest.raises(CommandError, match="找不到预置方案“nope”"):
        call_command("presets_check", "nope")


def test_the_command_exits_1_on_an_error(tmp_path):
    bad = _write(tmp_path, "bad.yaml", "kind: ledger\ncode: x\n  name: [\n")
    env_python = sys.executable
    run = subprocess.run([env_python, "manage.py", "presets_check", str(bad)], cwd=ROOT, capture_output=True,
                         text=True, timeout=HANG_GUARD_S)
    assert run.returncode == 1
    assert "bad.yaml第3行：YAML 格式错误" in run.stdout
    ok = subprocess.run([env_python, "manage.py", "presets_check", "-v0"], cwd=ROOT, capture_output=True, text=True,
                        timeout=HANG_GUARD_S)
    assert ok.returncode == 0, ok.stderr


def test_a_kind_without_a_loader_is_refused_with_a_hint(db):
    with pytest.raises(ImportFailed, match="“gaige-jindianzi”是金点子评审方案，不能单独加载。.*luoshi ideas campaign"):
        preset_load(by=None, name="gaige-jindianzi")
