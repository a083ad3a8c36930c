"""Portal benchmark of issue 7 ("Speed"): `python bench/portal.py` (or `make bench`).

The public pages citizens open first — the home page `/`, the catalogue `/thu-tuc/` and one
procedure `/thu-tuc/<code>/` — served by gunicorn (DEBUG off, whitenoise, as in production) and
loaded by wrk. Each is measured beside its baseline in the same run on the same server: a bare
Django view (`bench/portal_urls.py`) answering, through the same middleware, the very bytes the
page answered once before the run. The ratio page/baseline is therefore what building the page
costs (its queries and its template), and the target is ≥ 0.5. The queries each page sends are
counted too (in-process, test client), the first thing to look at when a ratio falls.

Environment:
  DATABASE_URL      PostgreSQL (the figures for the record); unset: a scratch SQLite file
  BENCH_DURATION, BENCH_CONNECTIONS, BENCH_WORKERS, BENCH_SHORT=1: as bench/run.py
  BENCH_JSON        where to write the JSON summary (default bench/results/portal.json)
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

import run as common  # noqa: E402  (bench/run.py: server, wrk and environment helpers)

ROOT = common.ROOT
PY = common.PY
SHORT = common.SHORT
DURATION = common.DURATION
WARMUP = common.WARMUP
RUNS = 1 if SHORT else 3
TARGET = 0.5


def pick_procedure() -> str:
    """A passport procedure of the catalogue (the one citizens look for most), else the first one."""
    from antt.catalog.models import Procedure

    procedures = Procedure.objects.filter(versions__isnull=False).distinct().order_by("code")
    found = procedures.filter(name__icontains="hộ chiếu").first() or procedures.first()
    if found is None:
        raise SystemExit("the catalogue is empty: load_reference loaded no procedure")
    return found.code


def count_queries(pages: dict[str, str]) -> dict[str, int]:
    """Queries per page, second request (caches warm), as the server would send them."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    counts = {}
    for key, path in pages.items():
        client.get(path)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(path)
        if response.status_code != 200:
            raise SystemExit(f"{key} {path}: HTTP {response.status_code} in-process")
        counts[key] = len(ctx.captured_queries)
    return counts


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as r:  # noqa: S310 (loopback only)
        if r.status != 200:
            raise SystemExit(f"{url}: HTTP {r.status}")
        return r.read()


def wrk(url: str, duration: int, base: str) -> dict:
    """One wrk run, then a pause until the server answers the ping again: requests wrk gave up on
    are still in the workers' queues when it stops, and must not be charged to the next run."""
    cmd = ["wrk", "-t2", f"-c{common.CONNECTIONS}", f"-d{duration}s", "--latency", url]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    try:
        result = common.parse_wrk(out)
    except AttributeError:  # no "Requests/sec" line
        raise SystemExit(f"wrk printed no figures for {url}:\n{out}") from None
    if not result["rps"]:
        raise SystemExit(f"no request to {url} finished:\n{out}")
    time.sleep(0.5)
    common.wait_up(f"{base}/api/v1/ping", timeout=120)
    return result


