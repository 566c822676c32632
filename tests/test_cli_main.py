"""`luoshi` as an interface (luoshi.cli.main in-process): groups list their commands, a command shows its
options, an unknown command says which exist; exit codes 0 / 1 / 2."""
from __future__ import annotations

import pytest
from django.db import connections

from luoshi import cli


@pytest.fixture(autouse=True)
def _keep_connections(monkeypatch):
    # a command run from the command line closes the connections when it ends; keep the test's open
    monkeypatch.setattr(connections, "close_all", lambda: None)


def test_top_level_help_lists_every_group_and_its_commands(capsys):
    assert cli.main(["--help"]) == 0
    out = capsys.readouterr().out
    for group, sub in (("assess", "rounds"), ("assess", "consequences"), ("ledger", "import"), ("tasks", "import"),
                       ("people", "import"), ("units", "import"), ("warnings", "run")):
        assert f"{group} {sub}" in out
    assert "考核测评" in out and "demo" in out


def test_no_arguments_prints_the_same_listing(capsys):
    assert cli.main([]) == 0
    assert "assess rounds" in capsys.readouterr().out


@pytest.mark.parametrize("group, subs", [
    ("assess", ["compute", "consequences", "evaluators", "export", "import", "rounds", "scheme"]),
    ("ledger", ["export", "import", "recount"]),
    ("tasks", ["export", "import", "recount"]),
    ("people", ["import", "list", "password"]),
])
def test_group_help_lists_its_commands_with_one_line_each(group, subs, capsys):
    assert cli.main([group, "--help"]) == 0
    out = capsys.readouterr().out
    listed = [line.split()[0] for line in out.splitlines() if line.startswith("  ")]
    assert listed == subs
    assert "Unknown command" not in out
    # every command has its one-line help beside it
    assert all(len(line.split(maxsplit=1)) == 2 for line in out.splitlines() if line.startswith("  "))


def test_group_without_a_command_is_a_usage_error(capsys):
    assert cli.main(["ledger"]) == 2
    err = capsys.readouterr().err
    assert "import" in err and "export" in err


def test_unknown_subcommand_names_the_ones_that_exist(capsys):
    assert cli.main(["assess", "frobnicate"]) == 2
    err = capsys.readouterr().err
    assert "没有命令“frobnicate”" in err and "rounds" in err and "compute" in err


def test_command_help_shows_its_options_under_its_two_word_name(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["assess", "compute", "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: luoshi assess compute") and "--round" in out


def test_nested_subcommand_help(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["assess", "rounds", "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for action in ("list", "create", "advance", "publish", "finalize"):
        assert action in out
    with pytest.raises(SystemExit):
        cli.main(["assess", "rounds", "create", "--help"])
    out = capsys.readouterr().out
    assert "luoshi assess rounds create" in out and "--scheme" in out and "--start" in out


def test_missing_option_exits_2_and_says_which(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["assess", "compute"])
    assert exc.value.code == 2
    assert "--round" in capsys.readouterr().err


@pytest.mark.django_db
def test_a_refusal_exits_1_with_the_message(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["assess", "compute", "--round", "999999"])
    assert exc.value.code == 1
    assert "考核期次 999999 不存在" in capsys.readouterr().err


def test_other_django_commands_still_run(monkeypatch):
    import django.core.management as management

    seen = []
    monkeypatch.setattr(management, "execute_from_command_line", lambda argv: seen.append(argv))
    assert cli.main(["migrate", "--plan"]) == 0
    assert cli.main(["tasks_import", "x.xlsx"]) == 0          # the one-word name keeps working
    assert seen == [["luoshi", "migrate", "--plan"], ["luoshi", "tasks_import", "x.xlsx"]]


def test_two_word_invocation_runs_the_command(monkeypatch):
    seen = []
    monkeypatch.setattr(cli, "run_command", lambda name, shown, args: seen.append((name, shown, args)))
    assert cli.main(["units", "import", "a.xlsx", "--dry-run"]) == 0
    assert seen == [("units_import", "units import", ["a.xlsx", "--dry-run"])]


def test_every_group_in_the_top_help_has_a_title(capsys):
    assert cli.main(["--help"]) == 0
    groups = [line.split(maxsplit=1) for line in capsys.readouterr().out.splitlines()
              if line.startswith("  ") and not line.startswith("    ")]
    assert groups and all(len(parts) == 2 for parts in groups), groups
