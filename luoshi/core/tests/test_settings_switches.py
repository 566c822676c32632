"""Switches and numbers read from the environment (config.env: env_bool, env_int, env_count_seconds): the
words for on and off, whole numbers, "count,seconds" pairs, and a clear refusal naming the variable of
anything else (a typo used to switch a setting off silently, or stop the start with Python's own ValueError)."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool

ROOT = Path(__file__).resolve().parents[3]
START = "import django; django.setup()"


def _run(code: str, settings: bool = True, **variables) -> subprocess.CompletedProcess:
    """`code` run by a new Python in the repository with these environment variables (and Django's settings module)."""
    env = dict(os.environ, **({"DJANGO_SETTINGS_MODULE": "config.settings"} if settings else {}), **variables)
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)


@pytest.mark.parametrize("word,expected", [("1", True), ("true", True), ("Yes", True), (" ON ", True),
                                           ("0", False), ("false", False), ("No", False), ("off", False), ("", False)])
def test_the_words_for_on_and_off(monkeypatch, word, expected):
    monkeypatch.setenv("LUOSHI_TEST_SWITCH", word)
    assert env_bool("LUOSHI_TEST_SWITCH", not expected) is expected


def test_unset_gives_the_default(monkeypatch):
    monkeypatch.delenv("LUOSHI_TEST_SWITCH", raising=False)
    assert env_bool("LUOSHI_TEST_SWITCH", True) is True
    assert env_bool("LUOSHI_TEST_SWITCH", False) is False


@pytest.mark.parametrize("word", ["ture", "2", "enabled", "y e s"])
def test_anything_else_is_refused_with_the_variable_named(monkeypatch, word):
    monkeypatch.setenv("LUOSHI_TEST_SWITCH", word)
    with pytest.raises(ImproperlyConfigured, match="环境变量 LUOSHI_TEST_SWITCH 应为 1 或 0") as e:
        env_bool("LUOSHI_TEST_SWITCH", False)
    assert "must be 1 or 0" in str(e.value) and repr(word) in str(e.value)


def test_a_typo_stops_the_start():
    out = _run(START, LUOSHI_SECURE_COOKIES="ture")
    assert out.returncode != 0
    assert "LUOSHI_SECURE_COOKIES" in out.stderr and "'ture'" in out.stderr


def test_whole_numbers_from_the_environment(monkeypatch):
    from config.env import env_int

    monkeypatch.setenv("LUOSHI_TEST_NUMBER", " 42 ")
    assert env_int("LUOSHI_TEST_NUMBER", 7) == 42
    monkeypatch.setenv("LUOSHI_TEST_NUMBER", "")
    assert env_int("LUOSHI_TEST_NUMBER", 7) == 7
    for bad in ("4O", "-1", "1.5", "六十"):
        monkeypatch.setenv("LUOSHI_TEST_NUMBER", bad)
        with pytest.raises(ImproperlyConfigured, match="环境变量 LUOSHI_TEST_NUMBER 应为不小于 0 的整数") as e:
            env_int("LUOSHI_TEST_NUMBER", 7)
        assert repr(bad) in str(e.value)


def test_a_mistyped_number_stops_the_start():
    out = _run(START, LUOSHI_IMPORT_MAX_ROWS="2万")
    assert out.returncode != 0 and "LUOSHI_IMPORT_MAX_ROWS" in out.stderr and "'2万'" in out.stderr


def test_count_and_seconds_from_the_environment(monkeypatch):
    from config.env import env_count_seconds

    monkeypatch.setenv("LUOSHI_TEST_LIMIT", " 3, 600 ")
    assert env_count_seconds("LUOSHI_TEST_LIMIT", (5, 900)) == (3, 600)
    monkeypatch.setenv("LUOSHI_TEST_LIMIT", "3，600")  # a full-width comma, as a Chinese keyboard types it
    assert env_count_seconds("LUOSHI_TEST_LIMIT", (5, 900)) == (3, 600)
    monkeypatch.delenv("LUOSHI_TEST_LIMIT")
    assert env_count_seconds("LUOSHI_TEST_LIMIT", (5, 900)) == (5, 900)
    for bad in ("5", "5,900,1", "0,900", "5,", "五,900", "5;900"):
        monkeypatch.setenv("LUOSHI_TEST_LIMIT", bad)
        with pytest.raises(ImproperlyConfigured, match="环境变量 LUOSHI_TEST_LIMIT 应为“次数,秒数”") as e:
            env_count_seconds("LUOSHI_TEST_LIMIT", (5, 900))
        assert repr(bad) in str(e.value) and "count,seconds" in str(e.value)


def test_a_mistyped_login_limit_stops_the_start():
    out = _run(START, LUOSHI_LOGIN_LIMIT_ACCOUNT="5次,900秒")
    assert out.returncode != 0 and "LUOSHI_LOGIN_LIMIT_ACCOUNT" in out.stderr and "次数,秒数" in out.stderr


def test_seconds_from_the_environment(monkeypatch):
    from config.env import env_seconds

    monkeypatch.setenv("LUOSHI_TEST_SECONDS", " 2.5 ")
    assert env_seconds("LUOSHI_TEST_SECONDS", 5.0) == 2.5
    monkeypatch.setenv("LUOSHI_TEST_SECONDS", "")
    assert env_seconds("LUOSHI_TEST_SECONDS", 5.0) == 5.0
    for bad in ("0", "-1", "5秒", "nan", "inf", "1,5"):
        monkeypatch.setenv("LUOSHI_TEST_SECONDS", bad)
        with pytest.raises(ImproperlyConfigured, match="环境变量 LUOSHI_TEST_SECONDS 应为大于 0 的秒数") as e:
            env_seconds("LUOSHI_TEST_SECONDS", 5.0)
        assert repr(bad) in str(e.value)


def test_the_code_sending_limits_are_checked_at_the_start():
    """"条数/秒数": a typo used to fail only when someone asked for a code (a 500), now at the start."""
    out = _run(START, LUOSHI_VERIFY_THROTTLE="10 per hour")
    assert out.returncode != 0 and "LUOSHI_VERIFY_THROTTLE" in out.stderr and "次数/秒数" in out.stderr
    out = _run(f"{START}; from django.conf import settings; print(settings.LUOSHI_VERIFY_THROTTLE)",
               LUOSHI_VERIFY_THROTTLE="3／60")  # a full-width slash
    assert out.stdout.strip() == "(3, 60)"


def test_gunicorn_reads_its_numbers_through_the_same_check():
    out = _run("import runpy; runpy.run_path('gunicorn.conf.py')", settings=False, LUOSHI_WEB_WORKERS="三")
    assert out.returncode != 0 and "LUOSHI_WEB_WORKERS" in out.stderr and "'三'" in out.stderr
    out = _run("import runpy; print(runpy.run_path('gunicorn.conf.py')['workers'])", settings=False,
               LUOSHI_WEB_WORKERS="4")
    assert out.stdout.strip() == "4"
