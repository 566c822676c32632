from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentConfig(AppConfig):
    name = "luoshi.assessment"
    label = "assessment"
    verbose_name = _("考核测评")
    default_auto_field = "django.db.models.BigAutoField"
