from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from luoshi.core.errors import ServiceError
from luoshi.core.excel import ImportFailed
from luoshi.core.management.base import fail_with
from luoshi.ledger.excel import chinese_labels, ledger_import_xlsx
from luoshi.ledger.models import FindingStatus
from luoshi.org.models import Person
from luoshi.programs.models import Program


class Command(BaseCommand):
    help = ("从 Excel 导入已有的问题台账到专项工作（须已启用问题台账）。全部正确才写入；--dry-run 只检查。"
            "不指定 --as 时以服务器操作员身份导入（同任务清单导入），问题登记人记为该专项工作的督查室人员。")

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--program", required=True, help="专项工作代码，如 chuangcheng")
        parser.add_argument("--dry-run", action="store_true", help="只检查并列出错误，不写入")
        parser.add_argument("--as", dest="username", help="以该用户（须为督查室人员）的身份导入")

    def handle(self, file, program, dry_run, username, **options):
        p = Program.objects.select_related("owner_unit").filter(code=program).first()
        if p is None:
            raise CommandError(_("专项工作“%(code)s”不存在。") % {"code": program})
        by = None
        if username:
            by = Person.objects.filter(username=username, is_active=True).first()
            if by is None:
                raise CommandError(_("用户“%(username)s”不存在或已停用。") % {"username": username})
        try:
            data = Path(file).read_bytes()
            report = ledger_import_xlsx(by=by, program=p, data=data, dry_run=dry_run, filename=Path(file).name)
        except (ImportFailed, ServiceError, OSError) as e:
            raise fail_with(e) from e
        labels = chinese_labels(FindingStatus)
        detail = "、".join(f"{labels[s]} {report['by_status'][s]}" for s in FindingStatus.values
                          if report["by_status"].get(s))
        if dry_run:
            message = _("检查通过（未写入）：将新增问题 %(n)s 个（%(detail)s）。")
        else:
            message = _("导入完成：新增问题 %(n)s 个（%(detail)s）。")
        self.stdout.write(self.style.SUCCESS(message % {"n": report["created"], "detail": detail}))
        if report["existing"]:
            self.stdout.write(_("%(n)s 行的问题编号已在台账中，未重复导入：%(codes)s") % {
                "n": report["existing"], "codes": "、".join(report["existing_codes"][:10])})
