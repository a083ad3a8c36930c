"""Settings of the dossier benchmarks' server (`bench/dossiers.py`): the project's, plus two bench-only switches.

- The public lookup's rate limit is raised so far that it never refuses (wrk sends tens of
  thousands of requests from one address), but it still runs: its cache increment is part
  of what the endpoint costs.
- The raw-SQL baseline view (`antt.dossiers.bench_views`) is mounted beside the endpoint, on
  the same server, when `antt.urls` does not mount it already (`dossiers_urls`).
"""

import os

from antt.settings import *  # noqa: F403

ANTT_LOOKUP_RATE = os.environ.get("BENCH_LOOKUP_RATE", "100000000/m")
ANTT_BENCH_VIEWS = True
ROOT_URLCONF = "dossiers_urls"
