from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from luoshi.core.excel import ImportFailed
from luoshi.policies import services


class Command(BaseCommand):
    help = "导入政策词典（条款）或企业画像（Excel）。整个文件先检查，有错误则全部不导入并列出位置。"

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=["clauses", "enterprises"], help="clauses：政策条款；enterprises：企业画像")
        parser.add_argument("file", help=".xlsx 文件")

    def handle(self, kind, file, **options):
        path = Path(file)
        if not path.exists():
            raise CommandError(f"文件不存在：{file}")
        try:
            fn = services.clauses_import if kind == "clauses" else services.enterprises_import
            result = fn(by=None, data=path.read_bytes(), name=path.name)
        except ImportFailed as e:
            raise CommandError("\n".join(str(x) for x in e.errors)) from None
        self.stdout.write(self.style.SUCCESS(f"已导入：{result}"))