def median_of(runs: list[dict]) -> dict:
    runs = sorted(runs, key=lambda r: r["rps"])
    return {**runs[len(runs) // 2], "runs": [round(r["rps"]) for r in runs]}


def bench_pages(base: str, pages: dict[str, str], copies: Path) -> dict[str, dict]:
    """Each page and its baseline, interleaved, so that drift on a shared machine hits both alike."""
    results = {}
    for key, path in pages.items():
        body = fetch(base + path)
        (copies / f"{key}.html").write_bytes(body)
        page_url, bare_url = base + path, f"{base}/bench/portal/{key}"
        if fetch(bare_url) != body:
            raise SystemExit(f"{key}: the baseline does not answer the page's bytes")
        wrk(page_url, WARMUP, base)
        wrk(bare_url, WARMUP, base)
        runs = {"page": [], "bare": []}
        for _ in range(RUNS):
            runs["page"].append(wrk(page_url, DURATION, base))
            runs["bare"].append(wrk(bare_url, DURATION, base))
        page, bare = median_of(runs["page"]), median_of(runs["bare"])
        results[key] = {
            "path": path,
            "bytes": len(body),
            "page": page,
            "bare": bare,
            "ratio": page["rps"] / bare["rps"],
        }
    return results


def main() -> int:
    if not shutil.which("wrk"):
        print("wrk is missing: apt-get install wrk", file=sys.stderr)
        return 2
    tmp = Path(tempfile.mkdtemp(prefix="antt-bench-portal-"))
    copies = tmp / "copies"
    copies.mkdir()
    env = common.prepare_env(tmp)
    env["DJANGO_SETTINGS_MODULE"] = "portal_settings"
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), str(BENCH_DIR)])
    env["BENCH_PORTAL_COPIES"] = str(copies)
    env["ANTT_CONN_MAX_AGE"] = env.get("ANTT_CONN_MAX_AGE", "600")
    env["ANTT_AUDIT_LOG_LEVEL"] = "WARNING"  # not one line per reference row loaded
    db = "PostgreSQL" if env.get("DATABASE_URL") else "SQLite"
    print(
        f"# ANTT portal benchmark — {time.strftime('%Y-%m-%d %H:%M')} — {db}, gunicorn {common.WORKERS} sync "
        f"workers, wrk -c{common.CONNECTIONS} {DURATION}s x{RUNS}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, load average {os.getloadavg()[0]:.1f}"
    )
    sys.stdout.flush()
    common.manage(env, "migrate", "--noinput")
    common.manage(env, "load_reference")
    common.manage(env, "collectstatic", "--noinput")
    os.environ.update(env)
    import django

    django.setup()
    from django.db import connection

    code = pick_procedure()
    pages = {"home": "/", "catalogue": "/thu-tuc/", "procedure": f"/thu-tuc/{quote(code)}/"}
    queries = count_queries(pages)
    connection.close()

    port = common.free_port()
    server = subprocess.Popen(
        [PY, "-m", "gunicorn", "antt.wsgi", "-w", str(common.WORKERS), "-b", f"127.0.0.1:{port}"]
        + ["--log-level", "warning"],
        env=env,
        cwd=ROOT,
        start_new_session=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        common.wait_up(f"{base}/api/v1/ping", timeout=120)
        results = bench_pages(base, pages, copies)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        shutil.rmtree(tmp, ignore_errors=True)

    print()
    print("| page | req/s | p50 ms | p99 ms | bare view req/s | ratio | queries | bytes | target |")
    print("|---|---|---|---|---|---|---|---|---|")
    for key, r in results.items():
        p, b = r["page"], r["bare"]
        print(
            f"| {key} `{r['path']}` | {p['rps']:.0f} | {p['p50_ms']:.2f} | {p['p99_ms']:.2f} | {b['rps']:.0f} | "
            f"{r['ratio']:.2f} | {queries[key]} | {r['bytes']:,} | ≥ {TARGET}: "
            f"{'met' if r['ratio'] >= TARGET else 'NOT met'} |"
        )
    print()
    print(
        "wrk runs (req/s): "
        + "; ".join(f"{k} {r['page']['runs']} / bare {r['bare']['runs']}" for k, r in results.items())
    )
    summary = {
        "database": db,
        "workers": common.WORKERS,
        "connections": common.CONNECTIONS,
        "duration_s": DURATION,
        "short": SHORT,
        "pages": {k: {**r, "queries": queries[k]} for k, r in results.items()},
    }
    out = Path(os.environ.get("BENCH_JSON", BENCH_DIR / "results" / "portal.json"))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(summary, indent=2, ensure_ascii=False))
    print(f"summary: {out}")
    problems = [f"{k}: non-2xx responses" for k, r in results.items() if r["page"]["non_2xx"] or r["bare"]["non_2xx"]]
    for p in problems:
        print("ERROR:", p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
