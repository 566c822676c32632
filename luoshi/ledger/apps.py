import datetime as dt

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def escalations_daily(today: dt.date | None, notify: bool) -> list[str]:
    """The daily step of the ledger (luoshi.core.daily): escalation steps proposed by each program's ladder."""
    from .services import escalations_run

    e = escalations_run(today=today, notify=notify)
    return [f"问题台账：检查 {e['findings']} 个逾期或反复的问题，提出督办升级措施 {e['proposed']} 项（待督查室确认）。"]


def tallies_daily(today: dt.date | None, notify: bool) -> list[str]:
    """The daily step that moves each ledger's maintained counts (ledger.tallies) to the day: 逾期 depends on it."""
    from django.db import transaction

    from luoshi.core import clock

    from .tallies import ledger_programs, program_rebuild

    day, changed, programs = today or clock.today(), 0, 0
    for program in ledger_programs():
        with transaction.atomic():
            changed += program_rebuild(program, day=day)
        programs += 1
    if not programs:
        return []
    return [f"问题台账：按 {day:%Y-%m-%d} 重新统计 {programs} 个台账的问题计数，{changed} 行有变化。"]


def tallies_after_unit_move(new_path: str) -> None:
    """The counts per unit subtree (ledger.tallies) follow moved units to their new ancestors."""
    from .tallies import program_rebuild, programs_touching_units

    for program in programs_touching_units(new_path):
        program_rebuild(program)


class LedgerConfig(AppConfig):
    name = "luoshi.ledger"
    label = "ledger"
    verbose_name = _("问题台账")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from luoshi.core.presets import preset_kind_register

        from .presets import LedgerPreset, ledger_preset_summary, load_ledger

        preset_kind_register("ledger", title=_("问题台账"), model=LedgerPreset, load=load_ledger,
                             summary=ledger_preset_summary)

        from luoshi.core.daily import register_daily

        register_daily("ledger.escalations", escalations_daily, order=20)
        register_daily("ledger.tallies", tallies_daily, order=19)

        from luoshi.org.paths import register_after_move, register_path_copy

        from .models import AssignmentSheet, Escalation, Finding

        for model in (Finding, AssignmentSheet, Escalation):
            register_path_copy(model, "unit_path")
        register_after_move(tallies_after_unit_move)


        from .inbox import register as register_inbox_sources

        register_inbox_sources()


        from .cockpit import register as register_cockpit

        register_cockpit()
