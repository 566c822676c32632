"""Generate a city-scale dataset into an already-migrated, empty database.

    .venv/bin/python bench/generate.py [--tasks 100000 --reports 1000000 --seed 1]

Uses whatever DATABASE_URL / LUOSHI_VAR_DIR the settings see. Units, people, programs and periods go
through bulk_create; the big tables (tasks, assignments, reports …) are written with one
executemany per batch on SQLite and COPY on PostgreSQL (bulk_create on any other backend).
No services run per row, so nothing is journalled; at the end warnings_run(notify=False) computes
the real statuses.

The organisation (names are synthetic):
  滨海市 (city) ─ 10 districts ─ 15 streets each ─ 20 communities each
                ─ 40 city departments;  6 departments per district
People (password "bench-pass-123" for all):
  bench_admin (superuser), bench_office (office over the city), leader_city_1..3 (leader over the city),
  office_dNN (office over district NN), leader_dNN_1..3 (leader over district NN),
  liaison_u{unit_id} for every street and department (liaison over that unit).
Programs: bench-city-1, bench-city-2 (owned by 市政府办公厅), bench-dNN-1/2 (owned by the district's 区政府办公室),
monthly cadence on the 25th, year = the current year.
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import CITY_PROGRAMS, PASSWORD, db_label, district_program_code, setup_django  # noqa: E402

setup_django()

from zoneinfo import ZoneInfo  # noqa: E402

from django.conf import settings  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.core.management.color import no_style  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402

from luoshi.core import clock  # noqa: E402
from luoshi.org.models import Person, Role, RoleGrant, Unit, UnitKind  # noqa: E402
from luoshi.programs import cadence  # noqa: E402
from luoshi.programs.models import Program, ReportingPeriod  # noqa: E402
from luoshi.tasks.deadlines import parse_deadline  # noqa: E402
from luoshi.tasks.models import (  # noqa: E402
    ClosureRequest, ExtensionRequest, Milestone, ProgressReport, Task, TaskAssignment, TaskStatus,
)
from luoshi.tasks.tallies import program_rebuild  # noqa: E402
from luoshi.tasks.warnings import warnings_run  # noqa: E402

UTC = dt.timezone.utc
LOCAL = ZoneInfo(settings.TIME_ZONE)

# ---- names -------------------------------------------------------------------------------------------

DISTRICTS = ["海东区", "海西区", "江北区", "江南区", "城中区", "湖滨区", "山前区", "河口区", "新港区", "云台区"]
SYLLABLES = "青云松柏桃李梅兰竹菊金银玉石山河湖海星月阳光明春秋长安太平和兴盛华新丰泰康宁福瑞龙凤鹤鸣泉溪汇源德善嘉禾"
CN = ["", "一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二", "十三", "十四", "十五", "十六", "十七",
      "十八", "十九", "二十"]
CITY_DEPARTMENTS = [
    "市政府办公厅", "市委办公厅", "市发展和改革委员会", "市教育局", "市科学技术局", "市工业和信息化局", "市公安局", "市民政局",
    "市司法局", "市财政局", "市人力资源和社会保障局", "市自然资源和规划局", "市生态环境局", "市住房和城乡建设局",
    "市交通运输局", "市水务管理局", "市农业农村局", "市商务局", "市文化和旅游局", "市卫生健康委员会", "市退役军人事务局",
    "市应急管理局", "市审计局", "市国有资产监督管理委员会", "市市场监督管理局", "市体育局", "市统计局", "市医疗保障局",
    "市城市管理局", "市行政审批服务局", "市大数据发展管理局", "市海洋发展局", "市园林和林业局", "市民营经济发展局",
    "市地方金融监督管理局", "市口岸办公室", "市信访局", "市机关事务服务中心", "市住房公积金管理中心", "市消防救援支队",
]
CITY_DEPARTMENT_SHORT = {"市发展和改革委员会": "市发改委", "市工业和信息化局": "市工信局", "市人力资源和社会保障局": "市人社局",
                         "市自然资源和规划局": "市资源规划局", "市卫生健康委员会": "市卫健委", "市市场监督管理局": "市市场监管局"}
CITY_OFFICE_DEPT = "市政府办公厅"
DISTRICT_DEPARTMENTS = ["区政府办公室", "区发展和改革局", "区财政局", "区住房和城乡建设局", "区行政审批服务局", "区城市管理局"]
DISTRICT_OFFICE_DEPT = "区政府办公室"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志海峰鹏宇晨浩然文博思远雪梅晓东立新永亮俊杰佳琪子涵"

CATEGORIES = ["助企服务", "项目建设", "科技创新", "城市更新", "民生保障", "生态环保", "营商环境", "乡村振兴", "安全生产",
              "数字政府", "文化旅游", "社会治理", "教育卫生", "对外开放"]
VERBS = ["推进", "加快", "深化", "完善", "落实", "实施", "开展", "健全", "提升", "优化", "强化", "统筹"]
OBJECTS = ["老旧小区改造", "重点项目开工", "企业纾困帮扶", "政务服务“一网通办”", "垃圾分类", "农贸市场升级", "口袋公园建设",
           "养老服务设施", "背街小巷整治", "雨污分流改造", "高新技术企业培育", "招商引资", "安全隐患排查", "停车泊位建设",
           "社区食堂建设", "历史街区保护", "河湖长制", "充电桩布局", "智慧社区建设", "稳岗就业", "中小学扩容", "基层医疗能力",
           "征地拆迁", "道路微循环", "供热管网改造", "人才公寓筹集", "文旅消费", "外贸新业态", "数字化转型", "网格化治理"]
SUFFIXES = ["工作", "三年行动", "专项行动", "攻坚", "提质增效", "试点", "全覆盖", "长效机制建设", "集中整治", "示范创建"]
MEASURES = ["制定实施方案，明确责任分工和时间节点，每月调度推进情况", "建立工作台账，实行清单化管理、项目化推进",
            "完成年度目标任务，形成可复制可推广经验", "加强部门协同，落实要素保障，按月报送进展",
            "开展专项督导，对进展滞后的单位通报约谈", "强化资金保障，争取上级政策和专项资金支持",
            "组织现场观摩，推动比学赶超，确保按期完成"]
REPORT_TEXTS = ["已召开专题推进会，明确责任分工，正按计划推进。", "已完成前期调研和方案制定，进入组织实施阶段。",
                "本期完成现场踏勘和手续办理，整体进度符合预期。", "已对接相关部门解决用地和资金问题，下一步加快施工。",
                "本月完成阶段性任务，台账已更新，存在的问题正在协调。", "已组织集中攻坚，主体工程基本完成，正在收尾。",
                "受天气影响进度略有滞后，已增加人员力量，确保按期完成。", "已完成招标采购，施工单位已进场。",
                "配合牵头单位完成数据报送和现场核查工作。", "按要求完成本期工作，相关材料已报送牵头单位。",
                "已开展督导检查两次，发现问题已全部整改到位。", "已形成初步成果，正在征求相关部门意见。"]

DEADLINE_PHRASES = [  # (phrase, weight)
    ("3月底前", 7), ("6月底前", 11), ("上半年", 5), ("三季度", 7), ("9月底前", 7), ("10月底前", 5), ("11月底前", 5),
    ("年底前", 20), ("12月中旬", 3), ("四季度", 7), ("长期坚持", 12), ("每月", 5), ("6月底前完成方案，年底前全面完成", 3),
    ("2027年6月底前", 3),
]
LEAD_POOLS = {  # program kind → [(pool, weight)]
    "city": [("city_dept", 50), ("street", 25), ("district_dept", 15), ("community", 10)],
    "district": [("street", 40), ("district_dept", 25), ("community", 35)],
}


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--tasks", type=int, default=100_000)
    p.add_argument("--reports", type=int, default=1_000_000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--batch", type=int, default=20_000, help="rows per insert batch")
    p.add_argument("--no-warnings", action="store_true", help="skip the final warnings_run")
    return p.parse_args()


# ---- fast inserts --------------------------------------------------------------------------------------

class Writer:
    """Insert plain tuples into a model's table: executemany on SQLite, COPY on PostgreSQL."""

    def __init__(self, batch: int):
        self.batch = batch
        self.vendor = connection.vendor
        self.counts: Counter = Counter()

    def insert(self, model, cols: list[str], rows: list[tuple]) -> None:
        if not rows:
            return
        meta = model._meta
        fields = [meta.get_field(c) for c in cols]
        qn = connection.ops.quote_name
        table = qn(meta.db_table)
        columns = ", ".join(qn(f.column) for f in fields)
        self.counts[meta.label] += len(rows)
        if self.vendor == "postgresql":
            with connection.cursor() as cur, cur.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for r in rows:
                    copy.write_row(r)
        elif self.vendor == "sqlite":
            convs = []
            for f in fields:
                kind = f.get_internal_type()
                if kind == "DateTimeField":
                    convs.append(connection.ops.adapt_datetimefield_value)
                elif kind == "DateField":
                    convs.append(connection.ops.adapt_datefield_value)
                else:
                    convs.append(None)
            if any(convs):
                rows = [tuple(c(v) if c else v for c, v in zip(convs, r)) for r in rows]
            sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(cols))})"
            with connection.cursor() as cur:
                for i in range(0, len(rows), self.batch):
                    cur.executemany(sql, rows[i:i + self.batch])
        else:
            names = [f.attname for f in fields]
            model.objects.bulk_create([model(**dict(zip(names, r))) for r in rows], batch_size=1000)


