from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntakeConfig(AppConfig):
    name = "luoshi.intake"
    verbose_name = _("诉求办理")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from luoshi.core.presets import preset_kind_register

        from .config import IntakePreset, intake_preset_load, intake_preset_summary

        preset_kind_register("intake", title=_("诉求受理配置"), model=IntakePreset, load=intake_preset_load,
                             summary=intake_preset_summary)
