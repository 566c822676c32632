"""The units preset (`kind: units`, presets/units/*.yaml): a nested unit tree, loaded by `units_load_tree`."""
from __future__ import annotations

from typing import Literal

from django.utils.translation import gettext as _
from pydantic import Field

from luoshi.core.specs import Spec

from .models import UnitKind


class UnitNode(Spec):
    name: str = Field(min_length=1, max_length=100)
    kind: Literal[tuple(UnitKind.values)]  # type: ignore[valid-type]
    code: str | None = None
    short_name: str = ""
    children: list["UnitNode"] = []


class UnitsPreset(Spec):
    kind: Literal["units"]
    name: str
    title: str = ""
    units: list[UnitNode]


def units_preset_load(*, by, spec: UnitsPreset, **_kw) -> dict:
    from .services import units_load_tree

    return units_load_tree(by=by, tree=[u.model_dump() for u in spec.units])


def units_preset_summary(result: dict) -> str:
    return _("已新建 %(n)s 个单位。") % {"n": result["created"]}
