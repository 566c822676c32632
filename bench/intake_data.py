"""Add 1,000,000 citizen requests (诉求工单, issue #5) to the dataset made by bench/generate.py:

    .venv/bin/python bench/generate.py --tasks 2000 --reports 10000 --no-warnings   # the city, if none yet
    .venv/bin/python bench/intake_data.py [--requests 1000000 --months 12 --seed 1]

The intake configuration goes through the real loader (intake_load): 滨海市 12345 with 9 channels, 18
categories (the 城阳 派单目录 with its time limits) and rules — 市场监管/教育/劳动社保/公交 to city
departments, everything else to the 属地 street. People: bench_dispatcher (受理派单员 over the city) and
the Open311 key `bench-open311-key` (channel app). The password is bench-pass-123.

The requests themselves are written with COPY (PostgreSQL) / executemany (SQLite) through generate.py's
Writer, not through the services, but with the field values the services would write: a month's volume
follows a seasonal curve (more in summer and in the heating season), received on working hours mostly;
streets weighted (some are busy, some quiet); categories and channels weighted (12345 hotline ≈ 55 %);
descriptions from a few hundred template sentences (category × place), their keywords computed once per
sentence with luoshi.intake.text.keywords_of; 派单 within the category's dispatch hours, 签收 on time for
~93 %, time limits from luoshi.core.workdays (the holiday calendar), 回复 on time for ~90 %, 回访: 70 %
rated (5: 58 %, 4: 20 %, 3: 9 %, 2: 7 %, 1: 6 %), 4 % 重办, 3 % 不予受理/重复, 2 % not counted
(核减), overdue open ones 督办. The last ~3 weeks are still in progress (received / dispatched / handling /
replied). Only a 受理 event per request of the last month is written (the timeline is not what is measured).
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import PASSWORD, db_label, require_migrated, setup_django  # noqa: E402

setup_django()

from django.contrib.auth.hashers import make_password  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from bench.generate import LOCAL, SURNAMES, Writer  # noqa: E402
from luoshi.core import clock, workdays  # noqa: E402
from luoshi.intake.config import intake_load  # noqa: E402
from luoshi.intake.models import (  # noqa: E402
    Channel, EventKind, Open311Key, Outcome, Request, RequestEvent, RequestState, ServiceCategory,
)
from luoshi.intake.services import TRACKING_ALPHABET, _title  # noqa: E402
from luoshi.intake.text import keywords_of  # noqa: E402
from luoshi.org.models import Person, Role, RoleGrant, Unit, UnitKind  # noqa: E402

OPEN311_KEY = "bench-open311-key"
UTC = dt.timezone.utc

PRESET = """\
kind: intake
name: 滨海市 12345 政务服务便民热线（基准）
region: 滨海市
settings: {revisit_days: 3, no_answer: close_unrated, max_reopen: 2, satisfied_from: 3, return_hours: 24,
           retention_days: 365}
metrics:
  weights: {response: 0.2, on_time: 0.3, resolved: 0.25, satisfied: 0.25}
  min_dispatched: 5
  hot_keywords: 30
channels:
  - {code: "12345", name: 12345 热线, kind: hotline}
  - {code: "12319", name: 12319 城建热线, kind: hotline}
  - {code: "110", name: 110 非警务警情, kind: hotline}
  - {code: mayor-mail, name: 市长信箱, kind: letter}
  - {code: letters, name: 来信来访, kind: letter}
  - {code: wechat, name: 政务公众号, kind: online}
  - {code: app, name: 爱滨海 App, kind: online}
  - {code: zhaocha, name: 找茬窗口, kind: other}
  - {code: zhixun, name: 阳光质询, kind: other}
