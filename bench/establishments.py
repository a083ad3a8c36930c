"""Establishment benchmarks of issue 5 ("Speed"): `python bench/establishments.py`.

On a database filled by `manage.py generate_establishments` (200,000 establishments and
1,000,000 inspections by default), each figure is printed beside its baseline measured in the
same run, on the same data, and their ratio; each answer is checked equal to its baseline's
(the counts and the ids of the first page):

a) the monthly inspection plan of the busiest commune police (most establishments), as its page
   evaluates it: `selectors_inspections.monthly_plan` for the unit's head, then each of the four
   parts (due this month with nothing planned, overdue, planned in the month, open findings past
   their deadline) counted and its first page fetched — against hand-written SQL giving the
   same counts and first pages (the same filters and order, the subtree of units by path).
   Target: <= 3x.
b) the registry search of the list page for a head of the provincial police (the whole
   registry): `selectors.establishment_list(user, q=...)`, its count and first page with the
   unit, area and lines, as the page's paginator takes them — for several queries: a folded name word, folded words, a name with
   diacritics, a tax code — against hand-written SQL (`name_folded LIKE '%word%'` per word, or
   the tax code; the same order, count and page). Target: <= 3x.

Both run in process (no server): median of BENCH_REPEAT runs after a warm-up, the selector's
and the baseline's runs alternating (drift on a shared machine hits both alike).

Environment:
  DATABASE_URL         PostgreSQL (the figures for the record; the database is created when it
                       does not exist); unset: a scratch SQLite file
  BENCH_ESTABLISHMENTS establishments to generate (default 200,000; BENCH_SHORT: 2,000)
  BENCH_INSPECTIONS    inspections to generate (default 1,000,000; BENCH_SHORT: 10,000)
  BENCH_UNTIL          "today" of the data and the plan's month (default yesterday)
  BENCH_REPEAT         timed runs per figure (default 15; BENCH_SHORT: 3)
  BENCH_REUSE=1        keep the establishments already in the database (skip the generation)
  BENCH_EXPLAIN=1      print the query plans (EXPLAIN ANALYZE on PostgreSQL) of every figure,
                       not only of those above the target
  BENCH_SHORT=1        a quick smoke run, for CI; its figures are not for the record
"""

from __future__ import annotations

import json
import logging
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

import run as common  # noqa: E402  (bench/run.py: environment helpers)

ROOT = common.ROOT
PY = common.PY
SHORT = common.SHORT
ESTABLISHMENTS = 2_000 if SHORT else int(os.environ.get("BENCH_ESTABLISHMENTS", "200000"))
INSPECTIONS = 10_000 if SHORT else int(os.environ.get("BENCH_INSPECTIONS", "1000000"))
REPEAT = 3 if SHORT else int(os.environ.get("BENCH_REPEAT", "15"))
EXPLAIN = os.environ.get("BENCH_EXPLAIN") == "1"
TARGET = 3.0


def _until() -> date:
    value = os.environ.get("BENCH_UNTIL")
    return date.fromisoformat(value) if value else date.today() - timedelta(days=1)


