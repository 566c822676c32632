"""Fixtures for the assessment tests, on top of the root conftest's fixed cast (city, cast, travel).

- ``scheme``: 测试考核 (code ``test-scheme``) owned by 区委办公室 over 崂山区, two peer groups (街道: the two
  streets; 部门: the department), 100 points: A 基础工作 40 (A1 direct 20, A2 pass/fail 10, A3 deduction
  0.5 per occurrence of 10) + B 重点任务 60 (B1 rubric 优/良/中/差 = 30/24/18/10 of 30, B2 ratio to target
  100 of 30); one deduction item N1 (2 per occurrence, cap 6) and a veto N2; bonuses 表彰 at 国家级 3 /
  省部级 2 / 市级 1 (cap 4); grades 好 ≥ 90, 较好 ≥ 75, 一般 ≥ 0; rule: bottom 1 of 街道 two rounds running
  → 通报批评 then 约谈. Appeal window 5 days.
- ``second_evaluator``: 钱评 (evaluator over the district), who is not the office.
- ``assess``: helpers driving the real services (round creation, scoring a whole unit, approve, publish).
"""
from __future__ import annotations

import datetime as dt

import pytest

from luoshi.assessment import services
from luoshi.assessment.models import Indicator

SCHEME_YAML = """\
kind: scheme
code: test-scheme
name: 测试考核
region: 崂山区
owner_unit: 区委办公室
precision: 2
rounding: half_up
appeal_days: 5
top_bottom: 0
peer_groups:
  - {code: street, name: 街道, unit_kinds: [street]}
  - {code: dept, name: 部门, unit_kinds: [department]}
grades:
  - {name: 好, min: 90, stars: 5}
  - {name: 较好, min: 75, stars: 4}
  - {name: 一般, min: 0, stars: 3}
items:
  - code: A
    name: 基础工作
    points: 40
    children:
      - {code: A1, name: 组织领导, points: 20, method: 查阅档案}
      - {code: A2, name: 制度建立, points: 10, method: 查阅档案, rule: {type: pass_fail}}
      - {code: A3, name: 台账规范, points: 10, method: 实地核验, rule: {type: deduction, per: 0.5}}
  - code: B
    name: 重点任务
    points: 60
    children:
      - code: B1
        name: 任务落实
        points: 30
        method: 实地核验
        rule:
          type: rubric
          levels: [{name: 优, points: 30}, {name: 良, points: 24}, {name: 中, points: 18}, {name: 差, points: 10}]
      - {code: B2, name: 群众满意度, points: 30, method: 问卷调查, rule: {type: ratio, target: 100}}
deductions:
  - {code: N1, name: 被上级通报批评, points: 2, cap: 6}
  - {code: N2, name: 发生重大责任事故, points: 0, veto: true}
bonuses:
  levels: [国家级, 省部级, 市级]
  kinds:
    - {code: award, name: 表彰推广, points: {国家级: 3, 省部级: 2, 市级: 1}}
  cap: 4
rules:
  - code: bottom
    name: 连续两期街道末位
    when: {type: rank_bottom, k: 1}
    consecutive: 2
    group: street
    actions: [通报批评, 约谈]
"""

FULL_MARKS = {"A1": "20", "A2": "达标", "A3": "0", "B1": "优", "B2": "100"}


@pytest.fixture
def second_evaluator(city):
    from luoshi.org.services import grant_role, person_create

    p = person_create(by=None, username="evaluator2", full_name="钱评", unit=city["office_unit"])
    grant_role(by=None, person=p, role="evaluator", unit=city["district"])
    return p


@pytest.fixture
def scheme(cast, travel):
    with travel("2026-01-05"):
        s, _version, _new = services.scheme_save(by=cast["office"], text=SCHEME_YAML)
    return s


class Assess:
    def __init__(self, scheme, city, cast):
        self.scheme, self.city, self.cast = scheme, city, cast

    def unit(self, key):
        return self.city[key] if isinstance(key, str) else key

    def leaf(self, rnd, code) -> Indicator:
        return Indicator.objects.get(version=rnd.version, code=code)

    def round(self, name="2026年1月", start="2026-01-01", end="2026-01-31", evaluator=None, state="scoring"):
        office = self.cast["office"]
        rnd = services.round_create(by=office, scheme=self.scheme, name=name,
                                    period_start=dt.date.fromisoformat(start), period_end=dt.date.fromisoformat(end))
        services.evaluator_assign(by=office, round=rnd, person=evaluator or self.cast["evaluator"])
        for to in ("collecting", "scoring", "review"):
            if rnd.state == state:
                break
            rnd = services.round_advance(by=office, round=rnd, to=to)
        return rnd

    def score(self, rnd, unit, values: dict[str, str], by=None):
        by = by or self.cast["evaluator"]
        for code, value in values.items():
            services.score_record(by=by, round=rnd, unit=self.unit(unit), indicator=self.leaf(rnd, code), value=value)

    def score_all(self, rnd, table: dict, by=None):
        """table: {unit key: {leaf code: value}}; missing leaves get full marks."""
        for key, values in table.items():
            self.score(rnd, key, {**FULL_MARKS, **values}, by=by)

    def publish(self, rnd, note=""):
        """Publish as the office; 区委办公室 (a participant the tables leave unscored) needs the explicit override."""
        office = self.cast["office"]
        if rnd.state == "scoring":
            rnd = services.round_advance(by=office, round=rnd, to="review")
        services.scores_approve(by=office, round=rnd)
        incomplete = bool(services.round_missing(rnd))
        services.round_publish(by=office, round=rnd, note=note or ("区委办公室未评分" if incomplete else ""),
                               allow_incomplete=incomplete)
        rnd.refresh_from_db()
        return rnd


@pytest.fixture
def assess(scheme, city, cast):
    return Assess(scheme, city, cast)
