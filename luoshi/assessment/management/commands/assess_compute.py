from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from luoshi.assessment import services
from luoshi.assessment.models import Result
from luoshi.core.errors import ServiceError
from luoshi.core.management.base import fail_with

from ._assess import acting_person, add_as_argument, get_round


class Command(BaseCommand):
    help = "计算考核期次的结果（总分、得分率、名次、等次、十佳十差、升降位次）并保存；公布前为预览。"

    def add_arguments(self, parser):
        parser.add_argument("--round", required=True, help="考核期次编号")
        add_as_argument(parser)

    def handle(self, round, username, **options):
        rnd = get_round(round)
        by = acting_person(username, rnd.scheme.owner_unit)
        try:
            n = services.round_compute(by=by, round=rnd)
        except ServiceError as e:
            raise fail_with(e) from e
        ranked = Result.objects.filter(round=rnd, rank__isnull=False).count()
        self.stdout.write(self.style.SUCCESS(
            _("已计算“%(round)s”：%(n)s 个单位，其中 %(ranked)s 个参与排名。") % {"round": rnd.name, "n": n, "ranked": ranked}))
