"""The project's URLs plus the lookup baseline view, for the dossier benchmarks' server only."""

from django.urls import include, path, reverse
from django.urls.exceptions import NoReverseMatch

from antt.dossiers import bench_views
from antt.urls import urlpatterns as project_urlpatterns

urlpatterns = list(project_urlpatterns)
try:
    reverse("bench-dossier-lookup", urlconf="antt.urls")
except NoReverseMatch:  # antt.urls does not mount it (yet): mount it here
    urlpatterns.append(path("", include(bench_views.urlpatterns)))
