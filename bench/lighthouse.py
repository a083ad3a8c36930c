"""Lighthouse on the public pages: `python bench/lighthouse.py`.

A scratch installation (migrate, load_reference, collectstatic) served by gunicorn with DEBUG off
and whitenoise, as in production; Lighthouse (npm `lighthouse`, from `npm ci` at the repository
root) drives Debian's Chromium (/usr/bin/chromium) with its default phone profile (mobile form
factor, simulated slow 4G and 4x CPU slowdown) over the home page, the catalogue, a procedure, the
feedback form and the open-data list (the last two once their apps define them). Prints the
performance and accessibility score of each page and fails when one is under 90; writes a JSON
summary with the audits that cost points.

Environment:
  DATABASE_URL       PostgreSQL; unset: a scratch SQLite file
  LIGHTHOUSE_MIN     the lowest score that passes (default 90)
  LIGHTHOUSE_JSON    where to write the summary (default bench/results/lighthouse.json)
  LIGHTHOUSE_PAGES   comma-separated keys to run only some pages (home,catalogue,procedure,feedback,opendata)
  LIGHTHOUSE_RUNS    runs per page, the median one (by performance score) kept (default 3; Lighthouse's
                     own advice against its run-to-run variance)
  CHROME_PATH        the browser (default /usr/bin/chromium)

Lighthouse rates the machine it runs on (`benchmarkIndex`, printed): under about 1000 (a busy or slow
machine) its 4x CPU slowdown over-states the blocking time, and the performance score is low for
reasons that are not the page's. The figures for the record come from a quiet machine.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

import run as common  # noqa: E402  (bench/run.py: server and environment helpers)

ROOT = common.ROOT
PY = common.PY
LIGHTHOUSE = ROOT / "node_modules" / "lighthouse" / "cli" / "index.js"
CHROME = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
MINIMUM = int(os.environ.get("LIGHTHOUSE_MIN", "90"))
RUNS = int(os.environ.get("LIGHTHOUSE_RUNS", "3"))
CATEGORIES = ("performance", "accessibility")
# (key, URL name, kwargs builder): reversed in-process, so a page appears once its app defines it
PAGES = (
    ("home", "portal:home", None),
    ("catalogue", "catalog:procedure-list", None),
    ("procedure", "catalog:procedure-detail", "procedure"),
    ("feedback", "feedback:new", None),
    ("opendata", "api:opendata-list", None),
)


def resolve(code: str) -> tuple[dict[str, str], list[str]]:
    from django.urls import NoReverseMatch, reverse

    found, missing = {}, []
    for key, name, needs in PAGES:
        try:
            found[key] = reverse(name, kwargs={"code": code} if needs == "procedure" else None)
        except NoReverseMatch:
            missing.append(f"{key} ({name})")
    return found, missing


def pick_procedure() -> str:
    from antt.catalog.models import Procedure

    procedures = Procedure.objects.filter(versions__isnull=False).distinct().order_by("code")
    found = procedures.filter(name__icontains="hộ chiếu").first() or procedures.first()
    if found is None:
        raise SystemExit("the catalogue is empty: load_reference loaded no procedure")
    return found.code


def lighthouse(url: str, out: Path) -> dict:
    """One Lighthouse run (default mobile profile); its scores (0-100) and what cost points."""
    flags = "--headless=new --no-sandbox --disable-gpu --no-first-run --disable-background-networking"
    command = [
        "node",
        str(LIGHTHOUSE),
        url,
        f"--only-categories={','.join(CATEGORIES)}",
        "--output=json",
        f"--output-path={out}",
        f"--chrome-flags={flags}",
        "--quiet",
    ]
    env = {**os.environ, "CHROME_PATH": CHROME}
    for attempt in range(3):  # on a busy machine Lighthouse sometimes loses the trace (NO_NAVSTART)
        done = subprocess.run(command, env=env, timeout=300, check=False)
        if done.returncode == 0:
            break
        print(f"lighthouse failed on {url} (attempt {attempt + 1}), again", file=sys.stderr)
    else:
        raise SystemExit(f"lighthouse failed three times on {url}")
    report = json.loads(out.read_text())
    scores = {c: round((report["categories"][c]["score"] or 0) * 100) for c in CATEGORIES}
    lost = []
    for category in CATEGORIES:
        for ref in report["categories"][category]["auditRefs"]:
            audit = report["audits"][ref["id"]]
            if ref.get("weight") and audit.get("score") is not None and audit["score"] < 0.9:
                lost.append(f"{category}: {ref['id']} ({audit.get('displayValue', '') or audit['score']})")
    metrics = {
        m: report["audits"][m].get("numericValue")
        for m in (
            "first-contentful-paint",
            "largest-contentful-paint",
            "total-blocking-time",
            "cumulative-layout-shift",
        )
        if m in report["audits"]
    }
    return {
        "scores": scores,
        "lost": lost,
        "metrics": metrics,
        "benchmark_index": report.get("environment", {}).get("benchmarkIndex"),
    }


def median_run(url: str, out: Path) -> dict:
    runs = sorted((lighthouse(url, out) for _ in range(RUNS)), key=lambda r: r["scores"]["performance"])
    median = runs[len(runs) // 2]
    median["performance_runs"] = [r["scores"]["performance"] for r in runs]
    return median


def main() -> int:
    if not LIGHTHOUSE.exists():
        print(f"{LIGHTHOUSE} is missing: npm ci at the repository root", file=sys.stderr)
        return 2
    if not Path(CHROME).exists():
        print(f"{CHROME} is missing: apt-get install chromium", file=sys.stderr)
        return 2
    tmp = Path(tempfile.mkdtemp(prefix="antt-lighthouse-"))
    env = common.prepare_env(tmp)
    env["ANTT_AUDIT_LOG_LEVEL"] = "WARNING"
    common.manage(env, "migrate", "--noinput")
    common.manage(env, "load_reference")
    common.manage(env, "collectstatic", "--noinput")
    os.environ.update(env)
    import django

    django.setup()
    from django.db import connection

    pages, missing = resolve(pick_procedure())
    connection.close()
    wanted = [k for k in os.environ.get("LIGHTHOUSE_PAGES", "").split(",") if k]
    if wanted:
        pages = {k: v for k, v in pages.items() if k in wanted}
    print(f"# Lighthouse {', '.join(CATEGORIES)} — phone profile — DEBUG off, gunicorn, whitenoise")
    if missing:
        print(f"not yet defined, not checked: {', '.join(missing)}")

    port = common.free_port()
    server = subprocess.Popen(
        [PY, "-m", "gunicorn", "antt.wsgi", "-w", "2", "-b", f"127.0.0.1:{port}", "--log-level", "warning"],
        env=env,
        cwd=ROOT,
        start_new_session=True,
    )
    results = {}
    try:
        base = f"http://127.0.0.1:{port}"
        common.wait_up(f"{base}/api/v1/ping", timeout=120)
        for key, path in pages.items():
            results[key] = {"path": path, **median_run(base + quote(path, safe="/?=&%"), tmp / f"{key}.json")}
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        shutil.rmtree(tmp, ignore_errors=True)

    print()
    print(
        "| page | " + " | ".join(CATEGORIES) + " | FCP ms | LCP ms | TBT ms | CLS | performance runs | benchmarkIndex |"
    )
    print("|---|" + "---|" * (len(CATEGORIES) + 6))
    failures = []
    for key, r in results.items():
        m = r["metrics"]
        print(
            f"| {key} `{r['path']}` | "
            + " | ".join(str(r["scores"][c]) for c in CATEGORIES)
            + f" | {m.get('first-contentful-paint', 0):.0f} | {m.get('largest-contentful-paint', 0):.0f}"
            + f" | {m.get('total-blocking-time', 0):.0f} | {m.get('cumulative-layout-shift', 0):.3f}"
            + f" | {r['performance_runs']} | {r['benchmark_index'] or 0:.0f} |"
        )
        failures += [f"{key}: {c} {s} < {MINIMUM}" for c, s in r["scores"].items() if s < MINIMUM]
    for key, r in results.items():
        if r["lost"]:
            print(f"{key} loses points on: " + "; ".join(r["lost"]))
    out = Path(os.environ.get("LIGHTHOUSE_JSON", BENCH_DIR / "results" / "lighthouse.json"))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"minimum": MINIMUM, "missing": missing, "pages": results}, indent=2, ensure_ascii=False))
    print(f"summary: {out}")
    slow = [r["benchmark_index"] for r in results.values() if r["benchmark_index"] and r["benchmark_index"] < 1000]
    if failures and slow:
        print(
            f"NOTE: Lighthouse rated this machine {min(slow):.0f} (< 1000, load average {os.getloadavg()[0]:.1f}): "
            "the blocking time is over-stated; run again on a quiet machine before believing a performance score.",
            file=sys.stderr,
        )
    for f in failures:
        print("FAIL:", f, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
