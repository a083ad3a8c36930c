from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "antt.catalog"
    verbose_name = "Danh mục thủ tục hành chính"