def timed_pair(fn, baseline, repeat: int = REPEAT) -> tuple[float, object, float, object]:
    """Median wall times (ms) of `fn` and `baseline` and their last results: one warm-up each,
    then `repeat` runs alternating the two, so that drift on a shared machine hits both alike."""
    result, expected = fn(), baseline()
    times, base_times = [], []
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        t1 = time.perf_counter()
        expected = baseline()
        t2 = time.perf_counter()
        times.append((t1 - t0) * 1000)
        base_times.append((t2 - t1) * 1000)
    return statistics.median(times), result, statistics.median(base_times), expected


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database of DATABASE_URL when it does not exist."""
    import dj_database_url
    import psycopg
    from psycopg import sql

    cfg = dj_database_url.parse(url)
    params = {
        "host": cfg.get("HOST") or None,
        "port": cfg.get("PORT") or None,
        "user": cfg.get("USER") or None,
        "password": cfg.get("PASSWORD") or None,
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **{k: v for k, v in params.items() if v}) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [cfg["NAME"]]).fetchone() is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(cfg["NAME"])))
            print(f"created database {cfg['NAME']}")


def run_sql(queries: list[tuple[str, list]]) -> list[list[tuple]]:
    from django.db import connection

    out = []
    with connection.cursor() as cur:
        for q, params in queries:
            cur.execute(q, params)
            out.append(cur.fetchall())
    return out


def paged_sql(rows_query: tuple[str, list], count_query: tuple[str, list], page: int) -> tuple[list[tuple], int]:
    """What a careful hand-written page does, as `views.common.page_of` does: read one row more
    than the page; only when the page is full is the COUNT(*) needed."""
    (rows,) = run_sql([rows_query])
    if len(rows) <= page:
        return rows, len(rows)
    (count,) = run_sql([count_query])
    return rows[:page], count[0][0]


def explain(label: str, queries: list[tuple[str, list]]) -> None:
    """Print the plans of `queries` (EXPLAIN ANALYZE on PostgreSQL, EXPLAIN QUERY PLAN on SQLite)."""
    from django.db import connection

    prefix = "EXPLAIN (ANALYZE, BUFFERS) " if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN "
    print(f"\n--- query plans: {label}")
    with connection.cursor() as cur:
        for q, params in queries:
            cur.execute(prefix + q, params)
            print(q if len(q) < 600 else q[:600] + " …")
            for row in cur.fetchall():
                print("   ", " | ".join(str(c) for c in row))


def captured(fn) -> list[tuple[str, list]]:
    """The SQL statements `fn` runs, with their parameters (for EXPLAIN)."""
    from django.db import connection

    statements = []

    def wrapper(execute, q, params, many, context):
        statements.append((q, list(params or [])))
        return execute(q, params, many, context)

    with connection.execute_wrapper(wrapper):
        fn()
    return statements


def head_of(unit, username: str):
    from antt.org.models import Role, User

    user, _ = User.objects.update_or_create(
        username=username, defaults={"unit": unit, "role": Role.HEAD, "full_name": "Lãnh đạo (đo hiệu năng)"}
    )
    return user


# --- a) the monthly plan --------------------------------------------------------------------------

E = '"establishments_establishment"'
INSP = '"establishments_inspection"'
F = '"establishments_finding"'


def subtree_ids(path: str) -> list[int]:
    """The units of the plan: the unit and those below it (one indexed LIKE on the path)."""
    (rows,) = run_sql([('SELECT "id" FROM "org_unit" WHERE "path" LIKE %s ORDER BY "id"', [path + "%"])])
    return [r[0] for r in rows]


def plan_sql(unit_ids: list[int], first: date, last: date, today: date, page: int) -> dict[str, list[tuple[str, list]]]:
    """The four parts of the plan by hand, over the units of the subtree: (first page, count) each."""
    units = "(" + ", ".join(["%s"] * len(unit_ids)) + ")"
    sub = list(unit_ids)
    planned = (
        "NOT EXISTS (SELECT 1 FROM " + INSP + ' i WHERE i."establishment_id" = e."id" AND i."domain" = %s '
        "AND i.\"status\" = 'planned')"
    )
    due_where = (
        f'e."unit_id" IN {units} AND e."status" = \'active\' AND ('
        f'(e."next_security_due" >= %s AND e."next_security_due" <= %s AND {planned}) OR '
        f'(e."next_fire_due" >= %s AND e."next_fire_due" <= %s AND {planned}))'
    )
    due_params = sub + [first, last, "security", first, last, "fire"]
    late_where = (
        f'e."unit_id" IN {units} AND e."status" = \'active\' AND ('
        '(e."next_security_due" < %s AND (e."last_security_inspection" IS NULL OR '
        'e."last_security_inspection" < e."next_security_due")) OR '
        '(e."next_fire_due" < %s AND (e."last_fire_inspection" IS NULL OR e."last_fire_inspection" < e."next_fire_due")))'
    )
    late_params = sub + [first, first]
    e_cols = (
        'e."id", e."name", e."tax_code", e."address", e."unit_id", e."risk_score", e."next_security_due", '
        'e."next_fire_due", e."last_security_inspection", e."last_fire_inspection"'
    )
    e_order = 'e."risk_score" DESC, e."name_folded" ASC, e."id" ASC'
    planned_where = (
        f'i."unit_id" IN {units} AND i."status" = \'planned\' AND i."planned_on" >= %s AND i."planned_on" <= %s'
    )
    planned_params = sub + [first, last]
    findings_where = f'f."unit_id" IN {units} AND f."status" = \'open\' AND f."due_on" < %s'
    findings_params = sub + [today]
    return {
        "due": [
            (f"SELECT {e_cols} FROM {E} e WHERE {due_where} ORDER BY {e_order} LIMIT {page + 1}", due_params),
            (f"SELECT COUNT(*) FROM {E} e WHERE {due_where}", due_params),
        ],
        "overdue": [
            (f"SELECT {e_cols} FROM {E} e WHERE {late_where} ORDER BY {e_order} LIMIT {page + 1}", late_params),
            (f"SELECT COUNT(*) FROM {E} e WHERE {late_where}", late_params),
        ],
        "planned": [
            (
                'SELECT i."id", i."domain", i."kind", i."planned_on", i."notified_on", i."status", i."unit_id", '
                f'i."establishment_id", e."name", e."address" FROM {INSP} i JOIN {E} e ON e."id" = i."establishment_id" '
                f'WHERE {planned_where} ORDER BY i."planned_on" ASC, i."id" ASC LIMIT {page + 1}',
                planned_params,
            ),
            (f"SELECT COUNT(*) FROM {INSP} i WHERE {planned_where}", planned_params),
        ],
        "overdue_findings": [
            (
                'SELECT f."id", f."description", f."requirement", f."due_on", f."unit_id", f."inspection_id", '
                f'f."establishment_id", e."name" FROM {F} f JOIN {E} e ON e."id" = f."establishment_id" '
                f'WHERE {findings_where} ORDER BY f."due_on" ASC, f."id" ASC LIMIT {page + 1}',
                findings_params,
            ),
            (f"SELECT COUNT(*) FROM {F} f WHERE {findings_where}", findings_params),
        ],
    }


PARTS = ("due", "overdue", "planned", "overdue_findings")


def plan_page_size() -> int:
    try:
        from antt.establishments.views import inspections as views
    except ImportError:
        return 50
    return int(getattr(views, "PLAN_PAGE_SIZE", getattr(views, "PAGE_SIZE", 50)))


def bench_plan(unit, head, until: date) -> dict:
    from antt.establishments import selectors_inspections as selectors
    from antt.establishments.views.common import page_of

    page = plan_page_size()
    first, last = selectors.month_bounds(until)

    def orm():
        # as the plan page does: the plan, then per part a paginator's count and first page
        plan = selectors.monthly_plan(head, unit, until, today=until)
        out = {}
        for part in PARTS:
            p = page_of(getattr(plan, part), 1, page)
            out[part] = (p.paginator.count, [r["id"] for r in p.object_list])
        return out

    def raw():
        queries = plan_sql(subtree_ids(unit.path), first, last, until, page)
        out = {}
        for part in PARTS:
            rows_query, count_query = queries[part]
            rows, count = paged_sql(rows_query, count_query, page)
            out[part] = (count, [r[0] for r in rows])
        return out

    orm_ms, mine, sql_ms, theirs = timed_pair(orm, raw)
    result = {
        "name": f"monthly plan {first:%m/%Y} of {unit.name}",
        "ms": orm_ms,
        "baseline_ms": sql_ms,
        "same": mine == theirs,
        "counts": {part: mine[part][0] for part in PARTS},
        "baseline_counts": {part: theirs[part][0] for part in PARTS},
        "page": page,
        "rows_ms": None,
    }
    # the page then builds its rows (planned inspections of the page, unit names, notices):
    # reported beside, not part of the ratio (the baseline returns the bare rows)
    shapers = {
        "due": getattr(selectors, "establishment_rows", None),
        "overdue": getattr(selectors, "establishment_rows", None),
        "planned": getattr(selectors, "planned_rows", None),
        "overdue_findings": getattr(selectors, "finding_rows", None),
    }
    if all(shapers.values()):
        plan = selectors.monthly_plan(head, unit, until, today=until)
        pages = {part: list(getattr(plan, part)[:page]) for part in PARTS}

        def shape():
            return [shapers[part](pages[part], plan) for part in PARTS]

        result["rows_ms"], _, _, _ = timed_pair(shape, lambda: None)
    if EXPLAIN or orm_ms > TARGET * sql_ms or not result["same"]:
        explain(result["name"] + " — selector", captured(orm))
        queries = plan_sql(subtree_ids(unit.path), first, last, until, page)
        explain(result["name"] + " — baseline", [q for part in PARTS for q in queries[part]])
    return result


# --- b) the registry search -----------------------------------------------------------------------


def list_page_size() -> int:
    try:
        from antt.establishments.views import registry as views
    except ImportError:
        return 50
    return int(getattr(views, "PAGE_SIZE", 50))


def search_sql(path: str, q: str, page: int) -> list[tuple[str, list]]:
    """The search of the list page by hand: each folded word in `name_folded`, or the tax code."""
    from antt.core.text import fold
    from antt.establishments.selectors import _tax_code_of

    words = fold(q).split()
    like = " AND ".join(['e."name_folded" LIKE %s'] * len(words)) or "TRUE"
    params = [f"%{w}%" for w in words]
    code = _tax_code_of(q.strip())
    match = f"({like})"
    if code is not None:  # as the selector: a name never holds a 10- or 12-digit number
        match = 'e."tax_code" = %s'
        params = [code]
    where = f'u."path" LIKE %s AND {match}'
    params = [path + "%", *params]
    base = f'FROM {E} e JOIN "org_unit" u ON u."id" = e."unit_id" WHERE {where}'
    cols = (
        'e."id", e."name", e."trade_name", e."tax_code", e."address", e."status", e."kind", e."risk_score", '
        'e."next_security_due", e."representative_name", u."name", a."name"'
    )
    rows = (
        f'SELECT {cols} FROM {E} e JOIN "org_unit" u ON u."id" = e."unit_id" '
        f'JOIN "org_adminarea" a ON a."id" = e."area_id" WHERE {where} '
        f'ORDER BY e."name_folded" ASC, e."id" ASC LIMIT {page + 1}'
    )
    return [(rows, params), (f"SELECT COUNT(*) {base}", params)]


def search_queries() -> list[tuple[str, str]]:
    """(label, query): a folded word, folded words, a name with diacritics, a tax code, all of them
    taken from the generated data so that they find something."""
    from antt.establishments.generate import generated_establishments

    rows = generated_establishments().order_by("id")
    sample = rows.filter(trade_name__startswith="Khách sạn").values_list("trade_name", flat=True).first()
    middle = rows.count() // 3
    tax = rows.filter(kind="enterprise").values_list("tax_code", flat=True)[middle // 3 : middle // 3 + 1]
    tax_code = next(iter(tax), None) or rows.values_list("tax_code", flat=True).first()
    return [
        ("a folded word", "karaoke"),
        ("folded words", "nha nghi hoang gia"),
        ("a name with diacritics", sample or "Khách sạn Ánh Dương"),
        ("a tax code", tax_code),
    ]


def lines_sql(ids: list[int]) -> tuple[str, list]:
    through = '"establishments_establishment_lines"'
    marks = ", ".join(["%s"] * len(ids)) or "NULL"
    return (
        f'SELECT l."establishment_id", b."id", b."code", b."name" FROM {through} l '
        f'JOIN "establishments_businessline" b ON b."id" = l."businessline_id" WHERE l."establishment_id" IN ({marks})',
        ids,
    )


def bench_search(head) -> list[dict]:
    from antt.establishments.selectors import establishment_list, for_list_page, list_rows
    from antt.establishments.views.common import page_of

    page = list_page_size()
    results = []
    for label, q in search_queries():
        queries = search_sql(head.unit.path, q, page)

        def orm(q=q):
            # as the list page does: the selector, the unit, area and lines of the page, a paginator
            qs = for_list_page(establishment_list(head, q=q, sort="name"))
            p = page_of(qs, 1, page)
            rows = list_rows(p.object_list)
            return p.paginator.count, [row["e"].pk for row in rows]

        def raw(queries=queries):
            rows, count = paged_sql(queries[0], queries[1], page)
            ids = [r[0] for r in rows]
            run_sql([lines_sql(ids)])
            return count, ids

        orm_ms, mine, sql_ms, theirs = timed_pair(orm, raw)
        result = {
            "name": f"registry search, {label}: “{q}”",
            "ms": orm_ms,
            "baseline_ms": sql_ms,
            "same": mine == theirs,
            "rows": mine[0],
            "baseline_rows": theirs[0],
        }
        if EXPLAIN or orm_ms > TARGET * sql_ms or not result["same"]:
            explain(result["name"] + " — selector", captured(orm))
            explain(result["name"] + " — baseline", queries)
        results.append(result)
    return results


# --- main -----------------------------------------------------------------------------------------


def main() -> int:
    tmp = Path(tempfile.mkdtemp(prefix="antt-bench-establishments-"))
    env = common.prepare_env(tmp)
    env["ANTT_CONN_MAX_AGE"] = env.get("ANTT_CONN_MAX_AGE", "600")
    db = "PostgreSQL" if env.get("DATABASE_URL") else "SQLite"
    until = _until()
    print(
        f"# ANTT establishment benchmarks — {time.strftime('%Y-%m-%d %H:%M')} — {db}, in process, median of "
        f"{REPEAT} alternating runs after a warm-up, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    sys.stdout.flush()
    try:
        if env.get("DATABASE_URL"):
            ensure_database(env["DATABASE_URL"])
        common.manage(env, "migrate", "--noinput")
        os.environ.update(env)
        import django

        django.setup()
        logging.disable(logging.INFO)  # the audit trail logs every entry of the reference loaders
        from django.core.management import call_command
        from django.db import connection
        from django.db.models import Count

        from antt.establishments.generate import generated_establishments
        from antt.establishments.models import Establishment, Finding, Inspection
        from antt.org.models import Unit

        existing = generated_establishments().count()
        gen = None
        if os.environ.get("BENCH_REUSE") == "1" and existing:
            print(f"reusing {existing:,} establishments")
        else:
            call_command("load_reference", verbosity=0)
            t0 = time.perf_counter()
            subprocess.run(
                [PY, str(ROOT / "manage.py"), "generate_establishments", "--establishments", str(ESTABLISHMENTS)]
                + ["--inspections", str(INSPECTIONS), "--until", until.isoformat(), "--replace", "--force"]
                + ["--verbosity", "1" if not SHORT else "0"],
                env=env,
                check=True,
            )
            seconds = time.perf_counter() - t0
            gen = {
                "establishments": generated_establishments().count(),
                "inspections": Inspection.objects.count(),
                "findings": Finding.objects.count(),
                "seconds": round(seconds, 1),
            }
            print(
                f"generation: {gen['establishments']:,} establishments, {gen['inspections']:,} inspections, "
                f"{gen['findings']:,} findings in {seconds:.1f} s (the command's wall time, Django's start included)"
            )
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
        sys.stdout.flush()

        busiest = (
            Establishment.objects.filter(unit__level=Unit.Level.COMMUNE)
            .values("unit_id")
            .annotate(n=Count("*"))
            .order_by("-n", "unit_id")
            .first()
        )
        if busiest is None:
            raise SystemExit("no establishment in a commune unit: nothing to plan")
        unit = Unit.objects.get(pk=busiest["unit_id"])
        root = Unit.objects.filter(level=Unit.Level.PROVINCE, parent__isnull=True).order_by("pk").first()
        unit_head = head_of(unit, "bench-establishments-unit")
        province_head = head_of(root, "bench-establishments-province")
        totals = {
            "establishments": Establishment.objects.count(),
            "inspections": Inspection.objects.count(),
            "findings": Finding.objects.count(),
            "unit_establishments": busiest["n"],
        }

        plan = bench_plan(unit, unit_head, until)
        print(
            f"a) {plan['name']}: {plan['ms']:.1f} ms vs SQL {plan['baseline_ms']:.1f} ms, counts {plan['counts']}, "
            f"same: {plan['same']}"
        )
        sys.stdout.flush()
        searches = bench_search(province_head)
        for s in searches:
            print(
                f"b) {s['name']}: {s['ms']:.1f} ms vs SQL {s['baseline_ms']:.1f} ms, {s['rows']:,} found, same: {s['same']}"
            )
        sys.stdout.flush()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    print()
    print(
        f"{totals['establishments']:,} establishments, {totals['inspections']:,} inspections, "
        f"{totals['findings']:,} findings; the plan's unit manages {totals['unit_establishments']:,} establishments"
    )
    print()
    print("| benchmark | figure | baseline (same run) | ratio | target |")
    print("|---|---|---|---|---|")
    problems = []
    rows = [(f"a) {plan['name']} (`monthly_plan`, 4 counts + first pages of {plan['page']})", plan)]
    rows += [(f"b) {s['name']} (`establishment_list`, count + first page of {list_page_size()})", s) for s in searches]
    for label, r in rows:
        x = r["ms"] / r["baseline_ms"] if r["baseline_ms"] else float("inf")
        print(
            f"| {label} | {r['ms']:.1f} ms | {r['baseline_ms']:.1f} ms | {x:.2f}× | ≤ 3×: "
            f"{'met' if x <= TARGET else 'NOT met'} |"
        )
        if not r["same"]:
            problems.append(f"{r['name']}: the selector and its SQL baseline disagree")
    print()
    print(f"plan counts: {json.dumps(plan['counts'])}")
    if plan["rows_ms"] is not None:
        print(f"the plan page's row building on top (not in the ratio): {plan['rows_ms']:.1f} ms")
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")
    if gen:
        print(f"generation: {json.dumps(gen)}")
    for p in problems:
        print("ERROR:", p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
