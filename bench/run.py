"""Run the ANTT benchmarks: `make bench` (or `python bench/run.py`).

Each benchmark prints its figure beside a baseline measured in the same run on
the same server, and their ratio. The first one serves the catalogue search
endpoint and the bare `/api/v1/ping` endpoint from one gunicorn server and loads
both with wrk.

Options (environment):
  DATABASE_URL      run against PostgreSQL instead of a scratch SQLite file
  BENCH_DURATION    seconds per wrk run (default 15)
  BENCH_CONNECTIONS wrk connections (default 32)
  BENCH_WORKERS     gunicorn workers (default 2 per core)
  BENCH_SHORT=1     a quick smoke run (3 s), for CI; its figures are not for the record
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
SHORT = os.environ.get("BENCH_SHORT") == "1"
DURATION = 3 if SHORT else int(os.environ.get("BENCH_DURATION", "15"))
WARMUP = 1 if SHORT else 3
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "32"))
WORKERS = int(os.environ.get("BENCH_WORKERS", str(2 * (os.cpu_count() or 1))))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare_env(tmp: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "antt.settings",
            "PYTHONPATH": str(ROOT / "src"),
            "ANTT_DEBUG": "0",
            "ANTT_SECRET_KEY": "bench-" + os.urandom(16).hex(),
            "ANTT_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "ANTT_SSL_REDIRECT": "0",
            "ANTT_VAR_DIR": str(tmp),
            "ANTT_LOG_LEVEL": "ERROR",
        }
    )
    if not env.get("DATABASE_URL"):
        env["ANTT_SQLITE_PATH"] = str(tmp / "bench.sqlite3")
    return env


def manage(env, *args):
    subprocess.run([PY, str(ROOT / "manage.py"), *args], env=env, check=True, stdout=subprocess.DEVNULL)


def wait_up(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:  # noqa: S310 (loopback only)
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"server did not answer at {url}")


def parse_wrk(out: str) -> dict:
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    lat = {}
    for pct, value, unit in re.findall(r"^\s+(50|75|90|99)%\s+([\d.]+)(us|ms|s)\s*$", out, re.M):
        factor = {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
        lat[pct] = float(value) * factor
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*", out)
    return {
        "rps": rps,
        "p50_ms": lat.get("50"),
        "p99_ms": lat.get("99"),
        "non_2xx": int(non2xx.group(1)) if non2xx else 0,
        "socket_errors": errors.group(0) if errors else "",
    }


def wrk(url: str, duration: int) -> dict:
    cmd = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{duration}s", "--latency", url]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return parse_wrk(out)


def bench_catalog_search(base: str) -> list[dict]:
    """Catalogue search (folded text, filter, serialisation) against the bare ping."""
    search = f"{base}/api/v1/procedures?q={quote('cap ho chieu')}"
    ping = f"{base}/api/v1/ping"
    with urllib.request.urlopen(search) as r:  # noqa: S310 (loopback only)
        body = json.loads(r.read())
    items = body.get("items", body) if isinstance(body, dict) else body
    assert any("hộ chiếu" in item["name"].lower() for item in items), "search returned no passport procedure"
    results = []
    # Interleave the two so that drift on a shared machine hits both alike.
    wrk(ping, WARMUP)
    wrk(search, WARMUP)
    runs = {"ping": [], "search": []}
    for _ in range(1 if SHORT else 3):
        runs["ping"].append(wrk(ping, DURATION))
        runs["search"].append(wrk(search, DURATION))
    for name, rs in runs.items():
        rs.sort(key=lambda r: r["rps"])
        med = rs[len(rs) // 2]
        results.append({"name": name, **med, "runs": [r["rps"] for r in rs]})
    return results


def main() -> int:
    if not shutil.which("wrk"):
        print("wrk is missing: apt-get install wrk", file=sys.stderr)
        return 2
    tmp = Path(tempfile.mkdtemp(prefix="antt-bench-"))
    env = prepare_env(tmp)
    db = "PostgreSQL" if env.get("DATABASE_URL") else "SQLite"
    print(
        f"# ANTT benchmarks — {datetime.now():%Y-%m-%d %H:%M} — {db}, gunicorn {WORKERS} sync workers, "
        f"wrk -c{CONNECTIONS} {DURATION}s x{1 if SHORT else 3}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    manage(env, "migrate", "--noinput")
    manage(env, "load_reference")
    manage(env, "collectstatic", "--noinput")
    port = free_port()
    server = subprocess.Popen(
        [PY, "-m", "gunicorn", "antt.wsgi", "-w", str(WORKERS), "-b", f"127.0.0.1:{port}", "--log-level", "warning"],
        env=env,
        cwd=ROOT,
        start_new_session=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_up(f"{base}/api/v1/ping")
        ping, search = bench_catalog_search(base)
        print()
        print("| benchmark | req/s | p50 ms | p99 ms | non-2xx |")
        print("|---|---|---|---|---|")
        for r in (ping, search):
            print(f"| {r['name']} | {r['rps']:.0f} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | {r['non_2xx']} |")
        print()
        print(
            f"catalogue search: {search['rps']:.0f} req/s vs bare ping {ping['rps']:.0f} req/s "
            f"-> ratio {search['rps'] / ping['rps']:.2f}; p99 {search['p99_ms']:.1f} ms vs {ping['p99_ms']:.1f} ms "
            f"-> ratio {search['p99_ms'] / ping['p99_ms']:.2f}"
        )
        if search["non_2xx"] or ping["non_2xx"]:
            print("ERROR: non-2xx responses during the run", file=sys.stderr)
            return 1
        return 0
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
