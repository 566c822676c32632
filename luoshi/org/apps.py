from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class OrgConfig(AppConfig):
    name = "luoshi.org"
    label = "org"
    verbose_name = "组织"

    def ready(self) -> None:
        from luoshi.core.presets import preset_kind_register

        from . import lookups  # noqa: F401  registers CharField.within
        from .presets import UnitsPreset, units_preset_load, units_preset_summary

        preset_kind_register("units", title=gettext_lazy("组织架构"), model=UnitsPreset, load=units_preset_load,
                             summary=units_preset_summary)

        from luoshi.core.models import JournalEntry

        from .paths import register_path_copy

        # The journal keeps the unit path of each entry so a scope reads its history without a join; a moved unit's
        # history follows it to its new parent.
        register_path_copy(JournalEntry, "scope_path")

        from luoshi.core.journal_text import journal_names_register, journal_verbs_register

        from .selectors import unit_path_names

        journal_names_register("org.unit", unit_path_names)  # the journal names a unit by its path
        journal_verbs_register({"person.language": gettext_lazy("修改语言")})

        from luoshi.core.sessions import person_read_register

        from .context_processors import HEADER_WITH_PERSON
        from .scopes import SCOPE_WITH_PERSON

        # what every signed-in page reads about its person, read with the person in one statement (ADR 0063)
        person_read_register(HEADER_WITH_PERSON)
        person_read_register(SCOPE_WITH_PERSON)
