"""A small city for the document tests.

示例市 / 示例区 (with 区督查室 and two streets, 东街道 and 西街道). The office user holds "office" over
示例区; each street has a liaison; 王分管 is a leader over 示例区. The program 城市更新攻坚 (2021,
monthly 调度 on the 25th) has four tasks, created on 2021-03-01:

    1  东街道  6月底前   never acknowledged, no report      → 红灯 (overdue) on 2021-07-05; leader 王分管
    2  西街道  12月底前  acknowledged, 10% reported 6-1     → 黄灯 (progress behind)
    3  东街道  5月底前   acknowledged, closed 5-21 on time   → 已办结
    4  西街道  12月底前  acknowledged, 50% reported 6-1     → 正常

`city` travels to 2021-07-05 10:00 (Asia/Shanghai) and runs warnings_run(notify=False) before yielding.
"""
from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine

from luoshi.org import services as org_services
from luoshi.tasks import services
from luoshi.tasks.services import TaskInput
from luoshi.tasks.warnings import warnings_run

TZ = ZoneInfo("Asia/Shanghai")
AS_OF = dt.date(2021, 7, 5)


def at(y, m, d, h=10):
    return dt.datetime(y, m, d, h, tzinfo=TZ)


@pytest.fixture
def city(db):
    def unit(name, kind, parent=None):
        return org_services.unit_create(by=None, name=name, kind=kind, parent=parent)

    def person(username, full_name, unit, role, scope_unit):
        p = org_services.person_create(by=None, username=username, full_name=full_name, unit=unit)
        org_services.grant_role(by=None, person=p, role=role, unit=scope_unit)
        return p

    with time_machine.travel(at(2021, 2, 1), tick=False):
        root = unit("示例市", "city")
        district = unit("示例区", "district", root)
        office_unit = unit("区督查室", "department", district)
        east = unit("东街道", "street", district)
        west = unit("西街道", "street", district)
        office = person("office", "督查员", office_unit, "office", district)
        liaison_east = person("east", "东联络员", east, "liaison", east)
        liaison_west = person("west", "西联络员", west, "liaison", west)
        leader = person("leader", "王分管", district, "leader", district)
        program = services.program_create(by=None, code="renewal-2021", name="城市更新攻坚", year=2021,
                                          owner_unit=district, cadence_kind="monthly", cadence_day=25)

    with time_machine.travel(at(2021, 3, 1), tick=False):
        def task(title, street, phrase, leaders=()):
            return services.task_create(by=office, program=program,
                                        data=TaskInput(title=title, lead_units=[street], deadline_phrase=phrase,
                                                       leaders=list(leaders)))
        overdue = task("完成老旧小区加装电梯十二部", east, "6月底前", leaders=[leader])
        lagging = task("推进背街小巷环境整治", west, "12月底前")
        closed = task("制定城市更新实施方案", east, "5月底前")
        normal = task("建设口袋公园三处", west, "12月底前")

    with time_machine.travel(at(2021, 3, 2), tick=False):
        services.task_acknowledge(by=liaison_west, task=lagging)
        services.task_acknowledge(by=liaison_west, task=normal)
        services.task_acknowledge(by=liaison_east, task=closed)

    with time_machine.travel(at(2021, 5, 20), tick=False):
        services.task_report_progress(by=liaison_east, task=closed, text="方案已起草完成", percent=100)
        request = services.task_request_closure(by=liaison_east, task=closed, summary="实施方案已印发")
    with time_machine.travel(at(2021, 5, 21), tick=False):
        services.task_decide_closure(by=office, request=request, accept=True)

    with time_machine.travel(at(2021, 6, 1), tick=False):
        services.task_report_progress(by=liaison_west, task=lagging, text="已完成摸底", percent=10)
        services.task_report_progress(by=liaison_west, task=normal, text="两处已开工", percent=50)

    with time_machine.travel(at(2021, 7, 5), tick=False):
        warnings_run(notify=False)
        for t in (overdue, lagging, closed, normal):
            t.refresh_from_db()
        yield SimpleNamespace(
            root=root, district=district, office_unit=office_unit, east=east, west=west,
            office=office, leader=leader, liaison_east=liaison_east, liaison_west=liaison_west, program=program,
            overdue=overdue, lagging=lagging, closed=closed, normal=normal, as_of=AS_OF,
        )
