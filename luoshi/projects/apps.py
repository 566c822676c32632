import datetime as dt

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def lights_daily(today: dt.date | None, notify: bool) -> list[str]:
    """The daily step of key projects (luoshi.core.daily): lights against plan, figures rebuilt, units told."""
    from .services import lights_run

    r = lights_run(today=today, notify=notify)
    return [f"重点项目：检查 {r['projects']} 个项目，黄灯 {r['yellow']} 个、红灯 {r['red']} 个，状态变化 {r['changed']} 个。"]


def figures_after_unit_move(new_path: str) -> None:
    """The figures per unit subtree (`unit` rows) follow moved units to their new ancestors."""
    from . import figures
    from .models import ProjectUnit

    for program_id in ProjectUnit.objects.filter(unit_path__within=[new_path]).values_list(
            "project__program_id", flat=True).distinct():
        figures.program_rebuild(program_id)


class ProjectsConfig(AppConfig):
    name = "luoshi.projects"
    label = "projects"
    verbose_name = _("重点项目")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from luoshi.core.daily import register_daily
        from luoshi.core.presets import preset_kind_register
        from luoshi.org.paths import register_after_move, register_path_copy

        from . import inbox
        from .challenges import ChallengeScheme
        from .models import ProjectUnit
        from .spec import ProjectsPreset, projects_preset_load, projects_preset_summary

        preset_kind_register("projects", title=_("重点项目"), model=ProjectsPreset, load=projects_preset_load,
                             summary=projects_preset_summary)
        preset_kind_register("challenge_scheme", title=_("揭榜挂帅评审办法"), model=ChallengeScheme,
                             hint=_("发布榜单时选用（重点项目 → 揭榜挂帅 → 发布榜单）"))
        register_daily("projects.lights", lights_daily, order=40)
        register_path_copy(ProjectUnit, "unit_path")
        register_after_move(figures_after_unit_move)
        inbox.register()

        from .cockpit import register as register_cockpit

        register_cockpit()
