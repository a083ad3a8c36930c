"""Administrative-violation benchmarks of issue 4 ("Speed"): `python bench/violations.py`.

On a database filled by `manage.py generate_violations` (1,000,000 decisions by default), each
figure is printed beside its baseline measured in the same run, and their ratio:

a) the appendix 9 table for one year of the whole province (`selectors_stats.stats_table` for
   a head of the provincial police) against the equivalent hand-written SQL GROUP BY (the same
   rows: the sums, the distinct cases and violators per row, per field and in total), both
   in process, median of BENCH_REPEAT runs after a warm-up. Target: <= 3x.
b) the public plate lookup `POST /api/v1/violations/lookup` {"plate": ...} against a bare
   Django view running the same indexed SELECT by raw SQL (`antt.violations.bench_views`), both
   served by one gunicorn server and loaded by wrk -c32 with a Lua script of random real plates
   (half of them with a fine to pay). Target: throughput ratio >= 0.70; p99 read at -c4.
c) the import of 100,000 decisions, validation included (`imports.import_rows`, one row per
   decision as in the documented template), against a plain COPY (SQLite: executemany) of the
   same rows — the cases, decisions and violators the import wrote, read back — into the same
   tables. Both run in a transaction that is rolled back, so the database stays as generated.
   Target: rate ratio >= 0.25.

Environment:
  DATABASE_URL      PostgreSQL (the figures for the record); unset: a scratch SQLite file
  BENCH_DECISIONS   decisions to generate (default 1,000,000; BENCH_SHORT: 5,000)
  BENCH_YEARS       years they span (default 2)
  BENCH_UNTIL       last day (default yesterday)
  BENCH_IMPORT_ROWS rows of the import benchmark (default 100,000; BENCH_SHORT: 5,000)
  BENCH_REUSE=1     keep the decisions already in the database (skip the generation)
  BENCH_DURATION, BENCH_CONNECTIONS, BENCH_WORKERS, BENCH_SHORT=1: as bench/run.py
"""

from __future__ import annotations

import json
import logging
import os
import platform
import random
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
DECISIONS = 5_000 if SHORT else int(os.environ.get("BENCH_DECISIONS", "1000000"))
YEARS = 1 if SHORT else int(os.environ.get("BENCH_YEARS", "2"))
IMPORT_ROWS = 5_000 if SHORT else int(os.environ.get("BENCH_IMPORT_ROWS", "100000"))
REPEAT = 3 if SHORT else int(os.environ.get("BENCH_REPEAT", "7"))
PLATES = 2000
LATENCY_CONNECTIONS = int(os.environ.get("BENCH_LATENCY_CONNECTIONS", "4"))

# The server's settings and URLs, written into the run's scratch folder: the project's, with the
# lookup's rate limit raised so far that it never refuses (wrk sends tens of thousands of
# requests from one address; the limiter still runs, its cost is part of the endpoint's) and the
# raw-SQL baseline view mounted when `antt.urls` does not mount it already.
SETTINGS_MODULE = """
from antt.settings import *  # noqa: F403

ANTT_FINE_LOOKUP_RATE = "100000000/m"
ANTT_LOOKUP_RATE = "100000000/m"
ANTT_BENCH_VIEWS = True
ROOT_URLCONF = "violations_bench_urls"
"""
URLS_MODULE = """
from django.urls import include, path, reverse
from django.urls.exceptions import NoReverseMatch

from antt.urls import urlpatterns as project_urlpatterns
from antt.violations import bench_views

urlpatterns = list(project_urlpatterns)
try:
    reverse("bench-violation-lookup", urlconf="antt.urls")
except NoReverseMatch:
    urlpatterns.append(path("", include(bench_views.urlpatterns)))
"""


def _until() -> date:
    value = os.environ.get("BENCH_UNTIL")
    return date.fromisoformat(value) if value else date.today() - timedelta(days=1)


def timed(fn, repeat: int = REPEAT) -> tuple[float, object]:
    """Median wall time (ms) of `repeat` calls after one warm-up, and the last result."""
    result = fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), result


def bench_user():
    """A head of the provincial police: sees the whole province, may read statistics and import."""
    from antt.org.models import Role, Unit, User

    root = Unit.objects.filter(level=Unit.Level.PROVINCE, parent__isnull=True).order_by("pk").first()
    user, _ = User.objects.update_or_create(
        username="bench-violations", defaults={"unit": root, "role": Role.HEAD, "full_name": "Lãnh đạo (đo hiệu năng)"}
    )
    return user


# --- a) the appendix 9 table ------------------------------------------------------------------


