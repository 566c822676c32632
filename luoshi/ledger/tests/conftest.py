"""Fixtures for the ledger tests, on top of the root conftest's fixed cast (city, cast, program, travel).

- ``ledger_program``: the cast's program (2026年鼓励创新工作要点, owned by 区委办公室 under 崂山区) with a
  ledger: sheet numbers 测试督办〔2026〕第N号, deadlines 7 / 5 / 3 days by severity, and a ladder
  预警提醒 (3 days overdue) → 约谈 (7 days, recorded) → 通报批评 (14 days, listed in the bulletin).
- ``categories``: its problem categories by name: 环境卫生, 占道经营, 交通秩序.
- ``inspector``: 陈督导, a member of the program's 第一督导组 (records and verifies; not the office).
- ``findings``: helpers that drive the services, e.g. ``findings.record("street_a", "垃圾未清运")``,
  ``findings.issue([f])``, ``findings.submit(f)``, ``findings.close(f)`` (see ``Ledger``).

Nothing here travels in time; wrap calls in ``travel(...)`` where dates matter.
"""
from __future__ import annotations

import pytest

from luoshi.ledger import services
from luoshi.ledger.models import Finding, InspectionGroup, LedgerConfig, ProblemCategory

LADDER = [
    {"key": "warning", "name": "预警提醒", "when": [{"overdue_days": 3}]},
    {"key": "interview", "name": "约谈", "when": [{"overdue_days": 7}], "record": True},
    {"key": "criticism", "name": "通报批评", "when": [{"overdue_days": 14}], "notify": ["unit", "leader", "office"],
     "bulletin": True},
]
CATEGORY_NAMES = ("环境卫生", "占道经营", "交通秩序")
LIAISON_OF = {"street_a": "liaison_a", "street_b": "liaison_b", "dept": "liaison_dept"}


@pytest.fixture
def ledger_program(program):
    p = program["program"]
    LedgerConfig.objects.create(program=p, sheet_prefix="测试督办",
                                deadline_days={"general": 7, "major": 5, "severe": 3},
                                requirements="请于整改时限内完成整改并报送整改前后对比照片。", ladder=LADDER)
    return p


@pytest.fixture
def categories(ledger_program):
    return {name: ProblemCategory.objects.create(program=ledger_program, name=name, sort_order=i,
                                                 indicator_code=f"T-{i}")
            for i, name in enumerate(CATEGORY_NAMES, 1)}


@pytest.fixture
def inspector(ledger_program, city):
    from luoshi.org.services import person_create

    person = person_create(by=None, username="inspector", full_name="陈督导", unit=city["office_unit"])
    group = InspectionGroup.objects.create(program=ledger_program, name="第一督导组")
    group.members.add(person)
    return person


class Ledger:
    """Test data through the real services. Units are given as the city fixture's keys ("street_a") or
    as Unit objects; the acting people default to the ones the rules call for."""

    def __init__(self, program, city, cast, inspector, categories):
        self.program, self.city, self.cast = program, city, cast
        self.inspector, self.categories = inspector, categories

    def unit(self, unit):
        return self.city[unit] if isinstance(unit, str) else unit

    def liaison(self, unit):
        key = next((k for k, u in self.city.items() if u.pk == self.unit(unit).pk), None)
        return self.cast[LIAISON_OF.get(key, "office")]

    def record(self, unit="street_a", description="小区门口垃圾堆放未及时清运", *, category="环境卫生",
               severity="general", source="inspection", by=None, **fields) -> Finding:
        data = services.FindingInput(
            unit=self.unit(unit), description=description, severity=severity, source=source,
            category=self.categories[category] if isinstance(category, str) else category, **fields)
        return services.finding_record(by=by or self.cast["office"], program=self.program, data=data)

    def issue(self, findings, *, by=None, **kw):
        return services.sheets_issue(by=by or self.cast["office"], program=self.program, findings=list(findings), **kw)

    def acknowledge(self, sheet, *, by=None):
        return services.sheet_acknowledge(by=by or self.liaison(sheet.unit), sheet=sheet)

    def submit(self, finding, text="已清理完毕，并建立日常巡查机制。", *, by=None) -> Finding:
        finding.refresh_from_db()
        return services.finding_submit(by=by or self.liaison(finding.unit), finding=finding, text=text)

    def verifier(self, finding):
        return self.inspector if finding.reporter_id == self.cast["office"].pk else self.cast["office"]

    def close(self, finding, *, by=None) -> Finding:
        finding.refresh_from_db()
        return services.finding_verify(by=by or self.verifier(finding), finding=finding, close=True)

    def send_back(self, finding, reason="整改不到位，仍有垃圾堆放。", *, by=None) -> Finding:
        finding.refresh_from_db()
        return services.finding_verify(by=by or self.verifier(finding), finding=finding, close=False, reason=reason)


@pytest.fixture
def findings(ledger_program, city, cast, inspector, categories):
    return Ledger(ledger_program, city, cast, inspector, categories)
