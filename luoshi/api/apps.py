from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "luoshi.api"
    label = "api"
    verbose_name = "接口"