def stats_sql(vendor: str) -> tuple[str, str, int]:
    """The hand-written equivalent: sums and distinct cases per row, per field and in total;
    distinct violators likewise (cancelled decisions excluded, the period by issue date)."""
    where = "WHERE d.issued_on >= %s AND d.issued_on <= %s AND d.unit_path LIKE %s AND d.status <> 'cancelled'"
    decisions = (
        "COUNT(DISTINCT d.case_id), COUNT(*), SUM(d.total_fine), SUM(d.amount_paid), SUM(d.seized_count), "
        "SUM(d.suspension_count)"
    )
    d_from = f"FROM violations_penaltydecision d JOIN violations_statgroup g ON g.id = d.stat_group_id {where}"
    v_from = (
        "FROM violations_decisionviolator v JOIN violations_penaltydecision d ON d.id = v.decision_id "
        f"JOIN violations_statgroup g ON g.id = d.stat_group_id {where}"
    )
    if vendor == "postgresql":
        sets = "GROUP BY GROUPING SETS ((g.field_no, d.stat_group_id), (g.field_no), ())"
        return (
            f"SELECT g.field_no, d.stat_group_id, {decisions} {d_from} {sets}",
            f"SELECT g.field_no, d.stat_group_id, COUNT(DISTINCT v.violator_key) {v_from} {sets}",
            1,
        )

    def three(select, source):
        return (
            f"SELECT g.field_no, d.stat_group_id, {select} {source} GROUP BY g.field_no, d.stat_group_id "
            f"UNION ALL SELECT g.field_no, NULL, {select} {source} GROUP BY g.field_no "
            f"UNION ALL SELECT NULL, NULL, {select} {source}"
        )

    return three(decisions, d_from), three("COUNT(DISTINCT v.violator_key)", v_from), 3


def bench_stats(user, until: date) -> dict:
    from django.db import connection

    from antt.violations.selectors_stats import KEYS, stats_table

    start, end = until - timedelta(days=364), until
    q_decisions, q_violators, repeat = stats_sql(connection.vendor)
    params = [start, end, user.unit.path + "%"] * repeat

    def orm():
        return stats_table(user, start=start, end=end)

    def raw():
        out = {}
        with connection.cursor() as cur:
            cur.execute(q_decisions, params)
            for field_no, group, *figures in cur.fetchall():
                out[(field_no, group)] = [int(x or 0) for x in figures] + [0]
            cur.execute(q_violators, params)
            for field_no, group, violators in cur.fetchall():
                out.setdefault((field_no, group), [0] * 7)[6] = violators
        return out

    orm_ms, table = timed(orm)
    sql_ms, figures = timed(raw)
    # the same figures, row by row: the table's keys are (cases, decisions, violators, fined, ...)
    order = ["cases", "decisions", "fined", "paid", "seized", "suspended", "violators"]
    assert set(order) == set(KEYS)
    mine = {}
    for row in table["rows"]:
        key = (row["field_no"], row["stat_group_id"] if row["level"] == "group" else None)
        mine[key] = [row[k] for k in order]
        if row["level"] == "field" and not row["has_groups"]:
            mine[(row["field_no"], row["stat_group_id"])] = mine[key]
    mine[(None, None)] = [table["totals"][k] for k in order]
    same = all(mine.get(k) == v for k, v in figures.items())
    total = figures.get((None, None), [0, 0])
    return {
        "name": f"appendix 9 table {start:%d/%m/%Y}–{end:%d/%m/%Y}, whole province",
        "ms": orm_ms,
        "baseline_ms": sql_ms,
        "same": same,
        "rows": total[1],
        "cases": total[0],
        "violators": total[6],
    }


# --- b) the plate lookup under wrk --------------------------------------------------------------

LUA = """
local plates = {%s}
local headers = {["Content-Type"] = "application/json"}
local n = #plates
local i = 0
setup = function(thread) thread:set("offset", math.random(n)) end
request = function()
  i = i + 1
  local p = plates[((i + (offset or 0)) %% n) + 1]
  return wrk.format("POST", nil, headers, '{"plate":"' .. p .. '"}')
end
"""


