from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IdeasConfig(AppConfig):
    name = "luoshi.ideas"
    verbose_name = _("金点子")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from luoshi.core.presets import preset_kind_register

        from .scheme import IdeasScheme

        preset_kind_register("ideas_scheme", title=_("金点子评审方案"), model=IdeasScheme,
                             hint=_("在“发起征集活动”时选用，或用 luoshi ideas campaign 名称 发起。"))

        from luoshi.org.paths import register_path_copy

        from .models import Campaign

        register_path_copy(Campaign, "owner_path")

        from .inbox import register as register_inbox_sources

        register_inbox_sources()
