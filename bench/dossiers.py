"""Dossier benchmarks of issue 3 ("Speed"): `python bench/dossiers.py` (or `make bench`).

On a database filled by `manage.py generate_dossiers` (1,000,000 dossiers by default), each
figure is printed beside its baseline measured in the same run, and their ratio:

a) the public lookup `POST /api/v1/dossiers/lookup` against the bare Django view running the
   same indexed SELECTs by raw SQL (`antt.dossiers.bench_views`), both served by one gunicorn
   server and loaded by wrk with random (code, last four digits) pairs of generated dossiers.
   Target: throughput ratio >= 0.70 and p99 < 50 ms.
b) the work list of the busiest unit (most open dossiers), as its page builds it
   (`selectors_lists.dossier_worklist` + `worklist_rows` + the capped paginator: 50 rows and
   the count), against hand-written SQL with the same filter, order, limit and count.
   Target: <= 3x.
c) the statistics of one year for the whole province (`reports.selectors.stats_summary` for
   a supervisor) against the same five queries written by hand. Target: <= 3x.

Environment:
  DATABASE_URL      PostgreSQL (the figures for the record); unset: a scratch SQLite file
  BENCH_DOSSIERS    dossiers to generate (default 1,000,000; BENCH_SHORT: 5,000)
  BENCH_MONTHS      months they span (default 24)
  BENCH_UNTIL       last day (default yesterday)
  BENCH_REUSE=1     keep the dossiers already in the database (skip the generation)
  BENCH_DURATION, BENCH_CONNECTIONS, BENCH_WORKERS, BENCH_SHORT=1: as bench/run.py
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import date, timedelta
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

import run as common  # noqa: E402  (bench/run.py: server, wrk and environment helpers)

ROOT = common.ROOT
PY = common.PY
SHORT = common.SHORT
DURATION = common.DURATION
WARMUP = common.WARMUP
DOSSIERS = 5_000 if SHORT else int(os.environ.get("BENCH_DOSSIERS", "1000000"))
MONTHS = 3 if SHORT else int(os.environ.get("BENCH_MONTHS", "24"))
REPEAT = 3 if SHORT else int(os.environ.get("BENCH_REPEAT", "7"))
PAIRS = 2000


def _until() -> date:
    value = os.environ.get("BENCH_UNTIL")
    return date.fromisoformat(value) if value else date.today() - timedelta(days=1)


# --- a) lookup under wrk --------------------------------------------------------------------------

LUA = """
local pairs_ = {%s}
local headers = {["Content-Type"] = "application/json"}
local n = #pairs_
local i = 0
setup = function(thread) thread:set("offset", math.random(n)) end
request = function()
  i = i + 1
  local p = pairs_[((i + (offset or 0)) %% n) + 1]
  return wrk.format("POST", nil, headers, '{"code":"' .. p[1] .. '","phone_last4":"' .. p[2] .. '"}')
