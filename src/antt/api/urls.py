"""Pages of the api app that are not ninja endpoints: open data (/du-lieu-mo/, /data/…) and the
administrators' pages for agencies' keys, webhooks and their delivery log (/quan-ly/ket-noi/…)."""

from antt.api import views_agency, views_opendata, views_webhooks

app_name = "api"
urlpatterns = [
    *views_opendata.urlpatterns,
    *views_agency.urlpatterns,
    *views_webhooks.urlpatterns,
]
