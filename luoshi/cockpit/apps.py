import datetime as dt

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def snapshots_daily(today: dt.date | None, notify: bool) -> list[str]:
    """The cockpit's daily step (luoshi.core.daily): store each scope's headline figures for the trend lines."""
    from .services import snapshots_take

    n = snapshots_take(day=today)
    return [f"一屏观：记录各单位当日指标 {n} 项（趋势图用）。"]


class CockpitConfig(AppConfig):
    name = "luoshi.cockpit"
    label = "cockpit"
    verbose_name = _("一屏观")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from luoshi.core.daily import register_daily

        register_daily("cockpit.snapshots", snapshots_daily, order=90)  # after the steps that change the figures
