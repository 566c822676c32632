"""The procedures demo, from the seed passages:

- 平度市 集体经营性建设用地入市: 14 parcels sold at auction — 590 亩, 7,846 万元, of which 4,344 万元 kept by the
  village collectives (the seed's figures, exactly) — and 8 more parcels at every earlier step: just applied,
  at 镇街初审, in 部门联审 (one department late), returned once and back at the plan, at the vote, waiting for
  the 市政府 approval, in 公告及交易, and one refused. Written through the real services at past moments
  (clock.at), so every step has its actor, time, documents and decision in the journal.
- 青岛市 新型研发机构: 41 institutions registered as 事业单位 (the seed's count) under their host units, with
  certificate dates and last operations such that the daily job opens a few exit reviews (one already past its
  continuation deadline) and one dynamic review.

Needs the units preset (青岛市). Safe to run twice: it does nothing when the parcels exist.
"""
from __future__ import annotations

import datetime as dt
import random
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from luoshi.core import clock
from luoshi.core.presets import preset_load
from luoshi.org.demo import DEMO_PASSWORD, Account, unit_at
from luoshi.org.models import Person, Role, RoleGrant, Unit
from luoshi.org.services import grant_role, person_create, unit_create

from .calc import amounts_compute
from .daily import procedures_daily, step_people
from .models import Case, CaseStep, Definition, Institution
from .services import case_start, institution_create, step_decide, step_upload

PINGDU = "青岛市/平度市"
ACCOUNTS_ = [
    Account("pingdu", "高建华", Role.OFFICE, PINGDU, "平度市委改革办科员",
            note="程序办件：平度市农地入市全部办件、各环节等待情况、分镇街成交与调节金、导入导出"),
    Account("pd_leader", "孙立民", Role.LEADER, PINGDU, "平度市副市长", note="农地入市：入市方案审批（市政府审批）"),
    Account("pd_ziyuan", "刘海涛", Role.LIAISON, PINGDU + "/市自然资源局", "平度市自然资源局科长",
            note="农地入市：部门联审、部门审核、发布交易公告、成交确认（生成成交确认书）"),
    Account("nancun", "王丽", Role.OFFICE, PINGDU + "/南村镇", "南村镇党政办主任", note="农地入市：镇街初审、镇街审核（只看本镇的村）"),
    Account("guozhuang", "郭志刚", Role.LIAISON, PINGDU + "/南村镇/郭庄村", "郭庄村党支部书记",
            note="农地入市：村集体申请、上传决议、拟定方案、表决、签订出让合同"),
    Account("bianban", "陈静", Role.LIAISON, "青岛市/市委机构编制委员会办公室", "市委编办事业单位登记管理局科员",
            note="新型研发机构：登记与导入、办理延续和注销登记"),
    Account("haida", "李卫东", Role.LIAISON, "青岛市/中国海洋大学", "中国海洋大学科研院副院长",
            note="新型研发机构：作为举办单位组织评审、提出延续申请或解散"),
]
PROCEDURES_ACCOUNTS = ACCOUNTS_

# 镇街 → 基准地价级别 (城区内一等镇 are the city's 街道)
GRADES = {"同和街道": "city_first", "东阁街道": "city_first", "凤台街道": "city_first", "李园街道": "city_first",
          "南村镇": "outer_first", "蓼兰镇": "outer_first", "明村镇": "outer_first", "白沙河街道": "outer_first",
          "仁兆镇": "outer_second", "崔家集镇": "outer_second", "田庄镇": "outer_second", "新河镇": "outer_second",
          "店子镇": "outer_second", "大泽山镇": "outer_third", "旧店镇": "outer_third", "云山镇": "outer_third",
          "古岘镇": "outer_third"}
