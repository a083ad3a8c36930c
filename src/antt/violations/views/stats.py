"""Views: stats (see violations/urls.py)."""

urlpatterns: list = []
