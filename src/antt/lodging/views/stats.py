"""Placeholder: filled by the lodging build (see docs/lodging.md)."""

urlpatterns: list = []
