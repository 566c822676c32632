from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from luoshi.core.errors import ServiceError
from luoshi.core.excel import ImportFailed
from luoshi.core.management.base import fail_with
from luoshi.org.models import Person

from ...excel import intake_import_xlsx, intake_template_xlsx


class Command(BaseCommand):
    help = ("从 Excel 批量导入其他渠道受理的诉求（列：渠道、外部编号、受理时间、类别、诉求内容、地址、属地、诉求人、联系电话、匿名）。"
            "全部正确才写入；--dry-run 只检查。--template 输出空白模板。")

    def add_arguments(self, parser):
        parser.add_argument("file", help=".xlsx 文件（与 --template 一起用时为输出文件）")
        parser.add_argument("--dry-run", action="store_true", help="只检查并列出错误，不写入")
        parser.add_argument("--as", dest="username", help="以该用户（须为受理中心的受理派单员）的身份导入")
        parser.add_argument("--template", action="store_true", help="把空白导入模板写到 FILE")

    def handle(self, file, dry_run, username, template, **options):
        path = Path(file)
        if template:
            path.write_bytes(intake_template_xlsx())
            self.stdout.write(self.style.SUCCESS(_("已写出导入模板：%(path)s") % {"path": path}))
            return
        by = None
        if username:
            by = Person.objects.filter(username=username, is_active=True).first()
            if by is None:
                raise CommandError(_("用户“%(username)s”不存在或已停用。") % {"username": username})
        try:
            report = intake_import_xlsx(by=by, data=path.read_bytes(), dry_run=dry_run, filename=path.name)
        except (ImportFailed, ServiceError, OSError) as e:
            raise fail_with(e) from e
        detail = "、".join(f"{code} {n} 件" for code, n in sorted(report["by_channel"].items()))
        if dry_run:
            message = _("检查通过（未写入）：将导入诉求 %(n)s 件（%(detail)s）。")
        else:
            message = _("导入完成：新增诉求 %(n)s 件（%(detail)s）。")
        self.stdout.write(self.style.SUCCESS(message % {"n": report["rows"], "detail": detail}))