def sample_plates(n: int) -> list[str]:
    """Displayed plates of generated decisions: half with a fine to pay, half at random."""
    from antt.violations.models import PenaltyDecision
    from antt.violations.selectors import OWED_STATUSES

    with_plate = PenaltyDecision.objects.exclude(plate="")
    payable = list(
        with_plate.filter(status__in=OWED_STATUSES).order_by("?").values_list("plate_display", flat=True)[: n // 2]
    )
    rest = list(with_plate.order_by("?").values_list("plate_display", flat=True)[: n - len(payable)])
    plates = payable + rest
    random.Random(1).shuffle(plates)
    return plates


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
        body = e.read()
        try:
            return e.code, json.loads(body or b"{}")
        except ValueError:
            return e.code, {"body": body[:300].decode(errors="replace")}


def bench_lookup(base: str, plates: list[str], folder: Path) -> dict:
    endpoint, baseline = f"{base}/api/v1/violations/lookup", f"{base}/bench/violations/lookup"
    same_json = True
    for p in plates[:20]:
        a, b = post_json(endpoint, {"plate": p}), post_json(baseline, {"plate": p})
        if a[0] != 200 or b[0] != 200:
            raise SystemExit(f"lookup answered {a[0]} (endpoint) and {b[0]} (baseline) for {p}: {a[1]} {b[1]}")
        if a[1] != b[1] and same_json:
            print(f"lookup {p}: the endpoint and the baseline differ:\n  {a[1]}\n  {b[1]}", file=sys.stderr)
        same_json &= a[1] == b[1]
    script = folder / "plates.lua"
    script.write_text(LUA % ",".join(json.dumps(p, ensure_ascii=False) for p in plates), encoding="utf-8")
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
    out["moderate"] = {
        name: wrk_post(url, script, DURATION, LATENCY_CONNECTIONS)
        for name, url in (("baseline", baseline), ("endpoint", endpoint))
    }
    return out


# --- c) the import against a plain COPY ---------------------------------------------------------


def import_rows_data(n: int, until: date) -> list[dict]:
    """`n` rows of the import template (one per decision, as a CSV reader gives them: text),
    in the mix of the generated data: units, statistics rows, violators, amounts, plates."""
    from antt.org.models import Unit
    from antt.violations.demo import SEED_2019, plate
    from antt.violations.models import StatGroup

    rng = random.Random(7)
    units = list(Unit.objects.filter(level=Unit.Level.COMMUNE, is_active=True).values_list("slug", flat=True))
    units += list(Unit.objects.filter(level=Unit.Level.DEPARTMENT, is_active=True).values_list("slug", flat=True))
    codes = [g for g in StatGroup.objects.values_list("code", flat=True) if g in SEED_2019]
    weights = [SEED_2019[c][1] for c in codes]
    rows, case, people = [], 0, []
    for i in range(n):
        code = rng.choices(codes, weights)[0]
        if rng.random() < 0.9:
            case += 1
        day = until - timedelta(days=rng.randrange(365))
        fine = rng.randrange(1, 40) * 50_000
        if people and rng.random() < 0.04:
            who = rng.choice(people)
        else:
            who = f"038{rng.choice('0123')}{rng.randrange(60, 100) % 100:02d}{rng.randrange(1_000_000):06d}"
            people.append(who)
        _kind, _n, display = plate(rng) if code == "4" else ("", "", "")
        rows.append(
            {
                "ma_vu_viec": f"BV-{case}",
                "so_quyet_dinh": f"BENCH-{i}/QĐ-XPHC",
                "ngay_quyet_dinh": f"{day:%d/%m/%Y}",
                "don_vi": rng.choice(units),
                "doi_tuong": who,
                "so_doi_tuong": "",
                "nhom_thong_ke": code,
                "ma_hanh_vi": "",
                "tien_phat": str(fine),
                "tien_da_nop": str(fine if rng.random() < 0.93 else 0),
                "tang_vat": "1" if rng.random() < 0.3 else "0",
                "giay_phep_bi_tuoc": "1" if rng.random() < 0.08 else "0",
                "bien_so": display,
                "ma_xa": "",
                "ngay_vi_pham": "",
            }
        )
    return rows


def _columns(model) -> list[str]:
    return [f.column for f in model._meta.concrete_fields]


def _select(cur, model, where: str, params) -> list[tuple]:
    cols = ", ".join(f'"{c}"' for c in _columns(model))
    cur.execute(f'SELECT {cols} FROM "{model._meta.db_table}" WHERE {where}', params)
    return cur.fetchall()


def _bulk_write(cur, model, rows: list[tuple]) -> None:
    """The baseline's write: COPY (PostgreSQL) or executemany (SQLite), nothing else."""
    from django.db import connection

    cols = _columns(model)
    quoted = ", ".join(f'"{c}"' for c in cols)
    if connection.vendor == "postgresql":
        with cur.cursor.copy(f'COPY "{model._meta.db_table}" ({quoted}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)
    else:
        marks = ", ".join("?" * len(cols))
        connection.connection.executemany(f'INSERT INTO "{model._meta.db_table}" ({quoted}) VALUES ({marks})', rows)


class _Rollback(Exception):
    pass


def bench_import(user, until: date) -> dict:
    from django.db import connection, transaction

    from antt.violations.imports import import_rows
    from antt.violations.models import DecisionViolator, PenaltyDecision, ViolationCase, ViolationImport

    rows = import_rows_data(IMPORT_ROWS, until)
    written: dict = {}
    result = None
    try:
        with transaction.atomic():
            batch = ViolationImport.objects.create(
                unit=user.unit,
                created_by=user,
                file_name="bench.csv",
                file_sha256=os.urandom(32).hex(),
                mode=ViolationImport.Mode.ALL_OR_NOTHING,
            )
            t0 = time.perf_counter()
            result = import_rows(batch, rows, officer=user)
            import_s = time.perf_counter() - t0
            with connection.cursor() as cur:
                written[PenaltyDecision] = _select(cur, PenaltyDecision, '"import_batch_id" = %s', [batch.pk])
                ids = [r[0] for r in written[PenaltyDecision]]
                case_ids = sorted({r[_columns(PenaltyDecision).index("case_id")] for r in written[PenaltyDecision]})
                written[ViolationCase] = []
                written[DecisionViolator] = []
                for i in range(0, len(ids), 900):
                    chunk = ids[i : i + 900]
                    marks = ", ".join(["%s"] * len(chunk))
                    written[DecisionViolator] += _select(cur, DecisionViolator, f'"decision_id" IN ({marks})', chunk)
                for i in range(0, len(case_ids), 900):
                    chunk = case_ids[i : i + 900]
                    marks = ", ".join(["%s"] * len(chunk))
                    written[ViolationCase] += _select(cur, ViolationCase, f'"id" IN ({marks})', chunk)
            raise _Rollback
    except _Rollback:
        pass
    if result is None or result.error_rows or result.created != IMPORT_ROWS:
        errors = result.errors[:5] if result else []
        raise SystemExit(f"the import did not take every row: {result and result.created} created; {errors}")
    copy_s = None
    try:
        with transaction.atomic():
            with connection.cursor() as cur:
                t0 = time.perf_counter()
                for model in (ViolationCase, PenaltyDecision, DecisionViolator):
                    _bulk_write(cur, model, written[model])
                copy_s = time.perf_counter() - t0
            raise _Rollback
    except _Rollback:
        pass
    n_rows = sum(len(v) for v in written.values())
    return {
        "rows": IMPORT_ROWS,
        "table_rows": n_rows,
        "import_s": import_s,
        "copy_s": copy_s,
        "import_rate": IMPORT_ROWS / import_s,
        "copy_rate": IMPORT_ROWS / copy_s,
    }


# --- main -----------------------------------------------------------------------------------------


def main() -> int:
    if not shutil.which("wrk"):
        print("wrk is missing: apt-get install wrk", file=sys.stderr)
        return 2
    tmp = Path(tempfile.mkdtemp(prefix="antt-bench-violations-"))
    (tmp / "violations_bench_settings.py").write_text(SETTINGS_MODULE, encoding="utf-8")
    (tmp / "violations_bench_urls.py").write_text(URLS_MODULE, encoding="utf-8")
    env = common.prepare_env(tmp)
    env["DJANGO_SETTINGS_MODULE"] = "violations_bench_settings"
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), str(BENCH_DIR), str(tmp)])
    env["ANTT_CONN_MAX_AGE"] = env.get("ANTT_CONN_MAX_AGE", "600")
    db = "PostgreSQL" if env.get("DATABASE_URL") else "SQLite"
    until = _until()
    print(
        f"# ANTT violation benchmarks — {time.strftime('%Y-%m-%d %H:%M')} — {db}, gunicorn {common.WORKERS} sync "
        f"workers, wrk -c{common.CONNECTIONS} {DURATION}s x{1 if SHORT else 3}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, load average {os.getloadavg()[0]:.1f}"
    )
    sys.stdout.flush()
    common.manage(env, "migrate", "--noinput")
    os.environ.update(env)
    sys.path.insert(0, str(tmp))
    import django

    django.setup()
    logging.disable(logging.INFO)  # the audit trail logs every entry of the reference loaders
    from django.core.management import call_command
    from django.db import connection

    from antt.violations.demo import demo_decisions
    from antt.violations.models import PenaltyDecision

    existing = demo_decisions().count()
    gen = None
    if os.environ.get("BENCH_REUSE") == "1" and existing:
        print(f"reusing {existing:,} decisions")
    else:
        call_command("load_reference", verbosity=0)
        try:
            from antt.violations.loaders import load_violation_rules
        except ImportError:  # the catalogue's loader is wired into load_reference later
            load_violation_rules = None
        if load_violation_rules is not None:
            load_violation_rules()
        t0 = time.perf_counter()
        subprocess.run(
            [PY, str(ROOT / "manage.py"), "generate_violations", "--decisions", str(DECISIONS), "--years", str(YEARS)]
            + ["--until", until.isoformat(), "--replace", "--force", "--verbosity", "0"],
            env=env,
            check=True,
        )
        seconds = time.perf_counter() - t0
        n = demo_decisions().count()
        gen = {"decisions": n, "seconds": round(seconds, 1)}
        print(f"generation: {n:,} decisions in {seconds:.1f} s ({n / seconds:,.0f} decisions/s)")
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    sys.stdout.flush()
    user = bench_user()
    stats = bench_stats(user, until)
    print(f"a) {stats['name']}: {stats['ms']:.1f} ms vs SQL {stats['baseline_ms']:.1f} ms, same: {stats['same']}")
    sys.stdout.flush()
    imported = bench_import(user, until)
    print(
        f"c) import of {imported['rows']:,} rows: {imported['import_s']:.2f} s vs plain write "
        f"{imported['copy_s']:.2f} s"
    )
    sys.stdout.flush()
    plates = sample_plates(PLATES)
    total = PenaltyDecision.objects.count()
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
        lookup = bench_lookup(base, plates, tmp)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        shutil.rmtree(tmp, ignore_errors=True)

    e, b = lookup["endpoint"], lookup["baseline"]
    print()
    print(
        f"{total:,} decisions; the table's year: {stats['rows']:,} decisions, {stats['cases']:,} cases, "
        f"{stats['violators']:,} distinct violators"
    )
    print()
    print("| benchmark | figure | baseline | ratio | target |")
    print("|---|---|---|---|---|")
    x = stats["ms"] / stats["baseline_ms"]
    print(
        f"| a) {stats['name']} (`stats_table`) vs hand-written SQL GROUP BY | {stats['ms']:.1f} ms | "
        f"{stats['baseline_ms']:.1f} ms | {x:.2f}× | ≤ 3×: {'met' if x <= 3 else 'NOT met'} |"
    )
    ratio = e["rps"] / b["rps"]
    print(
        f"| b) POST /api/v1/violations/lookup {{plate}} vs raw-SQL view, wrk -c{common.CONNECTIONS} | {e['rps']:.0f} "
        f"req/s, p50 {e['p50_ms']:.1f} ms, p99 {e['p99_ms']:.1f} ms | {b['rps']:.0f} req/s, p50 {b['p50_ms']:.1f} ms, "
        f"p99 {b['p99_ms']:.1f} ms | {ratio:.2f} | ≥ 0.70: {'met' if ratio >= 0.7 else 'NOT met'} |"
    )
    me, mb = lookup["moderate"]["endpoint"], lookup["moderate"]["baseline"]
    print(
        f"| b') the same at wrk -c{LATENCY_CONNECTIONS} | {me['rps']:.0f} req/s, p50 {me['p50_ms']:.1f} ms, p99 "
        f"{me['p99_ms']:.1f} ms | {mb['rps']:.0f} req/s, p50 {mb['p50_ms']:.1f} ms, p99 {mb['p99_ms']:.1f} ms | "
        f"{me['rps'] / mb['rps']:.2f} | (latency) |"
    )
    r = imported["import_rate"] / imported["copy_rate"]
    write = "COPY" if connection.vendor == "postgresql" else "executemany"
    print(
        f"| c) import of {imported['rows']:,} decisions, validation included (`import_rows`) vs plain {write} of "
        f"the same {imported['table_rows']:,} rows | {imported['import_s']:.2f} s ({imported['import_rate']:,.0f} "
        f"rows/s) | {imported['copy_s']:.2f} s ({imported['copy_rate']:,.0f} rows/s) | {r:.2f} | ≥ 0.25: "
        f"{'met' if r >= 0.25 else 'NOT met'} |"
    )
    print()
    print(f"wrk runs (req/s): endpoint {e['runs']}, baseline {b['runs']}; same JSON: {lookup['same_json']}")
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")
    problems = []
    if e["non_2xx"] or b["non_2xx"]:
        problems.append(f"non-2xx responses: endpoint {e['non_2xx']}, baseline {b['non_2xx']}")
    if not stats["same"]:
        problems.append("the appendix 9 table and its SQL baseline disagree")
    if not lookup["same_json"]:
        problems.append("the lookup endpoint and its baseline answer differently")
    for p in problems:
        print("ERROR:", p, file=sys.stderr)
    if gen:
        print(f"generation: {json.dumps(gen)}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
