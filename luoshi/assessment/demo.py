"""Demo data for assessment: the five scheme presets (presets/assessment/) and a history written through
the real services at past times (`clock.at`), so every state shows:

- 创城月度测评: four published monthly rounds of the 10 区市 and 51 streets (十佳/十差, a street in the
  bottom three twice running → 文明单位降级 confirmed, then again → 摘牌 proposed, another street's first
  降级 proposed), an appeal decided with a revised score (a second published revision with its note), an
  appeal by the 中韩街道 liaison waiting for review, and this month's round in scoring with the evaluator
  assigned, part of the streets scored and one score returned;
- 党内法规执行评价 (胶州): last half-year's round published with bonuses and deductions, grades 好/较好/一般;
- 大气周通报: the last six weeks and the same weeks last year (同比), with 预警提醒 / 约谈 proposals;
- 小型水库物业化: two quarters, one contractor failing twice → 终止合同并重新招标, fee cuts by grade.

Most scores are written by `_scores_bulk`, which makes the same checks as services.score_record
(assignment, round state, leaf of the round's version, participant, parse_value) and writes the same
journal entry per score, in bulk: score_record parses the scheme's YAML on every call, which would make
the demo slow. Scores with photo evidence, approvals, adjustments, publication, appeals and
consequences all go through the services.
"""
from __future__ import annotations

import datetime as dt
import math
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from luoshi.core import clock
from luoshi.core.errors import ServiceError
from luoshi.core.journal import journal_entry, journal_record_many
from luoshi.core.permissions import require
from luoshi.org.demo import Account, demo_photo, unit_at
from luoshi.org.models import Person, Role, Unit
from luoshi.org.services import grant_role, person_create
from luoshi.core.presets import preset_load

from . import maintained, services
from .models import (
    Appeal,
    AppealState,
    Consequence,
    Indicator,
    ProposalState,
    Round,
    RoundState,
    RoundUnit,
    Scheme,
    Score,
)
from .permissions import may_score

PRESETS = ["chuangcheng-monthly", "dangnei-fagui", "daqi-weekly", "xiaoxing-shuiku", "xiangmu-dudao"]

ASSESSMENT_ACCOUNTS = [
    Account("jz_office", "高文静", Role.OFFICE, "青岛市/胶州市/市委办公室", "胶州市委法规室副主任",
            note="党内法规执行评价：审核评分、登记加减分、公布结果"),
    Account("sthj", "马骏", Role.OFFICE, "青岛市/市生态环境局", "大气环境处副处长",
            note="大气周通报：审核监测数据、公布排名、确认预警和约谈"),
]

# 51 streets of the 7 urban districts scored on site (the seed's number; the built-up area's streets)
STREETS = {
    "市南区": ["香港中路街道", "八大峡街道", "云南路街道", "中山路街道", "江苏路街道", "八大关街道", "湛山街道",
             "金湖路街道", "八大湖街道", "金门路街道", "珠海路街道"],
    "市北区": ["辽宁路街道", "延安路街道", "登州路街道", "宁夏路街道", "敦化路街道", "辽源路街道", "合肥路街道",
             "大港街道", "即墨路街道", "台东街道", "镇江路街道", "浮山新区街道", "阜新路街道", "海伦路街道",
             "四方街道", "兴隆路街道", "水清沟街道", "洛阳路街道", "河西街道", "湖岛街道", "开平路街道", "双山街道"],
    "李沧区": ["振华路街道", "沧口街道", "兴华路街道", "兴城路街道", "李村街道", "虎山路街道", "浮山路街道",
             "湘潭路街道", "楼山街道", "九水街道", "世园街道"],
    "崂山区": ["中韩街道", "沙子口街道", "金家岭街道", "王哥庄街道"],
    "西海岸新区": ["黄岛街道"],
    "城阳区": ["城阳街道"],
    "即墨区": ["环秀街道"],
}
# the streets whose history the demo designs (the others get a realistic random spread)
REPEAT_OFFENDER = ("李沧区", "楼山街道")    # bottom three four months running: 降级 (confirmed), then 摘牌 (proposed)
NEW_OFFENDER = ("市北区", "湖岛街道")       # bottom three the last two months: 降级 proposed
APPEAL_REVISED = ("崂山区", "沙子口街道")   # appeals in the third month; the score is revised
APPEAL_PENDING = ("崂山区", "中韩街道")     # the liaison2 account's street appeals the latest month
FAILING_CONTRACTOR = "青岛崂峰水利工程有限公司"     # 不合格 two quarters running: 终止合同并重新招标
MIDDLING_CONTRACTOR = "青岛海川水务物业管理有限公司"  # 合格 in the second quarter: fee cut

