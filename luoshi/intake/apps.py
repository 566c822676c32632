import datetime as dt

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def requests_daily(today: dt.date | None, notify: bool) -> list[str]:
    """The daily step of intake (luoshi.core.daily): overdue revisits, automatic supervision, personal data purge.
    These run on the clock's today and always notify, as they did before the steps were registered."""
    from .services import overdue_run, personal_purge, revisits_run

    r, o, p = revisits_run(), overdue_run(), personal_purge()
    # the monthly counts are kept by every write (services._save); nothing in them depends on the day
    return [f"诉求：回访逾期办结 {r['closed']} 件（待电话回访 {r['waiting_phone']} 件），超期自动督办 {o['supervised']} 件，"
            f"清除过期个人信息 {p} 件。"]


def _requests_moved(new_path: str) -> None:
    """A moved subtree changes the units above its requests: count the monthly rows again (intake.tallies)."""
    from django.db.models import Q

    from .models import Request
    from .tallies import rebuild

    if Request.objects.filter(Q(unit_path__within=[new_path]) | Q(region_path__within=[new_path])).exists():
        rebuild()


class IntakeConfig(AppConfig):
    name = "luoshi.intake"
    verbose_name = _("诉求办理")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from luoshi.core.presets import preset_kind_register

        from .config import IntakePreset, intake_preset_load, intake_preset_summary

        preset_kind_register("intake", title=_("诉求受理配置"), model=IntakePreset, load=intake_preset_load,
                             summary=intake_preset_summary)

        from luoshi.core.daily import register_daily

        register_daily("intake.requests", requests_daily, order=30)

        from luoshi.org.paths import register_after_move, register_path_copy

        from .models import Request, RequestAssist

        register_path_copy(Request, "region_path")
        register_path_copy(Request, "unit_path")
        register_path_copy(RequestAssist, "unit_path")
        register_after_move(_requests_moved)

        from luoshi.core.edge import register_refusal

        from .open311.render import errors

        # refused at the edge (luoshi/core/edge.py): Open311's error document, in the format the address asks for
        register_refusal("/open311/", lambda request, message: errors(
            "xml" if request.path.endswith(".xml") else "json", 400, [message]))

        from .inbox import register as register_inbox_sources

        register_inbox_sources()

        from .cockpit import register as register_cockpit

        register_cockpit()