categories:
  - {code: "0101", group: 城市管理, name: 路灯损坏, limit_days: 5}
  - {code: "0102", group: 城市管理, name: 占道经营, limit_days: 5}
  - {code: "0103", group: 城市管理, name: 垃圾清运, limit_days: 3}
  - {code: "0104", group: 城市管理, name: 违法建设, kind: report, limit_days: 15}
  - {code: "0201", group: 生态环境, name: 噪声扰民, limit_days: 5}
  - {code: "0202", group: 生态环境, name: 餐饮油烟, limit_days: 7}
  - {code: "0301", group: 市场监管, name: 食品安全, kind: report, limit_days: 7, dispatch_hours: 2}
  - {code: "0302", group: 市场监管, name: 消费维权, limit_days: 7}
  - code: "0401"
    group: 住房物业
    name: 物业服务
    limit_days: 7
    attributes:
      - {code: community, description: 小区名称, datatype: string, required: true, order: 1}
  - {code: "0402", group: 住房物业, name: 供暖, kind: help, limit_days: 3, dispatch_hours: 2, sign_hours: 2}
  - {code: "0403", group: 住房物业, name: 供水, kind: help, limit_days: 3, dispatch_hours: 2}
  - {code: "0501", group: 交通出行, name: 道路破损, limit_days: 7}
  - {code: "0502", group: 交通出行, name: 公交线路, kind: suggestion, limit_days: 15}
  - {code: "0503", group: 交通出行, name: 停车管理, limit_days: 7}
  - {code: "0601", group: 教育, name: 入学政策, kind: consult, limit_days: 3}
  - {code: "0701", group: 劳动社保, name: 拖欠工资, kind: help, limit_days: 7, dispatch_hours: 2}
  - {code: "0801", group: 其他, name: 意见建议, kind: suggestion, limit_days: 15}
  - {code: "0802", group: 其他, name: 其他诉求, limit_days: 7}
rules:
  - {group: 市场监管, to: 市市场监督管理局}
  - {group: 教育, to: 市教育局}
  - {category: "0701", to: 市人力资源和社会保障局}
  - {category: "0502", to: 市交通运输局}
  - {to: area}
