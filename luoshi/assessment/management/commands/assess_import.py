from pathlib import Path

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from luoshi.assessment.excel import scores_import_xlsx
from luoshi.core.errors import ServiceError
from luoshi.core.excel import ImportFailed
from luoshi.core.management.base import fail_with

from ._assess import acting_person, add_as_argument, get_person, get_round


class Command(BaseCommand):
    help = ("从 Excel 导入评分（单位 × 末级标准矩阵；可一张工作表一名评估员）。全部正确才写入；--dry-run 只检查。"
            "评估员依次取：表头上方的“评估员：姓名”、--evaluator、（多张评分表时）工作表名称、操作人。"
            "导入的评分为“待审核”，须由评估员以外的人审核。")

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--round", required=True, help="考核期次编号")
        parser.add_argument("--dry-run", action="store_true", help="只检查并列出错误，不写入")
        parser.add_argument("--evaluator", help="评估员的用户名（工作表未写明评估员时）")
        parser.add_argument("--require-complete", action="store_true", help="空白单元格和缺少的参评单位也算错误")
        add_as_argument(parser)

    def handle(self, file, round, dry_run, evaluator, require_complete, username, **options):
        rnd = get_round(round)
        by = acting_person(username, rnd.scheme.owner_unit)
        person = get_person(evaluator) if evaluator else None
        try:
            data = Path(file).read_bytes()
            report = scores_import_xlsx(by=by, round=rnd, data=data, filename=Path(file).name, dry_run=dry_run,
                                        evaluator=person, require_complete=require_complete)
        except (ImportFailed, ServiceError, OSError) as e:
            raise fail_with(e) from e
        for title in report["skipped"]:
            self.stdout.write(self.style.WARNING(_("提示：工作表“%(sheet)s”没有“单位名称”表头，已跳过。") % {"sheet": title}))
        for s in report["sheets"]:
            self.stdout.write(_("  工作表“%(sheet)s”：评估员 %(evaluator)s，%(units)s 个单位，%(cells)s 项分值") % s)
        if dry_run:
            message = _("检查通过（未写入）：共 %(cells)s 项分值，将写入 %(created)s 项（其中替换现有评分 %(replaced)s 项），"
                        "%(unchanged)s 项与现有评分相同，空白 %(blank)s 格。")
        else:
            message = _("导入完成：共 %(cells)s 项分值，写入 %(created)s 项（其中替换现有评分 %(replaced)s 项），"
                        "%(unchanged)s 项与现有评分相同未变，空白 %(blank)s 格。新写入的评分待审核。")
        self.stdout.write(self.style.SUCCESS(message % report))
