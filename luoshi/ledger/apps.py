from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


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