PROBLEMS = {
    "A1": ["路面有烟头纸屑", "背街小巷垃圾未及时清运", "墙面有小广告", "绿化带内有白色垃圾"],
    "A2": ["市场外侧占道经营", "早市摊点未按时撤离", "市场内地面湿滑脏乱"],
    "A3": ["楼道堆放杂物", "垃圾桶满溢", "私搭乱建未拆除", "电动车飞线充电"],
    "A4": ["非机动车乱停乱放", "行人闯红灯", "机动车未礼让行人"],
    "A5": ["公园内不文明遛狗", "志愿服务站无人值守", "公共场所吸烟"],
    "A6": ["公交站台公益广告缺失", "公益广告破损褪色"],
    "A7": ["工地围挡破损", "裸土未覆盖"],
}
ON_SITE = ["A1", "A2", "A3", "A4", "A5", "A6", "A7"]


def _add_months(day: dt.date, n: int) -> dt.date:
    y, m = divmod(day.month - 1 + n, 12)
    return dt.date(day.year + y, m + 1, 1)


def _accounts(hashed_password: str) -> dict[str, Person]:
    people = {}
    for acc in ASSESSMENT_ACCOUNTS:
        unit = unit_at(acc.unit_path)
        person = Person.objects.filter(username=acc.username).first()
        if person is None:
            person = person_create(by=None, username=acc.username, full_name=acc.full_name, title=acc.title,
                                   unit=unit, email=f"{acc.username}@demo.luoshi.local")
            Person.objects.filter(pk=person.pk).update(password=hashed_password)
        grant_role(by=None, person=person, role=acc.role, unit=unit)
        people[acc.username] = person
    for username in ("evaluator", "inspector", "inspector2", "office", "liaison2"):
        people[username] = Person.objects.get(username=username)
    return people


def assessment_demo(*, hashed_password: str, seed: int = 13) -> dict:
    """Load the assessment presets and, the first time, write their history. Safe to run again."""
    for name in PRESETS:
        preset_load(by=None, name=name)
    people = _accounts(hashed_password)
    schemes = {s.code: s for s in Scheme.objects.filter(code__in=PRESETS)}
    if not Round.objects.filter(scheme__in=schemes.values()).exists():
        history = _History(people, random.Random(seed))
        history.chuangcheng(schemes["chuangcheng-monthly"])
        history.dangnei(schemes["dangnei-fagui"])
        history.daqi(schemes["daqi-weekly"])
        history.shuiku(schemes["xiaoxing-shuiku"])
        _finalize_closed(history)
    rounds = Round.objects.filter(scheme__in=schemes.values())
    return {
        "schemes": len(schemes),
        "rounds": rounds.count(),
        "published": rounds.filter(state__in=(RoundState.PUBLISHED, RoundState.FINAL)).count(),
        "scoring": rounds.filter(state=RoundState.SCORING).first(),
        "proposals": Consequence.objects.filter(round__in=rounds, state=ProposalState.PROPOSED).count(),
        "appeals": Appeal.objects.filter(round__in=rounds, state=AppealState.FILED).count(),
    }


def _finalize_closed(history) -> None:
    """Rounds whose appeal window has closed with no appeal waiting are finalised the day after, by the
    office that published them, as an office would."""
    for rnd in (Round.objects.filter(state=RoundState.PUBLISHED, appeal_deadline__lt=history.today)
                .exclude(appeals__state=AppealState.FILED).order_by("period_end")):
        publisher = rnd.publications.order_by("revision").first().by
        with history.at(rnd.appeal_deadline + dt.timedelta(days=1), 9):
            services.round_finalize(by=publisher, round=rnd, note="申诉期满，结果定稿。")


