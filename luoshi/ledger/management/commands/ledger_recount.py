from luoshi.core.management.base import ProgramRecountCommand, tally_difference_lines
from luoshi.ledger.tallies import ledger_programs, program_differences, program_rebuild


class Command(ProgramRecountCommand):
    help = "重新统计各问题台账的问题计数（问题清单的条数、统计页所用）；--check 只核对并列出不一致之处。"
    programs_noun, counted_noun, rerun = "问题台账", "问题", "luoshi ledger recount"
    unknown_program = "专项工作“{code}”不存在或没有启用问题台账。"

    def programs(self):
        return ledger_programs()

    def difference_lines(self, program):
        return tally_difference_lines(program_differences(program))

    def rebuild(self, program):
        program_rebuild(program)
