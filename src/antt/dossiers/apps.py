from django.apps import AppConfig


class DossiersConfig(AppConfig):
    name = "antt.dossiers"
    verbose_name = "Hồ sơ thủ tục hành chính (một cửa)"
