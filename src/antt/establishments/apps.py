from django.apps import AppConfig


class EstablishmentsConfig(AppConfig):
    name = "antt.establishments"
    verbose_name = "Cơ sở kinh doanh có điều kiện về ANTT và cơ sở về PCCC"

    def ready(self):
        from antt.establishments import signals  # noqa: F401  (dossier returned → certificate)
