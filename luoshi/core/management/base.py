"""Shared bits for luoshi commands: print import errors the same way everywhere, exit non-zero."""
from django.core.management.base import CommandError

from luoshi.core.errors import ServiceError
from luoshi.core.excel import ImportFailed


def fail_with(exc: Exception) -> CommandError:
    if isinstance(exc, ImportFailed):
        lines = [f"  - {e}" for e in exc.errors]
        return CommandError(f"导入失败，共{len(exc.errors)}处错误，未写入任何数据：\n" + "\n".join(lines))
    if isinstance(exc, ServiceError):
        return CommandError(exc.message)
    return CommandError(str(exc))
