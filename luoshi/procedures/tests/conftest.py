"""A small 平度: two towns with villages, the three 联审 departments, the people who act at each step, the
registration office of 青岛市 and a host unit of research institutes; the presets loaded."""
from pathlib import Path

import pytest
from django.conf import settings

PRESETS = Path(settings.BASE_DIR) / "presets" / "procedures"


def preset_text(name: str) -> str:
    return (PRESETS / f"{name}.yaml").read_text(encoding="utf-8")


@pytest.fixture
def pingdu(db):
    from luoshi.org.services import grant_role, person_create, unit_create

    city = unit_create(by=None, name="青岛市", kind="city")
    pd = unit_create(by=None, name="平度市", kind="district", parent=city, short_name="平度")
    nancun = unit_create(by=None, name="南村镇", kind="street", parent=pd)
    renzhao = unit_create(by=None, name="仁兆镇", kind="street", parent=pd)
    u = {
        "city": city, "pingdu": pd, "nancun": nancun, "renzhao": renzhao,
        "village_a": unit_create(by=None, name="南村镇郭庄村", kind="community", parent=nancun),
        "village_b": unit_create(by=None, name="南村镇三城村", kind="community", parent=nancun),
        "village_c": unit_create(by=None, name="仁兆镇沙梁村", kind="community", parent=renzhao),
        "nr": unit_create(by=None, name="市自然资源局", kind="department", parent=pd),
        "agri": unit_create(by=None, name="市农业农村局", kind="department", parent=pd),
        "fin": unit_create(by=None, name="市财政局", kind="department", parent=pd),
        "bianban": unit_create(by=None, name="市委机构编制委员会办公室", kind="department", parent=city),
        "host": unit_create(by=None, name="中国海洋大学", kind="third_party", parent=city),
        "host2": unit_create(by=None, name="青岛大学", kind="third_party", parent=city),
    }

    def person(username, role, unit):
        p = person_create(by=None, username=username, full_name=username, unit=unit, email=f"{username}@example.org")
        p.set_password("pw-123456")
        p.save()
        grant_role(by=None, person=p, role=role, unit=unit)
        return p

    people = {
        "village_a": person("village_a", "liaison", u["village_a"]),
        "village_c": person("village_c", "liaison", u["village_c"]),
        "nancun": person("nancun", "office", nancun),
        "renzhao": person("renzhao", "office", renzhao),
        "nr": person("nr", "liaison", u["nr"]),
        "agri": person("agri", "liaison", u["agri"]),
        "fin": person("fin", "liaison", u["fin"]),
        "mayor": person("mayor", "leader", pd),
        "pd_office": person("pd_office", "office", pd),
        "bianban": person("bianban", "liaison", u["bianban"]),
        "host": person("host", "liaison", u["host"]),
        "host2": person("host2", "liaison", u["host2"]),
    }
    return {"units": u, "people": people}


@pytest.fixture
def land(pingdu):
    from luoshi.procedures.services import definition_load

    return definition_load(by=None, text=preset_text("pingdu-nongdi-rushi"), source="pingdu-nongdi-rushi.yaml")["definition"]


@pytest.fixture
def yanfa(pingdu):
    from luoshi.procedures.services import definition_load

    exit_ = definition_load(by=None, text=preset_text("qingdao-yanfa-tuichu"))["definition"]
    dynamic = definition_load(by=None, text=preset_text("qingdao-yanfa-dongtai"))["definition"]
    return {"exit": exit_, "dynamic": dynamic}


def upload(step, by, *codes):
    from luoshi.procedures.services import step_upload

    for code in codes:
        step_upload(by=by, step=step, document=code, name=f"{code}.pdf", data=b"%PDF-1.4 test")


def open_step(case, code):
    from luoshi.procedures.models import CaseStep

    return CaseStep.objects.get(case=case, code=code, state="open")


def start_parcel(land, people, units, *, title="郭庄村 1 号地块", village="village_a", land_use="industrial",
                 grade="outer_second", method="auction", area="42.50"):
    from luoshi.procedures.services import case_start

    return case_start(by=people.get(village, people["pd_office"]), definition=land, unit=units[village], title=title,
                      fields={"area_mu": area, "land_use": land_use, "grade": grade, "method": method})


def run_to(case, land, people, target):
    """Pass the case's steps with the demo's actors until `target` is open."""
    from luoshi.procedures.services import step_decide

    actors = {"apply": "village_a", "town_review": "nancun", "joint_nr": "nr", "joint_agri": "agri", "joint_fin": "fin",
              "plan": "village_a", "vote": "village_a", "verify_town": "nancun", "verify_nr": "nr",
              "approve": "mayor", "trade": "nr", "confirm": "nr", "contract": "village_a"}
    spec = land.parsed()
    while True:
        from luoshi.procedures.models import CaseStep

        opened = list(CaseStep.objects.filter(case=case, state="open").order_by("id"))
        if not opened or any(s.code == target for s in opened):
            return
        s = opened[0]
        by = people[actors[s.code]]
        upload(s, by, *[d.code for d in spec.step(s.code).documents if not d.form])
        fields = {"reserve_price": "5000000", "buyer": "青岛某某实业有限公司", "price": "5600000.00",
                  "land_cost": "800000.00"}
        step_decide(by=by, step=s, decision=spec.decisions_of(s.code)[0].code, fields=fields)