def _scores_bulk(*, by, rnd: Round, rows: list[tuple[Unit, Indicator, object, str]]) -> int:
    """Record many first scores of one evaluator in one round, with the checks services.score_record makes
    and its journal entry per score. `rows`: (unit, leaf, value as typed, note)."""
    with transaction.atomic():
        rnd = Round.objects.select_for_update().select_related("scheme__owner_unit", "version").get(pk=rnd.pk)
        if rnd.state not in services.SCORING_STATES:
            raise ServiceError(_("考核期次“%(state)s”，不能评分。") % {"state": rnd.get_state_display()})
        definition = rnd.version.definition()
        participants = set(RoundUnit.objects.filter(round=rnd).values_list("unit_id", flat=True))
        taken = set(Score.objects.filter(round=rnd, evaluator=by, is_current=True)
                    .values_list("unit_id", "indicator_id"))
        now = clock.now()
        scores, journal = [], []
        for unit, leaf, value, note in rows:
            require(may_score(by, rnd, unit.pk, leaf.pk), _("您未被指派为该单位该项指标的评估员。"))
            if leaf.version_id != rnd.version_id or not leaf.is_leaf:
                raise ServiceError(_("该指标不属于本期次的指标体系末级标准。"))
            if unit.pk not in participants:
                raise ServiceError(_("“%(unit)s”不是本期次的参评单位。") % {"unit": unit.name})
            if (unit.pk, leaf.pk) in taken:
                raise ServiceError(_("“%(unit)s”的“%(code)s”已有评分。") % {"unit": unit.name, "code": leaf.code})
            taken.add((unit.pk, leaf.pk))
            try:
                parsed, level = services.parse_value(value, indicator=leaf, definition=definition)
            except ValueError as e:
                raise ServiceError(_("“%(code)s %(name)s”：%(error)s") % {"code": leaf.code, "name": leaf.name, "error": e})
            scores.append(Score(round=rnd, unit=unit, indicator=leaf, evaluator=by, value=parsed, level=level,
                                note=note, source="form", scored_at=now))
            journal.append(journal_entry(
                at=now, actor=by, verb="assessment.score.record", obj=rnd, scope_path=unit.path, reason=note,
                changes={"unit": unit.pk, "indicator": leaf.code, "value": [None, str(parsed)], "evidence": []}))
        Score.objects.bulk_create(scores, batch_size=2000)
        maintained.round_rebuild(rnd)
        journal_record_many(journal)
    return len(scores)


