# S311: seeded pseudo-random numbers are the point here (reproducible demo data, never secrets).
# S608: the SQL is built from model metadata and module constants (table and column names), never from input.
# ruff: noqa: S311, S608
"""Realistic lodging declarations in bulk (`manage.py generate_lodging --declarations N`).

For the lodging benchmarks of issue 6 ("Speed": 10,000,000 stored declarations) and for a
lived-in demo. Declarations are written for the lodging establishments already in the database
(those with a lodging line, `BusinessLine.is_lodging`, active); nothing else is created.

What the rows look like (the weights are assumptions that look like a province's, not
statistics):

* **When**: arrivals over the last `months` months up to now, one row per stay (an `arrival`
  that is the stay's current row: `departed` with its `departed_at` when the guest has left,
  `staying` otherwise). Seasonality by month, stronger at the beaches (Sầm Sơn, Hải Tiến in xã
  Hoằng Tiến, Hải Hòa in the Nghi Sơn wards: `BEACH_AREAS`), a weekend rise, the public holidays
  of 30/4–1/5 and 2/9 at the beaches; arrival hours peak at check-in time, a few after 23:00.
* **Who**: parties of 1–6 guests sharing a room, arrival and nights (families share a family
  name and an address); ~8 % foreigners (`FOREIGN_MIX`: Korea, China, Laos, Thailand, the USA,
  Japan, France, Australia, Germany, the UK…), with a passport number of their country's shape,
  visa or exemption, entry date and port of entry; Vietnamese names with diacritics (the name
  pools of `dossiers.demo`), 12-digit personal ID numbers (ND 137/2015 Art. 7: province of birth,
  century and sex, year of birth, six digits), a few Vietnamese passports and electronic IDs.
  About a quarter of the stays are by "regular guests" drawn from a pool, so that a person's
  history shows several stays; the others are fresh people (their random ID numbers can meet by
  chance, about 0.4 % of them — synthetic data).
* **Deadlines**: `due_at` from the `DeadlineRule` rows in force on the arrival date (read from
  the database, computed as `lodging.deadlines` does: the 23:00 / 08:00 cut-off for Vietnamese,
  hours after arrival for foreigners); about 3 % are declared late (`LATE_SHARE`), the rest in
  the minutes after arrival. Stays last 1–5 nights.
* **Ids**: from `lodging.ids.allocate` (the PostgreSQL sequence / the SQLite counter), in blocks.

Generated rows carry `batch_id = GENERATED_BATCH` (a constant no `DeclarationBatch` has), which
`--if-empty` and `purge_generated()` use: rows written by the services always have their own
batch, so the demo's hand-made guests are never touched.

Speed (PostgreSQL): rows are built as COPY text lines in plain Python. A month whose partition is
empty and which receives many rows (`fast_load_from`) is loaded into a plain table without
indexes, which then replaces the month's partition (`ATTACH PARTITION` builds the partition's
indexes once, sorted, instead of updating nine indexes row by row); other months are copied
through the parent. Everything runs in one transaction: a failure writes nothing. SQLite:
`executemany` in one transaction.
"""

from __future__ import annotations

import contextlib
import math
import random
import time as clock
import uuid
from bisect import bisect
from collections import Counter as Tally
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import accumulate

from django.db import connection, transaction
from django.utils import timezone

from antt.core.text import fold
from antt.dossiers.demo import (
    FAMILY_NAMES,
    FEMALE_GIVEN,
    FEMALE_MIDDLE,
    MALE_GIVEN,
    MALE_MIDDLE,
    PHONE_PREFIXES,
    STREETS,
)
from antt.establishments.models import BusinessLine, Establishment
from antt.lodging import ids, partitions
from antt.lodging.models import Country, DeadlineRule, Declaration, RemoteCommune, Room

GENERATED_BATCH = uuid.uuid5(uuid.NAMESPACE_URL, "https://antt.example.vn/lodging/generated")
VN_OFFSET = 7 * 3600  # Asia/Ho_Chi_Minh: UTC+7, no daylight saving time
DAY = 86_400