class Buffer:
    def __init__(self, writer: Writer, model, cols: list[str]):
        self.writer, self.model, self.cols, self.rows = writer, model, cols, []

    def add(self, row: tuple) -> None:
        self.rows.append(row)
        if len(self.rows) >= self.writer.batch:
            self.flush()

    def flush(self) -> None:
        self.writer.insert(self.model, self.cols, self.rows)
        self.rows = []


# ---- helpers -------------------------------------------------------------------------------------------

def at_local(day: dt.date, minutes: int) -> dt.datetime:
    """An aware UTC datetime for `minutes` after local midnight of `day`."""
    return dt.datetime(day.year, day.month, day.day, minutes // 60, minutes % 60, tzinfo=LOCAL).astimezone(UTC)


def rand_day(rng: random.Random, a: dt.date, b: dt.date) -> dt.date:
    return a if b <= a else a + dt.timedelta(days=rng.randint(0, (b - a).days))


def working_minutes(rng: random.Random) -> int:
    return rng.randint(8 * 60 + 30, 18 * 60 + 30)


def weighted(rng: random.Random, items: list[tuple[object, int]]):
    return rng.choices([i for i, _ in items], weights=[w for _, w in items])[0]


class Step:
    def __init__(self):
        self.t0 = self.t = time.perf_counter()

    def __call__(self, label: str) -> None:
        now = time.perf_counter()
        print(f"  {label:<44} {now - self.t:7.1f} s", flush=True)
        self.t = now


# ---- org -----------------------------------------------------------------------------------------------

def unique_names(rng: random.Random, n: int, make) -> list[str]:
    seen: set[str] = set()
    out = []
    while len(out) < n:
        name = make()
        if name not in seen:
            seen.add(name)
            out.append(name)
    return out


def create_level(units: list[Unit]) -> list[Unit]:
    created = Unit.objects.bulk_create(units, batch_size=1000)
    for u in created:
        assert u.pk, "bulk_create did not return ids (needs SQLite ≥ 3.35 or PostgreSQL)"
        parent_path = u.parent.path if u.parent_id else "/"
        u.path = f"{parent_path}{u.pk}/"
        u.depth = parent_path.count("/") - 1
    Unit.objects.bulk_update(created, ["path", "depth"], batch_size=1000)
    return created


def build_org(rng: random.Random) -> dict:
    city = create_level([Unit(name="滨海市", short_name="滨海", kind=UnitKind.CITY, code="BH0000")])[0]
    level1 = [Unit(name=n, short_name=n[:-1], kind=UnitKind.DISTRICT, parent=city, code=f"BH{i + 1:02d}00", sort_order=i)
              for i, n in enumerate(DISTRICTS)]
    level1 += [Unit(name=n, short_name=CITY_DEPARTMENT_SHORT.get(n, ""), kind=UnitKind.DEPARTMENT, parent=city,
                    sort_order=100 + i) for i, n in enumerate(CITY_DEPARTMENTS)]
    level1 = create_level(level1)
    districts = [u for u in level1 if u.kind == UnitKind.DISTRICT]
    city_depts = [u for u in level1 if u.kind == UnitKind.DEPARTMENT]
    street_bases = unique_names(rng, 15 * len(districts), lambda: "".join(rng.sample(SYLLABLES, 2)))
    level2 = []
    for i, d in enumerate(districts):
        level2 += [Unit(name=f"{b}街道", short_name=b, kind=UnitKind.STREET, parent=d, sort_order=k)
                   for k, b in enumerate(street_bases[15 * i:15 * (i + 1)])]
        level2 += [Unit(name=n, kind=UnitKind.DEPARTMENT, parent=d, sort_order=100 + k)
                   for k, n in enumerate(DISTRICT_DEPARTMENTS)]
    level2 = create_level(level2)
    streets = [u for u in level2 if u.kind == UnitKind.STREET]
    district_depts = [u for u in level2 if u.kind == UnitKind.DEPARTMENT]
    level3 = [Unit(name=f"{s.short_name}{CN[k]}社区", kind=UnitKind.COMMUNITY, parent=s, sort_order=k)
              for s in streets for k in range(1, 21)]
    communities = create_level(level3)
    return {"city": city, "districts": districts, "city_depts": city_depts, "streets": streets,
            "district_depts": district_depts, "communities": communities}


def build_people(rng: random.Random, org: dict) -> dict:
    password = make_password(PASSWORD)
    now = clock.now()
    n_people = 5 + 4 * len(org["districts"]) + len(org["streets"]) + len(org["city_depts"]) + len(org["district_depts"])
    names = iter(unique_names(rng, n_people, lambda: rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, rng.choice((1, 2))))))
    city = org["city"]
    city_office_dept = next(u for u in org["city_depts"] if u.name == CITY_OFFICE_DEPT)
    people: list[Person] = []
    grants: list[tuple[int, str, Unit]] = []  # (index into people, role, unit)

    def person(username, unit, title, role=None, scope=None, **extra):
        people.append(Person(username=username, password=password, full_name=next(names), title=title, unit=unit,
                             email=f"{username}@bench.invalid", date_joined=now, **extra))
        if role:
            grants.append((len(people) - 1, role, scope))
        return len(people) - 1

    person("bench_admin", city, "系统管理员", Role.ADMIN, city, is_superuser=True, is_staff=True)
    person("bench_office", city_office_dept, "督查室主任", Role.OFFICE, city)
    city_leaders = [person(f"leader_city_{k}", city, "副市长", Role.LEADER, city) for k in range(1, 4)]
    district_leaders, district_office = {}, {}
    for no, d in enumerate(org["districts"], 1):
        office_dept = next(u for u in org["district_depts"] if u.parent_id == d.pk and u.name == DISTRICT_OFFICE_DEPT)
        district_office[d.pk] = person(f"office_d{no:02d}", office_dept, "督查科科长", Role.OFFICE, d)
        district_leaders[d.pk] = [person(f"leader_d{no:02d}_{k}", d, "副区长", Role.LEADER, d) for k in range(1, 4)]
    liaison_of_unit = {}
    for u in org["streets"] + org["city_depts"] + org["district_depts"]:
        liaison_of_unit[u.pk] = person(f"liaison_u{u.pk}", u, "联络员", Role.LIAISON, u)
    created = Person.objects.bulk_create(people, batch_size=500)
    RoleGrant.objects.bulk_create([RoleGrant(person=created[i], role=role, unit=unit, granted_at=now)
                                   for i, role, unit in grants], batch_size=500)
    pk = lambda i: created[i].pk  # noqa: E731
    author_of_unit = {uid: pk(i) for uid, i in liaison_of_unit.items()}
    for c in org["communities"]:
        author_of_unit[c.pk] = author_of_unit[c.parent_id]
    return {
        "count": len(created), "grants": len(grants),
        "city_leaders": [pk(i) for i in city_leaders],
        "district_leaders": {d: [pk(i) for i in v] for d, v in district_leaders.items()},
        "author_of_unit": author_of_unit, "full_name": {p.pk: p.full_name for p in created},
        "office_person": {d: pk(i) for d, i in district_office.items()}, "city_office_person": pk(1),
    }


