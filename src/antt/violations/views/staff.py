"""Views: staff (see violations/urls.py)."""

urlpatterns: list = []
