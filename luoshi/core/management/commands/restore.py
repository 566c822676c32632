from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from luoshi.core.backup import BackupError, restore, verify


class Command(BaseCommand):
    help = _("从 luoshi backup 的目录恢复数据库和附件（先核对清单，不符则拒绝），恢复后自动核对。")

    def add_arguments(self, parser):
        parser.add_argument("directory")
        parser.add_argument("--yes", action="store_true", help=_("确认覆盖当前的数据库和附件"))

    def handle(self, directory, yes=False, **options):
        if not yes:
            raise CommandError(_("恢复会覆盖当前的全部数据和附件。确认请加 --yes。"))
        try:
            restore(directory)
            differences = verify(directory)
        except (BackupError, OSError) as e:
            raise CommandError(str(e)) from e
        except Exception as e:  # pg_restore's own failure
            raise CommandError(_("恢复失败：%(e)s") % {"e": getattr(e, "stderr", b"").decode(errors="replace") or e}) from e
        if differences:
            raise CommandError("\n".join([_("恢复后与备份不一致：")] + [f"  - {d}" for d in differences]))
        self.stdout.write(self.style.SUCCESS(_("已从 %(dir)s 恢复，核对一致。") % {"dir": directory}))
