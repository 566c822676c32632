"""Fixtures for the intake tests, on top of the root conftest's fixed cast (city, cast, travel).

- ``intake``: the intake configuration of the cast's district (崂山区): channels 12345 / web / open311,
  categories 0101 路灯损坏 (5 working days, attribute pole), 0201 噪声扰民 (7 days), 0301 食品安全 (report,
  7 days, dispatched to 区行政审批服务局 by rule), 0401 物业服务 (required attribute community); other
  requests go to the 属地 street. Settings: 回访 3 working days, unanswered → close unrated, 重办 at most 2.
- ``dispatcher``: 郑派单, 受理派单员 over 崂山区.
- ``req``: helpers that drive the services, e.g. ``req.submit("中韩街道路灯不亮")``, ``req.dispatch(r)``,
  ``req.sign(r)``, ``req.reply(r)``, ``req.rate(r, 5)``; the acting people default to the ones the rules call
  for (liaison_a for 中韩街道 = street_a, liaison_b for 沙子口街道 = street_b).
"""
from __future__ import annotations

import pytest

from luoshi.intake import services
from luoshi.intake.config import intake_load
from luoshi.intake.models import Channel, ServiceCategory

INTAKE_YAML = """\
kind: intake
name: 崂山区 12345 测试
region: 崂山区
settings: {revisit_days: 3, no_answer: close_unrated, max_reopen: 2, satisfied_from: 3, return_hours: 24,
           retention_days: 365}
channels:
  - {code: "12345", name: 12345 热线, kind: hotline}
categories:
  - code: "0101"
    group: 城市管理
    name: 路灯损坏
    limit_days: 5
    attributes:
      - {code: pole, description: 灯杆编号, datatype: string, order: 1}
  - {code: "0201", group: 生态环境, name: 噪声扰民, limit_days: 7}
  - {code: "0301", group: 市场监管, name: 食品安全, kind: report, limit_days: 7, dispatch_hours: 2}
  - code: "0401"
    group: 住房物业
    name: 物业服务
    attributes:
      - {code: community, description: 小区名称, datatype: string, required: true, order: 1}
rules:
  - {group: 市场监管, to: 区行政审批服务局}
  - {to: area}
"""


@pytest.fixture
def intake(city):
    intake_load(by=None, text=INTAKE_YAML, source="test-intake.yaml")
    return {"channels": {c.code: c for c in Channel.objects.all()},
            "categories": {c.code: c for c in ServiceCategory.objects.all()}}


@pytest.fixture
def dispatcher(city, intake):
    from luoshi.org.services import grant_role, person_create

    p = person_create(by=None, username="dispatcher", full_name="郑派单", unit=city["office_unit"],
                      email="dispatcher@example.org")
    p.set_password("pw-123456")
    p.save()
    grant_role(by=None, person=p, role="dispatcher", unit=city["district"])
    return p


class Requests:
    def __init__(self, city, cast, dispatcher, intake):
        self.city, self.cast, self.dispatcher, self.intake = city, cast, dispatcher, intake

    def submit(self, description="中韩街道海尔路路灯不亮好几天了", *, category="0101", channel="web", area="street_a",
               **extra) -> "services.Request":
        photos = extra.pop("photos", ())
        data = services.RequestInput(
            category=self.intake["categories"][category], channel=self.intake["channels"][channel],
            description=description, area=self.city[area] if isinstance(area, str) else area,
            name=extra.pop("name", "李明"), phone=extra.pop("phone", "13812345678"), **extra)
        return services.request_submit(data=data, photos=photos)

    def liaison_for(self, unit):
        return {self.city["street_a"].pk: self.cast["liaison_a"],
                self.city["street_b"].pk: self.cast["liaison_b"]}.get(unit.pk) or self.cast.get("liaison_dept")

    def dispatch(self, r, unit=None, **kw):
        unit = self.city[unit] if isinstance(unit, str) else unit
        if unit is None:
            unit, assist, _rule = services.dispatch_suggest(r)
            kw.setdefault("assist", assist)
        return services.request_dispatch(by=self.dispatcher, request=r, unit=unit, **kw)

    def sign(self, r, by=None):
        return services.request_sign(by=by or self.liaison_for(r.lead_unit), request=r)

    def reply(self, r, text="已更换灯泡，路灯恢复照明。", by=None):
        return services.request_reply(by=by or self.liaison_for(r.lead_unit), request=r, text=text)

    def rate(self, r, satisfaction=5, resolved=True, **kw):
        return services.request_rate(request=r, token=r.rating_token, satisfaction=satisfaction, resolved=resolved, **kw)

    def through(self, description="中韩街道海尔路路灯不亮好几天了", satisfaction=5, **kw):
        r = self.submit(description, **kw)
        self.dispatch(r)
        self.sign(r)
        self.reply(r)
        return self.rate(r, satisfaction)


@pytest.fixture
def req(city, cast, dispatcher, intake):
    return Requests(city, cast, dispatcher, intake)


@pytest.fixture
def memory_cache(settings):
    """The default cache in this process's memory: for the query budgets, which count the view's own queries
    (the shared database cache adds one query per cache read, and a few per write)."""
    settings.CACHES = {**settings.CACHES, "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "luoshi-test-budget"}}
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
