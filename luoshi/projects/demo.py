"""Demo data for key projects, in the spirit of the seeds: a 项目落地年 list of 60 projects in 胶州 (750 项目动态管理
清单), 西海岸 (功能区 签约、开工、建设、投产全链条) and 平度 (园区建设), a year of monthly investment reports and phase
reports written through the real services at past times (clock.at) — some behind plan —, problems handed on
through the ledger, two quarters of 督导核查 flags, public progress, and two 揭榜挂帅 challenges (one decided with
its winner's tasks under way, one open on the portal). Runs again without adding anything."""
from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from luoshi.core import clock
from luoshi.core.presets import preset_load, preset_path
from luoshi.org.demo import DEMO_PASSWORD, Account, unit_at
from luoshi.org.models import Person, Role, Unit
from luoshi.org.services import grant_role, person_create, unit_create

from . import challenges as ch
from . import services
from .figures import quarter_of
from .models import Challenge, Project

CITY = "青岛市"
PROJECTS_ACCOUNTS = [
    Account("xiangmu", "陈海峰", Role.OFFICE, "青岛市/市发展和改革委员会", "市发改委重点项目推进处科长",
            note="重点项目：建立和导入项目清单、交办项目问题、计入考核、公开进展、发布揭榜挂帅榜单"),
    Account("jz_fgj", "王晓东", Role.LIAISON, "青岛市/胶州市/市发展和改革局", "胶州市发改局项目科科长",
            note="重点项目：胶州项目的主抓单位联络员，每月报送完成投资和阶段进展"),
    Account("xha_jt", "李娜", Role.LIAISON, "青岛市/西海岸新区/青岛西海岸发展集团", "集团投资部经理",
            note="重点项目：建设单位（国企）联络员，只看本集团建设的项目"),
    Account("duchazu", "张国平", Role.EVALUATOR, "青岛市", "市人大常委会项目督导核查组组长",
            note="重点项目：季度督导核查评分（计分挂旗）；揭榜挂帅评审专家"),
    Account("baolian", "孙立群", Role.LEADER, "青岛市", "副市长（包联领导）", note="重点项目：包联项目、看驾驶舱数字"),
    Account("jb_expert", "周明", "", "青岛市", "海洋科技专家（高校教授）", note="揭榜挂帅评审专家：为揭榜申请打分"),
]

# district → (lead unit, zones to create, streets, builders)
PLACES = {
    "胶州市": ("市发展和改革局", ["胶州经济技术开发区", "青岛胶东临空经济示范区"], ["阜安街道", "中云街道", "胶东街道", "李哥庄镇", "九龙街道"]),
    "西海岸新区": ("区发展和改革局", ["青岛经济技术开发区", "董家口经济区", "前湾综合保税区"], ["黄岛街道", "辛安街道", "灵山卫街道", "泊里镇"]),
    "平度市": ("市发展和改革局", ["平度经济开发区"], ["东阁街道", "李园街道", "同和街道", "南村镇", "蓼兰镇"]),
}
COUNTS = {"胶州市": 24, "西海岸新区": 20, "平度市": 16}
NAMES = {  # what the projects build; each district draws without repeating, so no two of its projects share a name
    "industry": ["智能装备产业园", "新能源汽车零部件基地", "高端化工新材料项目", "集成电路封测项目", "生物医药产业园",
                 "食品精深加工项目", "新型显示模组项目", "海洋装备制造基地", "工业机器人整机项目", "锂电池隔膜生产线",
                 "精密轴承制造项目", "轨道交通装备配套项目", "光伏组件生产基地", "医疗器械产业园", "氢能装备产业园",
                 "智能家电配套产业园", "碳纤维复合材料项目", "纺织服装智能工厂"],
    "infrastructure": ["综合交通枢纽配套道路", "污水处理厂扩建工程", "110千伏输变电工程", "物流园铁路专用线",
                       "供热管网改造工程", "雨污分流改造工程", "城市快速路连接线", "水库除险加固工程",
                       "天然气主干管网工程", "算力中心和5G基站"],
    "livelihood": ["区域医疗中心", "九年一贯制学校", "保障性租赁住房", "养老服务综合体", "全民健身中心", "老旧小区改造",
                   "妇幼保健院新院区", "职业技术学校实训基地", "城市书房和文化中心"],
    "investment": ["跨境电商产业园", "冷链物流中心", "数字经济产业园", "总部经济楼宇", "智慧物流分拨中心", "电竞文旅综合体",
                   "保税仓储中心"],
}
# where in the district, for a second project of the same kind of work (e.g. 胶州临空冷链物流中心)
PLACE_WORDS = {"胶州市": ["临空", "经开区", "李哥庄", "九龙", "胶东"], "西海岸新区": ["董家口", "前湾", "灵山卫", "泊里", "辛安"],
               "平度市": ["经开区", "南村", "蓼兰", "同和", "东阁"]}


