import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from luoshi.core.excel import ImportFailed
from luoshi.core.management.base import fail_with
from luoshi.ideas.scheme import ideas_scheme_parse, preset_dir
from luoshi.org.resolve import unit_named


class Command(BaseCommand):
    help = ("校验评审方案（kind: ideas_scheme），或用它发起征集活动。"
            "只校验：luoshi ideas campaign gaige-jindianzi --check；"
            "发起：luoshi ideas campaign gaige-jindianzi --owner 青岛市/城阳区 --name 2026年改革创新金点子征集 --start 2026-03-01 --end 2026-06-30")

    def add_arguments(self, parser):
        parser.add_argument("scheme", help="presets/ideas/ 下的名称或 YAML 文件路径")
        parser.add_argument("--check", action="store_true", help="只校验方案，不写入")
        parser.add_argument("--owner", help="主办单位（如 青岛市/城阳区）")
        parser.add_argument("--name", help="活动名称")
        parser.add_argument("--start", type=dt.date.fromisoformat)
        parser.add_argument("--end", type=dt.date.fromisoformat)
        parser.add_argument("--description", default="")

    def handle(self, scheme, check, owner, name, start, end, description, **options):
        path = Path(scheme)
        if not path.exists():
            path = preset_dir() / f"{scheme.removesuffix('.yaml')}.yaml"
        if not path.exists():
            raise CommandError(f"找不到评审方案：{scheme}")
        text = path.read_text(encoding="utf-8")
        try:
            parsed = ideas_scheme_parse(text, source=path.name)
        except ImportFailed as e:
            raise fail_with(e)
        criteria = " / ".join(f"{c.name} {c.max}" for c in parsed.criteria)
        if check:
            self.stdout.write(self.style.SUCCESS(f"方案“{parsed.name}”无误：{criteria}（满分 {parsed.full_marks}）。"))
            return
        if not (owner and name and start and end):
            raise CommandError("发起征集活动须给出 --owner、--name、--start 和 --end。")
        unit = unit_named(owner, None)
        if unit is None:
            raise CommandError(f"找不到单位：{owner}")
        from luoshi.core.errors import ServiceError
        from luoshi.ideas.services import campaign_create

        try:  # by=None: the operator's own act on the server (the journal records no actor)
            campaign = campaign_create(by=None, name=name, owner_unit=unit, start_date=start, end_date=end,
                                       scheme_text=text, description=description)
        except ServiceError as e:
            raise fail_with(e)
        self.stdout.write(self.style.SUCCESS(f"已发起征集活动“{campaign.name}”（编号 {campaign.pk}）：{criteria}。"))
