from django.core.management.base import BaseCommand

from luoshi.core.errors import ServiceError
from luoshi.core.excel import ImportFailed
from luoshi.core.management.base import fail_with
from luoshi.core.presets import preset_load_and_describe, preset_names


class Command(BaseCommand):
    help = "加载 presets/ 下的预置方案（单位树、专项工作、问题台账、指标体系、诉求受理配置或工作日历），按文件的 kind 分派。"

    def add_arguments(self, parser):
        parser.add_argument("name", nargs="?", help="预置名称或 YAML 文件路径")
        parser.add_argument("--year", type=int, help="专项工作年度（覆盖预置中的年度）")
        parser.add_argument("--list", action="store_true")

    def handle(self, name, year, list, **options):
        if list or not name:
            self.stdout.write("\n".join(preset_names()))
            return
        try:
            _result, said = preset_load_and_describe(by=None, name=name, year=year)
        except (ImportFailed, ServiceError) as e:
            raise fail_with(e)
        self.stdout.write(self.style.SUCCESS(said))
