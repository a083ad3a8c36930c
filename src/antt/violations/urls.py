"""URLs of administrative violations: each views module owns its own patterns."""

from antt.violations.views import imports, payments, printing, public, staff, stats

app_name = "violations"
urlpatterns = [
    *public.urlpatterns,
    *staff.urlpatterns,
    *printing.urlpatterns,
    *payments.urlpatterns,
    *stats.urlpatterns,
    *imports.urlpatterns,
]
