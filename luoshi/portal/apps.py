from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "luoshi.portal"
    label = "portal"
    verbose_name = _("公开门户")

    def ready(self):
        from luoshi.tasks.satisfaction import register_satisfaction_reader

        from .selectors import public_satisfaction_by_unit

        register_satisfaction_reader(public_satisfaction_by_unit)  # 群众满意度 in the tasks' unit league
