"""Placeholder: filled by the open-data / agency work of issue 7."""

urlpatterns: list = []
