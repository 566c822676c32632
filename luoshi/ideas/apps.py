from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IdeasConfig(AppConfig):
    name = "luoshi.ideas"
    verbose_name = _("金点子")
    default_auto_field = "django.db.models.BigAutoField"
