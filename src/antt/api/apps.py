from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "antt.api"
    verbose_name = "API"