def project_namer(district_name: str, short: str, rng: random.Random):
    """name(kind) → a name no other project of the district has: the kinds' subjects drawn without repeating, then
    the same subjects again with a place in the district before them."""
    pools: dict[str, list[str]] = {}
    used: set[str] = set()
    places = PLACE_WORDS.get(district_name, ["新区"])

    def name(kind: str) -> str:
        for _attempt in range(200):
            if not pools.get(kind):
                pools[kind] = rng.sample(NAMES[kind], len(NAMES[kind]))
            subject = pools[kind].pop()
            candidate = f"{short}{subject}"
            if candidate in used:
                candidate = f"{short}{rng.choice(places)}{subject}"
            if candidate not in used:
                used.add(candidate)
                return candidate
        raise RuntimeError(f"no unused project name left for {district_name}/{kind}")

    return name


BUILDERS = ["青岛海达科技有限公司", "山东华信新材料股份有限公司", "青岛恒泰智能装备有限公司", "青岛城乡建设投资集团",
            "青岛安捷物流有限公司", "青岛康宁医疗投资有限公司", "山东鲁青新能源有限公司", "青岛蓝海生物科技有限公司"]
TYPES = ["industry"] * 5 + ["infrastructure"] * 2 + ["livelihood"] * 2 + ["investment"]
ISSUES = [("land", "项目用地指标尚未落实，需协调土地报批"), ("approval", "施工许可审批材料需补正，请协调并联审批"),
          ("funds", "配套资金到位滞后，影响设备采购"), ("labor", "用工缺口约200人，需人社部门协助招聘"),
          ("energy", "临时用电接入排期较长，需协调供电公司")]


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    """A moment of the history on `day`, never after now (the demo may run early on New Year's Day)."""
    return min(timezone.make_aware(dt.datetime.combine(day, dt.time(hour, (day.toordinal() * 7) % 60))), clock.now())


def _person(acc: Account, hashed: str) -> Person:
    unit = unit_at(acc.unit_path)
    person = Person.objects.filter(username=acc.username).first()
    if person is None:
        person = person_create(by=None, username=acc.username, full_name=acc.full_name, title=acc.title, unit=unit,
                               email=f"{acc.username}@demo.luoshi.local")
        Person.objects.filter(pk=person.pk).update(password=hashed)
        if acc.role:
            grant_role(by=None, person=person, role=acc.role, unit=unit)
    return person


def _unit(parent: Unit, name: str, kind: str) -> Unit:
    return Unit.objects.filter(parent=parent, name=name).first() or unit_create(by=None, name=name, kind=kind, parent=parent)


