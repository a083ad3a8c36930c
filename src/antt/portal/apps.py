from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "antt.portal"
    verbose_name = "Cổng thông tin"
