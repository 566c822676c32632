"""Helpers that turn a scope decision into a refusal."""
from typing import Protocol

from django.utils.translation import gettext as _

from .errors import PermissionDeniedError


class AdminFlag(Protocol):
    """What require_admin reads: luoshi.org.scopes.Scope has it (core does not import org)."""

    @property
    def is_admin(self) -> bool: ...


def require(condition: bool, message: str | None = None) -> None:
    if not condition:
        raise PermissionDeniedError(message if message is not None else _("您没有权限进行此操作。"))


def require_admin(scope: AdminFlag) -> None:
    require(scope.is_admin, _("只有系统管理员可以进行此操作。"))
