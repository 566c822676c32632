import datetime as dt

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def escalations_daily(today: dt.date | None, notify: bool) -> list[str]:
    """The daily step of the ledger (luoshi.core.daily): escalation steps proposed by each program's ladder."""
    from .services import escalations_run

    e = escalations_run(today=today, notify=notify)
    return [f"问题台账：检查 {e['findings']} 个逾期或反复的问题，提出督办升级措施 {e['proposed']} 项（待督查室确认）。"]


class LedgerConfig(AppConfig):
    name = "luoshi.ledger"
    label = "ledger"
    verbose_name = _("问题台账")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from luoshi.core.presets import preset_kind_register

        from .presets import LedgerPreset, ledger_preset_summary, load_ledger

        preset_kind_register("ledger", title=_("问题台账"), model=LedgerPreset, load=load_ledger,
                             summary=ledger_preset_summary)

        from luoshi.core.daily import register_daily

        register_daily("ledger.escalations", escalations_daily, order=20)

        from .cockpit import register as register_cockpit

        register_cockpit()
