"""Demo data for requests (诉求): the 城阳区 12345 hotline over the last four months, written through the real
services with the clock set to each moment, so every time, flag, event and journal entry is what the
workflow itself produces."""
from __future__ import annotations

import datetime as dt
import random

from django.db import transaction

from luoshi.core import clock
from luoshi.org.demo import Account, unit_at
from luoshi.org.models import Person, Role, Unit, UnitKind
from luoshi.org.services import grant_role, person_create

from . import services
from .config import intake_load
from .models import Channel, Outcome, Request, RequestState, ServiceCategory

PRESET = "chengyang-12345"
INTAKE_ACCOUNTS = [
    Account("dispatcher", "韩雪", Role.DISPATCHER, "青岛市/城阳区", "区 12345 热线受理派单员",
            note="城阳区 12345：受理、派单、审批延期、电话回访、督办；诉求统计与热点"),
    Account("cy_street", "张伟", Role.LIAISON, "青岛市/城阳区/流亭街道", "流亭街道 12345 工作站",
            note="承办单位（流亭街道）：签收、退单、办理、回复、申请延期"),
]

ROADS = ["正阳路", "长城路", "文阳路", "春阳路", "黑龙江中路", "崇阳路", "松山路", "仙山路", "华城路", "青威路", "重庆北路"]
COMMUNITIES = ["国城小区", "金日紫都", "城阳世纪城", "青特花溪地", "和阳社区", "后田社区", "白沙湾社区", "流亭社区",
               "夏庄社区", "棘洪滩社区", "上马社区", "河套社区"]
TEXTS = {
    "0101": ["{road}{community}门口的路灯坏了一个多星期，晚上很黑，老人孩子出行不安全。",
             "{road}与{road2}交叉口往北一段路灯不亮，已经好几天了，希望尽快维修。"],
    "0102": ["{road}{community}北门每天晚上有流动摊贩占道经营，堵塞交通，油烟很大。",
             "{road}农贸市场外侧早市摊点占用人行道，行人只能走机动车道。"],
    "0103": ["{community}垃圾桶满溢两天没人清运，气味很大，招苍蝇。",
             "{road}路边建筑垃圾堆放多日无人清理。"],
    "0104": ["{community}一楼住户在院内私搭乱建彩钢板房，占用公共绿地。",
             "{road}沿街商户违规加盖二层，存在安全隐患。"],
    "0201": ["{road}工地夜间施工到凌晨两点，噪音很大，严重影响{community}居民休息。",
             "{community}楼下广场舞音响声音太大，每天晚上九点后还在跳。"],
    "0202": ["{road}一家烧烤店油烟直排，{community}住户不敢开窗。"],
    "0301": ["在{road}某超市买到过期面包，生产日期被覆盖，要求查处。",
             "{road}小吃店后厨卫生很差，老鼠乱跑。"],
    "0302": ["在{road}健身房办卡后店铺关门，无法退款。", "{community}附近药店标价与结算价格不一致。"],
    "0401": ["{community}电梯经常故障停运，物业不及时维修。", "{community}物业收费不公示，小区绿化无人管理。"],
    "0402": ["{community}暖气不热，室内只有十五度，家里有老人。", "{community}3号楼暖气至今没有供热。"],
    "0501": ["{road}路面坑洼严重，雨天积水，电动车容易摔倒。", "{road}人行道井盖缺失，非常危险。"],
    "0502": ["建议在{community}附近增设公交站点，现在最近的站要走二十分钟。", "建议{road}公交线路早高峰加密班次。"],
    "0601": ["咨询孩子明年上小学，{community}对应哪个学区，需要准备哪些材料。"],
    "0701": ["在{road}某工地干活三个月，包工头拖欠工资两万多元，要求帮助讨薪。"],
    "0801": ["建议在{road}沿线增设共享单车停放点，现在乱停乱放影响通行。"],
}
ATTRIBUTES = {"0401": lambda rng, c: {"community": c}, "0402": lambda rng, c: {"community": c, "temp": "below16"},
              "0101": lambda rng, c: {"pole": f"CY-{rng.randint(1000, 9999)}"}}
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "霞", "平"]