# the 14 sold parcels: (镇街, 村, 亩, 用途)
SOLD = [("南村镇", "郭庄村", 62, "industrial"), ("南村镇", "三城村", 35, "industrial"), ("蓼兰镇", "万家村", 48, "industrial"),
        ("同和街道", "沟崖村", 27, "commercial"), ("仁兆镇", "沙梁村", 55, "industrial"), ("明村镇", "东三都河村", 40, "industrial"),
        ("崔家集镇", "东王庄村", 33, "industrial"), ("店子镇", "驻地村", 71, "industrial"), ("东阁街道", "杨家顶村", 22, "public"),
        ("新河镇", "灰埠村", 45, "industrial"), ("田庄镇", "田庄村", 38, "industrial"), ("云山镇", "云山村", 29, "public"),
        ("南村镇", "洪兰村", 50, "industrial"), ("古岘镇", "古岘村", 35, "commercial")]
# price per 亩 (元) before the last parcel takes the remainder
PER_MU = [128000, 131000, 126000, 168000, 118000, 124000, 116000, 119000, 152000, 121000, 117000, 122000, 130000, 150000]
TOTAL_PRICE = Decimal("78460000")
TOTAL_KEPT = Decimal("43440000")
BUYERS = ["青岛海源机械制造有限公司", "青岛润丰食品有限公司", "平度市鑫达包装有限公司", "青岛华泰商贸有限公司",
          "青岛金穗农业科技有限公司", "青岛恒信建材有限公司", "平度市宏达冷链物流有限公司", "青岛联创新材料有限公司",
          "青岛康宁养老服务有限公司", "青岛中科智能装备有限公司", "平度市绿源生物科技有限公司", "青岛福寿康养有限公司",
          "青岛瑞丰电子有限公司", "青岛锦程文旅发展有限公司"]
# parcels under way: (镇街, 村, 亩, 用途, where it stands, days since it started)
UNDERWAY = [("南村镇", "郭庄村", 18, "industrial", "apply", 1), ("蓼兰镇", "前楼村", 26, "industrial", "town_review", 8),
            ("仁兆镇", "山后村", 31, "industrial", "joint", 22), ("明村镇", "西三都河村", 24, "public", "returned", 40),
            ("店子镇", "店子村", 36, "industrial", "vote", 48), ("同和街道", "南关村", 15, "commercial", "approve", 60),
            ("新河镇", "东新河村", 42, "industrial", "trade", 80), ("大泽山镇", "大泽山村", 20, "commercial", "rejected", 30)]

INSTITUTE_HOSTS = ["中国海洋大学", "青岛大学", "青岛科技大学", "青岛理工大学", "山东科技大学", "青岛农业大学"]
SEED_INSTITUTES = [("青岛海洋科学与技术国家实验室发展中心", "海洋", "市科学技术局"),
                   ("国家高速列车青岛技术创新中心", "智能制造", "市科学技术局"),
                   ("北京大学（青岛）计算社会科学研究院", "信息技术", "青岛大学")]
FIELDS_ = ["信息技术", "智能制造", "海洋", "生物医药", "新材料", "新能源", "人工智能", "集成电路"]
TOPICS = {"信息技术": ["工业互联网", "区块链", "大数据", "网络安全"], "智能制造": ["智能装备", "机器人", "高端数控", "轨道交通装备"],
          "海洋": ["海洋装备", "海洋生物", "海洋观测", "深远海养殖"], "生物医药": ["创新药物", "医疗器械", "精准医学"],
          "新材料": ["先进高分子", "石墨烯", "特种陶瓷"], "新能源": ["氢能", "储能", "海上风电"],
          "人工智能": ["机器视觉", "智能语音", "自动驾驶"], "集成电路": ["芯片设计", "先进封装"]}


