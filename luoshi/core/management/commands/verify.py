from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from luoshi.core.backup import BackupError, verify


class Command(BaseCommand):
    help = _("核对当前的数据库和附件与某个备份的清单是否一致（行数、文件校验值），不一致时列出差异并以非零状态退出。")

    def add_arguments(self, parser):
        parser.add_argument("directory")

    def handle(self, directory, **options):
        try:
            differences = verify(directory)
        except (BackupError, OSError) as e:
            raise CommandError(str(e)) from e
        if differences:
            raise CommandError("\n".join([_("与备份不一致（%(n)s 处）：") % {"n": len(differences)}]
                                         + [f"  - {d}" for d in differences[:100]]))
        self.stdout.write(self.style.SUCCESS(_("与备份 %(dir)s 一致。") % {"dir": directory}))
