"""Views: printing (see violations/urls.py)."""

urlpatterns: list = []
