from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from luoshi.core.errors import ServiceError
from luoshi.core.workdays import calendar_load


class Command(BaseCommand):
    help = ("导入本单位的节假日与调休上班日（在国家放假安排之上的例外，国家安排来自 chinese-calendar）；"
            "文件中列出的年份整体替换，其他年份不变。示例：presets/calendar/local.example.yaml。")

    def add_arguments(self, parser):
        parser.add_argument("file", help="日历 YAML 文件")

    def handle(self, file, **options):
        path = Path(file)
        try:
            result = calendar_load(path.read_text(encoding="utf-8"))
        except (OSError, ServiceError) as e:
            raise CommandError(getattr(e, "message", str(e)))
        self.stdout.write(self.style.SUCCESS(f"已导入 {result['years']} 个年度，{result['days']} 个调整日。"))
