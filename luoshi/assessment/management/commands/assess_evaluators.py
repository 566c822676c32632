"""`luoshi assess evaluators list|assign`: who scores what in a round."""
from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from luoshi.assessment import services
from luoshi.assessment.models import EvaluatorAssignment, Indicator, RoundUnit
from luoshi.core.management.base import ActionCommand

from ._assess import acting_person, add_as_argument, get_person, get_round


class Command(ActionCommand):
    help = "评估员：list 列出期次的评估员指派、assign 指派评估员（可限定单位和末级标准）。"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="{list,assign}")
        p = sub.add_parser("list", help="列出期次的评估员指派")
        p.add_argument("--round", required=True, help="考核期次编号")
        p = sub.add_parser("assign", help="指派评估员；不指定 --unit、--indicator 则评该期次全部单位、全部标准")
        p.add_argument("--round", required=True, help="考核期次编号")
        p.add_argument("--person", required=True, help="评估员的用户名")
        p.add_argument("--unit", action="append", default=[], help="只评这些参评单位（名称、简称或编码，可多次指定）")
        p.add_argument("--indicator", action="append", default=[], help="只评这些末级标准（代码，可多次指定）")
        add_as_argument(p)

    def do_list(self, round, **options):
        rnd = get_round(round)
        rows = (EvaluatorAssignment.objects.filter(round=rnd).select_related("person", "unit", "indicator")
                .order_by("person__username", "unit__path", "indicator__position"))
        for a in rows:
            self.stdout.write(f"{a.person.username}\t{a.person.display_name}\t"
                              f"{a.unit.name if a.unit_id else _('全部单位')}\t"
                              f"{a.indicator.code if a.indicator_id else _('全部标准')}")

    def do_assign(self, round, person, unit, indicator, username, **options):
        rnd = get_round(round)
        evaluator = get_person(person)
        participants = [ru.unit for ru in RoundUnit.objects.filter(round=rnd).select_related("unit")]
        units = []
        for name in unit:
            found = [u for u in participants if name in (u.name, u.short_name, u.code)]
            if len(found) != 1:
                raise CommandError(_("“%(name)s”不是本期次的参评单位。") % {"name": name} if not found else
                                   _("“%(name)s”对应多个参评单位，请写全称。") % {"name": name})
            units.append(found[0])
        leaves = {i.code: i for i in Indicator.objects.filter(version=rnd.version_id, is_leaf=True)}
        unknown = [code for code in indicator if code not in leaves]
        if unknown:
            raise CommandError(_("不是本期次指标体系的末级标准：%(codes)s。") % {"codes": "、".join(unknown)})
        by = acting_person(username, rnd.scheme.owner_unit)
        n = services.evaluator_assign(by=by, round=rnd, person=evaluator, units=units or None,
                                      indicators=[leaves[c] for c in indicator] or None)
        self.stdout.write(self.style.SUCCESS(_("已指派 %(name)s 为考核期次 %(id)s 的评估员（%(n)s 条指派）。")
                                             % {"name": evaluator.display_name, "id": rnd.pk, "n": n}))
