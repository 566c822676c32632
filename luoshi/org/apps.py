from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "luoshi.org"
    label = "org"
    verbose_name = "组织"

    def ready(self) -> None:
        from . import lookups  # noqa: F401  registers CharField.within
