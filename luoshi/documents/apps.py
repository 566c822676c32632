import datetime as dt

from django.apps import AppConfig
from django.utils.translation import gettext_lazy


def bulletins_daily(today: dt.date | None, notify: bool) -> list[str]:
    """The daily step of the scheduled bulletins (luoshi.core.daily): claim and draw the issues due."""
    from .services import bulletins_due

    r = bulletins_due(today=today, notify=notify)
    return [f"定期通报：新排期 {r['claimed']} 期，生成 {r['generated']} 期。"]


class DocumentsConfig(AppConfig):
    name = "luoshi.documents"
    label = "documents"
    verbose_name = "文档"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from luoshi.core.daily import register_daily
        from luoshi.core.inbox import register_inbox
        from luoshi.org.paths import register_path_copy

        from . import selectors
        from .models import Subscription

        # after the warnings (order 10–30), so a bulletin shows today's 红黄灯
        register_daily("documents.bulletins", bulletins_daily, order=90)
        register_inbox("documents.bulletin_review", label=gettext_lazy("待签发通报"), order=80,
                       count=selectors.inbox_count, items=selectors.inbox_items)
        register_path_copy(Subscription, "owner_path")
        from luoshi.core.journal_text import journal_verbs_register

        journal_verbs_register({
            "bulletin.subscribe": gettext_lazy("订阅定期通报"), "bulletin.update": gettext_lazy("修改定期通报"),
            "bulletin.claim": gettext_lazy("排期"), "bulletin.generate": gettext_lazy("生成通报"),
            "bulletin.edit": gettext_lazy("修改通报"), "bulletin.issue": gettext_lazy("签发通报"),
            "bulletin.resume": gettext_lazy("恢复定期通报"), "bulletin.section_add": gettext_lazy("增加栏目"),
            "bulletin.section_remove": gettext_lazy("删除栏目"),
        })
