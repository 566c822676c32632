from pathlib import Path

from django.core.management.base import BaseCommand

from luoshi.core.errors import ServiceError
from luoshi.core.excel import ImportFailed
from luoshi.core.management.base import fail_with
from luoshi.org.services import units_import_xlsx


class Command(BaseCommand):
    help = "从 Excel 导入单位（列：单位名称、上级单位、单位类型，可选 简称、编码）。全部正确才写入。"

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="只检查，不写入")

    def handle(self, file, dry_run, **options):
        try:
            result = units_import_xlsx(by=None, data=Path(file).read_bytes(), dry_run=dry_run)
        except (ImportFailed, ServiceError, OSError) as e:
            raise fail_with(e)
        if dry_run:
            self.stdout.write(f"检查通过：将新建 {result['would_create']} 个单位（未写入）。")
        else:
            self.stdout.write(self.style.SUCCESS(f"已导入 {result['created']} 个单位。"))
