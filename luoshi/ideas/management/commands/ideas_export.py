from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from luoshi.ideas.exporter import ideas_xlsx
from luoshi.ideas.models import Campaign


class Command(BaseCommand):
    help = "导出征集活动的建议汇总表（Excel）。默认不含建议人个人信息；--personal 含姓名、电话、邮箱和单位。"

    def add_arguments(self, parser):
        parser.add_argument("campaign", help="征集活动编号（id）或名称")
        parser.add_argument("--out", help="输出文件，默认为“活动名称-建议汇总.xlsx”")
        parser.add_argument("--personal", action="store_true", help="包含建议人个人信息（仅供主办单位内部使用）")

    def handle(self, campaign, out, personal, **options):
        qs = Campaign.objects.filter(pk=int(campaign)) if campaign.isdigit() else Campaign.objects.filter(name=campaign)
        c = qs.first()
        if c is None:
            raise CommandError(f"找不到征集活动：{campaign}")
        path = Path(out or f"{c.name}-建议汇总.xlsx")
        path.write_bytes(ideas_xlsx(campaign=c, ideas=c.ideas.all(), personal=personal))
        self.stdout.write(self.style.SUCCESS(f"已导出 {c.ideas.count()} 条建议：{path}"))