class _History:
    def __init__(self, people: dict[str, Person], rng: random.Random):
        self.p = people
        self.rng = rng
        self.now = clock.now()
        self.today = clock.today()

    def at(self, day: dt.date, hour: int, minute: int = 0):
        """clock.at a moment on `day`, never later than the moment the demo runs."""
        moment = timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))
        return clock.at(min(moment, self.now - dt.timedelta(minutes=1)))

    def leaves(self, rnd: Round) -> dict[str, Indicator]:
        return {i.code: i for i in Indicator.objects.filter(version=rnd.version, is_leaf=True)}

    def open_round(self, *, by, scheme, name, start, end, units, day, evaluators, compare_to=None) -> Round:
        with self.at(day, 9):
            rnd = services.round_create(by=by, scheme=scheme, name=name, period_start=start, period_end=end,
                                        units=units, compare_to=compare_to)
            for person, for_units, codes in evaluators:
                leaves = self.leaves(rnd)
                services.evaluator_assign(by=by, round=rnd, person=person, units=for_units,
                                          indicators=[leaves[c] for c in codes] if codes else None)
            rnd = services.round_advance(by=by, round=rnd, to=RoundState.COLLECTING)
            return services.round_advance(by=by, round=rnd, to=RoundState.SCORING)

    def publish(self, *, by, rnd: Round, day: dt.date, note: str = "") -> Round:
        with self.at(day, 9):
            rnd = services.round_advance(by=by, round=rnd, to=RoundState.REVIEW)
        with self.at(day, 10):
            services.scores_approve(by=by, round=rnd)
        with self.at(day, 15):
            services.round_publish(by=by, round=rnd, note=note)
        rnd.refresh_from_db()
        return rnd

    def deductions(self, target: float, codes: list[str], rules: dict[str, tuple[Decimal, Decimal]]) -> dict[str, int]:
        """Occurrences per deduction leaf that take about `target` points off (never more)."""
        counts = {c: 0 for c in codes}
        taken = Decimal(0)
        target = Decimal(str(target))
        while True:
            fits = [c for c in codes if taken + rules[c][0] <= target and rules[c][0] * (counts[c] + 1) <= rules[c][1]]
            if not fits:
                return counts
            c = self.rng.choice(fits)
            counts[c] += 1
            taken += rules[c][0]

    # ---- 创城 monthly --------------------------------------------------------------------------------------

    def chuangcheng(self, scheme: Scheme) -> None:
        office, evaluator, departments = self.p["inspector"], self.p["evaluator"], self.p["inspector2"]
        city = scheme.region
        districts = list(Unit.objects.filter(parent=city, kind="district").order_by("sort_order", "path"))
        by_name = {d.name: d for d in districts}
        named = {(d, s): Unit.objects.get(parent=by_name[d], name=s) for d, names in STREETS.items() for s in names}
        streets = list(named.values())
        repeat, new, revised, pending = (named[REPEAT_OFFENDER], named[NEW_OFFENDER], named[APPEAL_REVISED],
                                         named[APPEAL_PENDING])
        definition = scheme.current_version.definition()
        rules = {leaf.code: (leaf.rule.per, leaf.points) for leaf in definition.leaves() if leaf.code in ON_SITE}
        quality = {s.pk: self.rng.uniform(2, 8) for s in streets + districts}
        designated = {repeat.pk, new.pk, revised.pk, pending.pk}
        others = [s for s in streets if s.pk not in designated]
        this_month = self.today.replace(day=1)
        months = [_add_months(this_month, k) for k in (-4, -3, -2, -1)]
        # bottom three each month: the repeat offender every month, the new one the last two months, and one
        # more street that is bottom only once (so it never fires)
        thirds = self.rng.sample(others, 6)
        bottoms = [{repeat.pk, thirds[0].pk, thirds[1].pk}, {repeat.pk, thirds[2].pk, thirds[3].pk},
                   {repeat.pk, new.pk, thirds[4].pk}, {repeat.pk, new.pk, thirds[5].pk}]
        for i, month in enumerate(months):
            end = _add_months(month, 1) - dt.timedelta(days=1)
            publish_day = min(end + dt.timedelta(days=5), self.today)
            rnd = self.open_round(
                by=office, scheme=scheme, name=f"{month.year}年{month.month}月创城测评", start=month, end=end,
                units=districts + streets, day=month,
                evaluators=[(evaluator, None, None), (departments, districts, ["C1", "C2"])])
            leaves = self.leaves(rnd)
            rows, photos = [], []
            for s in streets:
                if s.pk in bottoms[i]:
                    target = 14 + self.rng.randint(0, 40) / 10
                else:
                    target = max(0.5, min(11.0, quality[s.pk] + self.rng.randint(-25, 25) / 10))
                counts = self.deductions(target, ON_SITE, rules)
                if s == revised and i == 2:   # the month it appeals two of these problems
                    counts["A3"] = max(counts["A3"], 3)
                worst = max(ON_SITE, key=lambda c: counts[c] * rules[c][0])
                for code in ON_SITE:
                    note = self.problem_note(code, counts[code])
                    if s.pk in bottoms[i] and code == worst:
                        photos.append((s, leaves[code], counts[code], note))
                    else:
                        rows.append((s, leaves[code], counts[code], note))
            for d in districts:
                counts = self.deductions(max(1.0, quality[d.pk] + self.rng.randint(-15, 15) / 10), ON_SITE, rules)
                rows += [(d, leaves[c], counts[c], self.problem_note(c, counts[c])) for c in ON_SITE]
                rows.append((d, leaves["B1"], f"{self.rng.randint(880, 975) / 10:.1f}", "第三方入户及街头问卷，有效样本400份"))
                rows.append((d, leaves["B2"], f"{self.rng.randint(840, 965) / 10:.1f}", "第三方入户及街头问卷，有效样本400份"))
            with self.at(month + dt.timedelta(days=min(20, (end - month).days)), 17):
                _scores_bulk(by=evaluator, rnd=rnd, rows=rows)
                for s, leaf, count, note in photos:
                    services.score_record(by=evaluator, round=rnd, unit=s, indicator=leaf, value=count, note=note,
                                          files=[(f"{s.name}{leaf.code}现场.jpg", demo_photo((150, 120, 100), self.rng))])
            with self.at(end, 16):
                _scores_bulk(by=departments, rnd=rnd, rows=[
                    row for d in districts for row in (
                        (d, leaves["C1"], f"{self.rng.randint(70, 98) / 10:.1f}", "行业主责部门评价：组织推进有力，调度及时"),
                        (d, leaves["C2"], str(self.rng.randint(82, 100)), "按创城督导问题台账统计的按期整改率"))])
            rnd = self.publish(by=office, rnd=rnd, day=publish_day,
                               note=f"{month.year}年{month.month}月创城测评结果，在媒体公布区市排名，评出街道“十佳”“十差”。")
            if i == 1:   # the office confirms the first 降级
                with self.at(publish_day + dt.timedelta(days=2), 10):
                    for c in Consequence.objects.filter(round=rnd, state=ProposalState.PROPOSED):
                        services.consequence_decide(by=office, consequence=c, confirm=True,
                                                    note="经市文明委研究，给予文明单位降级处理，限期整改。")
            if i == 2:   # an appeal upheld with a revised score: a second revision with its note
                liaison = self.liaison(revised)
                with self.at(publish_day + dt.timedelta(days=1), 9):
                    appeal = services.appeal_file(
                        by=liaison, round=rnd, unit=revised, indicator=leaves["A3"],
                        reason="测评扣分的两处楼道杂物点位属于相邻街道辖区，附社区边界图。",
                        files=[("辖区边界图.jpg", demo_photo((200, 200, 180), self.rng))])
                current = Score.objects.get(round=rnd, unit=revised, indicator=leaves["A3"], is_current=True)
                with self.at(publish_day + dt.timedelta(days=3), 11):
                    services.appeal_decide(by=office, appeal=appeal, revise=True, value=max(0, int(current.value) - 2),
                                           decision="经核实，两处点位不在该街道辖区，予以更正。")
            if i == 3:   # the latest month: the 中韩街道 liaison appeals; the office has not reviewed it yet
                with self.at(publish_day + dt.timedelta(days=1), 10):
                    services.appeal_file(
                        by=self.p["liaison2"], round=rnd, unit=pending, indicator=leaves["A2"],
                        reason="农贸市场北侧占道摊点已于测评前一日取缔，测评时为临时停放车辆，附整改前后照片。",
                        files=[("整改后照片.jpg", demo_photo((110, 150, 120), self.rng))])
        # this month: scoring in progress, the evaluator has scored part of the streets
        rnd = self.open_round(by=office, scheme=scheme, name=f"{this_month.year}年{this_month.month}月创城测评",
                              start=this_month, end=_add_months(this_month, 1) - dt.timedelta(days=1),
                              units=districts + streets, day=this_month,
                              evaluators=[(evaluator, None, None), (departments, districts, ["C1", "C2"])])
        leaves = self.leaves(rnd)
        rows = []
        for s in streets[:18]:
            counts = self.deductions(max(0.5, quality[s.pk] + self.rng.randint(-25, 25) / 10), ON_SITE, rules)
            rows += [(s, leaves[c], counts[c], self.problem_note(c, counts[c])) for c in ON_SITE]
        _scores_bulk(by=evaluator, rnd=rnd, rows=rows)
        first = Score.objects.filter(round=rnd, unit=streets[0], indicator=leaves["A3"]).first()
        services.score_return(by=office, score=first, reason="扣分说明未写明点位，请补充点位和照片后重新提交。")

    def problem_note(self, code: str, count: int) -> str:
        if not count:
            return ""
        found = self.rng.sample(PROBLEMS[code], min(count, len(PROBLEMS[code])))
        return f"实地测评发现问题{count}处：{'、'.join(found)}。"

    def liaison(self, unit: Unit) -> Person:
        person = Person.objects.filter(grants__role=Role.LIAISON, grants__unit=unit).first()
        if person is None:
            person = person_create(by=None, username=f"ll{unit.pk}", full_name=f"{unit.display_name}联络员", unit=unit)
            grant_role(by=None, person=person, role=Role.LIAISON, unit=unit)
        return person

    # ---- 党内法规执行评价 (胶州) ---------------------------------------------------------------------------

    def dangnei(self, scheme: Scheme) -> None:
        office, evaluator = self.p["jz_office"], self.p["evaluator"]
        halves = [(dt.date(y, m, 1), dt.date(y, m + 5, 30 if m == 1 else 31))
                  for y in (self.today.year - 1, self.today.year) for m in (1, 7)]
        start, end = [h for h in halves if h[1] + dt.timedelta(days=40) <= self.today][-1]
        half = "上半年" if start.month == 1 else "下半年"
        kinds = ("street", "zone", "department", "soe")
        units = list(Unit.objects.filter(path__within=[scheme.region.path], kind__in=kinds, is_active=True)
                     .exclude(pk=scheme.owner_unit_id).order_by("sort_order", "path"))
        rnd = self.open_round(by=office, scheme=scheme, name=f"{start.year}年{half}党内法规执行评价", start=start, end=end,
                              units=units, day=end + dt.timedelta(days=1), evaluators=[(evaluator, None, None)])
        leaves = self.leaves(rnd)
        definition = rnd.version.definition()
        rows = []
        for u in units:
            q = self.rng.choice([0.97, 0.93, 0.9, 0.86, 0.82, 0.78, 0.74, 0.7, 0.66])   # ~60 % 好, the rest 较好
            for leaf in definition.leaves():
                hit = self.rng.random() < q
                rule = leaf.rule.type if leaf.rule else "direct"
                if rule == "pass_fail":
                    value, note = ("达标" if self.rng.random() < q + 0.1 else "不达标"), ""
                elif rule == "deduction":
                    value = 0 if hit else self.rng.randint(1, 2)
                    note = f"比对备案系统，发现{value}件未按时报备。" if value else ""
                elif rule == "rubric":
                    value, note = ("满意" if hit else "基本满意"), "问卷调查有效样本60份"
                else:
                    value = leaf.points if hit else (leaf.points - (1 if leaf.points == 2 else self.rng.choice([1, 2])))
                    note = "" if hit else "佐证材料不完整，酌情扣分。"
                rows.append((u, leaves[leaf.code], value, note))
        with self.at(end + dt.timedelta(days=15), 16):
            _scores_bulk(by=evaluator, rnd=rnd, rows=rows)
        by_name = {u.name: u for u in units}
        awards = [
            ("三里河街道", "biaozhang", "青岛市级", "青委办字〔{y}〕21号", "“一本党章治好一个村”经验做法在全市推广"),
            ("三里河街道", "baodao", "省部级", "大众日报{y}年5月报道", "老旧小区加装电梯中党员先锋作用被省级媒体报道"),
            ("三里河街道", "baodao", "青岛市级", "大众日报{y}年5月报道", "同一篇报道被青岛日报转载，按最高级计一次"),
            ("九龙街道", "pishi", "胶州市级", "胶州市委领导批示件〔{y}〕7号", "村（社区）“两委”换届工作获市委领导肯定性批示"),
            ("市纪委监委", "jiaoliu", "青岛市级", "青岛市全面从严治党工作会议", "警示教育做法作典型发言"),
            ("胶州经济技术开发区", "shidian", "青岛市级", "青委法规办〔{y}〕3号", "确定为党内法规执行示范点"),
            ("市委组织部", "kanfa", "省部级", "《党内法规研究》{y}年第2期", "“领头雁活力指数”经验做法被刊发"),
        ]
        penalties = [("胶西街道", "D3", 1, "巡察反馈“三会一课”记录不规范被通报"),
                     ("国网胶州市供电公司", "D1", 1, "一名党员干部违反中央八项规定精神受到党纪处分"),
                     ("铺集镇", "D2", 1, "制发的一件规范性文件被责令纠正")]
        with self.at(end + dt.timedelta(days=20), 10):
            for name, kind, level, award, note in awards:
                if name in by_name:
                    services.adjustment_add(by=office, round=rnd, unit=by_name[name], kind="bonus", item=kind,
                                            level=level, award=award.format(y=start.year), note=note)
            for name, item, count, note in penalties:
                if name in by_name:
                    services.adjustment_add(by=office, round=rnd, unit=by_name[name], kind="deduction", item=item,
                                            count=Decimal(count), note=note)
        rnd = self.publish(by=office, rnd=rnd, day=end + dt.timedelta(days=30),
                           note=f"{start.year}年{half}基层执行党内法规评价结果，按“好、较好、一般”评定。")
        finalize_day = end + dt.timedelta(days=30 + definition.appeal_days + 1)
        if finalize_day < self.today:
            with self.at(finalize_day, 10):
                services.round_finalize(by=office, round=rnd, note="申诉期满，无申诉，结果定稿。")

    # ---- 大气 weekly league ----------------------------------------------------------------------------------

    def daqi(self, scheme: Scheme) -> None:
        office, evaluator = self.p["sthj"], self.p["evaluator"]
        districts = list(Unit.objects.filter(parent=scheme.region, kind="district").order_by("sort_order", "path"))
        base = dict(zip(["市南区", "市北区", "李沧区", "崂山区", "西海岸新区", "城阳区", "即墨区", "胶州市", "平度市", "莱西市"],
                        [22, 27, 30, 20, 26, 31, 29, 34, 36, 33]))
        trend = {d.pk: self.rng.choice([-0.04, 0.02, 0.06, 0.09, 0.12, 0.15, 0.18]) for d in districts}
        monday = self.today - dt.timedelta(days=self.today.weekday() + 7)   # last full week
        weeks = [monday - dt.timedelta(weeks=k) for k in range(5, -1, -1)]
        last_year = {}
        for year_ago in (True, False):
            for week in weeks:
                start = week - dt.timedelta(days=364) if year_ago else week
                end = start + dt.timedelta(days=6)
                weather = 1 + self.rng.uniform(-0.18, 0.18)
                iso_year, iso_week, _day = start.isocalendar()
                name = f"{iso_year}年第{iso_week}周（{start.month}月{start.day}日—{end.month}月{end.day}日）"
                rnd = self.open_round(by=office, scheme=scheme, units=districts, day=end + dt.timedelta(days=1),
                                      name=name, start=start, end=end, evaluators=[(evaluator, None, None)],
                                      compare_to=None if year_ago else last_year[week])
                leaves = self.leaves(rnd)
                season = 1 + 0.35 * _cos_month(start.month)
                rows = []
                for d in districts:
                    better = 1 if year_ago else 1 - trend[d.pk]
                    pm25 = base.get(d.name, 30) * season * weather * better * (1 + self.rng.uniform(-0.08, 0.08))
                    values = {"pm25": f"{pm25:.0f}", "pm10": f"{pm25 * self.rng.uniform(1.7, 2.1):.0f}",
                              "so2": f"{self.rng.uniform(5, 11) * season:.0f}",
                              "no2": f"{self.rng.uniform(16, 34) * better:.0f}",
                              "co": f"{self.rng.uniform(0.5, 0.9) * season:.1f}",
                              "o3": f"{self.rng.uniform(95, 130) * (2.2 - season) * better:.0f}"}
                    rows += [(d, leaves[code], v, "") for code, v in values.items()]
                with self.at(end + dt.timedelta(days=1), 11):
                    _scores_bulk(by=evaluator, rnd=rnd, rows=rows)
                rnd = self.publish(by=office, rnd=rnd, day=end + dt.timedelta(days=2),
                                   note="每周通报：各区（市）PM2.5、PM10、空气质量综合指数及同比变化。")
                if year_ago:
                    last_year[week] = rnd
                for c in Consequence.objects.filter(round=rnd, state=ProposalState.PROPOSED):
                    if week == weeks[-1] and not year_ago:
                        continue        # this week's proposal waits for the office
                    dust = week == weeks[2] and not year_ago
                    with self.at(end + dt.timedelta(days=3), 10):
                        services.consequence_decide(
                            by=office, consequence=c, confirm=not dust,
                            note="本周受沙尘天气影响，不予采纳。" if dust else f"已向{c.unit.name}发出{c.action}。")

    # ---- 小型水库物业化 -------------------------------------------------------------------------------------

    def shuiku(self, scheme: Scheme) -> None:
        office, evaluator = self.p["office"], self.p["evaluator"]
        contractors = list(Unit.objects.filter(path__within=[scheme.region.path], kind="third_party")
                           .order_by("path"))
        definition = scheme.current_version.definition()
        rules = {leaf.code: (leaf.rule.per, leaf.points) for leaf in definition.leaves()
                 if leaf.rule.type == "deduction"}
        quarter = dt.date(self.today.year, 3 * ((self.today.month - 1) // 3) + 1, 1)
        quarters = [_add_months(quarter, -6), _add_months(quarter, -3)]
        if quarter + dt.timedelta(days=19) > self.today:   # last quarter's results are not out yet
            quarters = [_add_months(quarter, -9), _add_months(quarter, -6)]
        # one contractor fails twice (终止合同), one is 合格 once (fee cut), the others 优良
        failing = next(c for c in contractors if c.name == FAILING_CONTRACTOR)
        middling = next(c for c in contractors if c.name == MIDDLING_CONTRACTOR)
        for i, start in enumerate(quarters):
            end = _add_months(start, 3) - dt.timedelta(days=1)
            rnd = self.open_round(by=office, scheme=scheme, units=contractors, day=end - dt.timedelta(days=10),
                                  name=f"{start.year}年第{(start.month - 1) // 3 + 1}季度小型水库物业化考评",
                                  start=start, end=end, evaluators=[(evaluator, None, None)])
            leaves = self.leaves(rnd)
            rows = []
            for c in contractors:
                if c == failing:
                    target = 16                      # with 基本完备 (−4) and 不满意 (−7): 73, 不合格
                elif c == middling and i == 1:
                    target = 14                      # 合格
                else:
                    target = self.rng.randint(2, 7)  # 优良
                counts = self.deductions(target, list(rules), rules)
                for code, n in counts.items():
                    rows.append((c, leaves[code], n, f"检查发现问题{n}处。" if n else ""))
                rows.append((c, leaves["C2"], "基本完备" if c == failing else "完备", ""))
                rows.append((c, leaves["E1"], "不满意" if c == failing else "满意" if self.rng.random() < 0.7 else "基本满意",
                             "水库所在社区评价" if c != failing else "社区反映汛期巡查不到位"))
            with self.at(end - dt.timedelta(days=3), 15):
                _scores_bulk(by=evaluator, rnd=rnd, rows=rows)
            rnd = self.publish(by=office, rnd=rnd, day=end + dt.timedelta(days=15),
                               note="季度考评结果，作为支付维修养护经费的依据。")
            if i == 0:
                with self.at(end + dt.timedelta(days=17), 10):
                    for c in Consequence.objects.filter(round=rnd, state=ProposalState.PROPOSED):
                        services.consequence_decide(by=office, consequence=c, confirm=True,
                                                    note=f"按{c.payment_share:.0%}支付当期维修养护经费。")


def _cos_month(month: int) -> float:
    """1 in January, −1 in July: the season of particulate pollution."""
    return math.cos(2 * math.pi * (month - 1) / 12)
