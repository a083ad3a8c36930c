"""Views: payments (see violations/urls.py)."""

urlpatterns: list = []
