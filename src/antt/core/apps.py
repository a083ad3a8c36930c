from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "antt.core"
    verbose_name = "Nền tảng"

    def ready(self):
        from antt.core import signals  # noqa: F401  (connects the audit receivers)