# Assumptions (no statistics found), tuned so that the figures look like a province's.
LATE_SHARE = 0.03
FOREIGN_SHARE = 0.08
REGULAR_SHARE = 0.25  # stays by a guest of the regulars' pool (several stays in the history)
PHONE_SHARE = 0.7
MRZ_SHARE = 0.6  # foreign passports read from the MRZ
# Wards and communes of the beaches (folded names of the current areas): Sầm Sơn, Hải Tiến (xã
# Hoằng Tiến), Hải Hòa (phường Hải Lĩnh, Hải Bình, Nghi Sơn).
BEACH_AREAS = ("sam son", "nam sam son", "hoang tien", "hai linh", "hai binh", "nghi son")
# Arrivals per month (index 0 = January): inland (business, Tết family visits, summer) and beach.
SEASON_INLAND = (0.75, 1.05, 0.85, 0.9, 1.0, 1.15, 1.25, 1.2, 0.95, 0.9, 0.85, 0.95)
SEASON_BEACH = (0.15, 0.35, 0.3, 0.55, 1.4, 2.6, 2.9, 2.3, 0.7, 0.35, 0.2, 0.2)
WEEKDAY = (0.85, 0.8, 0.85, 0.95, 1.25, 1.4, 0.9)  # Monday first
BEACH_HOLIDAYS = {(4, 29): 1.8, (4, 30): 2.2, (5, 1): 2.0, (9, 1): 1.8, (9, 2): 2.0}
ARRIVAL_HOURS = (1, 0.5, 0.3, 0.2, 0.2, 0.3, 0.6, 1, 1.5, 2, 2.5, 3, 4, 5, 5.5, 5, 4.5, 4, 4.5, 4.5, 4, 3, 2.2, 1.5)
NIGHTS = ((1, 40), (2, 30), (3, 15), (4, 9), (5, 6))
PARTY = ((1, 42), (2, 36), (3, 10), (4, 8), (5, 2), (6, 2))
KIND_WEIGHT = {"khach san": 1.3, "nha nghi": 1.0, "homestay": 0.8, "nha khach": 0.7}
DEFAULT_ROOMS = {"khach san": 30, "nha nghi": 12, "homestay": 6, "nha khach": 15}
REASONS_INLAND = (("DL", 45), ("CONGTAC", 28), ("THAMTHAN", 10), ("LAODONG", 8), ("HOCTAP", 2), ("CHUABENH", 2))
REASONS_INLAND += (("KHAC", 5),)
REASONS_BEACH = (("DL", 88), ("CONGTAC", 5), ("THAMTHAN", 3), ("LAODONG", 1), ("KHAC", 3))
SOURCES_HOTEL = (("api", 50), ("file", 20), ("form", 30))
SOURCES_SMALL = (("form", 80), ("file", 15), ("api", 5))
VN_DOCS = (("CCCD", 90), ("VNEID", 6), ("HCVN", 3), ("GTK", 1))
# (province as in an address, the ID number's province codes of ND 137/2015 Art. 7, weight)
PROVINCES = (
    ("tỉnh Thanh Hóa", ("038",), 36),
    ("thành phố Hà Nội", ("001",), 20),
    ("tỉnh Nghệ An", ("040",), 8),
    ("tỉnh Ninh Bình", ("037", "035", "036"), 7),
    ("thành phố Hồ Chí Minh", ("079", "074", "077"), 6),
    ("thành phố Hải Phòng", ("031", "030"), 4),
    ("tỉnh Hưng Yên", ("033", "034"), 4),
    ("tỉnh Bắc Ninh", ("027", "024"), 3),
    ("tỉnh Phú Thọ", ("025", "026", "017"), 3),
    ("tỉnh Hà Tĩnh", ("042",), 3),
    ("tỉnh Quảng Ninh", ("022",), 2),
    ("thành phố Đà Nẵng", ("048", "049"), 2),
    ("tỉnh Lào Cai", ("010", "015"), 2),
)
# Foreign guests: (nationality, weight, surnames, given names, address, passport number shape,
# visa kind weights (VISA, MIENTT, TTT), ports). Number shapes: L = letter, 9 = digit, A = either.
FOREIGN_MIX = (
    (
        "KOR",
        22,
        "KIM LEE PARK CHOI JUNG KANG CHO YOON",
        "MIN JUN|SEO YEON|JI HOON|HA EUN|DONG HYUN|SU BIN|JAE WON",
        "Seoul, Hàn Quốc",
        "M99999999",
        (0, 90, 10),
        ("VVNB", "VVTX", "VVDN"),
    ),
    (
        "CHN",
        18,
        "WANG LI ZHANG LIU CHEN YANG HUANG ZHAO",
        "WEI|FANG|JING|LEI|XIU YING|JUN|MING|HAO",
        "Quảng Tây, Trung Quốc",
        "E99999999",
        (75, 0, 25),
        ("HUUNGHI", "MONGCAI", "VVNB", "LAOCAI"),
    ),
    (
        "LAO",
        14,
        "VONGSA PHOMMA SAYAVONG KEOLA INTHAVONG SOUVANNA",
        "KHAMPHOUVONG|NOY|SOMSAK|PHONSAVANH|BOUNMY|MALY",
        "Hủa Phăn, Lào",
        "P9999999",
        (0, 90, 10),
        ("NAMEO", "NAMCAN", "VVTX"),
    ),
    (
        "THA",
        8,
        "SRISAI BOONMA CHAIYAPORN SUKSAWAT WONGSA",
        "SOMCHAI|NARONG|SUDA|MALEE|KITTI|PORNTIP",
        "Bangkok, Thái Lan",
        "AA9999999",
        (0, 100, 0),
        ("VVNB", "VVTS", "VVTX"),
    ),
    (
        "USA",
        7,
        "SMITH JOHNSON WILLIAMS BROWN JONES MILLER DAVIS",
        "JAMES|MARY|ROBERT|JENNIFER|MICHAEL|LINDA|DAVID|SARAH",
        "California, Hoa Kỳ",
        "999999999",
        (90, 0, 10),
        ("VVNB", "VVTS", "VVDN"),
    ),
    (
        "JPN",
        6,
        "SATO SUZUKI TAKAHASHI TANAKA WATANABE ITO",
        "HIROSHI|YUKI|KENJI|AYAKA|TAKUYA|MISAKI",
        "Tokyo, Nhật Bản",
        "LL9999999",
        (0, 85, 15),
        ("VVNB", "VVTS"),
    ),
    (
        "FRA",
        5,
        "MARTIN BERNARD DUBOIS THOMAS ROBERT PETIT",
        "JEAN|MARIE|PIERRE|SOPHIE|LUC|CLAIRE",
        "Paris, Pháp",
        "99LL99999",
        (10, 90, 0),
        ("VVNB", "VVTS"),
    ),
    (
        "AUS",
        5,
        "SMITH JONES WILLIAMS BROWN WILSON TAYLOR",
        "JACK|OLIVIA|WILLIAM|CHARLOTTE|NOAH|MIA",
        "Sydney, Úc",
        "L9999999",
        (95, 0, 5),
        ("VVNB", "VVTS", "VVDN"),
    ),
    (
        "DEU",
        4,
        "MULLER SCHMIDT SCHNEIDER FISCHER WEBER MEYER",
        "LUKAS|ANNA|FELIX|LENA|JONAS|LAURA",
        "Berlin, Đức",
        "LAAAAAAAA",
        (10, 90, 0),
        ("VVNB", "VVTS"),
    ),
    (
        "GBR",
        4,
        "SMITH JONES TAYLOR BROWN WILLIAMS WILSON",
        "OLIVER|AMELIA|HARRY|ISLA|GEORGE|EMILY",
        "London, Vương quốc Anh",
        "999999999",
        (10, 90, 0),
        ("VVNB", "VVTS"),
    ),
    (
        "TWN",
        3,
        "CHEN LIN HUANG CHANG LEE WANG",
        "CHIA HAO|YI TING|CHIEN HUNG|SHU FEN",
        "Đài Bắc, Đài Loan (Trung Quốc)",
        "999999999",
        (70, 0, 30),
        ("VVNB", "VVTS"),
    ),
    (
        "RUS",
        2,
        "IVANOV SMIRNOV KUZNETSOV POPOV SOKOLOV",
        "ALEXEI|OLGA|DMITRY|NATALIA|IVAN|ELENA",
        "Moskva, Nga",
        "999999999",
        (10, 90, 0),
        ("VVCR", "VVNB"),
    ),
    (
        "IND",
        1,
        "SHARMA PATEL SINGH KUMAR GUPTA",
        "RAHUL|PRIYA|AMIT|ANJALI|VIKRAM",
        "New Delhi, Ấn Độ",
        "L9999999",
        (100, 0, 0),
        ("VVNB", "VVTS"),
    ),
    (
        "SGP",
        1,
        "TAN LIM LEE NG ONG",
        "WEI MING|HUI LING|JUN JIE|XIN YI",
        "Singapore",
        "L9999999L",
        (0, 100, 0),
        ("VVNB", "VVTS"),
    ),
)
VISA_KINDS = ("VISA", "MIENTT", "TTT")
LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"
DIGITS = "0123456789"
RECOMPUTE_DAYS = 3  # occupancy: the last days computed again by occupancy.compute_day
MIN_FAST_ROWS = 100_000  # PostgreSQL: a month with at least this many rows is loaded without indexes


