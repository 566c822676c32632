"""The 金点子 demo: 城阳区's "改革创新金点子征集" of the current year (open until two weeks from today) with
about 60 ideas from 15 provinces in every state — waiting for 初审, refused, duplicates, under expert review
(some half scored), answered (采纳 / 部分采纳 / 不采纳) — five experts' scores (trimmed mean), awards, and
adopted ideas turned into tasks of a 城阳 program. Written through the real services at past moments
(clock.at), so the journal reads like a real history. Needs the units preset (青岛市); safe to run twice.

All people and phone numbers are made up.
"""
from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from luoshi.core import clock
from luoshi.org.demo import DEMO_PASSWORD, Account, unit_at
from luoshi.org.models import Person, Role, Unit
from luoshi.org.services import grant_role, person_create
from luoshi.programs.models import Program

from . import services
from .models import Campaign, CampaignExpert, Decision
from .scheme import scheme_presets


def _accounts():
    return [
        Account("gaige", "韩晓梅", Role.OFFICE, "青岛市/城阳区", "城阳区委改革办科员",
                note="金点子：城阳区改革创新金点子征集（初审、指定专家、处理答复、评奖、转任务）"),
        Account("expert", "李明远", "", "青岛市/城阳区", "评审专家（高校教授）", note="金点子评审专家：为建议打分"),
    ]


IDEAS_ACCOUNTS = _accounts()
EXTRA_EXPERTS = [("expert2", "陈思远", "评审专家（企业家代表）"), ("expert3", "王雅琴", "评审专家（律师）"),
                 ("expert4", "刘建华", "评审专家（退休干部）"), ("expert5", "赵一鸣", "评审专家（媒体人）")]

TITLES = {
    "营商环境": ["推行“证照联办”一次办好", "涉企检查“综合查一次”", "建立企业诉求“直通车”", "中小企业融资增信平台",
             "惠企政策“免申即享”", "企业开办全程网办零费用", "工程建设项目审批“拿地即开工”"],
    "科技创新": ["设立科技成果转化“中试基地”", "高校院所科研设备开放共享", "科技型企业“创新积分”贷款",
             "建设工业互联网公共服务平台", "青年科技人才安居计划", "揭榜挂帅攻关产业链“卡脖子”难题"],
    "城市更新": ["老旧小区加装电梯“一次协商”", "口袋公园见缝插绿", "背街小巷微改造", "城中村改造“先安置后拆迁”",
             "闲置厂房改造为众创空间", "停车泊位错时共享"],
    "民生服务": ["社区食堂助老餐", "“15分钟便民生活圈”地图", "校外托管“四点半课堂”", "家门口的“健康小屋”",
             "政务服务“帮办代办”进社区", "残疾人就业辅助工位", "便民服务“一码通”"],
    "社会治理": ["网格员“多员合一”", "矛盾纠纷“一站式”调解", "小区物业“红黑榜”", "志愿服务积分兑换",
             "群众诉求“接诉即办”考评", "村规民约数字化"],
    "乡村振兴": ["农产品“区域公用品牌”", "闲置宅基地盘活利用", "乡村民宿集群", "农村电商直播基地",
             "村集体经济“强村公司”", "高标准农田托管服务"],
    "生态环保": ["建筑垃圾资源化利用", "河长制“民间河长”", "餐厨垃圾就地处理", "工地扬尘在线监测全覆盖",
             "海岸线生态修复“认养”", "公共机构屋顶光伏"],
    "开放合作": ["日韩企业“一站式”服务中心", "跨境电商公共海外仓", "国际人才社区", "RCEP 原产地证书智能审核",
             "机场临空经济区招商“飞地”"],
    "其他": ["机关“无会日”减负", "改革案例库共建共享", "政策“阳光答辩”常态化", "“找茬窗口”线上版",
           "改革建议奖励办法"],
}
PROVINCES = [("山东省", 22), ("江苏省", 5), ("浙江省", 4), ("北京市", 4), ("上海市", 3), ("广东省", 3), ("河北省", 3),
             ("河南省", 2), ("辽宁省", 2), ("四川省", 2), ("湖北省", 2), ("安徽省", 2), ("黑龙江省", 1), ("陕西省", 1),
             ("福建省", 1)]
CITIES = {"山东省": ["青岛市", "济南市", "烟台市", "潍坊市"], "江苏省": ["南京市", "苏州市"], "浙江省": ["杭州市", "宁波市"],
          "广东省": ["深圳市", "广州市"], "河北省": ["石家庄市"], "河南省": ["郑州市"], "辽宁省": ["大连市"],
          "四川省": ["成都市"], "湖北省": ["武汉市"], "安徽省": ["合肥市"], "黑龙江省": ["哈尔滨市"], "陕西省": ["西安市"],
          "福建省": ["厦门市"]}
