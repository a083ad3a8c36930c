"""Settings of the portal benchmark's server (`bench/portal.py`): the project's, plus the bare
baseline views (`portal_urls`). Never used outside the benchmark."""

from antt.settings import *  # noqa: F403

ANTT_BENCH_VIEWS = True
ROOT_URLCONF = "portal_urls"
