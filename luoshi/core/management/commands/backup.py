from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from luoshi.core.backup import BackupError, backup


class Command(BaseCommand):
    help = _("备份数据库和附件到一个新目录（带行数和校验值清单）：luoshi backup /srv/backup/2026-12-04")

    def add_arguments(self, parser):
        parser.add_argument("directory")

    def handle(self, directory, **options):
        try:
            manifest = backup(directory)
        except (BackupError, OSError) as e:
            raise CommandError(str(e)) from e
        except Exception as e:  # pg_dump's own failure
            raise CommandError(_("备份失败：%(e)s") % {"e": getattr(e, "stderr", b"").decode(errors="replace") or e}) from e
        rows = sum(manifest["tables"].values())
        self.stdout.write(self.style.SUCCESS(_("已备份到 %(dir)s：%(t)s 张表共 %(r)s 行，附件 %(f)s 个。") % {
            "dir": directory, "t": len(manifest["tables"]), "r": rows, "f": len(manifest["media"])}))
