from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from luoshi.core.errors import ServiceError
from luoshi.core.excel import ImportFailed
from luoshi.core.management.base import fail_with
from luoshi.org.models import Person
from luoshi.programs.models import Program
from luoshi.projects.excel import projects_import_xlsx


class Command(BaseCommand):
    help = "导入重点项目清单（Excel）：整表校验，有错则不写入并列出行列；按项目编号新建或更新。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="Excel 文件（.xlsx）")
        parser.add_argument("--program", required=True, help="专项工作代码")
        parser.add_argument("--as", dest="username", required=True, help="以该用户（督查室）的名义导入")
        parser.add_argument("--dry-run", action="store_true", help="只检查，不写入")

    def handle(self, file, program, username, dry_run, **options):
        p = Program.objects.filter(code=program).first()
        if p is None:
            raise CommandError(f"专项工作“{program}”不存在。")
        by = Person.objects.filter(username=username).first()
        if by is None:
            raise CommandError(f"用户“{username}”不存在。")
        try:
            report = projects_import_xlsx(by=by, program=p, data=Path(file).read_bytes(), dry_run=dry_run,
                                          source=Path(file).name)
        except (ImportFailed, ServiceError) as e:
            raise fail_with(e) from e
        if dry_run:
            self.stdout.write(self.style.SUCCESS(f"检查通过：共 {report.rows} 行，可以导入。"))
        else:
            self.stdout.write(self.style.SUCCESS(f"已导入：新建 {report.created} 个项目，更新 {report.updated} 个，未变 {report.unchanged} 个。"))