end
"""


def write_lua(pairs: list[tuple[str, str]], folder: Path) -> Path:
    body = ",".join(f'{{"{code}","{digits}"}}' for code, digits in pairs)
    script = folder / "lookup.lua"
    script.write_text(LUA % body, encoding="utf-8")
    return script


# Latency is read a second time at a moderate load: at -c32 the two cores are saturated and p99 is
# queueing time (the bare ping's own p99 is ~55 ms there), not the endpoint's latency.
LATENCY_CONNECTIONS = int(os.environ.get("BENCH_LATENCY_CONNECTIONS", "4"))


def wrk_post(url: str, script: Path, duration: int, connections: int | None = None) -> dict:
    connections = connections or common.CONNECTIONS
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "-s", str(script), url]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return common.parse_wrk(out)


def post_json(url: str, payload: dict) -> tuple[int, dict]:
    req = urllib.request.Request(  # noqa: S310 (loopback only)
        url, data=json.dumps(payload).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as r:  # noqa: S310
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def bench_lookup(base: str, pairs: list[tuple[str, str]], folder: Path) -> dict:
    endpoint, baseline = f"{base}/api/v1/dossiers/lookup", f"{base}/bench/dossiers/lookup"
    code, digits = pairs[0]
    a = post_json(endpoint, {"code": code, "phone_last4": digits})
    b = post_json(baseline, {"code": code, "phone_last4": digits})
    if a[0] != 200 or b[0] != 200:
        raise SystemExit(f"lookup answered {a[0]} (endpoint) and {b[0]} (baseline) for {code}")
    same_json = a[1] == b[1]
    script = write_lua(pairs, folder)
    wrk_post(baseline, script, WARMUP)
    wrk_post(endpoint, script, WARMUP)
    runs = {"baseline": [], "endpoint": []}
    for _ in range(1 if SHORT else 3):  # interleaved: drift on a shared machine hits both alike
        runs["baseline"].append(wrk_post(baseline, script, DURATION))
        runs["endpoint"].append(wrk_post(endpoint, script, DURATION))
    out = {"same_json": same_json}
    for name, rs in runs.items():
        rs.sort(key=lambda r: r["rps"])
        out[name] = {**rs[len(rs) // 2], "runs": [round(r["rps"]) for r in rs]}
    # the same pairs at a moderate load, for the latency target
    out["moderate"] = {
        name: wrk_post(url, script, DURATION, LATENCY_CONNECTIONS)
        for name, url in (("baseline", baseline), ("endpoint", endpoint))
    }
    return out


# --- b) and c): in-process timings --------------------------------------------------------------


def timed(fn, repeat: int = REPEAT) -> tuple[float, object]:
    """Median wall time (ms) of `repeat` calls after one warm-up, and the last result."""
    result = fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), result


def bench_users():
    from django.db.models import Count

    from antt.dossiers.models import OPEN_STATUSES, Dossier
    from antt.org.models import Role, Unit, User

    busy = Dossier.objects.filter(status__in=OPEN_STATUSES).values("unit").annotate(n=Count("*")).order_by("-n").first()
    unit = Unit.objects.get(pk=busy["unit"])
    root = Unit.objects.filter(level=Unit.Level.PROVINCE, parent__isnull=True).order_by("pk").first()
    head, _ = User.objects.update_or_create(
        username="bench-head", defaults={"unit": unit, "role": Role.HEAD, "full_name": "Lãnh đạo (đo hiệu năng)"}
    )
    supervisor, _ = User.objects.update_or_create(
        username="bench-supervisor",
        defaults={"unit": root, "role": Role.SUPERVISOR, "full_name": "Giám sát (đo hiệu năng)"},
    )
    return unit, busy["n"], head, supervisor


WORKLIST_COLUMNS = (
    'd."id", d."code", d."status", d."channel", d."applicant_name", d."submitted_at", d."received_at", '
    'd."due_at", d."clock_paused_at", d."timeliness", p."id", p."code", p."name", a."id", a."username", '
    'a."full_name"'
)


def worklist_sql(prefix: str, tab: str) -> list[tuple[str, list]]:
    """The hand-written equivalent of one work-list page: 50 rows and the capped count."""
    from antt.dossiers.selectors_lists import COUNT_CAP, PAGE_SIZE, Tab

    visible = (
        '(d."unit_id" IN (SELECT "id" FROM "org_unit" WHERE "path" LIKE %s) '
        'OR d."receiving_unit_id" IN (SELECT "id" FROM "org_unit" WHERE "path" LIKE %s))'
    )
    params = [prefix + "%", prefix + "%"]
    where = visible
    if tab == Tab.PROCESSING:
        # processing work is the handling unit's (selectors_lists._handled_here)
        where += (
            ' AND d."status" = \'processing\' AND d."unit_id" IN (SELECT "id" FROM "org_unit" WHERE "path" LIKE %s)'
        )
        params = params + [prefix + "%"]
        order = 'd."due_at" ASC NULLS LAST, d."id" ASC'
    else:
        order = 'd."submitted_at" DESC, d."id" DESC'
    rows = (
        f'SELECT {WORKLIST_COLUMNS} FROM "dossiers_dossier" d '
        'INNER JOIN "catalog_procedure" p ON d."procedure_id" = p."id" '
        'LEFT JOIN "org_user" a ON d."assignee_id" = a."id" '
        f"WHERE {where} ORDER BY {order} LIMIT {PAGE_SIZE}"
    )
    count = f'SELECT COUNT(*) FROM (SELECT 1 FROM "dossiers_dossier" d WHERE {where} LIMIT {COUNT_CAP + 1}) s'
    return [(rows, params), (count, params)]


def run_sql(queries: list[tuple[str, list]]) -> list[list[tuple]]:
    from django.db import connection

    out = []
    with connection.cursor() as cur:
        for sql, params in queries:
            cur.execute(sql, params)
            out.append(cur.fetchall())
    return out


def bench_worklist(unit, head) -> list[dict]:
    from antt.dossiers.selectors_lists import (
        PAGE_SIZE,
        CappedPaginator,
        ListFilters,
        Scope,
        Tab,
        dossier_worklist,
        worklist_rows,
    )

    results = []
    for tab in (Tab.PROCESSING, Tab.ALL):

        def orm(tab=tab):
            qs = worklist_rows(dossier_worklist(head, ListFilters(tab=tab, scope=Scope.UNIT)))
            paginator = CappedPaginator(qs, PAGE_SIZE)
            page = paginator.page(1)
            return [d.pk for d in page.object_list], paginator.count

        queries = worklist_sql(unit.path, tab)

        def raw(queries=queries):
            rows, count = run_sql(queries)
            return [r[0] for r in rows], min(count[0][0], CappedPaginator.cap)

        orm_ms, orm_result = timed(orm)
        sql_ms, sql_result = timed(raw)
        results.append(
            {
                "name": f"work list '{Tab.LABELS[tab]}' of {unit.name}",
                "ms": orm_ms,
                "baseline_ms": sql_ms,
                "same": orm_result == sql_result,
                "rows": orm_result[1],
            }
        )
    return results


def stats_sql(prefix: str, start, end, ref) -> list[tuple[str, list]]:
    """The five queries of `stats_summary`, by hand (counts, processing days, online levels,
    digitisation, ratings), for the units under `prefix` and the period [start, end)."""
    from django.db import connection

    if connection.vendor == "postgresql":

        def day(col):
            return f"(d.\"{col}\" AT TIME ZONE 'Asia/Ho_Chi_Minh')::date"
    else:

        def day(col):
            return f"date(d.\"{col}\", '+7 hours')"

    scope = 'd."unit_id" IN (SELECT "id" FROM "org_unit" WHERE "path" LIKE %s)'
    period = (
        'd."submitted_at" < %s AND (d."submitted_at" >= %s OR ((d."completed_at" IS NULL OR d."completed_at" >= %s) '
        'AND (d."closed_at" IS NULL OR d."closed_at" >= %s)))'
    )
    base = f"{scope} AND {period}"
    base_params = [prefix + "%", end, start, start, start]
    new = 'd."submitted_at" >= %s'
    resolved = 'd."completed_at" >= %s AND d."completed_at" < %s'
    closed = 'd."closed_at" >= %s AND d."closed_at" < %s'
    open_end = '(d."completed_at" IS NULL OR d."completed_at" >= %s) AND (d."closed_at" IS NULL OR d."closed_at" >= %s)'
    counts = [
        ("COUNT(*)", []),
        (f"COUNT(*) FILTER (WHERE {new})", [start]),
        (f"COUNT(*) FILTER (WHERE NOT ({new}))", [start]),
        (f"COUNT(*) FILTER (WHERE {new} AND d.\"channel\" = 'online')", [start]),
        (f"COUNT(*) FILTER (WHERE {new} AND d.\"channel\" = 'counter')", [start]),
        (f"COUNT(*) FILTER (WHERE {new} AND d.\"channel\" = 'post')", [start]),
        (f"COUNT(*) FILTER (WHERE {resolved})", [start, end]),
        (f"COUNT(*) FILTER (WHERE {resolved} AND d.\"timeliness\" = 'early')", [start, end]),
        (f"COUNT(*) FILTER (WHERE {resolved} AND d.\"timeliness\" = 'on_time')", [start, end]),
        (f"COUNT(*) FILTER (WHERE {resolved} AND d.\"timeliness\" = 'late')", [start, end]),
        (f"COUNT(*) FILTER (WHERE {open_end})", [end, end]),
        (f'COUNT(*) FILTER (WHERE {open_end} AND d."due_at" < %s)', [end, end, ref]),
        ('COUNT(*) FILTER (WHERE d."returned_at" >= %s AND d."returned_at" < %s)', [start, end]),
        (f"COUNT(*) FILTER (WHERE {closed} AND d.\"status\" = 'withdrawn')", [start, end]),
        (f"COUNT(*) FILTER (WHERE {closed} AND d.\"status\" = 'not_received')", [start, end]),
        (f"COUNT(*) FILTER (WHERE {closed} AND d.\"status\" = 'stopped')", [start, end]),
        (f'COUNT(*) FILTER (WHERE {new} AND d."fee_amount" > 0 AND d."fee_paid_at" IS NOT NULL)', [start]),
        (
            f'COUNT(*) FILTER (WHERE {new} AND d."fee_amount" > 0 AND d."fee_paid_at" IS NOT NULL '
            'AND d."fee_paid_online")',
            [start],
        ),
    ]
    q1 = f'SELECT {", ".join(c for c, _ in counts)} FROM "dossiers_dossier" d WHERE {base}'
    p1 = [p for _, ps in counts for p in ps] + base_params
    q2 = (
        f'SELECT {day("received_at")}, {day("completed_at")}, COUNT(*), SUM(d."legal_working_days"), '
        f'COUNT(d."legal_working_days") FROM "dossiers_dossier" d WHERE {base} AND {resolved} '
        'AND d."received_at" IS NOT NULL GROUP BY 1, 2'
    )
    p2 = base_params + [start, end]
    q3 = (
        'SELECT v."online_level", COUNT(*), COUNT(*) FILTER (WHERE d."channel" = \'online\') '
        'FROM "dossiers_dossier" d INNER JOIN "catalog_procedureversion" v ON d."procedure_version_id" = v."id" '
        f"WHERE {base} AND {new} GROUP BY 1"
    )
    p3 = base_params + [start]
    q4 = (
        'SELECT COUNT(*) FILTER (WHERE EXISTS (SELECT 1 FROM "dossiers_dossierdocument" x '
        f'WHERE x."dossier_id" = d."id" AND x."file" <> \'\') AND {new}), '
        'COUNT(*) FILTER (WHERE EXISTS (SELECT 1 FROM "dossiers_dossierresult" x '
        f'WHERE x."dossier_id" = d."id" AND x."file" <> \'\') AND {resolved}) '
        f'FROM "dossiers_dossier" d WHERE {base}'
    )
    p4 = [start, start, end] + base_params
    q5 = (
        "SELECT COUNT(*), COUNT(*) FILTER (WHERE r.\"overall_level\" IN ('very_satisfied', 'satisfied')), "
        'COALESCE(SUM(r."total_points"), 0), COALESCE(SUM(r."max_points"), 0) FROM "feedback_rating" r '
        'WHERE r."unit_id" IN (SELECT "id" FROM "org_unit" WHERE "path" LIKE %s) '
        'AND r."created_at" >= %s AND r."created_at" < %s'
    )
    p5 = [prefix + "%", start, end]
    return [(q1, p1), (q2, p2), (q3, p3), (q4, p4), (q5, p5)]


def _date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)  # SQLite answers text


def bench_stats(supervisor, until: date) -> dict:
    from django.utils import timezone

    from antt.reports.selectors import StatsFilters, _WorkingDays, stats_summary

    f = StatsFilters(start=until - timedelta(days=364), end=until)
    ref = min(f.end_at, timezone.now())
    queries = stats_sql(supervisor.unit.path, f.start_at, f.end_at, ref)

    def orm():
        return stats_summary(supervisor, f)

    def raw():
        counts, pairs, levels, digitised, ratings = run_sql(queries)
        days = _WorkingDays()
        n = sum(r[2] for r in pairs)
        avg_days = sum(r[2] * days(_date(r[0]), _date(r[1])) for r in pairs) / n if n else None
        return counts[0], avg_days, levels, digitised[0], ratings[0]

    orm_ms, summary = timed(orm)
    sql_ms, (counts, avg_days, _levels, _digitised, ratings) = timed(raw)
    same = (
        counts[0] == summary["total"]
        and counts[1] == summary["received"]
        and counts[6] == summary["resolved"]
        and counts[9] == summary["late"]
        and counts[11] == summary["in_progress_late"]
        and ratings[0] == summary["satisfaction"]["count"]
        and (avg_days is None or abs(avg_days - summary["avg_days"]) < 1e-9)
    )
    return {
        "name": f"statistics {f.start:%d/%m/%Y}–{f.end:%d/%m/%Y}, whole province",
        "ms": orm_ms,
        "baseline_ms": sql_ms,
        "same": same,
        "rows": summary["total"],
    }


# --- main -----------------------------------------------------------------------------------------


def main() -> int:
    if not shutil.which("wrk"):
        print("wrk is missing: apt-get install wrk", file=sys.stderr)
        return 2
    tmp = Path(tempfile.mkdtemp(prefix="antt-bench-dossiers-"))
    env = common.prepare_env(tmp)
    env["DJANGO_SETTINGS_MODULE"] = "dossiers_settings"
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), str(BENCH_DIR)])
    env["ANTT_CONN_MAX_AGE"] = env.get("ANTT_CONN_MAX_AGE", "600")
    db = "PostgreSQL" if env.get("DATABASE_URL") else "SQLite"
    until = _until()
    print(
        f"# ANTT dossier benchmarks — {time.strftime('%Y-%m-%d %H:%M')} — {db}, gunicorn {common.WORKERS} sync "
        f"workers, wrk -c{common.CONNECTIONS} {DURATION}s x{1 if SHORT else 3}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, load average {os.getloadavg()[0]:.1f}"
    )
    sys.stdout.flush()
    common.manage(env, "migrate", "--noinput")
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from antt.dossiers.models import Dossier, DossierEvent, DossierStep

    existing = Dossier.objects.count()
    gen = None
    if os.environ.get("BENCH_REUSE") == "1" and existing:
        print(f"reusing {existing:,} dossiers")
    else:
        call_command("load_reference", verbosity=0)
        from antt.feedback.loaders import load_rating_criteria

        load_rating_criteria()
        t0 = time.perf_counter()
        subprocess.run(
            [PY, str(ROOT / "manage.py"), "generate_dossiers", "--total", str(DOSSIERS), "--months", str(MONTHS)]
            + ["--until", until.isoformat(), "--replace", "--force", "--verbosity", "0"],
            env=env,
            check=True,
        )
        seconds = time.perf_counter() - t0
        n = Dossier.objects.count()
        rows = n + DossierEvent.objects.count() + DossierStep.objects.count()
        gen = {"dossiers": n, "seconds": seconds, "rows_main": rows}
        print(
            f"generation: {n:,} dossiers in {seconds:.1f} s ({n / seconds:,.0f} dossiers/s; dossiers + steps + "
            f"events: {rows:,} rows, {rows / seconds:,.0f} rows/s)"
        )
    if connection.vendor == "postgresql":
        connection.ensure_connection()
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE")
    else:
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    pairs = list(Dossier.objects.order_by("?").values_list("code", "applicant_phone")[:PAIRS])
    pairs = [(code, phone[-4:]) for code, phone in pairs]
    unit, open_n, head, supervisor = bench_users()
    worklists = bench_worklist(unit, head)
    stats = bench_stats(supervisor, until)
    total = Dossier.objects.count()
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
        common.wait_up(f"{base}/api/v1/ping")
        lookup = bench_lookup(base, pairs, tmp)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        shutil.rmtree(tmp, ignore_errors=True)

    e, b = lookup["endpoint"], lookup["baseline"]
    print()
    print(f"{total:,} dossiers; busiest unit: {unit.name} ({open_n:,} open dossiers)")
    print()
    print("| benchmark | figure | baseline | ratio | target |")
    print("|---|---|---|---|---|")
    ratio = e["rps"] / b["rps"]
    print(
        f"| a) lookup POST /api/v1/dossiers/lookup vs raw-SQL view | {e['rps']:.0f} req/s, p50 {e['p50_ms']:.1f} ms, "
        f"p99 {e['p99_ms']:.1f} ms | {b['rps']:.0f} req/s, p50 {b['p50_ms']:.1f} ms, p99 {b['p99_ms']:.1f} ms | "
        f"{ratio:.2f} | ≥ 0.70: {'met' if ratio >= 0.7 else 'NOT met'} (p99: the -c{LATENCY_CONNECTIONS} line) |"
    )
    for r in [*worklists, stats]:
        x = r["ms"] / r["baseline_ms"]
        print(
            f"| {'b' if r is not stats else 'c'}) {r['name']} ({r['rows']:,} rows) | {r['ms']:.1f} ms | "
            f"{r['baseline_ms']:.1f} ms | {x:.2f}× | ≤ 3×: {'met' if x <= 3 else 'NOT met'} |"
        )
    me, mb = lookup["moderate"]["endpoint"], lookup["moderate"]["baseline"]
    print(
        f"| a') the same at a moderate load (wrk -c{LATENCY_CONNECTIONS}) | {me['rps']:.0f} req/s, p50 "
        f"{me['p50_ms']:.1f} ms, p99 {me['p99_ms']:.1f} ms | {mb['rps']:.0f} req/s, p50 {mb['p50_ms']:.1f} ms, "
        f"p99 {mb['p99_ms']:.1f} ms | {me['rps'] / mb['rps']:.2f} | p99 < 50 ms: "
        f"{'met' if me['p99_ms'] < 50 else 'NOT met'} |"
    )
    print()
    print(f"wrk runs (req/s): endpoint {e['runs']}, baseline {b['runs']}; same JSON: {lookup['same_json']}")
    problems = []
    if e["non_2xx"] or b["non_2xx"]:
        problems.append(f"non-2xx responses: endpoint {e['non_2xx']}, baseline {b['non_2xx']}")
    for r in [*worklists, stats]:
        if not r["same"]:
            problems.append(f"{r['name']}: the ORM and the SQL baseline disagree")
    for p in problems:
        print("ERROR:", p, file=sys.stderr)
    if gen:
        print(f"generation: {json.dumps(gen)}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
