from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgerConfig(AppConfig):
    name = "luoshi.ledger"
    label = "ledger"
    verbose_name = _("问题台账")
    default_auto_field = "django.db.models.BigAutoField"