def _accounts(hashed_password: str) -> dict[str, Person]:
    people = {}
    for acc in INTAKE_ACCOUNTS:
        unit = unit_at(acc.unit_path)
        person = Person.objects.filter(username=acc.username).first()
        if person is None:
            person = person_create(by=None, username=acc.username, full_name=acc.full_name, title=acc.title, unit=unit,
                                   email=f"{acc.username}@demo.luoshi.local")
            Person.objects.filter(pk=person.pk).update(password=hashed_password)
        grant_role(by=None, person=person, role=acc.role, unit=unit)
        people[acc.username] = person
    # every street and department of 城阳区 gets a liaison, so every dispatched request has someone to act
    region = unit_at("青岛市/城阳区")
    for unit in Unit.objects.filter(parent=region, kind__in=(UnitKind.STREET, UnitKind.DEPARTMENT)):
        if not Person.objects.filter(grants__role=Role.LIAISON, grants__unit=unit).exists():
            p = person_create(by=None, username=f"cl{unit.pk}", full_name=f"{unit.display_name}联络员", unit=unit)
            Person.objects.filter(pk=p.pk).update(password=hashed_password)
            grant_role(by=None, person=p, role=Role.LIAISON, unit=unit)
    return people


def intake_demo(*, hashed_password: str, seed: int = 23, count: int = 420) -> dict:
    """Load the 城阳 12345 preset and, the first time, four months of requests. Safe to run again."""
    from luoshi.core.presets import PRESET_DIR

    text = (PRESET_DIR / "intake" / f"{PRESET}.yaml").read_text(encoding="utf-8")
    intake_load(by=None, text=text, source=f"{PRESET}.yaml")
    people = _accounts(hashed_password)
    if not Request.objects.exists():
        _History(people, random.Random(seed)).write(count)
        # the daily jobs at the demo's "now": unanswered 回访 closed by the rule, overdue requests 督办
        services.revisits_run()
        services.overdue_run()
    sample = (Request.objects.filter(state=RequestState.REPLIED, channel__code="web").order_by("-replied_at").first()
              or Request.objects.filter(state=RequestState.REPLIED).order_by("-replied_at").first())
    return {"requests": Request.objects.count(),
            "open": Request.objects.exclude(state=RequestState.CLOSED).count(),
            "sample": sample}


