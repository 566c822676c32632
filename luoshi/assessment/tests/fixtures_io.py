"""Helpers of the assessment import/export tests: an in-memory workbook, and a metric league round.

- ``book({"sheet": [[row], …]})``: an .xlsx as bytes.
- ``air_round``: 空气质量排名 (code ``test-air``, type metric: PM2.5 / PM10 against their standards) over the
  three streets of 崂山区 (王哥庄街道 is added), week 1 of 2026, in the scoring state.
"""
from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import Workbook

from luoshi.assessment import services
from luoshi.org.services import unit_create


def book(sheets: dict[str, list[list]]) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


AIR_YAML = """\
kind: scheme
code: test-air
name: 空气质量排名
region: 崂山区
owner_unit: 区委办公室
type: metric
precision: 2
top_bottom: 0
cadence: weekly
peer_groups:
  - {code: street, name: 街道, unit_kinds: [street]}
league:
  metrics:
    - {code: pm25, name: PM2.5, unit: 微克/立方米, standard: 35, precision: 0}
    - {code: pm10, name: PM10, unit: 微克/立方米, standard: 70, precision: 0}
"""


@pytest.fixture
def air_round(cast, city, travel):
    with travel("2026-01-05"):
        unit_create(by=None, name="王哥庄街道", kind="street", parent=city["district"])
        scheme, _v, _n = services.scheme_save(by=cast["office"], text=AIR_YAML)
        rnd = services.round_create(by=cast["office"], scheme=scheme, name="第1周", period_start=dt.date(2026, 1, 1),
                                    period_end=dt.date(2026, 1, 7))
        for to in ("collecting", "scoring"):
            rnd = services.round_advance(by=cast["office"], round=rnd, to=to)
    return rnd
