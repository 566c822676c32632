"""The `luoshi` command.

The project's manage.py commands named `GROUP_NAME` are reached as `luoshi GROUP NAME …`
(`luoshi units import FILE` runs `units_import FILE`); a group lists its commands:

    luoshi --help                 the groups and their commands, one line each
    luoshi GROUP --help           the commands of a group
    luoshi GROUP NAME --help      the options of one command
    luoshi COMMAND …              any other manage.py command (migrate, createsuperuser, runserver …)

Exit codes: 0 done; 1 the command refused or failed (its message on stderr); 2 a usage error (an
unknown command, a missing or wrong option).
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

HELP_FLAGS = ("-h", "--help", "help")


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    root = Path(__file__).resolve().parent.parent
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    import django

    django.setup()


def _group_titles() -> dict[str, str]:
    from django.utils.translation import gettext as _

    return {
        "units": _("单位树"),
        "people": _("人员、账号与角色"),
        "preset": _("预置方案（单位树、专项工作、问题台账、指标体系、诉求受理、工作日历）"),
        "presets": _("检查预置方案文件（按种类校验，指出行号）"),
        "tasks": _("专项工作的任务清单"),
        "warnings": _("每日预警与提醒"),
        "ledger": _("问题台账"),
        "assess": _("考核测评：指标体系、期次、评估员、评分、结果、后果措施"),
        "intake": _("群众诉求受理"),
        "ideas": _("金点子征集"),
        "projects": _("重点项目：清单导入、计数核对"),

        "policies": _("惠企政策：政策词典、企业画像、免申即享"),
        "calendar": _("法定节假日与调休"),
        "token": _("接口令牌"),
    }


def project_commands() -> dict[str, str]:
    """{command name: app} for the commands this project defines (not Django's own)."""
    from django.core.management import get_commands

    return {name: app for name, app in get_commands().items() if app.startswith("luoshi.")}


def groups() -> dict[str, list[str]]:
    """{group: [command names]} for the project's `group_name` commands, sorted."""
    out: dict[str, list[str]] = {}
    for name in sorted(project_commands()):
        if "_" in name:
            group, sub = name.split("_", 1)
            out.setdefault(group, []).append(sub)
    return out


def _load(name: str):
    from django.core.management import load_command_class

    return load_command_class(project_commands()[name], name)


def summary(name: str) -> str:
    """The first sentence of a command's help: its line in a listing."""
    text = str(_load(name).help or "").strip()
    end = text.find("。")
    return text[:end + 1] if end > 0 else text


def _lines(rows: list[tuple[str, str]], indent: int = 2) -> list[str]:
    width = max((len(a) for a, _ in rows), default=0)
    return [" " * indent + a.ljust(width + 2) + b for a, b in rows]


def main_help() -> str:
    from django.utils.translation import gettext as _

    titles = _group_titles()
    out = [_("用法：luoshi 命令组 命令 [选项]    （luoshi 命令组 --help 列出该组的命令）"), "", _("命令组：")]
    for group, subs in groups().items():
        out.append(f"  {group}  {titles.get(group, '')}")
        out += _lines([(f"{group} {sub}", summary(f"{group}_{sub}")) for sub in subs], indent=4)
    singles = [name for name in sorted(project_commands()) if "_" not in name]
    if singles:
        out += ["", _("单独命令：")] + _lines([(name, summary(name)) for name in singles])
    out += ["", _("Django 的管理命令（migrate、createsuperuser、changepassword、runserver 等）照常可用，"
                  "luoshi help 列出全部。")]
    return "\n".join(out) + "\n"


def group_help(group: str) -> str:
    from django.utils.translation import gettext as _

    title = _group_titles().get(group, "")
    out = [_("用法：luoshi %(group)s 命令 [选项]    （luoshi %(group)s 命令 --help 查看选项）") % {"group": group}]
    if title:
        out += ["", title]
    out += ["", _("命令：")] + _lines([(sub, summary(f"{group}_{sub}")) for sub in groups()[group]])
    return "\n".join(out) + "\n"


def run_command(name: str, shown_as: str, args: list[str]) -> None:
    """Run one project command; its usage line says `luoshi GROUP NAME`. A refusal exits 1 (CommandError),
    a wrong option 2 (argparse)."""
    _load(name).run_from_argv(["luoshi", shown_as, *args])


def main(argv: list[str] | None = None) -> int:
    _setup()
    from django.core import management
    from django.utils.translation import gettext as _

    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        sys.stdout.write(main_help())
        return 0
    known = groups()
    group = argv[0]
    if group in known:
        subs = known[group]
        if len(argv) == 1 or argv[1] in HELP_FLAGS:
            (sys.stdout if len(argv) > 1 else sys.stderr).write(group_help(group))
            return 0 if len(argv) > 1 else 2
        if argv[1] not in subs:
            sys.stderr.write(_("luoshi %(group)s 没有命令“%(sub)s”。可用：%(subs)s。") % {
                "group": group, "sub": argv[1], "subs": "、".join(subs)} + "\n"
                + _("用 luoshi %(group)s --help 查看各命令的说明。") % {"group": group} + "\n")
            return 2
        run_command(f"{group}_{argv[1]}", f"{group} {argv[1]}", argv[2:])
        return 0
    management.execute_from_command_line(["luoshi"] + argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
