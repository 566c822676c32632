"""`luoshi assess consequences list|confirm|dismiss`: the measures the scheme's rules proposed at publication."""
from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from luoshi.assessment import services
from luoshi.assessment.models import Consequence, ProposalState
from luoshi.core.management.base import ActionCommand

from ._assess import acting_person, add_as_argument, get_round


class Command(ActionCommand):
    help = "后果措施：list 列出期次提出的措施、confirm 确认、dismiss 不予采纳（公布结果时按后果规则提出）。"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="{list,confirm,dismiss}")
        p = sub.add_parser("list", help="列出期次的后果措施（编号、单位、规则、措施、第几次、状态、说明）")
        p.add_argument("--round", required=True, help="考核期次编号")
        p.add_argument("--state", choices=ProposalState.values, help="只列出该状态：proposed 待确认、confirmed、dismissed")
        for name, text in (("confirm", "确认措施"), ("dismiss", "不予采纳")):
            p = sub.add_parser(name, help=text)
            p.add_argument("id", type=int, help="措施编号（list 第一列）")
            p.add_argument("--note", default="", help="说明" if name == "confirm" else "不予采纳的理由")
            add_as_argument(p)

    def do_list(self, round, state=None, **options):
        rnd = get_round(round)
        qs = Consequence.objects.filter(round=rnd).select_related("unit").order_by("unit__path", "rule_code")
        if state:
            qs = qs.filter(state=state)
        for c in qs:
            self.stdout.write(f"{c.pk}\t{c.unit.name}\t{c.rule_name}\t{c.action}\t"
                              + _("第%(n)s次") % {"n": c.occurrence} + f"\t{c.get_state_display()}\t{c.detail}")

    def _decide(self, id, note, username, confirm: bool):
        c = Consequence.objects.select_related("round__scheme__owner_unit", "unit").filter(pk=id).first()
        if c is None:
            raise CommandError(_("后果措施 %(id)s 不存在。") % {"id": id})
        by = acting_person(username, c.round.scheme.owner_unit)
        c = services.consequence_decide(by=by, consequence=c, confirm=confirm, note=note)
        message = _("已确认：%(unit)s %(action)s。") if confirm else _("不予采纳：%(unit)s %(action)s。")
        self.stdout.write(self.style.SUCCESS(message % {"unit": c.unit.name, "action": c.action}))

    def do_confirm(self, id, note, username, **options):
        self._decide(id, note, username, confirm=True)

    def do_dismiss(self, id, note, username, **options):
        self._decide(id, note, username, confirm=False)
