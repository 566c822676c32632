from luoshi.core.management.base import ProgramRecountCommand
from luoshi.programs.models import Program
from luoshi.projects import figures
from luoshi.projects.models import ProjectConfig


class Command(ProgramRecountCommand):
    help = "重新统计重点项目的计数（开工率、投产率、投资完成率等所用）；--check 只核对并列出不一致之处。"
    counted_noun, rerun = "项目", "luoshi projects recount"
    unknown_program = "专项工作“{code}”没有重点项目。"

    def programs(self):
        return Program.objects.filter(pk__in=ProjectConfig.objects.values("program_id")).order_by("code")

    def difference_lines(self, program):
        return figures.program_check(program.pk)

    def rebuild(self, program):
        figures.program_rebuild(program.pk)
