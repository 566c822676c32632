from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InstructionsConfig(AppConfig):
    name = "luoshi.instructions"
    label = "instructions"
    verbose_name = _("批示")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from luoshi.core.inbox import register_inbox
        from luoshi.org.paths import register_path_copy

        from . import selectors
        from .cockpit import register as register_cockpit
        from .models import Instruction, InstructionUnit

        register_inbox("instructions.answer", label=_("待回复的领导批示"), order=5, count=selectors.inbox_answer_count,
                       items=selectors.inbox_answer_items)
        register_inbox("instructions.review", label=_("待阅的批示回复"), order=6, count=selectors.inbox_review_count,
                       items=selectors.inbox_review_items)
        register_path_copy(Instruction, "target_unit_path")
        register_path_copy(Instruction, "author_scope_path")
        register_path_copy(InstructionUnit, "unit_path")
        register_cockpit()
