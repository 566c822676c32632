from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class TasksConfig(AppConfig):
    name = "luoshi.tasks"
    label = "tasks"
    verbose_name = "任务清单"

    def ready(self):
        from luoshi.core.presets import preset_kind_register

        from .presets import ProgramPreset, program_preset_load, program_preset_summary

        preset_kind_register("program", title=gettext_lazy("专项工作"), model=ProgramPreset, load=program_preset_load,
                             summary=program_preset_summary)
