import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from luoshi.core.presets import PRESET_DIR, preset_check, preset_path
from luoshi.core.specs import SpecError


class Command(BaseCommand):
    help = ("校验预置文件（默认 presets/ 下全部 YAML，或给出的文件、目录）：按文件的 kind 检查，逐条列出行号和错误，"
            "不写入任何数据。有错误时退出码为 1。")

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="*", help="YAML 文件、目录或预置名称（默认 presets/）")

    def handle(self, paths, **options):
        files = []
        for p in map(Path, paths or [PRESET_DIR]):
            if p.is_dir():
                files += sorted(p.rglob("*.yaml")) + sorted(p.rglob("*.yml"))
            elif p.exists():
                files.append(p)
            else:
                try:  # a preset's name, as for `luoshi preset load`
                    files.append(preset_path(str(p)))
                except SpecError as e:
                    raise CommandError(str(e)) from None
        bad = 0
        for path in files:
            problems = preset_check(path)
            shown = os.path.relpath(path) if path.is_absolute() and Path.cwd() in path.parents else path
            if problems:
                bad += 1
                self.stdout.write(self.style.ERROR(_("✗ %(path)s：%(n)s 处错误") % {"path": shown, "n": len(problems)}))
                for problem in problems:
                    self.stdout.write(f"  - {problem}")
            elif options["verbosity"] > 0:
                self.stdout.write(_("✓ %(path)s") % {"path": shown})
        if bad:
            raise CommandError(_("%(bad)s 个文件有错误（共检查 %(n)s 个）。") % {"bad": bad, "n": len(files)})
        self.stdout.write(self.style.SUCCESS(_("共检查 %(n)s 个文件，全部无误。") % {"n": len(files)}))
