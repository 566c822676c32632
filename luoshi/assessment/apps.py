from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentConfig(AppConfig):
    name = "luoshi.assessment"
    label = "assessment"
    verbose_name = _("考核测评")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from luoshi.core.presets import preset_kind_register

        from .presets import load_scheme, scheme_preset_summary
        from .scheme import SchemeDef

        preset_kind_register("scheme", title=_("指标体系"), model=SchemeDef, load=load_scheme,
                             summary=scheme_preset_summary)

        from .inbox import register as register_inbox_sources

        register_inbox_sources()

        from .cockpit import register as register_cockpit

        register_cockpit()

        from luoshi.core.journal_text import journal_verbs_register

        journal_verbs_register({"assessment.consequence.propose": _("提出后果措施"),
                                "assessment.consequence.withdraw": _("撤回后果措施")})
