from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from luoshi.core.errors import ServiceError
from luoshi.core.workdays import calendar_load, calendar_path


class Command(BaseCommand):
    help = "导入法定节假日与调休上班日（默认 presets/calendar/cn.yaml）；文件中列出的年份整体替换，其他年份不变。"

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="日历 YAML 文件")

    def handle(self, file=None, **options):
        path = Path(file) if file else calendar_path()
        try:
            result = calendar_load(path.read_text(encoding="utf-8"))
        except (OSError, ServiceError) as e:
            raise CommandError(getattr(e, "message", str(e)))
        self.stdout.write(self.style.SUCCESS(f"已导入 {result['years']} 个年度，{result['days']} 个调整日。"))
