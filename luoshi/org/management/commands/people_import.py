from pathlib import Path

from django.core.management.base import BaseCommand

from luoshi.core.errors import ServiceError
from luoshi.core.excel import ImportFailed
from luoshi.core.management.base import fail_with
from luoshi.org.people import people_import_xlsx


class Command(BaseCommand):
    help = ("从 Excel 导入人员、账号和角色（列：姓名、单位、职务、角色、账号、手机）。全部正确才写入；--dry-run 只检查。"
            "按账号新建或更新人员；角色只增不减，写在单位之后的括号里可指定范围单位，如“督查室/办公室（崂山区）”。"
            "新账号没有密码、不能登录，用 luoshi people password 账号 设置。")

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="只检查，不写入")

    def handle(self, file, dry_run, **options):
        try:
            result = people_import_xlsx(by=None, data=Path(file).read_bytes(), dry_run=dry_run)
        except (ImportFailed, ServiceError, OSError) as e:
            raise fail_with(e)
        counts = {"created": len(result["created"]), "updated": len(result["updated"]),
                  "unchanged": result["unchanged"], "grants": result["grants"]}
        if dry_run:
            self.stdout.write("检查通过（未写入）：将新建 {created} 人，更新 {updated} 人，未变 {unchanged} 人，"
                              "新增角色 {grants} 项。".format(**counts))
            return
        self.stdout.write(self.style.SUCCESS("导入完成：新建 {created} 人，更新 {updated} 人，未变 {unchanged} 人，"
                                             "新增角色 {grants} 项。".format(**counts)))
        if result["created"]:
            self.stdout.write("新建的账号尚无密码、不能登录：" + "、".join(result["created"]))
            self.stdout.write("设置初始密码：luoshi people password 账号")
