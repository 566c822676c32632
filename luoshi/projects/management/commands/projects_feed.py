from django.core.management.base import BaseCommand, CommandError

from luoshi.assessment.models import Round
from luoshi.core.errors import ServiceError
from luoshi.core.management.base import fail_with
from luoshi.org.models import Person
from luoshi.programs.models import Program
from luoshi.projects.feed import assessment_feed


class Command(BaseCommand):
    help = "把一个季度的重点项目统计（开工率、投资完成率、挂旗、滞后项目）按预置的对应关系计入考核期次。"

    def add_arguments(self, parser):
        parser.add_argument("--program", required=True, help="重点项目专项工作代码")
        parser.add_argument("--round", required=True, type=int, help="考核期次 id（须在评分中）")
        parser.add_argument("--quarter", required=True, help="季度，如 2026Q1")
        parser.add_argument("--as", dest="username", required=True, help="以该用户（督查室）的名义写入")

    def handle(self, program, round, quarter, username, **options):
        p = Program.objects.filter(code=program).first()
        rnd = Round.objects.filter(pk=round).first()
        by = Person.objects.filter(username=username).first()
        if p is None or rnd is None or by is None:
            raise CommandError("专项工作、考核期次或用户不存在。")
        try:
            n = assessment_feed(by=by, program=p, round=rnd, quarter=quarter.upper())
        except ServiceError as e:
            raise fail_with(e) from e
        self.stdout.write(self.style.SUCCESS(f"已写入 {n} 项评分（{rnd.name}）。"))
