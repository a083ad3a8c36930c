"""Pages of the lodging app, by audience: the establishment's (`views/business.py`, under
/doanh-nghiep/luu-tru/), the police's lists and searches (`views/police.py`, /luu-tru/), the
watchlist and alerts (`views/watch.py`), statistics and occupancy (`views/stats.py`)."""

from antt.lodging.views import business, police, stats, watch

app_name = "lodging"

urlpatterns = [*business.urlpatterns, *police.urlpatterns, *watch.urlpatterns, *stats.urlpatterns]