SOURCES = [("person", 40), ("enterprise", 20), ("official", 20), ("scholar", 10), ("organisation", 6), ("other", 4)]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ["建国", "海燕", "志强", "丽娟", "晓东", "春梅", "文博", "雨桐", "子涵", "国华", "秀英", "明杰", "佳怡", "宏伟"]
# the fate of each idea in submission order (60): mostly answered, the latest still waiting
PLAN = (["adopted"] * 12 + ["partial"] * 8 + ["not_adopted"] * 10 + ["reviewing_full"] * 6 + ["reviewing_half"] * 6
        + ["rejected"] * 5 + ["duplicate"] * 3 + ["submitted"] * 10)


def _at(day: dt.date, hour: int = 10, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _person(username: str, full_name: str, title: str, unit: Unit, hashed: str) -> Person:
    person = Person.objects.filter(username=username).first()
    if person is None:
        person = person_create(by=None, username=username, full_name=full_name, title=title, unit=unit,
                               email=f"{username}@demo.luoshi.local")
    if not person.has_usable_password():
        Person.objects.filter(pk=person.pk).update(password=hashed)
    return person


def _weighted(rng: random.Random, pairs):
    return rng.choices([p for p, _w in pairs], weights=[w for _p, w in pairs])[0]


def ideas_demo(*, today: dt.date | None = None, hashed_password: str | None = None, seed: int = 11) -> dict:
    from luoshi.tasks.services import program_create

    today = today or clock.today()
    hashed = hashed_password or make_password(DEMO_PASSWORD)
    rng = random.Random(seed)
    district = unit_at("青岛市/城阳区")
    name = f"{today.year}年改革创新金点子征集"
    existing = Campaign.objects.filter(name=name, owner_unit=district).first()
    if existing is not None:
        return _summary(existing)
    with transaction.atomic():
        accounts = {}
        for acc in IDEAS_ACCOUNTS:
            accounts[acc.username] = _person(acc.username, acc.full_name, acc.title, unit_at(acc.unit_path), hashed)
            if acc.role:
                grant_role(by=None, person=accounts[acc.username], role=acc.role, unit=unit_at(acc.unit_path))
        office = accounts["gaige"]
        experts = [accounts["expert"]] + [_person(u, n, t, district, hashed) for u, n, t in EXTRA_EXPERTS]

        start = today - dt.timedelta(days=80)
        end = today + dt.timedelta(days=14)
        with clock.at(_at(start, 9)):
            campaign = services.campaign_create(
                by=office, name=name, owner_unit=district, start_date=start, end_date=end,
                scheme_text=scheme_presets()["gaige-jindianzi"],
                description="城阳区设立“改革创新建议”奖，面向全社会公开征集改革创新建议。围绕营商环境、科技创新、城市更新、"
                            "民生服务等领域，欢迎企业、群众、机关干部和专家学者建言献策。可行即实施，采纳的建议纳入改革任务推进落实。")
            for e in experts:
                services.expert_assign(by=office, campaign=campaign, person=e)
        program = Program.objects.filter(code=f"chengyang-gaige-{today.year}").first()
        if program is None:
            with clock.at(_at(start, 9)):
                program = program_create(by=office, code=f"chengyang-gaige-{today.year}",
                                         name=f"{today.year}年城阳区改革创新建议落实", year=today.year,
                                         owner_unit=district, cadence_kind="monthly", cadence_day=25,
                                         description="采纳的改革创新金点子转化为改革任务，明确牵头单位和完成时限。")
        lead_units = list(Unit.objects.filter(parent=district, is_active=True).order_by("pk"))

        titles = [(topic, t) for topic, ts in TITLES.items() for t in ts]
        rng.shuffle(titles)
        span = (today - start).days - 3
        plan = PLAN[:50]
        rng.shuffle(plan)
        plan += PLAN[50:]  # the latest ideas still wait for 初审
        ideas = []
        for i, fate in enumerate(plan):
            topic, title = titles[i % len(titles)]
            province = PROVINCES[i][0] if i < len(PROVINCES) else _weighted(rng, PROVINCES)  # each one at least once
            submitted = start + dt.timedelta(days=int(span * i / len(plan)))
            with clock.at(_at(submitted, 8 + i % 10, (i * 7) % 60)):
                idea = services.idea_submit(campaign=campaign, data=services.IdeaInput(
                    title=title, topic=topic, source_kind=_weighted(rng, SOURCES), province=province,
                    city=rng.choice(CITIES.get(province, [""])),
                    content=(f"现状：{title.strip('“”')}方面群众和企业反映较多，办事环节多、标准不统一。"
                             f"建议：借鉴先进地区做法，在城阳区先行试点{title}，明确牵头部门、办理流程和时限，"
                             "并通过线上平台公开进度。预期效果：减少跑腿次数，提高办事效率，形成可复制推广的经验。"),
                    name=rng.choice(SURNAMES) + rng.choice(GIVEN), phone=f"139{rng.randint(10000000, 99999999)}",
                    email=f"idea{i + 1}@example.com" if i % 3 == 0 else "",
                    organisation="某科技有限公司" if i % 5 == 1 else ""))
            ideas.append((idea, fate, submitted, rng.uniform(0.55, 0.95) if fate != "not_adopted" else rng.uniform(0.4, 0.7)))

        screened: dict[int, dt.date] = {}
        for idea, fate, submitted, quality in ideas:
            if fate == "submitted":
                continue
            day = min(submitted + dt.timedelta(days=3), today)
            screened[idea.pk] = day
            with clock.at(_at(day, 15)):
                if fate == "rejected":
                    services.idea_screen(by=office, idea=idea, passed=False,
                                         reason="您的建议属于具体诉求，已转区民声服务中心按诉求办理，感谢您的参与。")
                elif fate == "duplicate":
                    original = next(o for o, f, _s, _q in ideas if f in ("adopted", "partial") and o.pk != idea.pk)
                    services.idea_screen(by=office, idea=idea, passed=False, duplicate_of=original)
                else:
                    services.idea_screen(by=office, idea=idea, passed=True)
        for idea, fate, submitted, quality in ideas:
            if fate not in ("adopted", "partial", "not_adopted", "reviewing_full", "reviewing_half"):
                continue
            panel = experts if fate != "reviewing_half" else experts[1:4]
            for k, expert in enumerate(panel):
                day = min(screened[idea.pk] + dt.timedelta(days=2 + k), today)
                points = {c["code"]: str(min(Decimal(c["max"]), (Decimal(c["max"]) * Decimal(str(round(
                    rng.uniform(quality - 0.12, quality + 0.08), 2)))).quantize(Decimal(1))))
                    for c in campaign.criteria}
                with clock.at(_at(day, 16, k)):
                    services.idea_score(by=expert, idea=idea, points=points,
                                        note=rng.choice(["", "思路清晰，可操作性强", "建议细化实施路径", "与现有政策衔接需论证"]))
        replies = {
            Decision.ADOPTED: "您的建议已被采纳，区里将纳入年度改革任务，由牵头单位推进落实，进展可在阳光公开网站查看。感谢您的参与！",
            Decision.PARTIAL: "您的建议部分内容已被采纳，相关部门将结合现有工作一并推进。感谢您的参与！",
            Decision.NOT_ADOPTED: "经专家评审，您的建议与现行政策衔接尚需进一步论证，暂不采纳。感谢您对城阳改革的关注！",
        }
        decided = []
        for idea, fate, submitted, quality in ideas:
            if fate not in ("adopted", "partial", "not_adopted"):
                continue
            day = min(screened[idea.pk] + dt.timedelta(days=10), today)
            with clock.at(_at(day, 11)):
                idea = services.idea_decide(by=office, idea=idea, decision=fate, reply=replies[fate])
            decided.append(idea)
        adopted = sorted((i for i in decided if i.is_adopted), key=lambda i: (-(i.score or 0), i.seq))
        levels = [a["code"] for a in campaign.awards for _n in range(a["count"])]
        awards = 0
        with clock.at(_at(today - dt.timedelta(days=1), 10)):
            for idea, code in zip(adopted[:12], levels):
                services.idea_award(by=office, idea=idea, award=code)
                awards += 1
            for k, idea in enumerate(adopted[:6]):
                services.idea_make_task(by=office, idea=idea, program=program, lead_unit=lead_units[k % len(lead_units)],
                                        deadline_phrase=rng.choice(["年底前", "三季度", "长期坚持"]))
    return _summary(campaign)


def _summary(campaign: Campaign) -> dict:
    from .selectors import idea_stats

    s = idea_stats(campaign=campaign)
    return {"campaign": campaign, "ideas": s["total"], "provinces": s["provinces"], "adopted": s["adopted"],
            "tasks": s["tasks"], "experts": CampaignExpert.objects.filter(campaign=campaign).count(),
            "accounts": IDEAS_ACCOUNTS}
