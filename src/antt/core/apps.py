from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "antt.core"
    verbose_name = "Nền tảng"
