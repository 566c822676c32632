from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PoliciesConfig(AppConfig):
    name = "luoshi.policies"
    verbose_name = _("惠企政策")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from luoshi.core.inbox import register_inbox
        from luoshi.core.presets import preset_kind_register
        from luoshi.org.paths import register_path_copy

        from . import inbox
        from .models import Clause, Enterprise, PayoutBatch, Policy
        from .services import vocabulary_load
        from .vocabulary import PolicyVocabulary, vocabulary_summary

        preset_kind_register("policy_vocabulary", title=_("惠企政策主题与标签"), model=PolicyVocabulary,
                             load=vocabulary_load, summary=vocabulary_summary)
        for model, field in ((Policy, "region_path"), (Clause, "dept_path"), (Enterprise, "unit_path"),
                             (PayoutBatch, "dept_path")):
            register_path_copy(model, field)
        register_inbox("policies.confirm", label=_("待确认的免申即享名单"), order=60, count=inbox.confirm_count,
                       items=inbox.confirm_items)
