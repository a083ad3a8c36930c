from django.apps import AppConfig


class LodgingConfig(AppConfig):
    name = "antt.lodging"
    verbose_name = "Thông báo lưu trú, khai báo tạm trú người nước ngoài"
