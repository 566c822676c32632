from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from luoshi.ledger.tallies import ledger_programs, program_differences, program_rebuild


class Command(BaseCommand):
    help = "重新统计各问题台账的问题计数（问题清单的条数、统计页所用）；--check 只核对并列出不一致之处。"

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="只核对，不写入；有不一致时以非零状态退出")
        parser.add_argument("--program", help="只处理这个专项工作（代码）")

    def handle(self, check, program, **options):
        programs = ledger_programs()
        if program:
            programs = programs.filter(code=program)
            if not programs.exists():
                raise CommandError(f"专项工作“{program}”不存在或没有启用问题台账。")
        wrong = 0
        for p in programs:
            diffs = program_differences(p)
            for (dimension, key, figure), (stored, counted) in sorted(diffs.items()):
                self.stdout.write(f"{p.code}\t{dimension}\t{key}\t{figure}\t存储 {stored}\t实际 {counted}")
            wrong += len(diffs)
            if diffs and not check:
                with transaction.atomic():
                    program_rebuild(p)
        if check and wrong:
            raise CommandError(f"有 {wrong} 项计数与问题不一致；运行 `luoshi ledger recount` 重新统计。")
        verb = "核对" if check else "重新统计"
        self.stdout.write(self.style.SUCCESS(f"已{verb} {programs.count()} 个问题台账，{wrong} 项计数不一致"
                                             + ("，已改正。" if wrong and not check else "。")))