def _month_starts(first: dt.date, last: dt.date) -> list[dt.date]:
    out, d = [], first.replace(day=1)
    while d <= last:
        out.append(d)
        d = (d.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return out


def projects_demo(*, today: dt.date | None = None, hashed_password: str | None = None, seed: int = 13) -> dict:
    today = today or clock.today()
    year = today.year
    hashed = hashed_password or make_password(DEMO_PASSWORD)
    rng = random.Random(seed)
    city = unit_at(CITY)
    xha = unit_at(f"{CITY}/西海岸新区")
    _unit(xha, "青岛西海岸发展集团", "soe")
    people = {acc.username: _person(acc, hashed) for acc in PROJECTS_ACCOUNTS}
    office, inspector, leader = people["xiangmu"], people["duchazu"], people["baolian"]
    start = min(dt.date(year, 1, 4), today)
    with clock.at(_at(start, 9)):
        program = preset_load(by=None, name="xiangmu-luodi", year=year)["program"]
    if Project.objects.filter(program=program).exists():
        return {"program": program, "projects": Project.objects.filter(program=program).count(), "created": False}
    builder_soe = unit_at(f"{CITY}/西海岸新区/青岛西海岸发展集团")
    projects: list[tuple[Project, int]] = []  # (project, how it goes: 0 on plan, 1 a little behind, 2 far behind)
    with transaction.atomic(), clock.at(_at(start, 10)):
        n = 0
        for district_name, (lead_name, zones, streets) in PLACES.items():
            district = unit_at(f"{CITY}/{district_name}")
            lead = unit_at(f"{CITY}/{district_name}/{lead_name}")
            approval = Unit.objects.filter(parent=district, name__endswith="行政审批服务局").first()
            zone_units = [_unit(district, z, "zone") for z in zones]
            name_of = project_namer(district_name, district.short_name or district_name,
                                    random.Random(f"{seed}{district_name}"))
            for i in range(COUNTS[district_name]):
                n += 1
                kind = TYPES[(n * 7) % len(TYPES)]
                name = name_of(kind)
                annual = Decimal(rng.choice([3000, 5000, 8000, 12000, 20000, 30000]))
                sign = dt.date(year, rng.randint(1, 3), rng.randint(1, 25))
                begin = sign + dt.timedelta(days=rng.randint(30, 150))
                produce = begin + dt.timedelta(days=rng.randint(150, 330))
                # the plan spreads the year's investment over the months from the planned start
                first = begin.month if begin.year == year else 12
                weights = {m: rng.uniform(0.5, 1.5) for m in range(first, 13)}
                monthly = {dt.date(year, m, 1): (annual * Decimal(w) / Decimal(sum(weights.values()))).quantize(Decimal(1))
                           for m, w in weights.items()}
                soe = district_name == "西海岸新区" and i % 5 == 0
                data = services.ProjectInput(
                    code=f"{year}-{n:03d}", name=name, type=kind, district=district, lead_unit=lead,
                    builder_name="青岛西海岸发展集团" if soe else rng.choice(BUILDERS),
                    builder_unit=builder_soe if soe else None,
                    area=zone_units[i % len(zone_units)] if i % 3 != 2 else None,
                    street=unit_at(f"{CITY}/{district_name}/{streets[i % len(streets)]}") if i % 3 == 2 else None,
                    approval_units=[approval] if approval else [], leader=leader if n % 4 == 0 else None,
                    team=[people["jz_fgj"]] if district_name == "胶州市" and n % 6 == 0 else [],
                    total_investment=annual * rng.choice([2, 3, 5]), annual_plan=annual,
                    content=f"{name}：新建厂房、配套设施及生产线。",
                    plans={"sign": sign, "land": sign + dt.timedelta(days=20), "start": begin,
                           "produce": produce if produce.year == year else None},
                    monthly_plan=monthly, is_public=n % 4 == 1,
                    public_summary=f"{name}，年度计划投资{annual}万元。" if n % 4 == 1 else "")
                project = services.project_save(by=office, program=program, data=data)
                projects.append((project, 0 if n % 5 else (1 if n % 10 else 2)))
    _history(program, projects, people, today, rng)
    _challenges(program, people, today)
    summary = services.lights_run(today=today, notify=False)
    return {"program": program, "projects": len(projects), "created": True, "lights": summary}


def _reporter(project: Project, people: dict) -> Person:
    if project.builder_unit_id:
        return people["xha_jt"]
    return people["jz_fgj"] if project.district.name == "胶州市" else people["xiangmu"]


def _history(program, projects, people, today: dt.date, rng: random.Random) -> None:
    """Phases reported on (or after) their dates and monthly investment reported by the 3rd of the next month, the
    far-behind ones slower; a few problems raised and handed on; 督导核查 of the two quarters before this one."""
    office, inspector = people["xiangmu"], people["duchazu"]
    for project, pace in projects:
        by = _reporter(project, people)
        lag = {0: 0, 1: 20, 2: 75}[pace]
        for phase in ("sign", "land", "start", "produce"):
            planned = project.planned(phase)
            if planned is None:
                break
            on = planned + dt.timedelta(days=lag + rng.randint(-5, 5))
            if on >= today:
                break
            with clock.at(_at(on, 16)):
                project.refresh_from_db()
                services.phase_report(by=by, project=project, phase=phase, on=on,
                                      text=f"{project.name}{program.projects_config.phase_name(phase)}，现场照片与文件已上传。")
        share = {0: (0.95, 1.15), 1: (0.8, 0.95), 2: (0.4, 0.65)}[pace]
        for month in _month_starts(dt.date(today.year, 1, 1), today.replace(day=1) - dt.timedelta(days=1)):
            row = project.months.filter(month=month).first()
            if row is None:
                continue
            started = project.start_on is not None and project.start_on <= month + dt.timedelta(days=27)
            amount = (row.planned * Decimal(rng.uniform(*share))).quantize(Decimal(1)) if started else Decimal(0)
            report_day = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=3)
            with clock.at(_at(report_day, 11)):
                project.refresh_from_db()
                services.month_report(by=by, project=project, month=month, actual=amount,
                                      note="按形象进度统计" if amount else "尚未开工")
    behind = [p for p, pace in projects if pace]
    for i, project in enumerate(behind[:len(ISSUES)]):
        kind, text = ISSUES[i]
        day = max(dt.date(today.year, 1, 15), today - dt.timedelta(days=40 - i * 5))
        with clock.at(_at(day, 15)):
            issue = services.issue_raise(by=_reporter(project, people), project=project, kind=kind, description=text)
        if i < 3:
            with clock.at(_at(day + dt.timedelta(days=1), 9)):
                unit = project.approval_units.first() or project.lead_unit
                services.issue_assign(by=office, issue=issue, unit=unit, deadline=day + dt.timedelta(days=16))
    current = (today.month - 1) // 3  # 0..3: the quarters before it in this year are rated
    quarters = [dt.date(today.year, q * 3 + 3, 1) + dt.timedelta(days=31) for q in range(max(0, current - 2), current)]
    quarters = [d.replace(day=1) - dt.timedelta(days=1) for d in quarters]  # the last day of each quarter
    for q_end in quarters:
        with clock.at(_at(q_end, 17)):
            services.lights_run(today=q_end, notify=False)
            for project, pace in projects:
                project.refresh_from_db()
                score = Decimal(rng.randint(*{0: (80, 98), 1: (62, 85), 2: (40, 62)}[pace]))
                services.project_rate(by=inspector, project=project, quarter=quarter_of(q_end), score=score,
                                      note="进度与计划一致" if pace == 0 else "进度滞后，需加快推进")
                if project.is_public:
                    services.public_update(by=office, project=project,
                                           text=f"{quarter_of(q_end)}：当前阶段{program.projects_config.phase_name(project.phase) or '前期'}，"
                                                f"本年已完成投资{project.actual_year}万元。")


