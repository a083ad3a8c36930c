"""Placeholder: filled by the webhooks work of issue 7."""

urlpatterns: list = []
