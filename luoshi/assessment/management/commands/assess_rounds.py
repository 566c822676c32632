"""`luoshi assess rounds list|create|advance|publish|finalize`: a round's life from the command line, through
the same services as the round page (permission, one transaction, journal)."""
import datetime as dt

from django.core.management.base import CommandError
from django.db.models import Count
from django.utils.translation import gettext as _

from luoshi.assessment import services
from luoshi.assessment.models import ROUND_FLOW, Round, RoundState, RoundUnit, Scheme
from luoshi.core.management.base import ActionCommand
from luoshi.org.resolve import UnitResolver

from ._assess import acting_person, add_as_argument, get_round

STATE_BY_NAME = {**{s.value: s.value for s in ROUND_FLOW}, **{str(s.label): s.value for s in ROUND_FLOW},
                 "评分": RoundState.SCORING, "审核": RoundState.REVIEW, "公布": RoundState.PUBLISHED,
                 "定稿": RoundState.FINAL}


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(_("日期“%(text)s”应写成 YYYY-MM-DD，如 2026-01-31。") % {"text": text})


def _state(text: str) -> str:
    if text not in STATE_BY_NAME:
        raise CommandError(_("未知的状态“%(state)s”，可用：%(states)s。")
                           % {"state": text, "states": "、".join(f"{s.value}（{s.label}）" for s in ROUND_FLOW)})
    return STATE_BY_NAME[text]


class Command(ActionCommand):
    help = ("考核期次：list 列出、create 新建、advance 推进（草稿 → 材料报送 → 评分中 → 审核中）、"
            "publish 公布（开始申诉期）、finalize 定稿。")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="{list,create,advance,publish,finalize}")
        p = sub.add_parser("list", help="列出考核期次（编号、指标体系、名称、状态、考核期、参评单位数）")
        p.add_argument("--scheme", help="只列出该指标体系（代码）的期次")
        p = sub.add_parser("create", help="新建考核期次（草稿）；默认参评单位为考核范围内各分组类型的全部单位")
        p.add_argument("--scheme", required=True, help="指标体系代码")
        p.add_argument("--name", required=True, help="期次名称，如“2026年1月”")
        p.add_argument("--start", required=True, help="考核期开始，YYYY-MM-DD")
        p.add_argument("--end", required=True, help="考核期结束，YYYY-MM-DD")
        p.add_argument("--unit", action="append", default=[],
                       help="参评单位名称（可多次指定，也可写“各街道”“区直各部门”）；不指定则按分组自动选取")
        p.add_argument("--compare-to", type=int, help="计算升降位次时对比的期次编号")
        add_as_argument(p)
        p = sub.add_parser("advance", help="推进到下一状态（或 --to 指定的下一状态）；公布、定稿用 publish、finalize")
        p.add_argument("--round", required=True, help="考核期次编号")
        p.add_argument("--to", help="目标状态：collecting（材料报送）、scoring（评分中）、review（审核中）")
        p.add_argument("--note", default="", help="说明（记入操作日志）")
        add_as_argument(p)
        p = sub.add_parser("publish", help="公布结果（评分须已全部审核），开始申诉期，并按后果规则提出待确认的措施")
        p.add_argument("--round", required=True, help="考核期次编号")
        p.add_argument("--note", default="", help="公布说明")
        p.add_argument("--allow-incomplete", action="store_true",
                       help="有单位的末级标准没有评分时仍然公布（须用 --note 写明理由，记入日志）")
        add_as_argument(p)
        p = sub.add_parser("finalize", help="定稿（申诉期结束、申诉全部复核后）")
        p.add_argument("--round", required=True, help="考核期次编号")
        p.add_argument("--note", default="", help="说明")
        add_as_argument(p)

    def do_list(self, scheme=None, **options):
        qs = Round.objects.select_related("scheme").order_by("scheme__code", "period_start", "pk")
        if scheme:
            if not Scheme.objects.filter(code=scheme).exists():
                raise CommandError(_("指标体系“%(code)s”不存在。") % {"code": scheme})
            qs = qs.filter(scheme__code=scheme)
        counts = dict(RoundUnit.objects.filter(round__in=qs).values("round").order_by().annotate(n=Count("pk"))
                      .values_list("round", "n"))
        for r in qs:
            self.stdout.write(f"{r.pk}\t{r.scheme.code}\t{r.name}\t{r.get_state_display()}\t"
                              f"{r.period_start:%Y-%m-%d}～{r.period_end:%Y-%m-%d}\t"
                              + _("%(n)s 个单位") % {"n": counts.get(r.pk, 0)})

    def do_create(self, scheme, name, start, end, unit, compare_to, username, **options):
        s = Scheme.objects.select_related("owner_unit", "region").filter(code=scheme).first()
        if s is None:
            raise CommandError(_("指标体系“%(code)s”不存在。") % {"code": scheme})
        units = None
        if unit:
            units, errors = UnitResolver(s.region).resolve("、".join(unit))
            if errors:
                raise CommandError("；".join(errors) + "。")
        compare = get_round(compare_to) if compare_to else None
        by = acting_person(username, s.owner_unit)
        rnd = services.round_create(by=by, scheme=s, name=name, period_start=_date(start), period_end=_date(end),
                                    units=units, compare_to=compare)
        n = RoundUnit.objects.filter(round=rnd).count()
        self.stdout.write(self.style.SUCCESS(_("已新建考核期次 %(id)s“%(name)s”（%(state)s），参评单位 %(n)s 个。")
                                             % {"id": rnd.pk, "name": rnd.name, "state": rnd.get_state_display(),
                                                "n": n}))

    def do_advance(self, round, to, note, username, **options):
        rnd = get_round(round)
        order = [s.value for s in ROUND_FLOW]
        if to:
            target = _state(to)
        elif rnd.state == RoundState.FINAL:
            raise CommandError(_("考核期次已定稿，没有下一步。"))
        else:
            target = order[order.index(rnd.state) + 1]
        by = acting_person(username, rnd.scheme.owner_unit)
        rnd = services.round_advance(by=by, round=rnd, to=target, note=note)
        self.stdout.write(self.style.SUCCESS(_("考核期次 %(id)s“%(name)s”已进入“%(state)s”。")
                                             % {"id": rnd.pk, "name": rnd.name, "state": rnd.get_state_display()}))

    def do_publish(self, round, note, username, allow_incomplete=False, **options):
        rnd = get_round(round)
        by = acting_person(username, rnd.scheme.owner_unit)
        publication = services.round_publish(by=by, round=rnd, note=note, allow_incomplete=allow_incomplete)
        rnd.refresh_from_db()
        proposed = rnd.consequences.filter(state="proposed").count()
        self.stdout.write(self.style.SUCCESS(
            _("已公布考核期次 %(id)s“%(name)s”第%(rev)s版结果，申诉期至 %(date)s；待确认的后果措施 %(n)s 项。")
            % {"id": rnd.pk, "name": rnd.name, "rev": publication.revision,
               "date": f"{rnd.appeal_deadline:%Y-%m-%d}" if rnd.appeal_deadline else "—", "n": proposed}))

    def do_finalize(self, round, note, username, **options):
        rnd = get_round(round)
        by = acting_person(username, rnd.scheme.owner_unit)
        rnd = services.round_finalize(by=by, round=rnd, note=note)
        self.stdout.write(self.style.SUCCESS(_("考核期次 %(id)s“%(name)s”已定稿。") % {"id": rnd.pk, "name": rnd.name}))
