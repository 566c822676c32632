from django.core.management.base import BaseCommand, CommandError

from luoshi.core import clock
from luoshi.core.errors import ServiceError

from ...models import Channel
from ...open311.keys import apikey_create, apikey_list, apikey_revoke


class Command(BaseCommand):
    help = ("Open311 接口密钥：--name 名称 --channel 渠道代码 创建（密钥只显示一次）；--revoke 前缀 停用；--list 列出。")

    def add_arguments(self, parser):
        parser.add_argument("--name", help="密钥名称，如接入的系统名（“12345 热线系统”）")
        parser.add_argument("--channel", help="受理渠道代码（如 open311、12345）：用该密钥提交的诉求记为此渠道")
        parser.add_argument("--revoke", metavar="PREFIX", help="停用密钥：给出密钥的前 8 位或完整密钥")
        parser.add_argument("--reason", default="", help="停用理由（记入日志）")
        parser.add_argument("--list", dest="list_keys", action="store_true", help="列出全部密钥（只显示前缀）")

    def handle(self, *args, name=None, channel=None, revoke=None, reason="", list_keys=False, **options):
        try:
            if list_keys:
                return self._list()
            if revoke:
                key = apikey_revoke(by=None, prefix=revoke, reason=reason)
                self.stdout.write(self.style.SUCCESS(f"已停用密钥“{key.name}”（{key.prefix}…）。"))
                return
            if not name or not channel:
                raise CommandError("创建密钥须同时给出 --name 和 --channel；停用用 --revoke 前缀；列出用 --list。")
            ch = Channel.objects.filter(code=channel).first()
            if ch is None:
                codes = "、".join(Channel.objects.filter(is_active=True).values_list("code", flat=True)) or "（无）"
                raise CommandError(f"找不到受理渠道“{channel}”。可用的渠道：{codes}")
            raw, key = apikey_create(by=None, name=name, channel=ch)
        except ServiceError as e:
            raise CommandError(e.message)
        self.stdout.write(self.style.SUCCESS(f"已创建 Open311 接口密钥“{key.name}”（渠道：{ch.name}，前缀 {key.prefix}）。"))
        self.stdout.write(f"api_key: {raw}")
        self.stdout.write("请立即交给接入方并妥善保存：密钥只显示这一次，系统只保存其摘要。")

    def _list(self):
        rows = apikey_list()
        if not rows:
            self.stdout.write("（还没有密钥）")
        for key in rows:
            state = ("已停用 " + clock.localtime(key.revoked_at).strftime("%Y-%m-%d")) if key.revoked_at else "有效"
            self.stdout.write(f"{key.prefix}…  {key.name}  渠道 {key.channel.code}  "
                              f"创建 {clock.localtime(key.created_at).strftime('%Y-%m-%d')}  {state}")
