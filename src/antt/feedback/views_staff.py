"""Placeholder: filled by the feedback work of issue 7."""

urlpatterns: list = []
