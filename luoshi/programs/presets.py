"""What every program-shaped preset shares (`kind: program` in tasks, `kind: ledger` in ledger, indicator
schemes in assessment): the reporting cadence, the program settings, and the region and owner unit a preset
names. The kinds themselves are registered by the apps that own them (luoshi.core.presets)."""
from __future__ import annotations

import datetime as dt
from typing import Literal

from django.utils.translation import gettext as _
from pydantic import Field

from luoshi.core.excel import CellError, ImportFailed
from luoshi.core.specs import Spec
from luoshi.org.models import Unit
from luoshi.org.resolve import unit_named


class Cadence(Spec):
    kind: Literal["weekly", "semimonthly", "monthly", "quarterly", "semiannual", "custom"]
    weekday: int = Field(0, ge=0, le=6)
    day: int = Field(25, ge=1, le=31)
    dates: list[dt.date] = []


class ProgramSettings(Spec):
    warn_days: int = Field(default=7, ge=0, le=90)
    lag_points: int = Field(default=20, ge=1, le=100)
    ack_days: int = Field(default=3, ge=1, le=30)


def region_and_owner(preset, source: str) -> tuple[Unit, Unit]:
    """A preset's `region` and its `owner_unit` looked up inside it, or an error naming the field."""
    region = unit_named(preset.region, None)
    if region is None:
        raise ImportFailed([CellError(source, None, "region", _("找不到区域单位“%(region)s”，请先加载单位预置。")
                                      % {"region": preset.region})])
    owner = unit_named(preset.owner_unit, region)
    if owner is None:
        raise ImportFailed([CellError(source, None, "owner_unit", _("在%(region)s下找不到主办单位“%(unit)s”。")
                                      % {"region": region.name, "unit": preset.owner_unit})])
    return region, owner