# ---- programs --------------------------------------------------------------------------------------------

def build_programs(org: dict, year: int) -> list[dict]:
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    created_at = at_local(start, 9 * 60)
    city_office_dept = next(u for u in org["city_depts"] if u.name == CITY_OFFICE_DEPT)
    specs = [(CITY_PROGRAMS[0], f"{year}年全市重点工作任务清单", city_office_dept, None),
             (CITY_PROGRAMS[1], f"{year}年优化营商环境攻坚任务清单", city_office_dept, None)]
    for no, d in enumerate(org["districts"], 1):
        office_dept = next(u for u in org["district_depts"] if u.parent_id == d.pk and u.name == DISTRICT_OFFICE_DEPT)
        specs.append((district_program_code(no, 1), f"{year}年{d.name}重点工作任务", office_dept, d))
        specs.append((district_program_code(no, 2), f"{year}年{d.name}民生实事项目", office_dept, d))
    programs = Program.objects.bulk_create([
        Program(code=code, name=name, year=year, owner_unit=owner, start_date=start, end_date=end, cadence_kind="monthly",
                cadence_day=25, sheet_title=name, created_at=created_at) for code, name, owner, _ in specs])
    periods = []
    for p in programs:
        periods += [ReportingPeriod(program=p, seq=seq, start=s, due=d)
                    for seq, s, d in cadence.slots(kind=p.cadence_kind, start=p.start_date, end=p.end_date,
                                                   weekday=p.cadence_weekday, day=p.cadence_day, dates=p.cadence_dates)]
    periods = ReportingPeriod.objects.bulk_create(periods)
    out = []
    for p, (_, _, _, district) in zip(programs, specs):
        ps = sorted(((x.start, x.due, x.pk) for x in periods if x.program_id == p.pk))
        out.append({"program": p, "district": district, "periods": ps})
    return out


