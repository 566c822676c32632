from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from luoshi.core.excel import ImportFailed
from luoshi.core.workdays import calendar_load


class Command(BaseCommand):
    help = ("导入本单位的节假日与调休上班日（在国家放假安排之上的例外，国家安排来自 chinese-calendar）；"
            "文件中列出的年份整体替换，其他年份不变。示例：presets/calendar/local.example.yaml。")

    def add_arguments(self, parser):
        parser.add_argument("file", help="日历 YAML 文件")

    def handle(self, file, **options):
        path = Path(file)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise CommandError(f"读不了文件 {path}：{e}")
        try:
            result = calendar_load(text, source=path.name)
        except ImportFailed as e:  # a SpecError: every problem with its line
            raise CommandError("\n".join([f"{path.name} 有 {len(e.errors)} 处错误，未导入：",
                                           *(f"  - {p}" for p in e.errors)]))
        self.stdout.write(self.style.SUCCESS(
            f"已导入 {result['years']} 个年度，{result['days']} 个调整日（替换了原有的 {result['removed']} 个）。"))
