"""A small 项目落地年 program over the root conftest's city: the 市发改委 office runs it; 崂山区 has three projects,
市南区 one; a state enterprise (金家岭控股) builds one of 崂山's and has its own liaison."""
import datetime as dt
from decimal import Decimal

import pytest


@pytest.fixture
def proj(city, cast, travel):
    from luoshi.core.presets import preset_load
    from luoshi.org.services import grant_role, person_create, unit_create
    from luoshi.projects import services

    ndrc = unit_create(by=None, name="市发展和改革委员会", kind="department", parent=city["city"], short_name="市发改委")
    builder = unit_create(by=None, name="青岛金家岭控股集团有限公司", kind="soe", parent=city["district"],
                          short_name="金家岭控股")
    zone = unit_create(by=None, name="崂山湾国际生态健康城", kind="zone", parent=city["district"])

    def person(username, full_name, role, unit):
        p = person_create(by=None, username=username, full_name=full_name, unit=unit, email=f"{username}@example.org")
        p.set_password("pw-123456")
        p.save()
        grant_role(by=None, person=p, role=role, unit=unit)
        return p

    city_office = person("city_office", "马骏", "office", ndrc)
    builder_liaison = person("builder_liaison", "钱程", "liaison", builder)
    city_leader = person("city_leader", "高远", "leader", city["city"])
    inspector = person("ducha", "人大督导组", "evaluator", city["city"])
    with travel("2026-01-05"):
        program = preset_load(by=None, name="xiangmu-luodi", year=2026)["program"]

    def make(code, name, district, lead, plans, monthly, **extra):
        data = services.ProjectInput(
            code=code, name=name, type=extra.pop("type", "industry"), district=district, lead_unit=lead,
            builder_name=extra.pop("builder_name", "某某公司"), plans=plans,
            monthly_plan={dt.date(2026, m, 1): Decimal(v) for m, v in monthly.items()},
            total_investment=Decimal(extra.pop("total", 50000)), annual_plan=Decimal(extra.pop("annual", 12000)), **extra)
        return services.project_save(by=city_office, program=program, data=data)

    with travel("2026-01-06"):
        a = make("LS-01", "崂山智能装备产业园", city["district"], city["street_a"],
                 {"sign": dt.date(2026, 1, 20), "start": dt.date(2026, 2, 28), "produce": dt.date(2026, 11, 30)},
                 {1: 1000, 2: 1000, 3: 2000}, street=city["street_a"], leader=city_leader,
                 approval_units=[city["dept"]])
        b = make("LS-02", "崂山湾康养中心", city["district"], city["street_b"],
                 {"start": dt.date(2026, 3, 31), "produce": dt.date(2026, 12, 31)}, {1: 500, 2: 500, 3: 500},
                 type="livelihood", area=zone, builder_name="青岛金家岭控股集团有限公司", builder_unit=builder,
                 supervisor_unit=city["dept"])
        c = make("LS-03", "沙子口渔港改造", city["district"], city["street_b"],
                 {"start": dt.date(2026, 6, 30)}, {}, type="infrastructure")
        d = make("SN-01", "市南金融中心", city["other_district"], city["other_district"],
                 {"start": dt.date(2026, 2, 15), "produce": dt.date(2026, 9, 30)}, {1: 3000, 2: 3000})
    return {"program": program, "config": program.projects_config, "ndrc": ndrc, "builder": builder, "zone": zone,
            "city_office": city_office, "builder_liaison": builder_liaison, "city_leader": city_leader,
            "inspector": inspector, "a": a, "b": b, "c": c, "d": d}
