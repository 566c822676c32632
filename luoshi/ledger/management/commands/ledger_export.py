from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from luoshi.ledger.excel import chinese_labels, ledger_export_xlsx, program_office_person
from luoshi.ledger.models import FindingStatus
from luoshi.ledger.selectors import FindingFilters, finding_list
from luoshi.org.models import Person
from luoshi.programs.models import Program

STATUSES = {**{v: v for v in FindingStatus.values}, **{label: v for v, label in chinese_labels(FindingStatus).items()}}


class Command(BaseCommand):
    help = "把专项工作的问题台账导出为 Excel（与导入格式相同，可再次导入）。"

    def add_arguments(self, parser):
        parser.add_argument("--program", required=True, help="专项工作代码")
        parser.add_argument("-o", "--output", required=True, help="输出文件，如 台账.xlsx")
        parser.add_argument("--status", help="只导出该状态的问题：recorded/assigned/rectifying/submitted/closed "
                                             "（或 待交办/待签收/整改中/待核验/已销号）")
        parser.add_argument("--as", dest="username", help="按该用户能看到的范围导出（默认：督查室，即全部）")

    def handle(self, program, output, status, username, **options):
        p = Program.objects.select_related("owner_unit").filter(code=program).first()
        if p is None:
            raise CommandError(_("专项工作“%(code)s”不存在。") % {"code": program})
        if status and status not in STATUSES:
            raise CommandError(_("未知的状态“%(status)s”，可用：%(choices)s") % {"status": status,
                                                                          "choices": "、".join(STATUSES)})
        if username:
            user = Person.objects.filter(username=username, is_active=True).first()
            if user is None:
                raise CommandError(_("用户“%(username)s”不存在或已停用。") % {"username": username})
        else:
            user = program_office_person(p)
            if user is None:
                raise CommandError(_("没有找到该专项工作的督查室人员，请用 --as 指定按谁的范围导出。"))
        filters = FindingFilters(status=STATUSES.get(status or "", ""))
        data = ledger_export_xlsx(user=user, program=p, filters=filters)
        try:
            Path(output).write_bytes(data)
        except OSError as e:
            raise CommandError(_("无法写入 %(file)s：%(error)s") % {"file": output, "error": e}) from e
        n = finding_list(user=user, program=p, filters=filters).count()
        self.stdout.write(self.style.SUCCESS(_("已导出 %(n)s 个问题到 %(file)s") % {"n": n, "file": output}))