# ---- tasks and reports -------------------------------------------------------------------------------------

def unit_pools(org: dict, district: Unit | None) -> dict[str, list[Unit]]:
    if district is None:
        return {"city_dept": org["city_depts"], "street": org["streets"], "district_dept": org["district_depts"],
                "community": org["communities"]}
    inside = lambda units: [u for u in units if u.path.startswith(district.path)]  # noqa: E731
    return {"street": inside(org["streets"]), "district_dept": inside(org["district_depts"]),
            "community": inside(org["communities"])}


def task_title(rng: random.Random) -> str:
    return f"{rng.choice(VERBS)}{rng.choice(OBJECTS)}{rng.choice(SUFFIXES)}"


def plan_tasks(rng: random.Random, programs: list[dict], org: dict, people: dict, n_tasks: int, today: dt.date,
               next_task_id: int) -> list[dict]:
    """Decide every task's facts (but not its reports) in memory."""
    city_share = 0.10 if len(programs) > 2 else 0.5
    quotas = [round(n_tasks * city_share) if p["district"] is None else 0 for p in programs]
    rest = n_tasks - sum(quotas)
    district_programs = [i for i, p in enumerate(programs) if p["district"] is not None]
    for k, i in enumerate(district_programs):
        quotas[i] = rest // len(district_programs) + (1 if k < rest % len(district_programs) else 0)
    phrase_cache: dict[str, object] = {}
    yesterday = today - dt.timedelta(days=1)
    tasks: list[dict] = []
    tid = next_task_id
    for prog, quota in zip(programs, quotas):
        program, district = prog["program"], prog["district"]
        year = program.year
        pools = unit_pools(org, district)
        pool_weights = LEAD_POOLS["city" if district is None else "district"]
        leader_ids = people["city_leaders"] if district is None else people["district_leaders"][district.pk]
        categories = rng.sample(CATEGORIES, rng.randint(6, 10))
        per_category = max(1, quota // len(categories))
        made, top_no, sort_order = 0, 0, 0
        while made < quota:
            category_index = min(made // per_category, len(categories) - 1)
            category = f"{CN[category_index + 1]}、{categories[category_index]}"
            top_no += 1
            n_children = rng.choice((2, 3, 4)) if rng.random() < 0.08 else 0
            n_children = min(n_children, quota - made - 1)
            parent = None
            for k in range(n_children + 1):
                sort_order += 1
                phrase = parent["phrase"] if parent and rng.random() < 0.6 else weighted(rng, DEADLINE_PHRASES)
                parsed = phrase_cache.get((phrase, year))
                if parsed is None:
                    parsed = phrase_cache[(phrase, year)] = parse_deadline(phrase, year=year)
                deadline = parsed.date
                if parent:
                    created_date = parent["created_date"]
                else:
                    latest = min(today - dt.timedelta(days=7), (deadline - dt.timedelta(days=45)) if deadline else today)
                    latest = max(latest, program.start_date)
                    created_date = (rand_day(rng, program.start_date, min(latest, program.start_date + dt.timedelta(days=45)))
                                    if rng.random() < 0.8 else rand_day(rng, program.start_date, latest))
                created_at = at_local(created_date, working_minutes(rng))
                # lead and coop units
                pool = pools[weighted(rng, pool_weights)]
                lead = rng.choice(pool)
                coops = []
                for _ in range(weighted(rng, [(0, 35), (1, 40), (2, 25)])):
                    u = rng.choice(pools[weighted(rng, pool_weights)])
                    if u.pk != lead.pk and u not in coops:
                        coops.append(u)
                # fate
                passed = parsed.kind == "date" and deadline < today
                closed_date = extended = laggard_cutoff = None
                never_ack = False
                r = rng.random()
                if passed:
                    if r < 0.82:
                        closed_date = (deadline + dt.timedelta(days=rng.randint(1, 20)) if rng.random() < 0.1
                                       else deadline - dt.timedelta(days=rng.randint(0, 45)))
                    elif r < 0.89:
                        extended = rng.choice((dt.date(year, 12, 15), dt.date(year, 12, 31), dt.date(year + 1, 3, 31)))
                elif parsed.kind == "date" and r < 0.08 or parsed.kind != "date" and r < 0.03:
                    closed_date = created_date + dt.timedelta(days=rng.randint(30, 300))
                if closed_date:
                    closed_date = min(max(closed_date, created_date + dt.timedelta(days=14)), yesterday)
                else:
                    r = rng.random()
                    if r < 0.05:
                        laggard_cutoff = rand_day(rng, dt.date(year, 5, 1), dt.date(year, 9, 20))
                    elif r < 0.065:
                        never_ack = True
                pace = rng.uniform(0.4, 0.7) if rng.random() < 0.12 else rng.uniform(0.85, 1.15)
                number = f"（{k}）" if k else str(top_no)
                code = f"{top_no}.{k}" if k else str(top_no)
                leader = rng.choice(leader_ids)
                t = {
                    "id": tid, "program": program, "periods": prog["periods"], "parent_id": parent["id"] if parent else None,
                    "code": code, "number": number, "category": category, "title": task_title(rng),
                    "measures": rng.choice(MEASURES), "lead": lead, "coops": coops, "leader": leader,
                    "phrase": phrase, "parsed": parsed, "created_date": created_date, "created_at": created_at,
                    "closed_date": closed_date, "extended": extended, "laggard_cutoff": laggard_cutoff,
                    "never_ack": never_ack, "pace": pace, "sort_order": sort_order,
                }
                tasks.append(t)
                tid += 1
                made += 1
                if k == 0:
                    parent = t
    return tasks


def report_slots(t: dict, today: dt.date, rng: random.Random) -> None:
    """Lead and coop (period, window) slots of a task; sets t['lead_slots'], t['coop_slots'], acks."""
    end = t["closed_date"] or today - dt.timedelta(days=1)
    created = t["created_date"]
    windows = []
    for start, due, pid in t["periods"]:
        if start > end or due < created:
            continue
        windows.append((pid, max(start, created), min(due, end)))
    lead_ack = None if t["never_ack"] else t["created_at"] + dt.timedelta(minutes=rng.randint(30, 4 * 24 * 60))
    coop_acks = [t["created_at"] + dt.timedelta(minutes=rng.randint(30, 6 * 24 * 60)) if rng.random() < 0.88 else None
                 for _ in t["coops"]]
    lead_slots = []
    if lead_ack is not None:
        cutoff = t["laggard_cutoff"]
        for pid, a, b in windows:
            if cutoff and a > cutoff:
                continue
            lead_slots.append((pid, a, min(b, cutoff) if cutoff else b))
    coop_slots = [(j, w) for j, ack in enumerate(coop_acks) if ack is not None for w in windows]
    t["lead_ack"], t["coop_acks"], t["lead_slots"], t["coop_slots"] = lead_ack, coop_acks, lead_slots, coop_slots
    t["weight"] = len(lead_slots) + 0.6 * len(coop_slots)


def allocate(tasks: list[dict], total: int) -> None:
    """Split `total` reports over tasks in proportion to their weight (largest remainder)."""
    weight = sum(t["weight"] for t in tasks)
    if weight == 0:
        for t in tasks:
            t["budget"] = 0
        return
    fractions = []
    given = 0
    for i, t in enumerate(tasks):
        exact = total * t["weight"] / weight
        t["budget"] = int(exact)
        given += t["budget"]
        fractions.append((exact - t["budget"], i))
    fractions.sort(reverse=True)
    for _, i in fractions[:total - given]:
        tasks[i]["budget"] += 1


def percent_at(t: dict, day: dt.date) -> int:
    parsed = t["parsed"]
    start = t["created_date"]
    if parsed.kind == "date":
        deadline = t["extended"] or parsed.date
        span = max((deadline - start).days, 1)
        value = 100 * (day - start).days / span * t["pace"]
    else:
        value = 90 * (day - start).days / 330 * t["pace"]
    return max(0, min(99, int(value)))


def write_tasks(rng: random.Random, w: Writer, tasks: list[dict], people: dict, today: dt.date, now: dt.datetime):
    author_of_unit = people["author_of_unit"]
    task_cols = ["id", "program_id", "parent_id", "code", "number", "category", "title", "measures", "lead_units_text",
                 "coop_units_text", "leaders_text", "note", "deadline_phrase", "deadline_kind", "deadline", "recurrence",
                 "extended_deadline", "start_date", "status", "status_reason", "progress", "last_report_at",
                 "acknowledged_at", "closed_at", "closed_on_time", "sort_order", "is_archived", "created_at", "updated_at"]
    task_buf = Buffer(w, Task, task_cols)
    assign_buf = Buffer(w, TaskAssignment, ["task_id", "program_id", "unit_id", "role", "unit_path", "assigned_at",
                                            "acknowledged_at", "acknowledged_by_id"])
    leader_buf = Buffer(w, Task.leaders.through, ["task_id", "person_id"])
    milestone_buf = Buffer(w, Milestone, ["task_id", "title", "phrase", "due", "done_at", "sort_order", "evidence"])
    report_buf = Buffer(w, ProgressReport, ["task_id", "unit_id", "period_id", "author_id", "submitted_at", "text",
                                            "percent", "is_lead"])
    for t in tasks:
        lead, coops, parsed = t["lead"], t["coops"], t["parsed"]
        budget = t["budget"]
        lead_slots, coop_slots = t["lead_slots"], t["coop_slots"]
        take_lead = min(budget, len(lead_slots))
        chosen_lead = lead_slots[len(lead_slots) - take_lead:]
        budget -= take_lead
        take_coop = min(budget, len(coop_slots))
        chosen_coop = sorted(coop_slots, key=lambda s: s[1][2], reverse=True)[:take_coop]
        budget -= take_coop
        if budget and lead_slots:
            chosen_lead += [rng.choice(lead_slots) for _ in range(budget)]
        elif budget and coop_slots:
            chosen_coop += [rng.choice(coop_slots) for _ in range(budget)]
        # lead reports, in time order, with non-decreasing percent
        lead_times = sorted((at_local(rand_day(rng, a, b), working_minutes(rng)), pid) for pid, a, b in chosen_lead)
        lead_author = author_of_unit[lead.pk]
        pct = 0
        last_at = None
        for i, (when, pid) in enumerate(lead_times):
            pct = max(pct, percent_at(t, when.astimezone(LOCAL).date()))
            if t["closed_date"] and i == len(lead_times) - 1:
                pct = 100
            report_buf.add((t["id"], lead.pk, pid, lead_author, when, rng.choice(REPORT_TEXTS), pct, True))
            last_at = when
        for j, (pid, a, b) in chosen_coop:
            u = coops[j]
            report_buf.add((t["id"], u.pk, pid, author_of_unit[u.pk], at_local(rand_day(rng, a, b), working_minutes(rng)),
                            rng.choice(REPORT_TEXTS), None, False))
        # the task row
        closed_at = at_local(t["closed_date"], working_minutes(rng)) if t["closed_date"] else None
        if closed_at and last_at and closed_at < last_at:
            closed_at = last_at + dt.timedelta(hours=2)
        if closed_at:
            status, reason = TaskStatus.CLOSED, "已办结"
            effective = t["extended"] or parsed.date
            on_time = effective is None or t["closed_date"] <= effective
        elif t["extended"]:
            status, reason, on_time = TaskStatus.EXTENDED, f"已延期至{t['extended']:%Y年%-m月%-d日}", None
        else:
            status, reason, on_time = TaskStatus.NORMAL, "", None
        leader_name = people["full_name"][t["leader"]]
        task_buf.add((
            t["id"], t["program"].pk, t["parent_id"], t["code"], t["number"], t["category"], t["title"], t["measures"],
            lead.name, "、".join(u.name for u in coops), leader_name, "", parsed.phrase, parsed.kind, parsed.date,
            parsed.recurrence, t["extended"], t["created_date"], status, reason, pct if lead_times else 0, last_at,
            t["lead_ack"], closed_at, on_time, t["sort_order"], False, t["created_at"], closed_at or last_at or t["created_at"],
        ))
        assign_buf.add((t["id"], t["program"].pk, lead.pk, "lead", lead.path, t["created_at"], t["lead_ack"],
                        author_of_unit[lead.pk] if t["lead_ack"] else None))
        for u, ack in zip(coops, t["coop_acks"]):
            assign_buf.add((t["id"], t["program"].pk, u.pk, "coop", u.path, t["created_at"], ack,
                            author_of_unit[u.pk] if ack else None))
        leader_buf.add((t["id"], t["leader"]))
        for k, (title, due) in enumerate(parsed.milestones):
            done = at_local(due, 17 * 60) if due < today and (closed_at or rng.random() < 0.8) else None
            milestone_buf.add((t["id"], title, title, due, done, k, ""))
        t["status"], t["progress"] = status, pct if lead_times else 0
    for b in (task_buf, assign_buf, leader_buf, milestone_buf, report_buf):
        b.flush()


def write_requests(rng: random.Random, w: Writer, tasks: list[dict], people: dict, now: dt.datetime) -> None:
    """A few pending 延期/办结 requests for the office work queues."""
    open_tasks = [t for t in tasks if t["status"] != TaskStatus.CLOSED and not t["never_ack"]]
    if not open_tasks:
        return
    n = max(1, len(tasks) // 300)
    ext, clo = [], []
    for t in rng.sample(open_tasks, min(n, len(open_tasks))):
        if t["parsed"].kind != "date":
            continue
        old = t["extended"] or t["parsed"].date
        ext.append((t["id"], t["lead"].pk, people["author_of_unit"][t["lead"].pk],
                    now - dt.timedelta(hours=rng.randint(1, 120)), old, old + dt.timedelta(days=rng.choice((30, 60, 90))),
                    "受客观因素影响，申请延期完成。", "pending", ""))
    for t in rng.sample(open_tasks, min(n, len(open_tasks))):
        clo.append((t["id"], t["lead"].pk, people["author_of_unit"][t["lead"].pk],
                    now - dt.timedelta(hours=rng.randint(1, 120)), "已按要求完成全部任务，相关佐证材料已上传。", "pending", ""))
    w.insert(ExtensionRequest, ["task_id", "unit_id", "requested_by_id", "requested_at", "old_deadline", "new_deadline",
                                "reason", "state", "decision_note"], ext)
    w.insert(ClosureRequest, ["task_id", "unit_id", "requested_by_id", "requested_at", "summary", "state",
                              "decision_note"], clo)


# ---- main -----------------------------------------------------------------------------------------------

def main() -> None:
    args = parse_args()
    rng = random.Random(args.seed)
    today, now = clock.today(), clock.now()
    year = today.year
    print(f"luoshi bench generate → {db_label()}  (tasks={args.tasks:,} reports={args.reports:,} seed={args.seed}, "
          f"today={today})", flush=True)
    if Unit.objects.exists() or Person.objects.exists() or Task.objects.exists():
        sys.exit("The database is not empty. Point DATABASE_URL / LUOSHI_VAR_DIR at a fresh, migrated database.")
    step = Step()
    w = Writer(args.batch)
    with transaction.atomic():
        org = build_org(rng)
        step(f"units ({sum(len(v) if isinstance(v, list) else 1 for v in org.values()):,})")
        people = build_people(rng, org)
        step(f"people ({people['count']}) and role grants ({people['grants']})")
        programs = build_programs(org, year)
        step(f"programs ({len(programs)}) and periods")
        first_id = (Task.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
        tasks = plan_tasks(rng, programs, org, people, args.tasks, today, first_id)
        for t in tasks:
            report_slots(t, today, rng)
        allocate(tasks, args.reports)
        step(f"planned {len(tasks):,} tasks")
        write_tasks(rng, w, tasks, people, today, now)
        step("tasks, assignments, leaders, milestones, reports")
        write_requests(rng, w, tasks, people, now)
        with connection.cursor() as cur:
            for sql in connection.ops.sequence_reset_sql(no_style(), [Task]):
                cur.execute(sql)
        step("requests")
    step("commit (deferred foreign-key checks)")
    if not args.no_warnings:
        summary = warnings_run(notify=False)  # also counts every program's tallies again
        step(f"warnings_run(notify=False) {summary}")
    else:
        for program in Program.objects.all():
            program_rebuild(program)
        step("tallies counted")
    if connection.vendor in ("postgresql", "sqlite"):
        # Statistics after the statuses are final, as on a live system. PostgreSQL: VACUUM also sets the
        # visibility map (index-only scans), as autovacuum would.
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
        step("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    counts = {
        "units": Unit.objects.count(), "people": Person.objects.count(), "role grants": RoleGrant.objects.count(),
        "programs": Program.objects.count(), "periods": ReportingPeriod.objects.count(), "tasks": Task.objects.count(),
        "child tasks": Task.objects.exclude(parent=None).count(), "assignments": TaskAssignment.objects.count(),
        "task leaders": Task.leaders.through.objects.count(), "milestones": Milestone.objects.count(),
        "reports": ProgressReport.objects.count(), "extension requests": ExtensionRequest.objects.count(),
        "closure requests": ClosureRequest.objects.count(),
    }
    print("counts:")
    for k, v in counts.items():
        print(f"  {k:<20} {v:>10,}")
    status = {r["status"]: r["n"] for r in Task.objects.order_by().values("status").annotate(n=Count("id"))}
    print("status mix:", ", ".join(f"{k} {v:,} ({v / max(1, counts['tasks']) * 100:.1f}%)" for k, v in sorted(status.items())))
    print(f"elapsed {time.perf_counter() - step.t0:.1f} s")


if __name__ == "__main__":
    main()
