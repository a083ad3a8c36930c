"""Lodging benchmarks of issue 6 ("Speed"): `python bench/lodging.py [--quick]`.

On PostgreSQL with 10,000,000 stored declarations (database `antt_bench_lodging`, kept between
runs: created, migrated and filled when absent — 10,000 generated establishments, about 3,200 of
them lodging places, then `generate_lodging --declarations 10000000`), each figure beside a
baseline measured in the same run, on the same data, in process (django.test.Client through the
whole middleware stack, no network server):

a) bulk declaration of 10,000 guests through the API (`POST /api/v1/lodging/declarations`, an
   establishment's API key, validation and watchlist matching included, against a watchlist of
   20,000 entries with one match in the batch) — against a plain COPY (SQLite: executemany) of
   the very rows the API wrote, read back, into the same table with the same indexes. Rows/s
   each; target ratio >= 0.25. The rows (and their batch and alert) are deleted after each run,
   so the table stays at its generated size.
b) police search: `selectors.search_queryset(user, criteria)` paged as the search page does
   (`page_of`: the first page + 1 row, no count) for a head of the provincial police — a common
   name and a rare name (typed without diacritics, with and without a 30-day arrival range), a
   document number, a date of birth with a name — against the same query written as raw SQL.
   BENCH_SEARCH_RUNS (default 60) alternating runs each, p50 and p95; target p95 ratio <= 3.
c) watchlist alert latency: from the start of the API POST of one guest on the watchlist until
   the duty officer (the head of the establishment's commune police) sees the alert through the
   alert poll endpoint (`/luu-tru/canh-bao/moi.json`); p95 over BENCH_ALERT_RUNS (30). Baseline:
   the same POST of a guest not on the watchlist. Target p95 <= 2 s.

Environment:
  BENCH_LODGING_URL    the PostgreSQL database (default: DATABASE_URL's server with the database
                       `antt_bench_lodging`, or postgres://postgres@127.0.0.1:5432/antt_bench_lodging)
  BENCH_DECLARATIONS   declarations to generate when the database has none (default 10,000,000)
  BENCH_REPEAT         runs of a) (default 3, the median is shown)
  BENCH_EXPLAIN=1      print the query plans of b)
  --quick (or BENCH_SHORT=1)  CI smoke run on DATABASE_URL or a scratch SQLite file: 50,000
                       declarations, 1,000 guests in a), 10 runs in b), 5 in c); not for the record
"""

from __future__ import annotations

import json
import logging
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

import run as common  # noqa: E402  (bench/run.py: environment helpers)

ROOT = common.ROOT
PY = common.PY
QUICK = "--quick" in sys.argv or common.SHORT
DECLARATIONS = 50_000 if QUICK else int(os.environ.get("BENCH_DECLARATIONS", "10000000"))
ESTABLISHMENTS = 2_000 if QUICK else 10_000
BULK_ROWS = 1_000 if QUICK else int(os.environ.get("BENCH_BULK_ROWS", "10000"))
WATCHLIST = 2_000 if QUICK else 20_000
REPEAT = 1 if QUICK else int(os.environ.get("BENCH_REPEAT", "3"))
SEARCH_RUNS = 10 if QUICK else int(os.environ.get("BENCH_SEARCH_RUNS", "60"))
ALERT_RUNS = 5 if QUICK else int(os.environ.get("BENCH_ALERT_RUNS", "30"))
EXPLAIN = os.environ.get("BENCH_EXPLAIN") == "1"
DB_NAME = "antt_bench_lodging"
# Watchlist document numbers of the benchmark: 12 digits under province code 096 (Cà Mau), which
# the generator never draws, so only the guests the benchmark sends can match them.
WATCH_PREFIX = "0960"
WATCH_BASIS = "Đo hiệu năng (bench/lodging.py)"


