from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from luoshi.core.excel import ImportFailed
from luoshi.core.management.base import fail_with
from luoshi.core.presets import PRESET_DIR

from ...config import intake_load, intake_preset_summary


class Command(BaseCommand):
    help = "导入诉求受理配置（kind: intake）：受理渠道、派单目录（类别与时限）、派单规则和回访规则。"

    def add_arguments(self, parser):
        parser.add_argument("preset", help="presets/intake/ 下的名称（如 chengyang-12345）或 YAML 文件路径")

    def handle(self, preset, **options):
        path = Path(preset)
        if not path.exists():
            path = PRESET_DIR / "intake" / f"{preset.removesuffix('.yaml')}.yaml"
        if not path.exists():
            raise CommandError(f"找不到配置文件：{preset}")
        try:
            r = intake_load(by=None, text=path.read_text(encoding="utf-8"), source=path.name)
        except ImportFailed as e:
            raise fail_with(e)
        self.stdout.write(self.style.SUCCESS(intake_preset_summary(r)))
