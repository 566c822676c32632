from django.apps import AppConfig


class ProgramsConfig(AppConfig):
    name = "luoshi.programs"
    label = "programs"
    verbose_name = "专项工作"
