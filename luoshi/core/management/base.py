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
