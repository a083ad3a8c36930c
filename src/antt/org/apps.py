from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "antt.org"
    verbose_name = "Đơn vị và cán bộ"
