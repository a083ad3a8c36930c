from django.apps import AppConfig


class ViolationsConfig(AppConfig):
    name = "antt.violations"
    verbose_name = "Xử lý vi phạm hành chính"
