from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from luoshi.core.errors import ServiceError
from luoshi.core.excel import ImportFailed
from luoshi.core.management.base import fail_with
from luoshi.org.resolve import unit_named
from luoshi.tasks.importer import tasks_import_xlsx


class Command(BaseCommand):
    help = "从 Excel 导入任务清单到专项工作（不存在则新建）。全部正确才写入；--dry-run 只检查。"

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--program", required=True, help="专项工作代码，如 laoshan-innovation")
        parser.add_argument("--year", type=int, help="年度（解析“6月底前”等时限用；新建专项工作时必填或默认今年）")
        parser.add_argument("--owner", help="新建专项工作时的主办单位，如 “崂山区/区委办公室”")
        parser.add_argument("--dry-run", action="store_true", help="只检查并列出错误，不写入")
        parser.add_argument("--create-leaders", action="store_true",
                            help="表中没有账号的责任领导，创建为人员（无登录账号，授予主办单位范围的“责任领导”角色），不再报错")

    def handle(self, file, program, year, owner, dry_run, create_leaders, **options):
        owner_unit = None
        if owner:
            owner_unit = unit_named(owner, None)
            if owner_unit is None:
                raise CommandError(f"找不到主办单位“{owner}”。")
        try:
            data = Path(file).read_bytes()
            report = tasks_import_xlsx(by=None, data=data, program_code=program, owner_unit=owner_unit, year=year,
                                       filename=Path(file).name, dry_run=dry_run, create_leaders=create_leaders)
        except (ImportFailed, ServiceError, OSError) as e:
            raise fail_with(e)
        for w in report.warnings:
            self.stdout.write(self.style.WARNING(f"提示：{w}"))
        if report.new_leaders:
            label = "将创建责任领导（无登录账号）" if dry_run else "已创建责任领导（无登录账号）"
            self.stdout.write(f"{label}：{'、'.join(report.new_leaders)}")
        verb = "检查通过（未写入）：将" if dry_run else "导入完成："
        self.stdout.write(self.style.SUCCESS(
            f"{verb}新建 {report.created} 项，更新 {report.updated} 项，未变 {report.unchanged} 项（共 {report.rows} 行）。"))
