import datetime as dt

from django.apps import AppConfig
from django.utils.translation import gettext_lazy


def warnings_daily(today: dt.date | None, notify: bool) -> list[str]:
    """The daily step of tasks (luoshi.core.daily): statuses (黄灯/红灯) and reminders."""
    from .warnings import warnings_run

    s = warnings_run(today=today, notify=notify)
    return [f"已检查 {s['tasks']} 项未办结任务：红灯 {s['red']}，黄灯 {s['yellow']}，状态变化 {s['changed']}，"
            f"新提醒 {s['messages']} 条。"]


def tallies_after_unit_move(new_path: str) -> None:
    """The counts per unit subtree (tasks.tallies) follow moved units to their new ancestors."""
    from .tallies import program_rebuild, programs_touching_units

    for program in programs_touching_units(new_path):
        program_rebuild(program)


class TasksConfig(AppConfig):
    name = "luoshi.tasks"
    label = "tasks"
    verbose_name = "任务清单"

    def ready(self):
        from luoshi.core.presets import preset_kind_register

        from .presets import ProgramPreset, program_preset_load, program_preset_summary

        preset_kind_register("program", title=gettext_lazy("专项工作"), model=ProgramPreset, load=program_preset_load,
                             summary=program_preset_summary)

        from luoshi.core.journal_text import JournalKey, journal_keys_register

        from .models import RequestState

        # what a task's journal holds besides its fields: the decision on an extension or closure request
        journal_keys_register({"decision": JournalKey(gettext_lazy("审核结果"), choices=dict(RequestState.choices))},
                              object_type="tasks.task")

        from luoshi.core.daily import register_daily
        from luoshi.org.paths import register_after_move, register_path_copy

        from .models import TaskAssignment

        register_daily("tasks.warnings", warnings_daily, order=10)

        from .inbox import register as register_inbox_sources

        register_inbox_sources()
        register_path_copy(TaskAssignment, "unit_path")
        register_after_move(tallies_after_unit_move)

        from .cockpit import register as register_cockpit

        register_cockpit()