class GenerateError(ValueError):
    """The generation cannot run (a Vietnamese message)."""


@dataclass
class GenerateOptions:
    declarations: int = 30_000
    months: int = 12
    until: datetime | None = None  # the "now" of the data; default: now
    seed: int = 1
    replace: bool = False
    chunk: int = 50_000  # rows per write (and per block of ids)
    fast_load_from: int = MIN_FAST_ROWS
    occupancy: bool = True


@dataclass
class GenerationSummary:
    rows: int = 0
    stays_staying: int = 0
    foreigners: int = 0
    late: int = 0
    establishments: int = 0
    beach_establishments: int = 0
    deleted: int = 0
    seconds: float = 0.0
    write_seconds: float = 0.0
    first: date | None = None
    last: date | None = None
    per_month: dict[str, int] = field(default_factory=dict)
    beach_per_month: dict[str, int] = field(default_factory=dict)
    fast_months: list[str] = field(default_factory=list)
    occupancy: str = ""

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


# --- helpers ------------------------------------------------------------------------------------


def _cum(pairs) -> tuple[list, list[float]]:
    items = [p[0] for p in pairs]
    return items, list(accumulate(float(p[1]) for p in pairs))


class _Pick:
    """A weighted choice by bisect on cumulative weights (fast in a hot loop)."""

    __slots__ = ("items", "cum", "total")

    def __init__(self, pairs):
        self.items, self.cum = _cum(pairs)
        self.total = self.cum[-1]

    def __call__(self, r: float):
        return self.items[bisect(self.cum, r * self.total)]


def _shape(rnd, pattern: str) -> str:
    out = []
    for ch in pattern:
        if ch == "9":
            out.append(DIGITS[int(rnd() * 10)])
        elif ch == "L":
            out.append(LETTERS[int(rnd() * len(LETTERS))])
        elif ch == "A":
            out.append((LETTERS + DIGITS)[int(rnd() * (len(LETTERS) + 10))])
        else:
            out.append(ch)
    return "".join(out)


@dataclass
class _Est:
    id: int
    unit_id: int
    area_id: int
    kind: str
    rooms: list[str]
    beach: bool
    remote: bool
    hotel: bool
    weight: float


@dataclass
class _Rule:
    valid_from: date
    valid_to: date | None
    method: str
    cutoff_hour: int | None
    next_day_hour: int | None
    within_hours: int | None
    remote_within_hours: int | None
    grace: int  # seconds


