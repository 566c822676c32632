from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class CoreConfig(AppConfig):
    name = "luoshi.core"
    label = "core"
    verbose_name = "核心"

    def ready(self):
        from . import checks  # noqa: F401 - registers the deploy checks
        from . import lookups  # noqa: F401 - registers IntegerField/ForeignKey.in_ids
        from .presets import calendar_preset_load, calendar_preset_parse, calendar_preset_summary, preset_kind_register

        preset_kind_register("calendar", title=gettext_lazy("工作日历"), parse=calendar_preset_parse,
                             load=calendar_preset_load, summary=calendar_preset_summary)

        from .daily import register_daily
        from .inbox import inbox_digest_run

        register_daily("core.inbox_digest", inbox_digest_run, order=99)  # last: the digest names the work every step before it handed out