def bench_url() -> str | None:
    if QUICK:
        return os.environ.get("DATABASE_URL") or None
    if os.environ.get("BENCH_LODGING_URL"):
        return os.environ["BENCH_LODGING_URL"]
    base = os.environ.get("DATABASE_URL", "")
    if base.startswith("postgres"):
        head, _, _ = base.rpartition("/")
        return f"{head}/{DB_NAME}"
    return f"postgres://postgres@127.0.0.1:5432/{DB_NAME}"


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    if not values:
        return 0.0
    k = (len(values) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


# --- setup ------------------------------------------------------------------------------------------


def ensure_data(env: dict) -> dict:
    """Reference data, establishments and declarations, generated when missing; what was done."""
    from io import StringIO

    from django.core.management import call_command

    from antt.establishments.generate import generated_establishments
    from antt.lodging.generate import generated_declarations, lodging_establishments
    from antt.lodging.models import DeadlineRule

    done = {}
    if not DeadlineRule.objects.exists():
        call_command("load_reference", verbosity=0, stdout=StringIO())
    if not lodging_establishments().exists() and not generated_establishments().exists():
        t0 = time.perf_counter()
        call_command(
            "generate_establishments",
            f"--establishments={ESTABLISHMENTS}",
            "--inspections=0",
            "--force",
            verbosity=0,
            stdout=StringIO(),
        )
        done["establishments_s"] = round(time.perf_counter() - t0, 1)
    existing = generated_declarations().count()
    if existing:
        print(f"reusing {existing:,} generated declarations")
        done["declarations"] = existing
        return done
    t0 = time.perf_counter()
    args = ["generate_lodging", f"--declarations={DECLARATIONS}", "--force", "--no-occupancy"]
    args.append(f"--months={2 if QUICK else 12}")
    if QUICK:  # in process: no second Django start
        call_command(*args, verbosity=0, stdout=StringIO())
    else:
        subprocess.run([PY, str(ROOT / "manage.py"), *args], env=env, check=True)
    seconds = time.perf_counter() - t0
    done.update(declarations=generated_declarations().count(), generation_s=round(seconds, 1))
    print(f"generation: {done['declarations']:,} declarations in {seconds:.1f} s (the command's wall time)")
    return done


class World:
    """The benchmark's actors: a hotel with a manager account and an API key, its commune's head
    (the duty officer), the province's head (the search), the watchlist."""

    def __init__(self):
        from django.db.models import F

        from antt.establishments.models import EstablishmentAccount
        from antt.lodging import business
        from antt.lodging.generate import lodging_establishments
        from antt.lodging.models import ApiKey, WatchEntry
        from antt.org.models import Role, Unit, User

        self.hotel = (
            lodging_establishments()
            .filter(unit__level=Unit.Level.COMMUNE)
            .order_by(F("rooms").desc(nulls_last=True), "id")
            .first()
        )
        if self.hotel is None:
            raise SystemExit("no lodging establishment in a commune unit")
        self.manager, _ = User.objects.update_or_create(
            username="bench-lodging-manager", defaults={"full_name": "Quản lý (đo hiệu năng)", "role": "", "unit": None}
        )
        EstablishmentAccount.objects.update_or_create(
            user=self.manager,
            defaults={"establishment": self.hotel, "is_manager": True, "status": EstablishmentAccount.Status.ACTIVE},
        )
        ApiKey.objects.filter(establishment=self.hotel, name="bench").update(revoked_at=time_now())
        _key, self.key = business.key_create(establishment=self.hotel, name="bench", user=self.manager)
        self.officer, _ = User.objects.update_or_create(
            username="bench-lodging-duty",
            defaults={"full_name": "Trực ban (đo hiệu năng)", "role": Role.HEAD, "unit": self.hotel.unit},
        )
        root = Unit.objects.filter(level=Unit.Level.PROVINCE, parent__isnull=True).order_by("pk").first()
        self.searcher, _ = User.objects.update_or_create(
            username="bench-lodging-search",
            defaults={"full_name": "Lãnh đạo (đo hiệu năng)", "role": Role.HEAD, "unit": root},
        )
        # the watchlist: WATCHLIST entries by document number (and a tenth by name + birth date)
        have = WatchEntry.objects.filter(basis=WATCH_BASIS).count()
        if have < WATCHLIST:
            WatchEntry.objects.filter(basis=WATCH_BASIS).delete()
            rng = random.Random(6)
            entries = []
            for i in range(WATCHLIST):
                by_name = i % 10 == 9
                entries.append(
                    WatchEntry(
                        kind=WatchEntry.Kind.WANTED if i % 3 else WatchEntry.Kind.MISSING,
                        doc_number="" if by_name else f"{WATCH_PREFIX}{i:08d}",
                        full_name=f"Đối Tượng Thứ {i}" if by_name else "",
                        name_folded=f"doi tuong thu {i}" if by_name else "",
                        birth_date=date(1960, 1, 1) + timedelta(days=rng.randrange(15000)) if by_name else None,
                        basis=WATCH_BASIS,
                        unit=self.hotel.unit,
                        created_by=self.officer,
                    )
                )
            WatchEntry.objects.bulk_create(entries, batch_size=5000)
        self.watch_numbers = [f"{WATCH_PREFIX}{i:08d}" for i in range(WATCHLIST) if i % 10 != 9]


def time_now():
    from django.utils import timezone

    return timezone.now()


def guest(i: int, arrived: str, doc_number: str | None = None) -> dict:
    """A raw guest as a hotel's software sends it: ~8 % Korean, the rest Vietnamese."""
    if i % 12 == 5:
        return {
            "full_name": f"KIM MIN JUN {chr(65 + i % 26)}",
            "birth_date": "1985-08-12",
            "sex": "M",
            "doc_type": "PP",
            "doc_number": doc_number or f"M{(i * 7919) % 10**8:08d}",
            "nationality": "KOR",
            "address": "Seoul, Hàn Quốc",
            "arrived_at": arrived,
            "room": f"{1 + i % 9}{1 + i % 10:02d}",
            "reason": "DL",
            "visa_kind": "MIENTT",
            "entry_date": arrived[:10],
            "port_of_entry": "VVNB",
        }
    family = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Đỗ")[i % 6]
    given = ("Văn An", "Thị Bình", "Minh Cường", "Thu Hà", "Đức Dũng", "Ngọc Lan")[(i // 6) % 6]
    return {
        "full_name": f"{family} {given}",
        "birth_date": f"{1960 + i % 45}-{1 + i % 12:02d}-{1 + i % 28:02d}",
        "sex": "F" if "Thị" in given or "Thu" in given or "Ngọc" in given else "M",
        "doc_type": "CCCD",
        "doc_number": doc_number or f"0990{(i * 7919) % 10**8:08d}",
        "nationality": "VNM",
        "address": "Số 5 đường Trần Phú, tỉnh Thanh Hóa",
        "arrived_at": arrived,
        "expected_departure": None,
        "room": f"{1 + i % 9}{1 + i % 10:02d}",
        "reason": "DL",
    }


def arrival_text(minutes_ago: int = 60) -> str:
    from zoneinfo import ZoneInfo

    local = (time_now() - timedelta(minutes=minutes_ago)).astimezone(ZoneInfo("Asia/Ho_Chi_Minh"))
    return local.strftime("%Y-%m-%dT%H:%M")


def clean_guests(w: World, batch_ids: list) -> None:
    """Delete what a benchmark POST wrote: its declarations, alerts and batches."""
    from antt.lodging.models import Alert, Declaration, DeclarationBatch

    if not batch_ids:
        return
    from django.db import transaction

    from antt.lodging.partitions import ledger_maintenance

    stays = list(Declaration.objects.filter(batch_id__in=batch_ids).values_list("stay_id", flat=True))
    with transaction.atomic():
        ledger_maintenance()  # past the ledger's append-only trigger: benchmark rows only
        Alert.objects.filter(stay_id__in=stays).delete()
        Declaration.objects.filter(batch_id__in=batch_ids)._raw_delete("default")
        DeclarationBatch.objects.filter(pk__in=batch_ids).delete()


def post(client, w: World, guests: list[dict]):
    return client.post(
        "/api/v1/lodging/declarations",
        data=json.dumps({"mode": "all", "guests": [{k: v for k, v in g.items() if v is not None} for g in guests]}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {w.key}",
        HTTP_IDEMPOTENCY_KEY=f"bench-{uuid.uuid4().hex}",
    )


# --- a) bulk declaration ----------------------------------------------------------------------------


def _copy_rows(rows: list[tuple], columns: list[str]) -> float:
    from django.db import connection

    quoted = ", ".join(f'"{c}"' for c in columns)
    t0 = time.perf_counter()
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            with cur.cursor.copy(f'COPY "lodging_declaration" ({quoted}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cur.executemany(f'INSERT INTO "lodging_declaration" ({quoted}) VALUES ({marks})', rows)  # noqa: S608 (model columns)
    return time.perf_counter() - t0


def bench_bulk(client, w: World) -> dict:
    from django.db import connection, transaction

    from antt.lodging.models import Alert, Declaration

    columns = [f.column for f in Declaration._meta.concrete_fields]
    api_s, copy_s, statuses, alerts = [], [], [], []
    # warm-up: one small batch (loads the watchlist cache, the code tables, the first queries)
    warm = post(client, w, [guest(i, arrival_text(), f"0980{i:08d}") for i in range(20)])
    clean_guests(w, [warm.json().get("batch_id")] if warm.status_code < 300 else [])
    for run in range(REPEAT):
        arrived = arrival_text(90 + run)
        guests = [guest(run * BULK_ROWS + i, arrived) for i in range(BULK_ROWS)]
        hit = BULK_ROWS // 2
        guests[hit]["doc_number"] = w.watch_numbers[100 + run]  # one guest on the watchlist
        guests[hit]["doc_type"], guests[hit]["nationality"] = "CCCD", "VNM"
        t0 = time.perf_counter()
        response = post(client, w, guests)
        api_s.append(time.perf_counter() - t0)
        statuses.append(response.status_code)
        if response.status_code != 201:
            print(f"a) POST answered {response.status_code}: {response.content[:600]!r}")
            return {"ok": False, "status": response.status_code}
        batch_id = response.json()["batch_id"]
        written = Declaration.objects.filter(batch_id=batch_id)
        alerts.append(Alert.objects.filter(stay_id__in=written.values("stay_id")).count())
        rows = list(written.order_by("id").values_list(*[f.attname for f in Declaration._meta.concrete_fields]))
        if connection.vendor != "postgresql":  # executemany takes the database's own values
            fields = Declaration._meta.concrete_fields
            rows = [tuple(f.get_db_prep_value(v, connection) for f, v in zip(fields, r, strict=True)) for r in rows]
        clean_guests(w, [batch_id])
        # the baseline: the same rows, COPY into the same table, in a transaction rolled back
        with transaction.atomic():
            copy_s.append(_copy_rows(rows, columns))
            transaction.set_rollback(True)
    api, copy = statistics.median(api_s), statistics.median(copy_s)
    return {
        "ok": True,
        "rows": BULK_ROWS,
        "api_s": api,
        "copy_s": copy,
        "api_rate": BULK_ROWS / api,
        "copy_rate": BULK_ROWS / copy,
        "alerts": alerts,
        "runs_api_s": [round(x, 2) for x in api_s],
        "runs_copy_s": [round(x, 2) for x in copy_s],
    }


# --- b) search --------------------------------------------------------------------------------------


def search_cases() -> list[tuple[str, dict]]:
    """(label, criteria) taken from the generated data so that they find something."""
    from django.db.models import Max, Min

    from antt.lodging.generate import generated_declarations

    rows = generated_declarations()
    bounds = rows.aggregate(lo=Min("id"), hi=Max("id"))
    middle = (bounds["lo"] + bounds["hi"]) // 2
    sample = rows.filter(id__gte=middle, nationality="VNM", doc_type="CCCD").order_by("id").first()
    rare = (
        rows.filter(id__gte=middle, name_folded__startswith="quach ").order_by("id").first()
        or rows.filter(id__gte=middle, name_folded__startswith="lo ").order_by("id").first()
        or sample
    )
    today = time_now().date()
    month = {"arrived_from": today - timedelta(days=30), "arrived_to": today}
    common_name = "nguyen van hung"
    return [
        ("a common name", {"name": common_name}),
        ("a common name, last 30 days", {"name": common_name, **month}),
        ("a rare name", {"name": rare.name_folded}),
        ("a rare name, last 30 days", {"name": rare.name_folded, **month}),
        ("a document number", {"doc_number": sample.doc_number}),
        ("a date of birth and a name", {"birth_date": sample.birth_date, "name": sample.name_folded}),
    ]


def search_sql(user, criteria: dict, size: int) -> tuple[str, list]:
    """The search by hand: the user's units by path, the current rows, the criteria, newest first."""
    from django.db import connection

    from antt.lodging import selectors

    cols = ", ".join(f'"{c}"' for c in selectors.RESULT_COLUMNS)
    where = ['"unit_id" IN (SELECT "id" FROM "org_unit" WHERE "path" LIKE %s)', '"is_current"']
    params: list = [user.unit.path + "%"]
    if criteria.get("doc_number"):
        where.append('"doc_number" = %s')
        params.append(criteria["doc_number"])
    if criteria.get("name"):
        words = criteria["name"].split()
        if connection.vendor == "postgresql":
            where.append("to_tsvector('simple'::regconfig, \"name_folded\") @@ to_tsquery('simple'::regconfig, %s)")
            params.append(" & ".join(words))
        else:
            for word in words:
                where.append("(' ' || \"name_folded\" || ' ') LIKE %s")
                params.append(f"% {word} %")
    if criteria.get("birth_date"):
        where.append('"birth_date" = %s')
        params.append(criteria["birth_date"])
    if criteria.get("arrived_from"):
        where.append('"arrived_at" >= %s')
        # as the ORM sends it (SQLite stores UTC text: an aware +07:00 value would compare as text)
        params.append(connection.ops.adapt_datetimefield_value(selectors.day_start(criteria["arrived_from"])))
    if criteria.get("arrived_to"):
        where.append('"arrived_at" < %s')
        end = selectors.day_start(criteria["arrived_to"] + timedelta(days=1))
        params.append(connection.ops.adapt_datetimefield_value(end))
    sql = (
        f'SELECT {cols} FROM "lodging_declaration" WHERE {" AND ".join(where)} '  # noqa: S608 (constant SQL)
        f'ORDER BY "arrived_at" DESC, "id" DESC LIMIT {size + 1}'
    )
    return sql, params


def bench_search(w: World) -> list[dict]:
    from django.db import connection

    from antt.lodging import selectors

    size = selectors.PAGE_SIZE
    results = []
    for label, criteria in search_cases():
        sql, params = search_sql(w.searcher, criteria, size)

        def orm(criteria=criteria):
            page = selectors.page_of(selectors.search_queryset(w.searcher, criteria), 1, size)
            return [d.pk for d in page.rows], page.has_next

        def raw(sql=sql, params=params):
            with connection.cursor() as cur:
                cur.execute(sql, params)
                rows = cur.fetchall()
            return [r[0] for r in rows[:size]], len(rows) > size

        mine, theirs = orm(), raw()  # warm-up
        times, base = [], []
        for _ in range(SEARCH_RUNS):
            t0 = time.perf_counter()
            mine = orm()
            t1 = time.perf_counter()
            theirs = raw()
            t2 = time.perf_counter()
            times.append((t1 - t0) * 1000)
            base.append((t2 - t1) * 1000)
        result = {
            "name": f"search, {label}",
            "p50": pct(times, 0.5),
            "p95": pct(times, 0.95),
            "base_p50": pct(base, 0.5),
            "base_p95": pct(base, 0.95),
            "found": len(mine[0]),
            "same": mine == theirs,
        }
        if EXPLAIN or not result["same"] or result["p95"] > 3 * result["base_p95"]:
            explain(label, sql, params)
        results.append(result)
    return results


def explain(label: str, sql: str, params: list) -> None:
    from django.db import connection

    prefix = "EXPLAIN (ANALYZE, BUFFERS) " if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN "
    print(f"\n--- query plan: {label}")
    with connection.cursor() as cur:
        cur.execute(prefix + sql, params)
        for row in cur.fetchall():
            print("   ", " | ".join(str(c) for c in row))


# --- c) alert latency -------------------------------------------------------------------------------


def bench_alert(client, officer_client, w: World) -> dict:
    seen = {a["id"] for a in officer_client.get("/luu-tru/canh-bao/moi.json").json().get("latest", [])}
    latency, baseline, batches, polls = [], [], [], []
    for run in range(ALERT_RUNS):
        # the baseline: a guest not on the watchlist
        t0 = time.perf_counter()
        response = post(client, w, [guest(900_000 + run, arrival_text(30), f"0970{run:08d}")])
        baseline.append((time.perf_counter() - t0) * 1000)
        if response.status_code != 201:
            raise SystemExit(f"c) baseline POST answered {response.status_code}: {response.content[:400]!r}")
        batches.append(response.json()["batch_id"])
        # the figure: a guest on the watchlist, then the duty officer's poll until the alert shows
        g = guest(950_000 + run, arrival_text(30), w.watch_numbers[1000 + run])
        g["doc_type"], g["nationality"] = "CCCD", "VNM"
        t0 = time.perf_counter()
        response = post(client, w, [g])
        if response.status_code != 201:
            raise SystemExit(f"c) POST answered {response.status_code}: {response.content[:400]!r}")
        batches.append(response.json()["batch_id"])
        n = 0
        while True:
            n += 1
            latest = officer_client.get("/luu-tru/canh-bao/moi.json").json().get("latest", [])
            new = {a["id"] for a in latest} - seen
            if new:
                seen |= new
                break
            if time.perf_counter() - t0 > 30:
                raise SystemExit("c) no alert visible to the duty officer after 30 s")
            time.sleep(0.05)
        latency.append((time.perf_counter() - t0) * 1000)
        polls.append(n)
    clean_guests(w, batches)
    return {
        "p50": pct(latency, 0.5),
        "p95": pct(latency, 0.95),
        "base_p50": pct(baseline, 0.5),
        "base_p95": pct(baseline, 0.95),
        "polls": max(polls),
    }


# --- main -------------------------------------------------------------------------------------------


def main() -> int:
    tmp = Path(tempfile.mkdtemp(prefix="antt-bench-lodging-"))
    env = common.prepare_env(tmp)
    url = bench_url()
    if url:
        env["DATABASE_URL"] = url
    else:
        env.pop("DATABASE_URL", None)
    env.update(
        {
            "ANTT_ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
            "ANTT_LODGING_API_RATE": "1000000/m",
            "ANTT_REQUIRE_2FA": "0",
            "ANTT_DEBUG": "1" if QUICK else env.get("ANTT_DEBUG", "0"),
        }
    )
    db = "PostgreSQL" if env.get("DATABASE_URL") else "SQLite"
    print(
        f"# ANTT lodging benchmarks — {time.strftime('%Y-%m-%d %H:%M')} — {db}{' (quick)' if QUICK else ''}, "
        f"in process (django.test.Client), {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    sys.stdout.flush()
    try:
        if env.get("DATABASE_URL"):
            from establishments import ensure_database

            ensure_database(env["DATABASE_URL"])
        common.manage(env, "migrate", "--noinput")
        os.environ.update(env)
        import django

        django.setup()
        logging.disable(logging.INFO)
        from django.db import connection
        from django.test import Client
        from django.test.utils import setup_test_environment

        from antt.core.context import acting_as
        from antt.lodging.models import Declaration

        setup_test_environment()
        with acting_as(None, None):
            gen = ensure_data(env)
        with connection.cursor() as cur:
            cur.execute("ANALYZE")  # every table: the plans of b) need the units' statistics too
        total = Declaration.objects.count()
        with acting_as(None, None):
            w = World()
        client = Client()
        officer = Client()
        officer.force_login(w.officer)
        print(f"{total:,} declarations; the benchmark's hotel: {w.hotel.name} (#{w.hotel.pk}); watchlist {WATCHLIST:,}")
        sys.stdout.flush()

        bulk = bench_bulk(client, w)
        if bulk["ok"]:
            print(
                f"a) {BULK_ROWS:,} guests by the API: {bulk['api_s']:.2f} s ({bulk['api_rate']:,.0f} rows/s) vs "
                f"{'COPY' if connection.vendor == 'postgresql' else 'executemany'} {bulk['copy_s']:.2f} s "
                f"({bulk['copy_rate']:,.0f} rows/s); alerts per run {bulk['alerts']}"
            )
        sys.stdout.flush()
        searches = bench_search(w)
        for s in searches:
            print(
                f"b) {s['name']}: p50 {s['p50']:.1f} / p95 {s['p95']:.1f} ms vs SQL {s['base_p50']:.1f} / "
                f"{s['base_p95']:.1f} ms, {s['found']} on the page, same: {s['same']}"
            )
        sys.stdout.flush()
        alert = bench_alert(client, officer, w)
        print(
            f"c) alert latency: p50 {alert['p50']:.0f} / p95 {alert['p95']:.0f} ms vs the plain POST "
            f"p50 {alert['base_p50']:.0f} / p95 {alert['base_p95']:.0f} ms (polls needed: {alert['polls']})"
        )
        total_after = Declaration.objects.count()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    print()
    print("| benchmark | figure | baseline (same run) | ratio | target |")
    print("|---|---|---|---|---|")
    problems = []
    if bulk["ok"]:
        r = bulk["api_rate"] / bulk["copy_rate"]
        write = "COPY" if db == "PostgreSQL" else "executemany"
        print(
            f"| a) `POST /api/v1/lodging/declarations`, {BULK_ROWS:,} guests (validation + watchlist of {WATCHLIST:,}, "
            f"1 match) vs plain {write} of the same rows | {bulk['api_s']:.2f} s ({bulk['api_rate']:,.0f} rows/s) | "
            f"{bulk['copy_s']:.2f} s ({bulk['copy_rate']:,.0f} rows/s) | {r:.2f} | ≥ 0.25: {'met' if r >= 0.25 else 'NOT met'} |"
        )
        if any(a != 1 for a in bulk["alerts"]):
            problems.append(f"a) expected one alert per run, got {bulk['alerts']}")
    else:
        problems.append(f"a) the API refused the batch ({bulk['status']})")
    for s in searches:
        x = s["p95"] / s["base_p95"] if s["base_p95"] else float("inf")
        print(
            f"| b) {s['name']} (`search_queryset`, first page) | p50 {s['p50']:.1f} ms, p95 {s['p95']:.1f} ms | "
            f"p50 {s['base_p50']:.1f} ms, p95 {s['base_p95']:.1f} ms | {x:.2f}× | ≤ 3×: {'met' if x <= 3 else 'NOT met'} |"
        )
        if not s["same"]:
            problems.append(f"{s['name']}: the selector and its SQL baseline disagree")
    print(
        f"| c) watchlist alert, POST → visible in `/luu-tru/canh-bao/moi.json` (p95 of {ALERT_RUNS}) | "
        f"p50 {alert['p50']:.0f} ms, p95 {alert['p95']:.0f} ms | plain POST p50 {alert['base_p50']:.0f} ms, "
        f"p95 {alert['base_p95']:.0f} ms | {alert['p95'] / alert['base_p95']:.2f}× | p95 ≤ 2 s: "
        f"{'met' if alert['p95'] <= 2000 else 'NOT met'} |"
    )
    print()
    print(f"declarations before/after: {total:,} / {total_after:,}")
    if bulk.get("ok"):
        print(f"a) runs: API {bulk['runs_api_s']} s, COPY {bulk['runs_copy_s']} s")
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")
    if gen:
        print(f"data: {json.dumps(gen)}")
    if total_after != total:
        problems.append("the benchmark left rows behind")
    for p in problems:
        print("ERROR:", p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