class _History:
    def __init__(self, people, rng: random.Random):
        self.rng = rng
        self.dispatcher = people["dispatcher"]
        self.categories = {c.code: c for c in ServiceCategory.objects.filter(is_active=True)}
        self.channels = {c.code: c for c in Channel.objects.all()}
        region = unit_at("青岛市/城阳区")
        self.streets = list(Unit.objects.filter(parent=region, kind=UnitKind.STREET).order_by("sort_order", "pk"))
        self.liaison = {}
        for person in Person.objects.filter(grants__role=Role.LIAISON, grants__unit__parent=region).prefetch_related("grants"):
            for g in person.grants.all():
                self.liaison.setdefault(g.unit_id, person)
        self.now = clock.now()

    def _text(self, code: str) -> tuple[str, str]:
        rng = self.rng
        community = rng.choice(COMMUNITIES)
        road, road2 = rng.sample(ROADS, 2)
        return rng.choice(TEXTS[code]).format(road=road, road2=road2, community=community), community

    def _channel(self):
        r = self.rng.random()
        code = "12345" if r < 0.55 else "web" if r < 0.7 else "wechat" if r < 0.8 else "app" if r < 0.87 else \
            "mayor-mail" if r < 0.92 else "12319" if r < 0.96 else "110" if r < 0.98 else "zhaocha"
        return self.channels[code]

    def write(self, count: int) -> None:
        rng = self.rng
        codes = list(TEXTS)
        weights = [9, 6, 7, 3, 8, 4, 3, 4, 7, 5, 6, 2, 2, 2, 2]
        for i in range(count):
            # older requests are fewer than recent ones only slightly; the last days hold open work
            age_days = rng.triangular(0, 120, 20) if i % 7 else rng.uniform(0, 6)
            received = self.now - dt.timedelta(days=age_days, hours=rng.uniform(0, 8))
            local = clock.localtime(received)
            if local.hour < 8 or local.hour > 20:
                received += dt.timedelta(hours=10)
            if received > self.now - dt.timedelta(minutes=30):
                received = self.now - dt.timedelta(hours=rng.uniform(0.5, 6))
            code = rng.choices(codes, weights)[0]
            with transaction.atomic():
                self._one(code, received)

    def _one(self, code: str, received: dt.datetime) -> None:
        rng, now = self.rng, self.now
        category = self.categories[code]
        description, community = self._text(code)
        street = rng.choice(self.streets)
        anonymous = rng.random() < 0.08
        name = "" if anonymous else rng.choice(SURNAMES) + rng.choice(GIVEN)
        phone = "" if anonymous and rng.random() < 0.5 else f"1{rng.choice('3578')}{rng.randint(100000000, 999999999)}"
        data = services.RequestInput(
            category=category, channel=self._channel(), description=description, area=street,
            address=f"城阳区{street.name}{community}", name=name, phone=phone, anonymous=anonymous,
            attributes=ATTRIBUTES[code](rng, community) if code in ATTRIBUTES else {})
        with clock.at(received):
            request = services.request_submit(data=data)
        if rng.random() < 0.03:  # duplicate or out of scope, closed at 受理
            with clock.at(received + dt.timedelta(hours=1)):
                services.request_close_invalid(by=self.dispatcher, request=request, outcome=Outcome.INVALID,
                                               reason="经核实不属于政务服务热线受理范围，已告知诉求人向人民法院起诉。")
            return
        if now - received < dt.timedelta(hours=30) and rng.random() < 0.5:
            return  # the dispatcher's 待派单 queue is never empty on a working day
        t = received + dt.timedelta(hours=rng.uniform(0.3, 3) if rng.random() < 0.93 else rng.uniform(20, 40))
        if t > now:
            return
        lead, assist, _rule = services.dispatch_suggest(request)
        with clock.at(t):
            services.request_dispatch(by=self.dispatcher, request=request, unit=lead, assist=assist)
        if rng.random() < 0.05 and lead.kind == UnitKind.STREET:  # 退单: not ours → re-dispatched with 审定
            t += dt.timedelta(hours=rng.uniform(1, 6))
            if t > now:
                return
            with clock.at(t):
                services.request_return(by=self.liaison[lead.pk], request=request,
                                        reason="该地址不在本街道辖区，属相邻街道管辖，请改派。")
            other = rng.choice([s for s in self.streets if s.pk != lead.pk])
            t += dt.timedelta(hours=rng.uniform(0.5, 3))
            if t > now:
                return
            with clock.at(t):
                services.request_dispatch(by=self.dispatcher, request=request, unit=other, lock=True,
                                          note="经核实属该街道辖区，审定派单。")
            lead = other
        liaison = self.liaison[lead.pk]
        t += dt.timedelta(hours=rng.uniform(0.5, 10) if rng.random() < 0.9 else rng.uniform(26, 60))
        if t > now:
            return
        with clock.at(t):
            services.request_sign(by=liaison, request=request)
        if rng.random() < 0.06:
            with clock.at(t + dt.timedelta(hours=2)):
                services.extension_ask(by=liaison, request=request, days=5,
                                       reason="需协调产权单位共同处理，预计需增加 5 个工作日。")
            ext = request.extensions.first()
            approve = rng.random() < 0.8
            with clock.at(t + dt.timedelta(hours=5)):
                services.extension_decide(by=self.dispatcher, extension=ext, approve=approve,
                                          note="同意延期，请按期办结。" if approve else "理由不充分，请按原时限办结。")
        for attempt in range(3):
            days = rng.uniform(0.5, category.limit_days * 1.1) if rng.random() < 0.88 else category.limit_days * 1.9
            t += dt.timedelta(days=days)
            if t > now:
                return
            with clock.at(t):
                if rng.random() < 0.3:
                    services.request_note(by=liaison, request=request, text="已联系诉求人并到现场核实，正在协调处理。")
                services.request_reply(by=liaison, request=request, text=_reply(code))
            t += dt.timedelta(hours=rng.uniform(2, 60))
            if t > now or rng.random() < 0.25:  # no answer: the daily job applies the 回访 rule
                return
            satisfaction = rng.choices([5, 4, 3, 2, 1], [55, 25, 10, 6, 4])[0] if attempt == 0 else rng.choice([3, 4, 5, 2])
            with clock.at(t):
                services.request_rate(request=request, token=request.rating_token, satisfaction=satisfaction,
                                      resolved=satisfaction >= 3, comment="" if satisfaction >= 3 else "问题没有解决。")
            if request.state == RequestState.CLOSED:
                return


def _reply(code: str) -> str:
    return {
        "0101": "经现场核查，系线路老化导致路灯不亮，已更换线路和灯具，现已恢复照明。",
        "0102": "已安排执法队员每日巡查，劝离流动摊贩，并在该处设置便民疏导点。",
        "0103": "已协调环卫公司清运垃圾，并增加该点位清运频次为每日两次。",
        "0201": "已责令施工单位夜间22时后停止高噪声作业，如需连续施工须办理夜间施工许可并公示。",
        "0401": "已约谈物业公司，电梯已由维保单位检修完毕，物业承诺建立故障24小时响应机制。",
        "0402": "热力公司已上门排查，系楼内管道堵塞，已冲洗管道，室温恢复至18℃以上。",
    }.get(code, "已收到您的诉求，经核实已办理完毕，感谢您对我们工作的监督。")

