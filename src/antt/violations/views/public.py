"""Views: public (see violations/urls.py)."""

urlpatterns: list = []
