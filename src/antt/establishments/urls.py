"""URLs of the establishments app: each views module owns its own patterns."""

from antt.establishments.views import business, certificates, fire, inspections, registry, sharing

app_name = "establishments"
urlpatterns = [
    *registry.urlpatterns,
    *certificates.urlpatterns,
    *fire.urlpatterns,
    *inspections.urlpatterns,
    *business.urlpatterns,
    *sharing.urlpatterns,
]
