"""Shared bits for luoshi commands: print import errors the same way everywhere, exit non-zero."""
from django.core.management.base import BaseCommand, CommandError

from luoshi.core.errors import ServiceError
from luoshi.core.excel import ImportFailed


def fail_with(exc: Exception) -> CommandError:
    if isinstance(exc, ImportFailed):
        lines = [f"  - {e}" for e in exc.errors]
        return CommandError(f"导入失败，共{len(exc.errors)}处错误，未写入任何数据：\n" + "\n".join(lines))
    if isinstance(exc, ServiceError):
        return CommandError(exc.message)
    return CommandError(str(exc))


class ActionCommand(BaseCommand):
    """A command whose first argument names an action (`luoshi assess rounds create …`): `add_arguments` adds one
    sub-parser per action (dest="action"), and `do_<action>(**options)` does it; a refused service says why and
    exits non-zero."""

    def handle(self, action, **options):
        try:
            getattr(self, f"do_{action}")(**options)
        except ServiceError as e:
            raise fail_with(e) from e


class ProgramRecountCommand(BaseCommand):
    """`luoshi <app> recount [--check] [--program CODE]` for maintained counts kept per program: each program's
    differences between the stored rows and a fresh count are listed; without --check they are mended (the program
    recounted in one transaction); with --check any difference exits non-zero. Subclasses say which programs, what
    is counted and how to compare and rebuild."""

    programs_noun = "专项工作"       # what a program is called in the summary ("个问题台账")
    counted_noun = ""                # what the counts count ("任务")
    rerun = ""                       # the command that mends them ("luoshi tasks recount")
    unknown_program = "专项工作“{code}”不存在。"

    def programs(self):
        raise NotImplementedError

    def difference_lines(self, program) -> list[str]:
        raise NotImplementedError

    def rebuild(self, program) -> None:
        raise NotImplementedError

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="只核对，不写入；有不一致时以非零状态退出")
        parser.add_argument("--program", help="只处理这个专项工作（代码）")

    def handle(self, check, program, **options):
        from django.db import transaction

        programs = self.programs()
        if program:
            programs = programs.filter(code=program)
            if not programs.exists():
                raise CommandError(self.unknown_program.format(code=program))
        wrong = 0
        for p in programs:
            lines = self.difference_lines(p)
            for line in lines:
                self.stdout.write(f"{p.code}\t{line}")
            wrong += len(lines)
            if lines and not check:
                with transaction.atomic():
                    self.rebuild(p)
        if check and wrong:
            raise CommandError(f"有 {wrong} 项计数与{self.counted_noun}不一致；运行 `{self.rerun}` 重新统计。")
        verb = "核对" if check else "重新统计"
        self.stdout.write(self.style.SUCCESS(f"已{verb} {programs.count()} 个{self.programs_noun}，{wrong} 项计数不一致"
                                             + ("，已改正。" if wrong and not check else "。")))


def tally_difference_lines(diffs: dict) -> list[str]:
    """{(dimension, key, third field): (stored, counted)} as the lines a recount prints."""
    return [f"{d}\t{k}\t{s}\t存储 {stored}\t实际 {counted}" for (d, k, s), (stored, counted) in sorted(diffs.items())]
