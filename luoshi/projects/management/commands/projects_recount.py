from django.core.management.base import BaseCommand, CommandError

from luoshi.projects import figures
from luoshi.projects.models import ProjectConfig


class Command(BaseCommand):
    help = "重新统计重点项目的计数（开工率、投产率、投资完成率等所用）；--check 只核对并列出不一致之处。"

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="只核对，不写入；有不一致时以非零状态退出")
        parser.add_argument("--program", help="只处理这个专项工作（代码）")

    def handle(self, check, program, **options):
        configs = ProjectConfig.objects.select_related("program").order_by("program__code")
        if program:
            configs = configs.filter(program__code=program)
            if not configs.exists():
                raise CommandError(f"专项工作“{program}”没有重点项目。")
        wrong = 0
        for config in configs:
            lines = figures.program_check(config.program_id)
            for line in lines:
                self.stdout.write(f"{config.program.code}\t{line}")
            wrong += len(lines)
            if lines and not check:
                figures.program_rebuild(config.program_id)
        if check and wrong:
            raise CommandError(f"有 {wrong} 项计数与项目不一致；运行 `luoshi projects recount` 重新统计。")
        verb = "核对" if check else "重新统计"
        self.stdout.write(self.style.SUCCESS(f"已{verb} {configs.count()} 个专项工作，{wrong} 项计数不一致"
                                             + ("，已改正。" if wrong and not check else "。")))
