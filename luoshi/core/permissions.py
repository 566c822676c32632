"""Helpers that turn a scope decision into a refusal."""
from django.utils.translation import gettext as _

from luoshi.org.scopes import Scope

from .errors import PermissionDeniedError


def require(condition: bool, message: str | None = None) -> None:
    if not condition:
        raise PermissionDeniedError(message if message is not None else _("您没有权限进行此操作。"))


def require_admin(scope: Scope) -> None:
    require(scope.is_admin, _("只有系统管理员可以进行此操作。"))
