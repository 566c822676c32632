from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntakeConfig(AppConfig):
    name = "luoshi.intake"
    verbose_name = _("诉求办理")
    default_auto_field = "django.db.models.BigAutoField"