def _challenges(program, people, today: dt.date) -> None:
    office = people["xiangmu"]
    owner = unit_at(f"{CITY}/市发展和改革委员会")
    scheme = preset_path("jiebang-pingshen").read_text(encoding="utf-8")
    if Challenge.objects.filter(owner_unit=owner).exists():
        return
    experts = [people["duchazu"], people["jb_expert"]]
    opened = today - dt.timedelta(days=120)
    with clock.at(_at(opened, 9)):
        done = ch.challenge_create(
            by=office, owner_unit=owner, program=program, category="科技攻关", title="海洋智能传感器国产化攻关",
            problem="海洋观测用高精度传感器长期依赖进口，价格高、供货周期长。",
            goals="两年内完成温盐深传感器样机并在近海观测网小批量应用。", conditions="在青注册的企业、高校院所或联合体，具有相关研发基础。",
            funding=Decimal(500), apply_until=opened + dt.timedelta(days=30), review_until=opened + dt.timedelta(days=45),
            scheme_text=scheme, experts=experts)
        ch.challenge_publish(by=office, challenge=done)
    applicant_units = [(people["jz_fgj"], "胶州市传感器产业联合体", "王晓东", "13900000001"),
                       (people["xha_jt"], "西海岸海洋装备创新团队", "李娜", "13900000002")]
    apps = []
    for i, (person, team, contact, phone) in enumerate(applicant_units):
        with clock.at(_at(opened + dt.timedelta(days=10 + i * 5), 14)):
            apps.append(ch.challenge_apply(
                by=person, challenge=done, team_name=team, contact_name=contact, contact_phone=phone, unit=person.unit,
                plan="产学研联合攻关：第一年完成设计与样机，第二年完成海试与小批量应用。",
                commitments=[{"title": "完成样机研制", "due": (today + dt.timedelta(days=90)).isoformat()},
                             {"title": "完成海试并小批量应用", "due": (today + dt.timedelta(days=300)).isoformat()}]))
    with clock.at(_at(opened + dt.timedelta(days=31), 9)):
        ch.challenge_review(by=office, challenge=done)
    for expert in experts:
        for app, base in zip(apps, (85, 72)):
            with clock.at(_at(opened + dt.timedelta(days=35), 10)):
                ch.application_score(by=expert, application=app, values={
                    "plan": str(min(40, base * 40 // 100 + 2)), "ability": str(base * 30 // 100),
                    "goals": str(base * 20 // 100), "support": str(base * 10 // 100)})
    with clock.at(_at(opened + dt.timedelta(days=46), 9)):
        ch.challenge_select(by=office, challenge=done, application=apps[0],
                            result_text="经专家评审，由胶州市传感器产业联合体挂帅，承诺节点纳入重点项目调度。")
    with clock.at(_at(today - dt.timedelta(days=5), 9)):
        c2 = ch.challenge_create(
            by=office, owner_unit=owner, program=program, category="重大改革事项", title="项目审批“拿地即开工”改革",
            problem="重点项目从取得土地到开工平均需要数月，审批环节多、材料重复提交。",
            goals="形成“拿地即开工”标准流程，一般工业项目取得土地后30日内开工。",
            conditions="市直部门、区（市）或功能区，可联合申报。", funding=Decimal(0),
            apply_until=today + dt.timedelta(days=25), review_until=today + dt.timedelta(days=40), scheme_text=scheme,
            experts=experts)
        ch.challenge_publish(by=office, challenge=c2)