class _Deadlines:
    """`DeadlineRule` rows read once; due times as `lodging.deadlines.due_at` computes them, on
    epoch seconds (Vietnam time has no daylight saving: local = UTC + 7 h)."""

    def __init__(self):
        self.rules: dict[bool, list[_Rule]] = {False: [], True: []}
        for r in DeadlineRule.objects.order_by("valid_from"):
            self.rules[r.guest_kind == DeadlineRule.GuestKind.FOREIGNER].append(
                _Rule(
                    r.valid_from,
                    r.valid_to,
                    r.method,
                    r.cutoff_hour,
                    r.next_day_hour,
                    r.within_hours,
                    r.remote_within_hours,
                    r.grace_minutes * 60,
                )
            )
        if not self.rules[False] or not self.rules[True]:
            raise GenerateError("Chưa có thời hạn khai báo lưu trú: chạy `manage.py load_reference` trước.")
        self._cache: dict[tuple[bool, int], _Rule] = {}

    def rule(self, foreigner: bool, local_day: int) -> _Rule:
        key = (foreigner, local_day)
        rule = self._cache.get(key)
        if rule is None:
            day = date(1970, 1, 1) + timedelta(days=local_day)
            rule = next(
                (
                    r
                    for r in reversed(self.rules[foreigner])
                    if r.valid_from <= day and (r.valid_to is None or r.valid_to > day)
                ),
                self.rules[foreigner][-1],
            )
            self._cache[key] = rule
        return rule

    def due(self, arrived: int, foreigner: bool, remote: bool) -> int:
        local = arrived + VN_OFFSET
        local_day = local // DAY
        r = self.rule(foreigner, local_day)
        if r.method == DeadlineRule.Method.CUTOFF:
            hour = (local % DAY) // 3600
            if hour < r.cutoff_hour:
                due_local = local_day * DAY + r.cutoff_hour * 3600
            else:
                due_local = (local_day + 1) * DAY + r.next_day_hour * 3600
            return due_local - VN_OFFSET + r.grace
        hours = r.remote_within_hours if remote and r.remote_within_hours is not None else r.within_hours or 0
        return arrived + hours * 3600 + r.grace


# --- the writer -----------------------------------------------------------------------------------

COLUMNS = [f.column for f in Declaration._meta.concrete_fields]


class _Ids:
    """Ids taken before any row is written (a COPY in progress cannot ask the sequence): blocks
    of `lodging.ids.allocate`, kept as ranges."""

    def __init__(self, n: int, block: int = 1_000_000):
        self.ranges: list[tuple[int, int]] = []
        left = n
        while left > 0:
            got = ids.allocate(min(block, left))
            left -= len(got)
            lo = prev = got[0]
            for value in got[1:]:
                if value != prev + 1:
                    self.ranges.append((lo, prev))
                    lo = value
                prev = value
            self.ranges.append((lo, prev))
        self.ranges.reverse()
        self.next, self.last = 1, 0

    def take(self) -> int:
        if self.next > self.last:
            self.next, self.last = self.ranges.pop()
        value = self.next
        self.next += 1
        return value


class _Writer:
    """Rows to the database. PostgreSQL: one COPY per month partition kept open while its rows
    are generated (psycopg's queued writer sends them from a thread, so PostgreSQL ingests while
    Python builds the next rows); SQLite: executemany per chunk."""

    def __init__(self, summary: GenerationSummary, fast_load_from: int, expected: dict[date, int]):
        self.pg = connection.vendor == "postgresql"
        self.summary = summary
        self.fast_load_from = fast_load_from
        self.expected = expected
        self.copy_columns = ", ".join(f'"{c}"' for c in COLUMNS)
        self.open_month: date | None = None
        self.load: str | None = None  # the fast path's load table of the open month
        self._stack = contextlib.ExitStack()
        self._copy = None
        self.buffers: dict[date, list] = {}
        self.done: set[date] = set()
        self.t_open = 0.0
        self._pending: list[str] = []

    def _send(self) -> None:
        self._copy.write("".join(self._pending))
        self.summary.rows += len(self._pending)
        self._pending = []

    def row(self, month: date, row) -> None:
        if self.pg and month == self.open_month:
            self._pending.append(row)
            if len(self._pending) >= 2_000:
                self._send()
        else:
            self.buffers.setdefault(month, []).append(row)

    def new_day(self, local_date: date, chunk: int) -> None:
        """At the start of a local day: months that cannot get more rows are closed."""
        closed_before = partitions.month_start(local_date - timedelta(days=1))
        if self.pg:
            if self.open_month is None or self.open_month < closed_before:
                self._close()
                waiting = sorted(m for m in self.buffers if m not in self.done)
                self._open(waiting[0] if waiting else partitions.month_start(local_date))
        else:
            for month, rows in list(self.buffers.items()):
                if len(rows) >= chunk or month < closed_before:
                    self._executemany(self.buffers.pop(month))

    def close(self) -> None:
        if self.pg:
            self._close()
            while waiting := sorted(m for m in self.buffers if m not in self.done):
                self._open(waiting[0])
                self._close()
        else:
            for month in list(self.buffers):
                self._executemany(self.buffers.pop(month))

    def _executemany(self, rows: list) -> None:
        if not rows:
            return
        t0 = clock.perf_counter()
        marks = ", ".join("?" * len(COLUMNS))
        connection.connection.executemany(
            f'INSERT INTO "{partitions.TABLE}" ({self.copy_columns}) VALUES ({marks})', rows
        )
        self.summary.rows += len(rows)
        self.summary.write_seconds += clock.perf_counter() - t0

    def _open(self, month: date) -> None:
        from psycopg.copy import QueuedLibpqWriter

        self.open_month, self.load = month, None
        name = partitions.partition_name(month)
        target = partitions.TABLE
        if self.expected.get(month, 0) >= self.fast_load_from:
            with connection.cursor() as cur:
                if name in partitions.existing(cur):
                    cur.execute(f"SELECT 1 FROM {name} LIMIT 1")
                    if cur.fetchone() is None:
                        self.load = target = f"{name}_load"
                        cur.execute(f"DROP TABLE IF EXISTS {target}")
                        cur.execute(
                            f"CREATE TABLE {target} (LIKE {partitions.TABLE} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"
                        )
        cur = self._stack.enter_context(connection.cursor())
        raw = cur.cursor
        self._copy = self._stack.enter_context(
            raw.copy(f"COPY {target} ({self.copy_columns}) FROM STDIN", writer=QueuedLibpqWriter(raw))
        )
        self.t_open = clock.perf_counter()
        self._pending = self.buffers.pop(month, [])
        self._send()

    def _close(self) -> None:
        if self.open_month is None:
            return
        t0 = clock.perf_counter()
        self._send()
        self._stack.close()
        self._copy = None
        self.summary.write_seconds += clock.perf_counter() - t0
        month, self.open_month = self.open_month, None
        self.done.add(month)
        if self.load:
            self._attach(month, self.load)
            self.load = None

    def _attach(self, month: date, load: str) -> None:
        """Swap the loaded table in for the month's empty partition; the attach builds its indexes."""
        t0 = clock.perf_counter()
        name = partitions.partition_name(month)
        lo, hi = month, partitions.next_month(month)
        bounds = [f"{lo.isoformat()} 00:00:00+00", f"{hi.isoformat()} 00:00:00+00"]
        with connection.cursor() as cur:
            # The partition constraint, so that ATTACH needs no scan to check it.
            cur.execute(
                f"ALTER TABLE {load} ADD CONSTRAINT {load}_bounds CHECK (arrived_at IS NOT NULL AND "
                f"arrived_at >= %s AND arrived_at < %s)",
                bounds,
            )
            cur.execute(f"ALTER TABLE {partitions.TABLE} DETACH PARTITION {name}")
            cur.execute(f"DROP TABLE {name}")
            cur.execute(f"ALTER TABLE {load} RENAME TO {name}")
            cur.execute(f"ALTER TABLE {name} ADD CONSTRAINT {name}_pkey PRIMARY KEY (id, arrived_at)")
            cur.execute(f"ALTER TABLE {name} RENAME CONSTRAINT {load}_bounds TO {name}_bounds")
            cur.execute(f"ALTER TABLE {partitions.TABLE} ATTACH PARTITION {name} FOR VALUES FROM (%s) TO (%s)", bounds)
            cur.execute(f"ALTER TABLE {name} DROP CONSTRAINT {name}_bounds")
        self.summary.fast_months.append(name)
        self.summary.write_seconds += clock.perf_counter() - t0


