from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProceduresConfig(AppConfig):
    name = "luoshi.procedures"
    verbose_name = _("程序与时限")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from luoshi.core.daily import register_daily
        from luoshi.core.inbox import register_inbox
        from luoshi.core.journal_text import JournalKey, journal_keys_register, journal_verbs_register
        from luoshi.core.presets import preset_kind_register
        from luoshi.org.paths import register_path_copy

        from .daily import procedures_daily
        from .inbox import inbox_count, inbox_items
        from .models import Case, CaseStep, Definition, Institution
        from .presets import procedure_preset_load, procedure_preset_summary
        from .spec import ProcedureSpec

        preset_kind_register("procedure", title=_("程序定义"), model=ProcedureSpec, load=procedure_preset_load,
                             summary=procedure_preset_summary)
        journal_verbs_register({
            "procedure.case_start": _("发起办件"), "procedure.upload": _("上传材料"), "procedure.pass": _("通过"),
            "procedure.return": _("退回"), "procedure.reject": _("不通过"), "procedure.definition_load": _("载入程序定义"),
            "procedure.institution_create": _("登记新型研发机构"), "procedure.institution_operation": _("记录运营"),
        })
        journal_keys_register({"step": JournalKey(_("环节")), "decision": JournalKey(_("决定")),
                               "document": JournalKey(_("材料")), "file": JournalKey(_("文件")),
                               "definition": JournalKey(_("程序定义"))}, object_type="procedures.case")
        register_daily("procedures.steps", procedures_daily, order=40)
        register_inbox("procedures.steps", label=_("待办理程序环节"), order=60, count=inbox_count, items=inbox_items)
        for model, field in ((Definition, "owner_path"), (Case, "unit_path"), (Case, "owner_path"),
                             (CaseStep, "actor_path"), (Institution, "unit_path"), (Institution, "authority_path")):
            register_path_copy(model, field)
