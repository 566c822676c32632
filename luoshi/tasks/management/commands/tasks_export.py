from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from luoshi.programs.models import Program
from luoshi.tasks.exporter import tasks_export_xlsx
from luoshi.tasks.models import Task


class Command(BaseCommand):
    help = "把专项工作的任务清单导出为 Excel（与导入格式相同，可再次导入）。"

    def add_arguments(self, parser):
        parser.add_argument("--program", required=True)
        parser.add_argument("-o", "--output", required=True)

    def handle(self, program, output, **options):
        p = Program.objects.filter(code=program).first()
        if p is None:
            raise CommandError(f"专项工作“{program}”不存在。")
        data = tasks_export_xlsx(program=p, tasks=Task.objects.filter(program=p, is_archived=False))
        Path(output).write_bytes(data)
        self.stdout.write(self.style.SUCCESS(f"已导出 {Task.objects.filter(program=p).count()} 项任务到 {output}"))
