from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from luoshi.intake.tallies import differences, rebuild


class Command(BaseCommand):
    help = "重新统计诉求的按月计数（一屏观“诉求办理”所用）；--check 只核对并列出不一致之处。"

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="只核对，不写入；有不一致时以非零状态退出")

    def handle(self, check, **options):
        diffs = differences()
        for (dimension, key, figure), (stored, counted) in sorted(diffs.items()):
            self.stdout.write(f"{dimension}\t{key}\t{figure}\t存储 {stored}\t实际 {counted}")
        if check and diffs:
            raise CommandError(f"有 {len(diffs)} 项计数与工单不一致；运行 `luoshi intake_recount` 重新统计。")
        if diffs and not check:
            with transaction.atomic():
                rebuild()
        verb = "核对" if check else "重新统计"
        self.stdout.write(self.style.SUCCESS(f"已{verb}诉求按月计数，{len(diffs)} 项不一致"
                                             + ("，已改正。" if diffs and not check else "。")))
