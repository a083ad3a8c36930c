"""Views: imports (see violations/urls.py)."""

urlpatterns: list = []
