from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "luoshi.cases"
    verbose_name = _("典型案例")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from luoshi.core.inbox import register_inbox
        from luoshi.core.presets import preset_kind_register
        from luoshi.org.paths import register_path_copy

        from . import selectors
        from .models import Case
        from .scheme import CaseReviewScheme

        preset_kind_register("case_review", title=_("典型案例评审方案"), model=CaseReviewScheme,
                             hint=_("审核典型案例时按此方案逐项打分。"))
        register_path_copy(Case, "unit_path")
        from luoshi.core.journal_text import journal_verbs_register

        journal_verbs_register({
            "case.create": _("新建案例"), "case.update": _("修改案例"), "case.nominate": _("推荐案例"),
            "case.review": _("审核案例"), "case.publish": _("发布案例"), "case.recognise": _("登记表彰"),
            "case.adopt": _("登记复制推广"), "case.attach": _("上传附件"),
        })
        register_inbox("cases.review", label=_("待审核典型案例"), order=85, count=selectors.inbox_count,
                       items=selectors.inbox_items)
