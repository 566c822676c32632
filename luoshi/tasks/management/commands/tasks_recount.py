from luoshi.core.management.base import ProgramRecountCommand, tally_difference_lines
from luoshi.programs.models import Program
from luoshi.tasks.tallies import program_differences, program_rebuild


class Command(ProgramRecountCommand):
    help = "重新统计各专项工作的任务计数（工作台、总览、单位排名所用）；--check 只核对并列出不一致之处。"
    counted_noun, rerun = "任务", "luoshi tasks recount"

    def programs(self):
        return Program.objects.order_by("code")

    def difference_lines(self, program):
        return tally_difference_lines(program_differences(program))

    def rebuild(self, program):
        program_rebuild(program)
