"""URLs of the one-stop shop: each views module owns its own patterns."""

from antt.dossiers.views import counter, lists, online, payments, printing, public, work

app_name = "dossiers"
urlpatterns = [
    *counter.urlpatterns,
    *online.urlpatterns,
    *public.urlpatterns,
    *work.urlpatterns,
    *lists.urlpatterns,
    *printing.urlpatterns,
    *payments.urlpatterns,
]
