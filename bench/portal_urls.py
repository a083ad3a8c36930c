"""The project's URLs plus the portal benchmark's baseline: `/bench/portal/<key>` answers, through
the same middleware, the bytes the real page `<key>` answered once before the run (read from
BENCH_PORTAL_COPIES, a folder of `<key>.html`). So the ratio page/baseline is what building the
page costs (queries, template rendering), not what serving HTML over Django costs."""

import os
from pathlib import Path

from django.http import Http404, HttpResponse
from django.urls import path

from antt.urls import urlpatterns as project_urlpatterns

_COPIES: dict[str, bytes] = {}


def bare_copy(request, key: str):
    if key not in _COPIES:
        file = Path(os.environ.get("BENCH_PORTAL_COPIES", "/nonexistent")) / f"{key}.html"
        if not file.is_file():
            raise Http404
        _COPIES[key] = file.read_bytes()
    return HttpResponse(_COPIES[key], content_type="text/html; charset=utf-8")


urlpatterns = [path("bench/portal/<slug:key>", bare_copy), *project_urlpatterns]
