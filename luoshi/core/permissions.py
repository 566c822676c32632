"""Helpers that turn a scope decision into a refusal."""
from luoshi.org.scopes import Scope

from .errors import PermissionDeniedError


def require(condition: bool, message: str = "您没有权限进行此操作。") -> None:
    if not condition:
        raise PermissionDeniedError(message)


def require_admin(scope: Scope) -> None:
    require(scope.is_admin, "只有系统管理员可以进行此操作。")
