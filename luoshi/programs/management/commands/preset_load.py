from django.core.management.base import BaseCommand

from luoshi.core.errors import ServiceError
from luoshi.core.excel import ImportFailed
from luoshi.core.management.base import fail_with
from luoshi.programs.presets import preset_load, preset_names


class Command(BaseCommand):
    help = "加载 presets/ 下的预置方案（单位树、专项工作、问题台账或指标体系）。"

    def add_arguments(self, parser):
        parser.add_argument("name", nargs="?", help="预置名称或 YAML 文件路径")
        parser.add_argument("--year", type=int, help="专项工作年度（覆盖预置中的年度）")
        parser.add_argument("--list", action="store_true")

    def handle(self, name, year, list, **options):
        if list or not name:
            self.stdout.write("\n".join(preset_names()))
            return
        try:
            result = preset_load(by=None, name=name, year=year)
        except (ImportFailed, ServiceError) as e:
            raise fail_with(e)
        if "scheme" in result:
            v = result["version"]
            state = "未变化" if result["unchanged"] else "新建" if result["created"] else "已更新"
            self.stdout.write(self.style.SUCCESS(f"指标体系“{result['scheme'].name}”第{v.number}版：{state}。"))
        elif "config" in result:
            self.stdout.write(self.style.SUCCESS(
                f"问题台账“{result['program'].name}”：新建问题类别 {result['categories']} 个，督导组 {result['groups']} 个。"))
        elif "program" in result:
            self.stdout.write(self.style.SUCCESS(
                f"专项工作“{result['program'].name}”：新建任务 {result['created']} 项，更新 {result['updated']} 项。"))
        else:
            self.stdout.write(self.style.SUCCESS(f"已新建 {result['created']} 个单位。"))
