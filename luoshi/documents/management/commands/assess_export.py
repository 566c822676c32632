"""`luoshi assess export`: the documents layer renders the bulletin and the score card, so the command lives here."""
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

# `_assess` is underscored only so that Django does not take it for a command: the `luoshi assess …` commands share it
from luoshi.assessment.excel import league_json, league_xlsx
from luoshi.assessment.management.commands._assess import acting_person, add_as_argument, get_round
from luoshi.assessment.models import RoundUnit
from luoshi.core.errors import ServiceError
from luoshi.core.management.base import fail_with
from luoshi.documents.assessment_docs import ranking_bulletin_docx, scorecard_pdf

FORMATS = ("xlsx", "docx", "json", "pdf")


class Command(BaseCommand):
    help = ("导出考核期次的结果：.xlsx 排名表、.json 同一张表、.docx 排名通报（公文格式，含图表），"
            ".pdf 评分卡（用 --unit 指定单位，可多次指定）。读取已保存的结果，不重新计算。")

    def add_arguments(self, parser):
        parser.add_argument("--round", required=True, help="考核期次编号")
        parser.add_argument("-o", "--output", required=True, help="输出文件，扩展名决定格式：xlsx、docx、json、pdf")
        parser.add_argument("--format", choices=FORMATS, help="格式（默认按扩展名）")
        parser.add_argument("--unit", action="append", default=[], help="评分卡的单位名称或简称（pdf）")
        parser.add_argument("--issue", type=int, help="排名通报的期号（docx）")
        add_as_argument(parser)

    def handle(self, round, output, format, unit, issue, username, **options):
        rnd = get_round(round)
        fmt = format or Path(output).suffix.lower().lstrip(".")
        if fmt not in FORMATS:
            raise CommandError(_("无法识别输出格式“%(ext)s”：请用 .xlsx、.docx、.json 或 .pdf 结尾，或用 --format 指定。")
                               % {"ext": Path(output).suffix or output})
        if unit and fmt != "pdf":
            raise CommandError(_("--unit 只用于导出评分卡（pdf）。"))
        by = acting_person(username, rnd.scheme.owner_unit)
        try:
            if fmt == "xlsx":
                data = league_xlsx(user=by, round=rnd)
            elif fmt == "json":
                data = league_json(user=by, round=rnd).encode("utf-8")
            elif fmt == "docx":
                data = ranking_bulletin_docx(user=by, round=rnd, issue_no=issue)
            else:
                if not unit:
                    raise CommandError(_("导出评分卡须用 --unit 指定单位（可多次指定）。"))
                data = scorecard_pdf(user=by, round=rnd, units=[self._unit(rnd, name) for name in unit])
        except ServiceError as e:
            raise fail_with(e) from e
        try:
            Path(output).write_bytes(data)
        except OSError as e:
            raise CommandError(_("无法写入 %(file)s：%(error)s") % {"file": output, "error": e}) from e
        self.stdout.write(self.style.SUCCESS(_("已导出“%(round)s”到 %(file)s") % {"round": rnd.name, "file": output}))

    def _unit(self, rnd, name: str):
        found = [ru.unit for ru in RoundUnit.objects.filter(round=rnd).select_related("unit")
                 if name in (ru.unit.name, ru.unit.short_name, ru.unit.code)]
        if len(found) != 1:
            raise CommandError(_("“%(name)s”不是本期次的参评单位。") % {"name": name} if not found else
                               _("“%(name)s”对应多个参评单位，请写全称。") % {"name": name})
        return found[0]
