from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "antt.reports"
    verbose_name = "Thống kê, báo cáo"