"""
CATEGORY_WEIGHTS = {"0101": 6, "0102": 6, "0103": 7, "0104": 4, "0201": 9, "0202": 5, "0301": 3, "0302": 6,
                    "0401": 12, "0402": 7, "0403": 4, "0501": 6, "0502": 3, "0503": 7, "0601": 3, "0701": 4,
                    "0801": 3, "0802": 5}
CHANNEL_WEIGHTS = {"12345": 55, "12319": 5, "110": 6, "mayor-mail": 4, "letters": 2, "wechat": 12, "app": 10,
                   "zhaocha": 3, "zhixun": 1, "web": 2}
MONTH_WEIGHTS = {1: 1.15, 2: 0.8, 3: 0.95, 4: 0.95, 5: 1.0, 6: 1.05, 7: 1.15, 8: 1.15, 9: 1.0, 10: 0.9, 11: 1.0,
                 12: 1.15}
PLACES = ["海滨路", "长安街", "和平小区", "青云花园", "金桥市场", "幸福里", "滨河公园", "阳光新城", "松柏路口", "新港码头",
          "兴华家园", "春秋苑", "太平街", "福瑞小区", "龙凤路", "鹤鸣苑", "泉溪花园", "汇源商场", "德善里", "嘉禾路"]
TEMPLATES = {
    "0101": ["{p}的路灯已经坏了一个星期，晚上一片漆黑，老人孩子出行很不安全", "{p}路灯白天亮着晚上不亮，请尽快维修",
             "{p}有三盏路灯不亮，附近居民夜间出行摔倒过", "{p}路灯杆倾斜，灯罩脱落，存在安全隐患"],
    "0102": ["{p}门口流动摊贩占道经营，堵塞人行道", "{p}夜市摊位占用消防通道，油烟噪音扰民",
             "{p}水果摊长期占道，行人只能走机动车道", "{p}早市占道严重，交通拥堵"],
    "0103": ["{p}垃圾桶满了好几天没人清运，气味很大", "{p}建筑垃圾堆放在路边无人清理", "{p}垃圾分类点清运不及时，蚊蝇滋生",
             "{p}楼下垃圾站渗滤液流到路面"],
    "0104": ["{p}一楼住户私搭乱建扩建院子", "{p}楼顶违章搭建彩钢房", "{p}有人占用绿地违法建设车库", "{p}商户私自拆改承重墙"],
    "0201": ["{p}工地夜间施工噪音很大，影响休息", "{p}广场舞音响声音太大，扰民严重", "{p}酒吧深夜噪声扰民",
             "{p}空调外机噪音大，一晚上睡不着"],
    "0202": ["{p}饭店油烟直排，住户不能开窗", "{p}烧烤店油烟异味严重", "{p}餐馆没有安装油烟净化设备",
             "{p}小吃街油烟熏黑外墙"],
    "0301": ["{p}超市出售过期食品", "{p}饭店后厨卫生脏乱", "{p}早餐店使用变质原料", "{p}网购食品无生产日期"],
    "0302": ["在{p}的健身房办卡后关门，无法退款", "{p}商家虚假宣传，价格欺诈", "{p}培训机构拒绝退费",
             "{p}手机维修店乱收费"],
    "0401": ["{p}物业不作为，电梯经常故障", "{p}物业乱收停车费", "{p}小区电梯困人，物业迟迟不来",
             "{p}物业服务差，楼道卫生没人打扫", "{p}物业擅自占用公共收益"],
    "0402": ["{p}暖气不热，室内温度只有十四度", "{p}供暖管道漏水，暖气片冰凉", "{p}一直没有供暖，家里有老人孩子",
             "{p}暖气温度不达标，多次报修无人处理"],
    "0403": ["{p}停水两天没有通知", "{p}自来水发黄有异味", "{p}水压太低，高层用不上水", "{p}供水管道爆裂，路面积水"],
    "0501": ["{p}道路坑洼不平，雨天积水", "{p}井盖缺失，存在安全隐患", "{p}人行道地砖松动破损", "{p}路面塌陷，车辆绕行"],
    "0502": ["建议在{p}增设公交站点", "{p}公交班次太少，等车时间长", "建议公交线路延伸到{p}", "{p}公交站台没有遮阳棚"],
    "0503": ["{p}车辆乱停乱放堵塞消防通道", "{p}停车位被地锁占用", "{p}共享单车乱停放", "{p}停车难，建议施划停车位"],
    "0601": ["咨询{p}附近小学的学区划分", "孩子在{p}租房能否入学", "咨询{p}幼儿园招生报名时间", "{p}学校招生政策咨询"],
    "0701": ["在{p}工地干活被拖欠工资三个月", "{p}公司拖欠农民工工资", "{p}饭店老板欠薪跑路", "{p}装修队拖欠工资"],
    "0801": ["建议在{p}建设口袋公园", "建议{p}增加健身器材", "建议在{p}设置便民服务点", "建议{p}开展垃圾分类宣传"],
    "0802": ["{p}流浪狗伤人，请有关部门处理", "{p}树木遮挡窗户，请修剪", "{p}广告牌松动有坠落危险", "{p}化粪池堵塞外溢"],
}
REPLIES = ["经核实，已安排人员处理完毕，并电话告知诉求人。", "已现场查看并责令整改，后续加强巡查。", "已协调相关单位处理，问题已解决。",
           "经调查，该问题属历史遗留问题，已制定方案分步解决。", "已向诉求人解释相关政策，诉求人表示理解。"]
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚"


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--requests", type=int, default=1_000_000)
    p.add_argument("--months", type=int, default=12, help="the requests span this many months up to today")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--batch", type=int, default=20_000)
    return p.parse_args()


def setup_intake(city: Unit) -> dict:
    intake_load(by=None, text=PRESET, source="bench-intake.yaml")
    now = clock.now()
    person = Person.objects.filter(username="bench_dispatcher").first()
    if person is None:
        office = Person.objects.get(username="bench_office")
        person = Person.objects.create(username="bench_dispatcher", password=make_password(PASSWORD),
                                       full_name="派单员", title="受理派单员", unit=office.unit,
                                       email="bench_dispatcher@bench.invalid", date_joined=now)
        RoleGrant.objects.create(person=person, role=Role.DISPATCHER, unit=city, granted_at=now)
    import hashlib

    channel = Channel.objects.get(code="app")
    Open311Key.objects.get_or_create(key_hash=hashlib.sha256(OPEN311_KEY.encode()).hexdigest(), defaults={
        "name": "基准测试", "channel": channel, "prefix": OPEN311_KEY[:8], "created_at": now})
    return {"dispatcher": person}


class Deadlines:
    """workdays.deadline_after, cached per (local day, n): a million rows need only a few thousand calls."""

    def __init__(self):
        self.cache: dict = {}

    def __call__(self, moment: dt.datetime, n: int) -> dt.datetime:
        local = moment.astimezone(LOCAL)
        key = (local.date(), n)
        v = self.cache.get(key)
        if v is None:
            v = self.cache[key] = workdays.deadline_after(moment, n)
        return v


def main() -> None:
    args = parse_args()
    require_migrated()
    city = Unit.objects.filter(kind=UnitKind.CITY, name="滨海市").first()
    if city is None:
        sys.exit("No bench city: run bench/generate.py first (--tasks 2000 --reports 10000 --no-warnings is enough).")
    if Request.objects.exists():
        sys.exit("The database already has requests; drop it (or delete them) first.")
    rng = random.Random(args.seed)
    t_start = time.perf_counter()
    print(f"luoshi bench intake data → {db_label()}  "
          f"(requests={args.requests:,} months={args.months} seed={args.seed})", flush=True)
    setup_intake(city)
    categories = {c.code: c for c in ServiceCategory.objects.all()}
    channels = {c.code: c for c in Channel.objects.all()}
    from luoshi.intake.models import DispatchRule

    streets = list(Unit.objects.filter(kind=UnitKind.STREET).order_by("path"))
    street_weight = [rng.choice([0.3, 0.6, 1, 1, 1, 1.5, 2, 3]) for _ in streets]
    rule_unit = {}
    for rule in DispatchRule.objects.select_related("category", "unit"):
        if rule.unit_id:
            for code, c in categories.items():
                if ((rule.category_id and rule.category_id == c.pk)
                        or (rule.category_group and rule.category_group == c.group)):
                    rule_unit.setdefault(code, rule.unit)
    cat_codes, cat_w = list(CATEGORY_WEIGHTS), list(CATEGORY_WEIGHTS.values())
    ch_codes, ch_w = list(CHANNEL_WEIGHTS), list(CHANNEL_WEIGHTS.values())
    # months: the last `months` months up to today, volume by season
    today = clock.today()
    first = dt.date(today.year, today.month, 1)
    months = []
    for _i in range(args.months):
        months.insert(0, first)
        first = (first - dt.timedelta(days=1)).replace(day=1)

    def end_of(m: dt.date) -> dt.date:
        return min(today, (m.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1))
    span = [(m, (end_of(m) - m).days + 1) for m in months]
    mw = [MONTH_WEIGHTS[m.month] * days for m, days in span]
    per_month = [int(args.requests * w / sum(mw)) for w in mw]
    per_month[-1] += args.requests - sum(per_month)
    now = clock.now()
    deadline = Deadlines()
    kw_cache: dict[str, str] = {}
    codes: set[str] = set()
    cols = ["tracking_code", "channel_id", "category_id", "kind", "title", "description", "keywords", "attributes",
            "address", "lat", "lng", "area_id", "region_path", "requester_name", "requester_phone", "requester_email",
            "anonymous", "external_id", "state", "outcome", "lead_unit_id", "unit_path", "return_locked",
            "received_at", "dispatch_due", "dispatched_at", "sign_due", "signed_at", "signed_on_time", "due_at",
            "extension_days", "replied_at", "replied_on_time", "reply_text", "revisit_due", "rating_token", "rated_at",
            "resolved", "satisfaction", "rating_comment", "rating_source", "closed_at", "reopen_count", "supervised_at",
            "counted", "updated_at"]
    w = Writer(args.batch)
    rows: list[tuple] = []
    n_written = 0
    t0 = time.perf_counter()
    hour = dt.timedelta(hours=1)
    for (month, days), n in zip(span, per_month):
        for _k in range(n):
            day = month + dt.timedelta(days=rng.randrange(days))
            minute = int(rng.triangular(6 * 60, 23 * 60, 10 * 60)) if rng.random() < 0.9 else rng.randrange(1440)
            received = dt.datetime(day.year, day.month, day.day, minute // 60, minute % 60, rng.randrange(60),
                                   tzinfo=LOCAL).astimezone(UTC)
            if received > now:
                received = now - dt.timedelta(minutes=rng.randrange(1, 600))
            code = rng.choices(cat_codes, cat_w)[0]
            cat = categories[code]
            si = rng.choices(range(len(streets)), street_weight)[0]
            area = streets[si]
            place = rng.choice(PLACES)
            text = rng.choice(TEMPLATES[code]).format(p=place)
            description = f"{area.name}{text}。"
            kws = kw_cache.get(text)         # the street's name is the 属地, not a topic: keywords of the sentence
            if kws is None:
                kws = kw_cache[text] = " ".join(keywords_of(text))
            while True:
                tc = "".join(rng.choice(TRACKING_ALPHABET) for _i in range(10))
                if tc not in codes:
                    codes.add(tc)
                    break
            ch = rng.choices(ch_codes, ch_w)[0]
            anonymous = rng.random() < 0.08
            name = "" if anonymous else rng.choice(SURNAMES) + rng.choice(["先生", "女士", rng.choice(GIVEN)])
            phone = "" if anonymous else f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"
            lat = lng = None
            if rng.random() < 0.3:
                lat, lng = round(36.0 + rng.random() * 0.6, 6), round(120.0 + rng.random() * 0.8, 6)
            attributes = '{"community": "%s"}' % place if code == "0401" else "{}"
            age = (now - received).total_seconds() / 86400
            dispatch_due = received + hour * cat.dispatch_hours
            state, outcome = RequestState.RECEIVED, ""
            lead = None
            dispatched = sign_due = signed = signed_ok = due = replied = replied_ok = revisit_due = None
            rated = resolved = satisfaction = closed = supervised = None
            reply_text, rating_source, reopen = "", "", 0
            counted = rng.random() >= 0.02
            r = rng.random()
            if r < 0.03 and age > 1:              # 不予受理 / 重复, closed by the dispatcher
                state, outcome = RequestState.CLOSED, Outcome.INVALID if r < 0.015 else Outcome.DUPLICATE
                closed = received + hour * rng.uniform(0.3, 6)
                reply_text = "经核实，该诉求不属于受理范围。" if outcome == Outcome.INVALID else "与已受理工单重复。"
            elif age * 24 > rng.uniform(0.2, 3) * min(cat.dispatch_hours, 24):
                lead = rule_unit.get(code, area)
                late = 1.4 if rng.random() < 0.05 else 1
                dispatched = received + hour * rng.uniform(0.1, 1.0) * cat.dispatch_hours * late
                if dispatched > now:
                    dispatched = now - dt.timedelta(minutes=5)
                sign_due = dispatched + hour * cat.sign_hours
                due = deadline(dispatched, cat.limit_days)
                state = RequestState.DISPATCHED
                sign_at = dispatched + hour * (rng.uniform(0.1, 0.95) * cat.sign_hours if rng.random() < 0.93
                                               else rng.uniform(1.05, 3) * cat.sign_hours)
                if sign_at < now:
                    signed, signed_ok, state = sign_at, sign_at <= sign_due, RequestState.HANDLING
                    limit = (due - dispatched).total_seconds()
                    reply_at = dispatched + dt.timedelta(seconds=limit * (rng.uniform(0.15, 0.98) if rng.random() < 0.9
                                                                          else rng.uniform(1.02, 1.6)))
                    if reply_at < now:
                        replied, replied_ok, state = reply_at, reply_at <= due, RequestState.REPLIED
                        reply_text = rng.choice(REPLIES)
                        revisit_due = deadline(reply_at, 3)
                        rate_at = reply_at + hour * rng.uniform(2, 60)
                        if rng.random() < 0.70 and rate_at < now:
                            satisfaction = rng.choices([5, 4, 3, 2, 1], [58, 20, 9, 7, 6])[0]
                            resolved = satisfaction >= 3 if rng.random() < 0.9 else satisfaction >= 4
                            rated, rating_source = rate_at, rng.choice(["requester", "phone"])
                            state, closed = RequestState.CLOSED, rate_at
                            outcome = Outcome.SATISFIED if satisfaction >= 3 else Outcome.UNSATISFIED
                            if satisfaction < 3 and rng.random() < 0.6:
                                reopen = 1        # redone once, then rated again
                                satisfaction = rng.choices([5, 4, 3, 2], [40, 30, 15, 15])[0]
                                resolved = satisfaction >= 3
                                outcome = Outcome.SATISFIED if satisfaction >= 3 else Outcome.UNSATISFIED
                        elif revisit_due < now:
                            state, closed = RequestState.CLOSED, revisit_due
                            outcome, rating_source = Outcome.UNRATED, "rule"
                if due < now and replied is None or (replied is not None and not replied_ok and rng.random() < 0.7):
                    supervised = due + hour * 9
                    if supervised > now:
                        supervised = None
            updated = max(x for x in (received, dispatched, signed, replied, closed, supervised) if x is not None)
            rows.append((tc, channels[ch].pk, cat.pk, cat.kind, _title(description), description, kws, attributes,
                         f"{area.name}{place}", lat, lng, area.pk, area.path, name, phone, "", anonymous, "",
                         getattr(state, "value", state), getattr(outcome, "value", outcome),
                         lead.pk if lead else None, lead.path if lead else "", False,
                         received, dispatch_due, dispatched, sign_due, signed, signed_ok, due, 0, replied, replied_ok,
                         reply_text, revisit_due, "" if state != RequestState.REPLIED else "".join(
                             rng.choice(TRACKING_ALPHABET) for _i in range(20)),
                         rated, resolved, satisfaction, "", rating_source, closed, reopen, supervised, counted, updated))
            if len(rows) >= args.batch:
                with transaction.atomic():
                    w.insert(Request, cols, rows)
                n_written += len(rows)
                rows = []
                if n_written % 200_000 == 0:
                    print(f"  {n_written:>9,} requests  {time.perf_counter() - t0:6.1f} s", flush=True)
    with transaction.atomic():
        w.insert(Request, cols, rows)
    n_written += len(rows)
    print(f"  {n_written:>9,} requests in {time.perf_counter() - t0:.1f} s ({len(kw_cache)} distinct sentences)",
          flush=True)
    t0 = time.perf_counter()
    recent = Request.objects.filter(received_at__gte=now - dt.timedelta(days=30)).values_list("id", "received_at")
    ev_rows = [(pk, EventKind.RECEIVED.value, at, "已受理", "{}", True) for pk, at in recent]
    w.insert(RequestEvent, ["request_id", "kind", "at", "text", "data", "public"], ev_rows)
    print(f"  {len(ev_rows):,} 受理 events (last 30 days) in {time.perf_counter() - t0:.1f} s", flush=True)
    t0 = time.perf_counter()
    from luoshi.intake.tallies import rebuild  # the cockpit's monthly counts of the requests written in bulk above

    n = rebuild()
    print(f"  {n:,} monthly count rows (intake.tallies) in {time.perf_counter() - t0:.1f} s", flush=True)
    t0 = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("ANALYZE" if connection.vendor == "sqlite" else "VACUUM ANALYZE")
    print(f"  statistics in {time.perf_counter() - t0:.1f} s", flush=True)
    print(f"done in {time.perf_counter() - t_start:.0f} s", flush=True)


if __name__ == "__main__":
    main()