def _at(day: dt.date, hour: int = 10, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _unit(parent: Unit, name: str, kind: str) -> Unit:
    return Unit.objects.filter(parent=parent, name=name).first() or unit_create(by=None, name=name, kind=kind,
                                                                                  parent=parent)


def _person(username: str, full_name: str, title: str, unit: Unit, role: str, hashed: str) -> Person:
    person = Person.objects.filter(username=username).first()
    if person is None:
        person = person_create(by=None, username=username, full_name=full_name, title=title, unit=unit,
                               email=f"{username}@demo.luoshi.local")
        Person.objects.filter(pk=person.pk).update(password=hashed)
    if role:
        grant_role(by=None, person=person, role=role, unit=unit)
    return person


def _pdf(name: str) -> bytes:
    return b"%PDF-1.4\n% " + name.encode("utf-8") + b"\n%%EOF\n"


class _Driver:
    """Passes a case's open steps with the people who act there, one moment after another."""

    def __init__(self, rng: random.Random):
        self.rng = rng

    def actor(self, step: CaseStep) -> Person:
        """The person holding the step's role on its very unit (the town's own office rather than the city's), else
        anyone holding it above."""
        own = (RoleGrant.objects.filter(role=step.actor_role, unit__path=step.actor_path).order_by("person_id")
               .values_list("person_id", flat=True).first())
        return Person.objects.get(pk=own or min(step_people([step]).get(step.pk) or set()))

    def act(self, step: CaseStep, moment: dt.datetime, decision: str = "", fields: dict | None = None,
            comment: str = "") -> None:
        spec = step.case.definition.parsed()
        person = self.actor(step)
        with clock.at(moment):
            for d in spec.step(step.code).documents:
                if not d.form:
                    step_upload(by=person, step=step, document=d.code, name=f"{d.name}.pdf", data=_pdf(d.name))
        with clock.at(moment + dt.timedelta(minutes=20)):
            step_decide(by=person, step=step, decision=decision or spec.decisions_of(step.code)[0].code,
                        fields=fields or {}, comment=comment)

    def run(self, case: Case, moment: dt.datetime, *, until: str | None, fields: dict, gap=(1, 4)) -> dt.datetime:
        """Pass open steps in order until `until` is open (None: to the end); returns the last moment."""
        while True:
            opened = list(CaseStep.objects.filter(case=case, state="open").select_related("case__definition")
                          .order_by("id"))
            if not opened or (until and any(s.code == until for s in opened)):
                return moment
            s = opened[0]
            days = 22 if s.code == "trade" else self.rng.randint(*gap)
            moment = moment + dt.timedelta(days=days, hours=self.rng.randint(0, 5))
            self.act(s, moment, fields=fields)


def _amounts_fit(spec, rows: list[dict]) -> None:
    """Prices that add up to 7,846 万元 and collective shares that add up to 4,344 万元; the land costs are what is
    left after the 调节金, so every figure the app computes agrees with the seed."""
    prices = [Decimal(r["area"] * PER_MU[i]).quantize(Decimal("100")) for i, r in enumerate(rows)]
    prices[-1] = TOTAL_PRICE - sum(prices[:-1])
    kept_share = TOTAL_KEPT / TOTAL_PRICE
    kept = [(p * kept_share).quantize(Decimal("100"), rounding=ROUND_HALF_UP) for p in prices]
    kept[-1] = TOTAL_KEPT - sum(kept[:-1])
    for r, price, keep in zip(rows, prices, kept):
        adjustment = {a.code: a.value for a in amounts_compute(spec, r["fields"] | {"price": str(price), "land_cost": "0"})}
        cost = price - adjustment["adjustment"] - keep
        assert cost >= 0, (r, price, keep)
        r["price"], r["land_cost"] = price, cost


def procedures_demo(*, today: dt.date | None = None, hashed_password: str | None = None, seed: int = 15) -> dict:
    today = today or clock.today()
    hashed = hashed_password or make_password(DEMO_PASSWORD)
    rng = random.Random(seed)
    pingdu = unit_at(PINGDU)
    city = unit_at("青岛市")
    if Case.objects.filter(definition__code="pingdu-nongdi-rushi").exists():
        return _summary()
    with transaction.atomic():
        for name in ("市自然资源局", "市农业农村局"):
            _unit(pingdu, name, "department")
        for name in INSTITUTE_HOSTS:
            _unit(city, name, "third_party")
        towns = {u.name: u for u in Unit.objects.filter(parent=pingdu, kind="street")}
        villages = {}
        for town, village, *_rest in SOLD + UNDERWAY:
            villages[(town, village)] = _unit(towns[town], village, "community")
        for acc in ACCOUNTS_:
            _person(acc.username, acc.full_name, acc.title, unit_at(acc.unit_path), acc.role, hashed)
        # everyone else who acts at a step: each village's 村委, each town's 党政办, the other 联审 departments
        for (town, village), unit in villages.items():
            _person(f"pdv{unit.pk}", f"{village}村委", "村委会主任", unit, Role.LIAISON, hashed)
        for town in {t for t, *_r in SOLD + UNDERWAY}:
            _person(f"pdt{towns[town].pk}", f"{town}党政办", "党政办", towns[town], Role.OFFICE, hashed)
        for name, user in (("市农业农村局", "pd_nongye"), ("市财政局", "pd_caizheng")):
            _person(user, f"平度{name}联络员", "联络员", unit_at(f"{PINGDU}/{name}"), Role.LIAISON, hashed)
        bianban = unit_at("青岛市/市委机构编制委员会办公室")
        hosts = {name: unit_at(f"青岛市/{name}") for name in INSTITUTE_HOSTS}
        hosts["市科学技术局"] = unit_at("青岛市/市科学技术局")
        for name, unit in hosts.items():
            if name != "中国海洋大学":
                _person(f"yf{unit.pk}", f"{name}科研管理处", "科研管理处", unit, Role.LIAISON, hashed)

    with clock.at(_at(today - dt.timedelta(days=700), 9)):
        land = preset_load(by=None, name="pingdu-nongdi-rushi")["definition"]
        preset_load(by=None, name="qingdao-yanfa-tuichu")
        preset_load(by=None, name="qingdao-yanfa-dongtai")
    spec = land.parsed()
    driver = _Driver(rng)

    rows = [{"town": t, "village": v, "area": area,
             "fields": {"area_mu": str(area), "land_use": use, "grade": GRADES[t], "method": "auction"}}
            for t, v, area, use in SOLD]
    _amounts_fit(spec, rows)
    for i, r in enumerate(rows):
        start = today - dt.timedelta(days=560 - i * 36)
        unit = villages[(r["town"], r["village"])]
        with clock.at(_at(start, 9, 30)):
            case = case_start(by=driver_person(unit), definition=land, unit=unit,
                              title=f"{r['village']}集体经营性建设用地（{r['area']}亩）", fields=r["fields"])
        fields = {"reserve_price": str((r["price"] * Decimal("0.85")).quantize(Decimal("100"))), "buyer": BUYERS[i],
                  "price": str(r["price"]), "land_cost": str(r["land_cost"])}
        last = i == len(rows) - 1
        driver.run(case, _at(start, 9, 30), until="contract" if last else None, fields=fields)

    for town, village, area, use, where, days in UNDERWAY:
        unit = villages[(town, village)]
        start = today - dt.timedelta(days=days)
        fields = {"area_mu": str(area), "land_use": use, "grade": GRADES[town], "method": "auction"}
        with clock.at(_at(start, 9)):
            case = case_start(by=driver_person(unit), definition=land, unit=unit,
                              title=f"{village}集体经营性建设用地（{area}亩）", fields=fields)
        more = {"reserve_price": str(area * 110000)}
        moment = _at(start, 9)
        if where == "joint":  # 自然资源 passed; 农业农村 on time; 财政 late
            moment = driver.run(case, moment, until="joint_nr", fields=more, gap=(1, 2))
            driver.act(CaseStep.objects.get(case=case, code="joint_nr", state="open"), moment + dt.timedelta(days=1))
        elif where == "returned":  # 部门联审 returned it for a missing map; back at the plan now
            moment = driver.run(case, moment, until="joint_nr", fields=more, gap=(1, 3))
            driver.act(CaseStep.objects.get(case=case, code="joint_agri", state="open"), moment + dt.timedelta(days=2),
                       decision="return", comment="缺少土地利用现状图和地块四至界址图，请补充后重新申请。")
            driver.run(case, moment + dt.timedelta(days=3), until="plan", fields=more, gap=(2, 4))
        elif where == "rejected":
            moment = driver.run(case, moment, until="town_review", fields=more)
            driver.act(CaseStep.objects.get(case=case, code="town_review", state="open"), moment + dt.timedelta(days=3),
                       decision="reject", comment="地块位于生态保护红线内，不符合入市条件。")
        elif where != "apply":
            driver.run(case, moment, until=where, fields=more, gap=(2, 5))

    _institutions(today=today, rng=rng, bianban=bianban, hosts=hosts)
    procedures_daily(today, True)  # the timers open the reviews due, the lights show
    return _summary()


def driver_person(unit: Unit) -> Person:
    return Person.objects.filter(grants__role=Role.LIAISON, grants__unit=unit).order_by("pk").first()


def _institutions(*, today: dt.date, rng: random.Random, bianban: Unit, hosts: dict[str, Unit]) -> None:
    plan = list(SEED_INSTITUTES)
    names = {n for n, _f, _h in plan}
    k = 0
    while len(plan) < 41:  # host × topic, one institute each, until the seed's 41
        field = FIELDS_[k % len(FIELDS_)]
        topic = TOPICS[field][(k // len(FIELDS_)) % len(TOPICS[field])]
        host = INSTITUTE_HOSTS[k % len(INSTITUTE_HOSTS)]
        name = f"{host}青岛{topic}研究院" if k % 3 else f"青岛{topic}产业技术研究院"
        k += 1
        if name not in names:
            names.add(name)
            plan.append((name, field, host))
    with clock.at(_at(today - dt.timedelta(days=5), 10)):  # registered in luoshi last week, operation dates before that
        for i, (name, field, host) in enumerate(plan):
            if Institution.objects.filter(name=name).exists():
                continue
            # certificates of five years; expiries spread over the next 3½ years, a few within six months
            if i in (3, 11, 19):
                expires = today + dt.timedelta(days={3: 100, 11: 130, 19: 160}[i])  # within 6 months: reviews open
            elif i == 27:
                expires = today + dt.timedelta(days=70)  # within 3 months: the continuation is already late
            else:
                expires = today + dt.timedelta(days=200 + (i * 31) % 1100)
            issued = expires.replace(year=expires.year - 5) if not (expires.month == 2 and expires.day == 29) \
                else expires.replace(year=expires.year - 5, day=28)
            last = today - dt.timedelta(days=800 if i == 33 else rng.randint(10, 200))
            institution_create(by=None, name=name, unit=hosts[host], authority=bianban, cert_issued=issued,
                               cert_expires=expires, last_operation_on=last, cert_number=f"事证第1370{200000 + i * 37}号",
                               field=field)


def _summary() -> dict:
    sold = Case.objects.filter(definition__code="pingdu-nongdi-rushi").exclude(amounts=[])
    price = sum((Decimal(c.fields["price"]) for c in sold), Decimal(0))
    kept = sum((Decimal(a["value"]) for c in sold for a in c.amounts if a["code"] == "collective"), Decimal(0))
    area = sum((Decimal(c.fields["area_mu"]) for c in sold), Decimal(0))
    return {"parcels": Case.objects.filter(definition__code="pingdu-nongdi-rushi").count(), "sold": sold.count(),
            "area_mu": area, "price": price, "kept": kept, "institutions": Institution.objects.count(),
            "definitions": Definition.objects.filter(is_current=True).count()}