# --- the generator --------------------------------------------------------------------------------


def lodging_establishments():
    """Active establishments with a lodging line in force (the ones declarations are written for)."""
    today = timezone.localdate()
    lines = BusinessLine.objects.filter(BusinessLine.valid_on(today), is_lodging=True)
    return Establishment.objects.filter(status=Establishment.Status.ACTIVE, lines__in=lines).distinct()


class LodgingGenerator:
    def __init__(self, options: GenerateOptions, progress: Callable[[int, int, float], None] | None = None):
        self.o = options
        self.progress = progress
        self.rng = random.Random(options.seed)
        # (establishment id, local day number) → [guests, foreign guests, rooms]: the nights of
        # the generated stays, for the occupancy figures (see `write_occupancy`)
        self.nights: dict[tuple[int, int], list] = {}

    # -- setup --

    def _establishments(self) -> list[_Est]:
        rows = list(
            lodging_establishments().values_list("id", "unit_id", "area_id", "lodging_kind", "rooms", "area__name")
        )
        if not rows:
            raise GenerateError(
                "Chưa có cơ sở kinh doanh dịch vụ lưu trú: chạy `manage.py load_demo` hoặc "
                "`manage.py generate_establishments` trước."
            )
        remote = set(RemoteCommune.objects.values_list("area_id", flat=True))
        own_rooms: dict[int, list[str]] = {}
        for est_id, number in Room.objects.filter(is_active=True).values_list("establishment_id", "number"):
            own_rooms.setdefault(est_id, []).append(number)
        out = []
        for est_id, unit_id, area_id, kind, rooms, area_name in rows:
            kind_folded = fold(kind)
            key = next((k for k in KIND_WEIGHT if k in kind_folded), "nha nghi")
            beach = any(fold(area_name or "").endswith(" " + a) or fold(area_name) == a for a in BEACH_AREAS)
            n = rooms or DEFAULT_ROOMS[key]
            numbers = own_rooms.get(est_id) or [f"{1 + i // 10}{1 + i % 10:02d}" for i in range(max(n, 1))]
            weight = math.sqrt(max(n, 1)) * 3 * KIND_WEIGHT[key] * (1.5 if beach else 1.0)
            out.append(
                _Est(est_id, unit_id, area_id, kind, numbers, beach, area_id in remote, key == "khach san", weight)
            )
        return out

    def _countries(self) -> dict[str, str]:
        return dict(Country.objects.values_list("code", "stats_code"))

    # -- run --

    def run(self) -> GenerationSummary:
        o = self.o
        if o.declarations < 1:
            raise GenerateError("Số khai báo cần sinh phải lớn hơn 0.")
        if o.months < 1 or o.months > 60:
            raise GenerateError("Số tháng phải từ 1 đến 60.")
        summary = GenerationSummary()
        t0 = clock.perf_counter()
        now = o.until or timezone.now()
        end = int(now.timestamp()) - 30 * 60  # the last arrival: half an hour ago
        first_local_day = (end + VN_OFFSET) // DAY - int(o.months * 30.44)
        last_local_day = (end + VN_OFFSET) // DAY
        summary.first = date(1970, 1, 1) + timedelta(days=first_local_day)
        summary.last = date(1970, 1, 1) + timedelta(days=last_local_day)
        ests = self._establishments()
        summary.establishments = len(ests)
        summary.beach_establishments = sum(e.beach for e in ests)
        deadlines = _Deadlines()
        stats_codes = self._countries()
        partitions.ensure_partitions(summary.first - timedelta(days=1), summary.last + timedelta(days=1))
        with transaction.atomic():
            if o.replace:
                summary.deleted = purge_generated()
            if connection.vendor == "postgresql":
                with connection.cursor() as cur:
                    cur.execute("SET LOCAL maintenance_work_mem = '512MB'")
                    cur.execute("SET LOCAL synchronous_commit = off")
            self._generate(ests, deadlines, stats_codes, now, end, first_local_day, last_local_day, summary)
        summary.seconds = clock.perf_counter() - t0
        if o.occupancy:
            summary.occupancy = write_occupancy(self.nights, summary.first, timezone.localdate())
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute(f"ANALYZE {partitions.TABLE}")
        summary.seconds = clock.perf_counter() - t0
        return summary

    def _day_quotas(self, ests: list[_Est], first: int, last: int) -> list[tuple[int, int, int]]:
        """(local day, beach rows, inland rows): the total spread by season, weekday and holiday."""
        w_beach = sum(e.weight for e in ests if e.beach)
        w_inland = sum(e.weight for e in ests if not e.beach)
        shares = []
        for day in range(first, last + 1):
            d = date(1970, 1, 1) + timedelta(days=day)
            week = WEEKDAY[d.weekday()]
            beach = SEASON_BEACH[d.month - 1] * week * (1.2 if d.weekday() >= 4 else 1.0)
            beach *= BEACH_HOLIDAYS.get((d.month, d.day), 1.0)
            shares.append((day, w_beach * beach, w_inland * SEASON_INLAND[d.month - 1] * week))
        total = sum(b + i for _, b, i in shares)
        out, acc, done = [], 0.0, 0
        for day, b, i in shares:
            acc += (b + i) / total * self.o.declarations
            n = round(acc) - done
            done += n
            nb = round(n * b / (b + i)) if b + i else 0
            out.append((day, nb, n - nb))
        return out

    def _generate(self, ests, deadlines, stats_codes, now, end, first, last, summary) -> None:
        o, rng = self.o, self.rng
        rnd = rng.random
        pg = connection.vendor == "postgresql"
        NULL = r"\N" if pg else None
        TRUE, FALSE = ("t", "f") if pg else (1, 0)
        dates: dict[int, str] = {}
        clock_times = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(DAY)]
        if pg:
            clock_times = [t + "+00" for t in clock_times]

        def d(value: date | None):
            if value is None:
                return NULL
            return value.isoformat()

        def day_str(n: int) -> str:
            value = dates.get(n)
            if value is None:
                value = dates[n] = (date(1970, 1, 1) + timedelta(days=n)).isoformat()
            return value

        def ts(t: int | None):
            if t is None:
                return NULL
            return f"{day_str(t // DAY)} {clock_times[t % DAY]}"

        batch = str(GENERATED_BATCH) if pg else GENERATED_BATCH.hex
        now_ts = int(now.timestamp())

        beach_ests = [e for e in ests if e.beach]
        inland_ests = [e for e in ests if not e.beach]
        pick_beach = _Pick([(e, e.weight) for e in beach_ests]) if beach_ests else None
        pick_inland = _Pick([(e, e.weight) for e in inland_ests]) if inland_ests else None
        pick_hour = _Pick(list(enumerate(ARRIVAL_HOURS)))
        pick_nights = _Pick(NIGHTS)
        pick_party = _Pick(PARTY)
        pick_reason = {True: _Pick(REASONS_BEACH), False: _Pick(REASONS_INLAND)}
        pick_source = {True: _Pick(SOURCES_HOTEL), False: _Pick(SOURCES_SMALL)}
        pick_vn_doc = _Pick(VN_DOCS)
        pick_province = _Pick([(p, p[2]) for p in PROVINCES])
        pick_family = _Pick(FAMILY_NAMES)
        pick_middle = {True: _Pick(FEMALE_MIDDLE), False: _Pick(MALE_MIDDLE)}
        given = {True: FEMALE_GIVEN, False: MALE_GIVEN}
        foreign = [f for f in FOREIGN_MIX if f[0] in stats_codes] or list(FOREIGN_MIX)
        pick_foreign = _Pick([(f, f[1]) for f in foreign])
        foreign_names = {f[0]: (f[2].split(), f[3].split("|")) for f in foreign}
        folded: dict[str, str] = {}

        def fold_cached(name: str) -> str:
            value = folded.get(name)
            if value is None:
                value = folded[name] = fold(name)
            return value

        def vn_name(female: bool, family: str | None = None) -> str:
            family = family or pick_family(rnd())
            middle = pick_middle[female](rnd())
            return f"{family} {middle} {given[female][int(rnd() * len(given[female]))]}"

        def birth(local_day: int, child: bool) -> date:
            age = 3 + rnd() * 12 if child else 18 + (rnd() ** 1.4) * 62
            return date(1970, 1, 1) + timedelta(days=local_day - int(age * 365.25))

        def vn_person(local_day: int, female: bool, child: bool, family: str | None, province) -> tuple:
            born = birth(local_day, child)
            name = vn_name(female, family)
            code = province[1][int(rnd() * len(province[1]))]
            century = (born.year // 100 - 19) * 2 + (1 if female else 0)
            doc_type = pick_vn_doc(rnd())
            if doc_type == "HCVN":
                number = f"{LETTERS[int(rnd() * 3)]}{int(rnd() * 10_000_000):07d}"
            elif doc_type == "GTK":
                number = f"GT{int(rnd() * 1_000_000):06d}"
            else:
                number = f"{code}{century}{born.year % 100:02d}{int(rnd() * 1_000_000):06d}"
            phone = (
                ""
                if child or rnd() > PHONE_SHARE
                else f"{PHONE_PREFIXES[int(rnd() * len(PHONE_PREFIXES))]}{int(rnd() * 10_000_000):07d}"
            )
            return (name, "F" if female else "M", born, doc_type, number, phone)

        regulars: list[tuple] = []
        n_regulars = max(20, min(o.declarations // 12, 200_000))
        today_local = (now_ts + VN_OFFSET) // DAY
        for _ in range(n_regulars):
            province = pick_province(rnd())
            person = vn_person(today_local, rnd() < 0.35, False, None, province)
            address = f"Số {1 + int(rnd() * 300)} đường {STREETS[int(rnd() * len(STREETS))]}, {province[0]}"
            regulars.append((*person, address))

        quotas = self._day_quotas(ests, first, last)
        total = o.declarations
        expected: Tally = Tally()
        for day, nb, ni in quotas:
            expected[partitions.month_start(date(1970, 1, 1) + timedelta(days=day))] += nb + ni
        id_block = _Ids(total)
        next_id = id_block.take
        writer = _Writer(summary, o.fast_load_from, expected)
        t_start = clock.perf_counter()
        per_month = Tally()
        beach_month = Tally()
        month_cache: dict[int, date] = {}
        next_progress = o.chunk

        def month_of(t: int) -> date:
            n = t // DAY
            value = month_cache.get(n)
            if value is None:
                value = month_cache[n] = partitions.month_start(date(1970, 1, 1) + timedelta(days=n))
            return value

        for day, n_beach, n_inland in quotas:
            local_date = date(1970, 1, 1) + timedelta(days=day)
            writer.new_day(local_date, o.chunk)
            if self.progress and summary.rows >= next_progress:
                next_progress += o.chunk
                self.progress(summary.rows, total, clock.perf_counter() - t_start)
            for beach, quota, pick in ((True, n_beach, pick_beach), (False, n_inland, pick_inland)):
                if pick is None:
                    continue
                left = quota
                while left > 0:
                    e: _Est = pick(rnd())
                    size = min(pick_party(rnd()), left)
                    left -= size
                    hour = pick_hour(rnd())
                    arrived = (day * DAY - VN_OFFSET) + hour * 3600 + int(rnd() * 60) * 60
                    if arrived > end:
                        arrived = end - int(rnd() * 3600)
                    nights = pick_nights(rnd())
                    local_arrival_day = (arrived + VN_OFFSET) // DAY
                    expected_dep = date(1970, 1, 1) + timedelta(days=local_arrival_day + nights)
                    checkout = (local_arrival_day + nights) * DAY - VN_OFFSET + 7 * 3600 + int(rnd() * 5 * 3600)
                    departed = checkout if checkout <= now_ts else None
                    # nights present (occupancy): from the arrival day to the night before the
                    # check-out morning, or to today for those still staying
                    last_night = local_arrival_day + nights - 1 if departed else last
                    state = "departed" if departed else "staying"
                    room = e.rooms[int(rnd() * len(e.rooms))]
                    reason = pick_reason[beach](rnd())
                    source = pick_source[e.hotel](rnd())
                    month = month_of(arrived)
                    is_foreign = rnd() < FOREIGN_SHARE
                    if is_foreign:
                        f = pick_foreign(rnd())
                        surnames, givens = foreign_names[f[0]]
                        family = surnames[int(rnd() * len(surnames))]
                        vk = rnd() * 100
                        visa_kind = "VISA" if vk < f[6][0] else "MIENTT" if vk < f[6][0] + f[6][1] else "TTT"
                        port = f[7][int(rnd() * len(f[7]))]
                        entry = date(1970, 1, 1) + timedelta(days=local_arrival_day - int(rnd() * 10))
                        reason = "LAODONG" if visa_kind == "TTT" and rnd() < 0.7 else reason
                    else:
                        province = pick_province(rnd())
                        family = pick_family(rnd()) if size > 1 and rnd() < 0.6 else None
                        address = f"Số {1 + int(rnd() * 300)} đường {STREETS[int(rnd() * len(STREETS))]}, {province[0]}"
                    for member in range(size):
                        pk = next_id()
                        child = member >= 2 and rnd() < 0.6
                        female = rnd() < (0.5 if member else 0.35)
                        if is_foreign:
                            name = f"{family} {givens[int(rnd() * len(givens))]}"
                            born = birth(local_arrival_day, child)
                            sex = "F" if female else "M"
                            doc_type = "PP" if visa_kind != "TTT" or rnd() < 0.5 else "TTT"
                            number = _shape(rnd, f[5] if doc_type == "PP" else "LL9999999")
                            nationality = f[0]
                            addr, phone = f[4], ""
                            v_number = (
                                f"E{int(rnd() * 10**9):09d}"
                                if visa_kind == "VISA"
                                else number
                                if visa_kind == "TTT"
                                else ""
                            )
                            v_expiry = (
                                d(entry + timedelta(days=90 if visa_kind == "VISA" else 45))
                                if visa_kind != "TTT"
                                else d(entry + timedelta(days=365 + int(rnd() * 365)))
                            )
                            if visa_kind == "MIENTT":
                                v_expiry = d(entry + timedelta(days=45))
                            foreign_cols = (visa_kind, v_number, v_expiry, d(entry), port)
                            mrz = TRUE if doc_type == "PP" and rnd() < MRZ_SHARE else FALSE
                            summary.foreigners += 1
                        else:
                            if member == 0 and rnd() < REGULAR_SHARE:
                                name, sex, born, doc_type, number, phone, addr = regulars[int(rnd() * len(regulars))]
                            else:
                                name, sex, born, doc_type, number, phone = vn_person(
                                    local_arrival_day, female, child, family, province
                                )
                                addr = address
                            nationality = "VNM"
                            foreign_cols = ("", "", NULL, NULL, "")
                            mrz = FALSE
                        due = deadlines.due(arrived, is_foreign, e.remote)
                        if rnd() < LATE_SHARE:
                            declared = due + 300 + int(rnd() * 20 * 3600)
                        else:
                            room_left = max(due - arrived - 30, 60)
                            declared = arrived + 60 + int(min(rnd() ** 2 * 3600, room_left - 60))
                        declared = min(declared, now_ts)
                        late = declared > due
                        summary.late += late
                        row = (
                            str(pk) if pg else pk,
                            str(pk) if pg else pk,
                            NULL,
                            "arrival",
                            TRUE,
                            state,
                            str(e.id) if pg else e.id,
                            str(e.unit_id) if pg else e.unit_id,
                            str(e.area_id) if pg else e.area_id,
                            e.kind,
                            room,
                            name,
                            fold_cached(name),
                            d(born),
                            str(born.year) if pg else born.year,
                            sex,
                            doc_type,
                            number,
                            nationality,
                            stats_codes.get(nationality, nationality),
                            addr,
                            phone,
                            ts(arrived),
                            d(expected_dep),
                            ts(departed),
                            reason,
                            *foreign_cols,
                            mrz,
                            ts(declared),
                            ts(due),
                            TRUE if late else FALSE,
                            source,
                            batch,
                            NULL,
                            "",
                            FALSE,
                            NULL,
                        )
                        if state == "staying":
                            summary.stays_staying += 1
                        if o.occupancy:
                            for night in range(local_arrival_day, min(last_night, last) + 1):
                                cell = self.nights.get((e.id, night))
                                if cell is None:
                                    cell = self.nights[(e.id, night)] = [0, 0, set()]
                                cell[0] += 1
                                cell[1] += is_foreign
                                cell[2].add(room)
                        writer.row(month, "\t".join(row) + "\n" if pg else row)
                        per_month[month] += 1
                        if beach:
                            beach_month[month] += 1
        writer.close()
        summary.per_month = {f"{m:%m/%Y}": n for m, n in sorted(per_month.items())}
        summary.beach_per_month = {f"{m:%m/%Y}": n for m, n in sorted(beach_month.items())}
        if self.progress:
            self.progress(summary.rows, total, clock.perf_counter() - t_start)


# --- occupancy, purge ---------------------------------------------------------------------------------


def write_occupancy(nights: dict[tuple[int, int], list], first: date, last: date) -> str:
    """The nightly occupancy figures (`OccupancyDay`) of the generated period, from the nights
    counted while generating, by the rule of `lodging.occupancy` (a stay is present on the nights
    from its arrival day to the night before it leaves; every lodging establishment not ceased
    gets a row, zeros included). One bulk write instead of a `compute_day` per day (each reads the
    whole ledger); the last `RECOMPUTE_DAYS` days are then computed by `occupancy.compute_day`
    itself, so that the stays declared through the services (the demo's guests) count too."""
    try:
        from antt.lodging import occupancy
    except ImportError:
        return "chưa tính công suất phòng (chưa có lodging.occupancy)"
    from django.db.models import Count

    from antt.lodging.models import OccupancyDay

    ests = list(occupancy.lodging_establishments())
    room_counts = dict(
        Room.objects.filter(is_active=True)
        .values("establishment_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("establishment_id", "n")
    )
    epoch = date(1970, 1, 1)
    day_numbers = range((first - epoch).days, (last - epoch).days + 1)
    pg = connection.vendor == "postgresql"
    days = {n: (epoch + timedelta(days=n)) for n in day_numbers}
    if not pg:
        days = {n: d.isoformat() for n, d in days.items()}
    rows = []
    for e in ests:
        rooms = room_counts.get(e.pk) or e.rooms or 0
        for n in day_numbers:
            guests, foreign, occupied = nights.get((e.pk, n)) or (0, 0, ())
            rows.append(
                (
                    e.pk,
                    days[n],
                    e.unit_id,
                    e.area_id,
                    e.lodging_kind,
                    rooms,
                    len([r for r in occupied if r]),
                    guests,
                    foreign,
                )
            )
    table = OccupancyDay._meta.db_table
    columns = "establishment_id, day, unit_id, area_id, lodging_kind, rooms, rooms_occupied, guests, foreign_guests"
    with transaction.atomic():
        OccupancyDay.objects.filter(day__gte=first, day__lte=last)._raw_delete(connection.alias)
        with connection.cursor() as cur:
            if pg:
                with cur.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join("?" * 9)
                connection.connection.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)
        day = max(first, last - timedelta(days=RECOMPUTE_DAYS - 1))
        while day <= last:
            occupancy.compute_day(day)
            day += timedelta(days=1)
    return f"{len(rows):,} dòng công suất phòng ({len(day_numbers)} ngày)".replace(",", ".")


def generated_declarations():
    return Declaration.objects.filter(batch_id=GENERATED_BATCH)


def has_generated() -> bool:
    return generated_declarations().exists()


def purge_generated() -> int:
    """Delete the generated declarations (the services' rows are kept). Runs inside the
    generator's transaction, past the ledger's append-only trigger."""
    partitions.ledger_maintenance()
    return generated_declarations()._raw_delete(connection.alias)


__all__ = [
    "GENERATED_BATCH",
    "GenerateError",
    "GenerateOptions",
    "GenerationSummary",
    "LodgingGenerator",
    "write_occupancy",
    "generated_declarations",
    "has_generated",
    "lodging_establishments",
    "purge_generated",
]
