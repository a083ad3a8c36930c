# S311: seeded pseudo-random numbers are the point here (reproducible demo data, never secrets).
# S608: the SQL is built from model metadata (table and column names), never from input.
# ruff: noqa: S311, S608
"""Realistic demo penalty decisions, generated in bulk (`manage.py generate_violations`).

The mix follows the seed's statistics of 2019 for the province (appendix 9,
`../shared/seed/violations-2019.csv`, copied into `SEED_2019` below): per row of the table,
the number of cases, decisions and violators, the amounts fined and paid, the seized items and
the licences suspended. Road traffic is about 91 % of the decisions there, as the issue says
("90 % of them road traffic"). Per decision the generator draws from those ratios:

* a case (vụ việc) with one decision, or several (gambling, weapons: a case per table of
  players), as many decisions per case as the row's decisions / cases;
* one violator (two for the rows whose violators exceed their decisions), a person with a
  12-digit personal ID (mostly born in Thanh Hóa, code 038) or an organisation with a valid
  tax code; a share of them are repeat violators (fined again later: counted once in the table);
* for road traffic, a vehicle and its plate in the Thanh Hóa formats (`36A-123.45` cars,
  `36-B1 123.45` motorbikes; some from other provinces);
* a behaviour of that row in force on the day (the real catalogue when `load_violation_rules`
  has run: the fine lies in the behaviour's range, at the default — the middle, Nghị định
  118/2021/NĐ-CP Art. 9(1) — or moved by circumstances; else the row's average fine);
* payments for most (the row's paid / fined ratio; the recent ones not yet due may still be
  open, late ones pay the surcharge of Luật XLVPHC Art. 78), seized items (Art. 125) and licence
  suspensions (Art. 25) at the row's rates, a record (biên bản) unless the fine is within the
  on-the-spot limit of Art. 56 and nothing was seized.

Units are those of `load_reference` (`antt.org.loaders`): the commune police and the
departments (traffic police PC08, PC06, PC07, PA08) for their fields.

Demo numbers never collide with the application's: decisions are `MH-<id>/QĐ-XPHC`, records
`MH-<id>/BB-VPHC`, cases `MH-<id>`, payment references `MH` + digits (the application's are
sequence numbers per unit and `VP` + random letters). `purge_demo()` deletes every row of the
demo by that prefix.

Speed: rows are built in plain Python and written in bulk, as `antt.dossiers.demo` does
(whose `_Table`, `_Sink` and `_FastLoad` are reused): PostgreSQL `COPY` (big runs drop the
secondary indexes and keys and rebuild them once), SQLite `executemany`, all in one
transaction. `../shared/research/perf-baseline.md` §2: the ORM's `bulk_create` reaches 9 % of
COPY.
"""

from __future__ import annotations

import contextlib
import math
import random
import re
import secrets
import time as clock
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.db import connection, transaction
from django.utils import timezone

from antt.core import audit
from antt.core.calendar import LOCAL_TZ, WorkingCalendar
from antt.core.models import AuditEvent
from antt.core.text import fold
from antt.dossiers.demo import (
    COMPANY_TRADES,
    COMPANY_WORDS,
    PHONE_PREFIXES,
    STREETS,
    _FastLoad,
    _person_name,
    _Sink,
    _Table,
)
from antt.org.models import AdminArea, Unit, User
from antt.violations.models import (
    Behaviour,
    DecisionEvent,
    DecisionLine,
    DecisionStatus,
    DecisionViolator,
    FinePayment,
    LegalParameter,
    LicenceSuspension,
    PaymentCallback,
    PenaltyDecision,
    RecordBehaviour,
    SeizedItem,
    StatGroup,
    Subject,
    TreasuryStatementLine,
    VehicleKind,
    ViolationCase,
    ViolationRecord,
)

PREFIX = "MH-"  # "minh họa": every demo number starts with it
REFERENCE_PREFIX = "MH"  # payment references: A–Z0–9 only (they go in a bank transfer note)

# The seed's appendix 9 table of 2019 (`../shared/seed/violations-2019.csv`), by the StatGroup code
# the catalogue gives each row ("1.1" … "1.6", "2.1" … "2.3", "3" … "10"): cases, decisions,
# violators, amount fined, amount paid to the budget (đồng), seized items and vehicles, licences
# suspended (empty cells read as 0).
SEED_2019: dict[str, tuple[int, int, int, int, int, int, int]] = {
    "1.1": (2225, 2253, 2253, 802_305_000, 774_155_000, 10, 0),  # residence, ID cards
    "1.2": (84, 202, 202, 519_050_000, 507_050_000, 150, 0),  # weapons, explosives, support tools, fireworks
    "1.3": (702, 712, 712, 1_427_830_000, 1_376_130_000, 4, 0),  # security-conditional businesses
    "1.4": (13, 13, 13, 19_500_000, 19_500_000, 0, 0),  # seals
    "1.5": (449, 449, 449, 643_750_000, 643_750_000, 0, 0),  # exit and entry
    "1.6": (916, 1737, 1762, 3_054_667_000, 2_547_792_000, 101, 0),  # other security and order
    "2.1": (372, 521, 539, 480_495_000, 456_745_000, 33, 0),  # drugs
    "2.2": (19, 51, 51, 84_750_000, 84_750_000, 0, 0),  # prostitution
    "2.3": (258, 802, 802, 1_127_725_000, 992_500_000, 393, 0),  # gambling
    "3": (533, 538, 538, 1_283_850_000, 1_283_850_000, 0, 0),  # fire safety
    "4": (92591, 92952, 92947, 107_914_136_000, 100_596_278_000, 27421, 7600),  # road and rail traffic
    "5": (154, 154, 154, 1_310_750_000, 1_310_750_000, 0, 0),  # inland waterways
    "6": (1032, 1033, 1033, 1_692_970_000, 1_667_370_000, 0, 0),  # environment
    "7": (207, 237, 237, 2_359_400_000, 2_359_400_000, 23, 0),  # water resources and minerals
    "8": (86, 91, 91, 326_850_000, 326_850_000, 2, 0),  # trade, counterfeit goods, consumers
    "9": (85, 85, 85, 893_700_000, 893_700_000, 0, 0),  # chemicals, fertilisers, industrial explosives
    "10": (72, 72, 72, 388_675_000, 382_175_000, 0, 0),  # food safety
}
TRAFFIC = "4"

# Which department takes a share of a row's decisions (org.loaders.DEPARTMENTS); the rest are the
# commune police's. Shares are assumptions: since 07/2025 the commune police handle most files.
DEPARTMENT_SHARE: dict[str, tuple[str, float]] = {
    "4": ("pc08", 0.25),
    "1.1": ("pc06", 0.05),
    "1.2": ("pc06", 0.30),
    "1.3": ("pc06", 0.50),
    "1.4": ("pc06", 0.50),
    "1.5": ("pa08", 0.70),
    "3": ("pc07", 0.60),
}
# Share of organisations among the violators (assumption; the table does not split them).
ORGANISATION_SHARE = {"1.3": 0.45, "1.4": 0.6, "3": 0.55, "6": 0.5, "7": 0.5, "8": 0.4, "9": 0.6, "10": 0.4}
P_REPEAT = 0.04  # a violator fined before in the period (assumption)
P_OTHER_PROVINCE = 0.15  # vehicles registered elsewhere (assumption)
P_CANCELLED = 0.003
P_INSTALMENTS = 0.01
P_SPOT_WITHOUT_RECORD = 0.85  # within the Art. 56 limit, nothing seized: no record (assumption)

# Vehicles in road traffic decisions (assumption: motorbikes dominate in the province).
VEHICLES = [(VehicleKind.MOTORBIKE, 74), (VehicleKind.CAR, 22), (VehicleKind.SPECIALISED, 1), (VehicleKind.BICYCLE, 3)]
# Registration codes (Thông tư 79/2024/TT-BCA, appendix of locality codes): Thanh Hóa 36; neighbours.
OTHER_PROVINCE_CODES = ["29", "30", "35", "37", "38", "17", "18", "51"]
CAR_SERIES = "AAAAACCDDEFGHK"
MOTORBIKE_LETTERS = "ABCDEFGHKLMNPSTUVXYZ"
LICENCE_CLASSES = {VehicleKind.MOTORBIKE: ["A1", "A1", "A"], VehicleKind.CAR: ["B", "B", "C1", "C", "D2"]}
SEIZED_TRAFFIC = [
    (SeizedItem.Kind.VEHICLE, 55, "Xe mô tô"),
    (SeizedItem.Kind.LICENCE, 35, "Giấy phép lái xe"),
    (SeizedItem.Kind.DOCUMENT, 10, "Giấy chứng nhận đăng ký xe"),
]
SEIZED_OTHER = {
    "1.2": (SeizedItem.Kind.WEAPON, "Dao, kiếm, công cụ hỗ trợ"),
    "2.1": (SeizedItem.Kind.GOODS, "Chất ma túy, dụng cụ sử dụng"),
    "2.3": (SeizedItem.Kind.MONEY, "Tiền dùng để đánh bạc"),
}
STORAGE = "Kho tang vật của {unit}"
ID_BLOCK = 5_000
FINE_ROUNDING = 50_000  # amounts without a catalogue: rounded like the decrees' steps (assumption)


class DemoError(ValueError):
    """The generation cannot run (a Vietnamese message)."""


@dataclass
class GenerateOptions:
    decisions: int = 20_000
    years: int = 1
    until: date | None = None  # default: today
    seed: int = 1
    replace: bool = False
    flush_every: int = 20_000  # decisions per bulk write
    fast_load_from: int = 100_000  # PostgreSQL: rebuild indexes and keys after the load from this many


@dataclass
class GenerationSummary:
    decisions: int = 0
    cases: int = 0
    records: int = 0
    rows: int = 0
    deleted: int = 0
    seconds: float = 0.0
    start: date | None = None
    until: date | None = None
    per_group: dict[str, int] = field(default_factory=dict)
    per_status: dict[str, int] = field(default_factory=dict)
    catalogue: bool = False

    @property
    def decisions_per_second(self) -> float:
        return self.decisions / self.seconds if self.seconds else 0.0


def _cumulative(weights):
    out, acc = [], 0.0
    for w in weights:
        acc += w
        out.append(acc)
    return out


def _pick(rng: random.Random, items, cum):
    return items[bisect_right(cum, rng.random() * cum[-1])]


def _geometric(rng: random.Random, mean: float) -> int:
    """0, 1, 2, ... with the given mean (a geometric distribution)."""
    if mean <= 0:
        return 0
    p = mean / (1 + mean)
    k = 0
    while rng.random() < p:
        k += 1
    return k


def tax_code_check_digit(first9: str) -> int | None:
    """The check digit of a 10-digit tax code (weights 31, 29, 23, 19, 17, 13, 7, 5, 3; Thông tư
    105/2020/TT-BTC on the tax code structure); None when no digit fits (the number is skipped)."""
    weights = (31, 29, 23, 19, 17, 13, 7, 5, 3)
    d = 10 - sum(int(c) * w for c, w in zip(first9, weights, strict=True)) % 11
    return d if 0 <= d <= 9 else None


# --- the rules in force: parameters and behaviours -----------------------------------------------


class _Parameters:
    """LegalParameter values (Luật XLVPHC) valid on a day, read once per key and validity window."""

    KEYS = ("decision_days", "payment_days", "surcharge_per_100000_per_day", "seizure_days", "spot_fine_max_person")
    KEYS += ("spot_fine_max_organisation",)

    def __init__(self):
        self.rows: dict[str, list[tuple[date, date | None, int]]] = defaultdict(list)
        for p in LegalParameter.objects.filter(key__in=self.KEYS).order_by("key", "valid_from"):
            self.rows[p.key].append((p.valid_from, p.valid_to, p.value))
        missing = [k for k in self.KEYS if not self.rows.get(k)]
        if missing:
            raise DemoError(
                "Chưa có tham số pháp lý " + ", ".join(missing) + ": chạy `manage.py load_violation_rules` trước."
            )
        self._cache: dict[tuple[str, date], int] = {}

    def on(self, key: str, day: date) -> int:
        found = self._cache.get((key, day))
        if found is None:
            found = self.rows[key][0][2]
            for start, end, value in self.rows[key]:
                if start <= day and (end is None or day < end):
                    found = value
            self._cache[(key, day)] = found
        return found


@dataclass
class _Behaviour:
    id: int
    fine_min: int
    fine_max: int
    org_min: int
    org_max: int
    subject: str
    warning_allowed: bool
    suspension: tuple[int, int] | None
    points: int | None
    confiscation: str
    remedial: str
    provision: str
    description: str
    valid_from: date
    valid_to: date | None
    weight: float
    vehicle: str | None = None  # the vehicle its text names (`vehicle_of`), None: any


def vehicle_of(text: str) -> str | None:
    """The vehicle a traffic behaviour is about, read from its name (the catalogue has no such
    field): "Mô tô: không đội mũ bảo hiểm" a motorbike, "Xe tải: chở quá tải" a car, "xe đạp"
    a bicycle; None when the name names none. A demo heuristic, not a legal reading."""
    folded = f" {fold(text)} "
    if re.search(r"\b(mo to|xe may|gan may)\b", folded):
        return VehicleKind.MOTORBIKE
    if re.search(r"\b(o to|xe tai|xe khach|romoc|ro moc)\b", folded):
        return VehicleKind.CAR
    if re.search(r"\bxe dap\b", folded):
        return VehicleKind.BICYCLE
    return None


class _Catalogue:
    """The behaviours of each statistics row, by validity window (bisect on the day)."""

    def __init__(self, groups: dict[int, str]):
        by_group: dict[str, list[_Behaviour]] = defaultdict(list)
        for b in Behaviour.objects.select_related("decree").filter(stat_group_id__in=groups):
            mult = b.decree.organisation_multiplier or 1
            org_min = b.organisation_fine_min if b.organisation_fine_min is not None else b.fine_min * mult
            org_max = b.organisation_fine_max if b.organisation_fine_max is not None else b.fine_max * mult
            susp = None
            if b.suspension_min_months and b.suspension_max_months:
                susp = (b.suspension_min_months, b.suspension_max_months)
            by_group[groups[b.stat_group_id]].append(
                _Behaviour(
                    id=b.pk,
                    fine_min=b.fine_min,
                    fine_max=b.fine_max,
                    org_min=org_min,
                    org_max=org_max,
                    subject=b.subject,
                    warning_allowed=b.warning_allowed,
                    suspension=susp,
                    points=b.licence_points,
                    confiscation=b.confiscation,
                    remedial=b.remedial_measures,
                    provision=b.provision,
                    description=b.short_name or b.description[:200],
                    valid_from=b.valid_from,
                    valid_to=b.valid_to,
                    # Cheap behaviours are the common ones (helmets, papers, parking): an assumption.
                    weight=1 / math.sqrt(max((b.fine_min + b.fine_max) / 2, 50_000)),
                    vehicle=vehicle_of(b.short_name or b.description) if b.vehicle_related else None,
                )
            )
        self.by_group = dict(by_group)
        self._cache: dict[tuple[str, date, bool, bool], tuple[list[_Behaviour], list[float]] | None] = {}

    def __bool__(self):
        return bool(self.by_group)

    def choices(self, group: str, day: date, suspended: bool, organisation: bool):
        key = (group, day, suspended, organisation)
        if key in self._cache:
            return self._cache[key]
        valid = [
            b
            for b in self.by_group.get(group, ())
            if b.valid_from <= day
            and (b.valid_to is None or day < b.valid_to)
            and (not b.subject or b.subject == (Subject.ORGANISATION if organisation else Subject.PERSON))
        ]
        if valid:
            wanted = [b for b in valid if (b.suspension is not None) == suspended]
            valid = wanted or valid
        found = (valid, _cumulative([b.weight for b in valid])) if valid else None
        self._cache[key] = found
        return found


def _amount_in(rng: random.Random, low: int, high: int) -> int:
    """A fine within [low, high]: the default (the middle, Nghị định 118/2021/NĐ-CP Art. 9(1)) most
    often, lower or higher with circumstances (Luật XLVPHC Art. 23(4)); never outside the range."""
    if high <= low:
        return low
    mean = (low + high) // 2
    r = rng.random()
    if r < 0.70:
        return mean
    if r < 0.80:
        return low
    value = rng.randint(low, mean) if r < 0.95 else rng.randint(mean, high)
    step = 10_000 if high - low >= 100_000 else 1_000
    return min(max(low, value // step * step), high)


# --- the world: units, places, officers ----------------------------------------------------------


class _World:
    def __init__(self, rng: random.Random):
        root = Unit.objects.filter(level=Unit.Level.PROVINCE, parent__isnull=True).order_by("pk").first()
        if root is None:
            raise DemoError("Chưa có đơn vị Công an tỉnh: chạy `manage.py load_reference` trước.")
        self.root = root
        communes = list(
            Unit.objects.filter(level=Unit.Level.COMMUNE, is_active=True, path__startswith=root.path)
            .select_related("area")
            .order_by("pk")
        )
        if not communes:
            raise DemoError("Chưa có công an xã, phường nào đang hoạt động: chạy `manage.py load_reference` trước.")
        self.communes = communes
        # Wards (phường) are busier than rural communes (assumption, as in the dossiers' demo).
        self.commune_cum = _cumulative(
            [(3.0 if "phường" in u.name.lower() else 1.0) * (0.5 + rng.random()) for u in communes]
        )
        self.departments = {
            u.slug: u
            for u in Unit.objects.filter(level=Unit.Level.DEPARTMENT, is_active=True, path__startswith=root.path)
        }
        self.areas = list(
            AdminArea.objects.filter(scheme=AdminArea.Scheme.CURRENT, level=AdminArea.Level.COMMUNE).values_list(
                "pk", "name"
            )
        )
        self.area_names = dict(self.areas)
        # Who signs records and seizures: the unit's own accounts, else one inactive demo account.
        self.users: dict[int, list[tuple[int, str]]] = defaultdict(list)
        for pk, unit_id, full_name, username in User.objects.filter(is_active=True, unit__isnull=False).values_list(
            "pk", "unit_id", "full_name", "username"
        ):
            self.users[unit_id].append((pk, full_name or username))
        self._fallback: tuple[int, str] | None = None

    def fallback_user(self) -> tuple[int, str]:
        if self._fallback is None:
            user, created = User.objects.get_or_create(
                username="minhhoa-vipham",
                defaults={"full_name": "Cán bộ (dữ liệu minh họa)", "is_active": False, "unit": self.root},
            )
            if created:
                user.set_unusable_password()
                user.save(update_fields=["password"])
            self._fallback = (user.pk, user.full_name)
        return self._fallback

    def officer(self, unit: Unit, rng: random.Random) -> tuple[int, str]:
        pool = self.users.get(unit.pk)
        if pool:
            return pool[int(rng.random() * len(pool))]
        return self.fallback_user()

    def unit_for(self, group: str, rng: random.Random) -> Unit:
        dept = DEPARTMENT_SHARE.get(group)
        if dept and dept[0] in self.departments and rng.random() < dept[1]:
            return self.departments[dept[0]]
        return self.communes[bisect_right(self.commune_cum, rng.random() * self.commune_cum[-1])]

    def place(self, unit: Unit, rng: random.Random, *, with_area: bool = True) -> tuple[int | None, str]:
        """(area id, address). A violation's place keeps its commune in `area` (the pages show
        both), so its address is the street only (`with_area=False`); a residence address is
        written in full."""
        if unit.level == Unit.Level.COMMUNE and unit.area_id:
            area_id, area_name = unit.area_id, unit.area.name
        elif self.areas:
            area_id, area_name = self.areas[int(rng.random() * len(self.areas))]
        else:
            return None, f"{rng.choice(STREETS)}, tỉnh Thanh Hóa"
        street = f"{rng.randint(1, 400)} {rng.choice(STREETS)}"
        return area_id, f"{street}, {area_name}, tỉnh Thanh Hóa" if with_area else street


# --- people, organisations, plates ---------------------------------------------------------------


@dataclass
class _Violator:
    kind: str
    name: str
    id_number: str
    tax_code: str
    birth_date: date | None
    address: str
    phone: str
    occupation: str
    representative: str
    plate: tuple[str, str, str] | None = None  # (kind, normalised, display)
    licence: str = ""

    @property
    def key(self) -> str:
        if self.kind == Subject.ORGANISATION:
            return f"tax:{self.tax_code}"
        return f"id:{self.id_number}"


OCCUPATIONS = ["Lao động tự do", "Nông dân", "Công nhân", "Kinh doanh", "Lái xe", "Học sinh, sinh viên", "Nhân viên"]


class _People:
    def __init__(self, rng: random.Random, world: _World, year: int):
        self.rng = rng
        self.world = world
        self.year = year
        self.seen: dict[str, list[_Violator]] = defaultdict(list)
        self.ids: set[str] = set()

    def _id_number(self, birth: date, female: bool) -> str:
        rng = self.rng
        province = "038" if rng.random() < 0.85 else rng.choice(["001", "036", "037", "040", "079"])
        century = (birth.year // 100 - 19) * 2 + (1 if female else 0)
        while True:
            number = f"{province}{century}{birth.year % 100:02d}{rng.randrange(1_000_000):06d}"
            if number not in self.ids:
                self.ids.add(number)
                return number

    def _tax_code(self) -> str:
        rng = self.rng
        while True:
            first9 = f"28{rng.randrange(10_000_000):07d}"  # 28: Thanh Hóa's tax department prefix
            check = tax_code_check_digit(first9)
            if check is not None and f"{first9}{check}" not in self.ids:
                code = f"{first9}{check}"
                self.ids.add(code)
                return code

    def person(self) -> _Violator:
        rng = self.rng
        female = rng.random() < 0.12  # most traffic offenders are men (assumption)
        name, _ = _person_name(rng, female)
        age = int(18 + rng.betavariate(2, 4) * 55)
        birth = date(self.year - age, rng.randint(1, 12), rng.randint(1, 28))
        area_id, address = self.world.place(self.world.communes[int(rng.random() * len(self.world.communes))], rng)
        return _Violator(
            kind=Subject.PERSON,
            name=name,
            id_number=self._id_number(birth, female),
            tax_code="",
            birth_date=birth,
            address=address,
            phone=f"{rng.choice(PHONE_PREFIXES)}{rng.randrange(10_000_000):07d}",
            occupation=rng.choice(OCCUPATIONS),
            representative="",
        )

    def organisation(self) -> _Violator:
        rng = self.rng
        kind = rng.choice(["Công ty TNHH", "Công ty Cổ phần", "Doanh nghiệp tư nhân", "Hợp tác xã"])
        _, address = self.world.place(self.world.communes[int(rng.random() * len(self.world.communes))], rng)
        return _Violator(
            kind=Subject.ORGANISATION,
            name=f"{kind} {rng.choice(COMPANY_TRADES)} {rng.choice(COMPANY_WORDS)}",
            id_number="",
            tax_code=self._tax_code(),
            birth_date=None,
            address=address,
            phone=f"0237{rng.randrange(10_000_000):07d}",
            occupation="",
            representative=_person_name(rng, rng.random() < 0.3)[0],
        )

    def pick(self, group: str, organisation: bool) -> _Violator:
        pool = self.seen[group]
        if pool and self.rng.random() < P_REPEAT:
            found = pool[int(self.rng.random() * len(pool))]
            if (found.kind == Subject.ORGANISATION) == organisation:
                return found
        v = self.organisation() if organisation else self.person()
        if group == TRAFFIC and v.kind == Subject.PERSON:
            v.plate = plate(self.rng)
            v.licence = f"{self.rng.randrange(10**11, 10**12)}"
        if len(pool) < 50_000:
            pool.append(v)
        else:
            pool[int(self.rng.random() * len(pool))] = v
        return v


def plate(rng: random.Random, kind: str | None = None) -> tuple[str, str, str]:
    """(vehicle kind, normalised, display) in the formats of Thông tư 79/2024/TT-BCA: cars
    "36A-123.45" (older "36A-1234"), motorbikes "36-B1 123.45"; locality 36 is Thanh Hóa.
    The kind is drawn from `VEHICLES` unless given."""
    kind = kind or _pick(rng, [k for k, _ in VEHICLES], _VEHICLE_CUM)
    locality = "36" if rng.random() >= P_OTHER_PROVINCE else rng.choice(OTHER_PROVINCE_CODES)
    if kind in (VehicleKind.CAR, VehicleKind.SPECIALISED):
        series = rng.choice(CAR_SERIES)
        if rng.random() < 0.1:
            digits = f"{rng.randrange(1, 10_000):04d}"
            return VehicleKind.CAR, f"{locality}{series}{digits}", f"{locality}{series}-{digits}"
        digits = f"{rng.randrange(1, 100_000):05d}"
        return VehicleKind.CAR, f"{locality}{series}{digits}", f"{locality}{series}-{digits[:3]}.{digits[3:]}"
    if kind == VehicleKind.BICYCLE:
        return VehicleKind.BICYCLE, "", ""
    series = f"{rng.choice(MOTORBIKE_LETTERS)}{rng.randint(1, 9)}"
    digits = f"{rng.randrange(1, 100_000):05d}"
    return VehicleKind.MOTORBIKE, f"{locality}{series}{digits}", f"{locality}-{series} {digits[:3]}.{digits[3:]}"


_VEHICLE_CUM = _cumulative([w for _, w in VEHICLES])


# --- the generator ---------------------------------------------------------------------------------


class DemoGenerator:
    """Builds the rows of many decisions and writes them in bulk (see the module docstring)."""

    CASE_FIELDS = ["code", "unit", "occurred_on", "area", "summary", "source", "created_at"]
    VIOLATOR = [
        "violator_kind",
        "violator_name",
        "violator_name_folded",
        "violator_id_number",
        "violator_tax_code",
        "violator_birth_date",
        "violator_address",
        "violator_phone",
        "violator_occupation",
        "violator_representative",
    ]
    DECISION_FIELDS = [
        "number",
        "seq",
        "token",
        "payment_reference",
        "kind",
        "source",
        "unit",
        "unit_path",
        "case",
        "issuer_name",
        "issuer_title_name",
        "violated_at",
        "issued_at",
        "issued_on",
        "address",
        "area",
        "vehicle_kind",
        "plate",
        "plate_display",
        "stat_group",
        "warning_only",
        "instalments_allowed",
        "total_fine",
        "amount_paid",
        "surcharge_paid",
        "seized_count",
        "suspension_count",
        "violator_count",
        "remedial_measures",
        "delivered_on",
        "payment_due_on",
        "paid_on",
        "status",
        "created_at",
        "updated_at",
        *VIOLATOR,
    ]
    RECORD_FIELDS = [
        "number",
        "seq",
        "unit",
        "officer",
        "officer_title",
        "case",
        "made_at",
        "violated_at",
        "area",
        "address",
        "vehicle_kind",
        "plate",
        "plate_display",
        "status",
        "decision_due_on",
        "created_at",
        "updated_at",
        *VIOLATOR,
    ]
    LINE_FIELDS = [
        "decision",
        "behaviour",
        "stat_group",
        "provision",
        "description",
        "fine_min",
        "fine_max",
        "warning",
        "amount",
        "suspension_months",
        "licence_points",
        "confiscation",
        "remedial_measures",
    ]
    PAYMENT_FIELDS = [
        "decision",
        "channel",
        "amount",
        "fine_part",
        "surcharge_part",
        "received_at",
        "receipt_number",
        "transaction_id",
        "payer_name",
        "created_at",
    ]
    SEIZED_FIELDS = [
        "unit",
        "record",
        "decision",
        "kind",
        "description",
        "quantity",
        "measure",
        "plate",
        "storage_place",
        "seized_at",
        "seized_by",
        "hold_until",
        "status",
        "closed_at",
        "close_reason",
        "created_at",
    ]
    SUSPENSION_FIELDS = [
        "unit",
        "decision",
        "kind",
        "licence_number",
        "licence_class",
        "holder_name",
        "holder_id_number",
        "months",
        "starts_on",
        "ends_on",
        "cancelled",
        "created_at",
        "updated_at",
    ]
    EVENT_FIELDS = ["decision", "at", "action", "from_status", "to_status", "note"]

    def __init__(self, options: GenerateOptions, progress: Callable[[int, int, float], None] | None = None):
        self.o = options
        self.progress = progress
        self.rng = random.Random(options.seed)

    # -- public --

    def run(self) -> GenerationSummary:
        o = self.o
        if o.decisions < 1 or o.years < 1:
            raise DemoError("Số quyết định và số năm phải là số nguyên dương.")
        started = clock.monotonic()
        summary = GenerationSummary()
        now = timezone.now()
        until = o.until or timezone.localdate(now)
        first = _add_months(until, -12 * o.years) + timedelta(days=1)
        summary.start, summary.until = first, until
        self.today = until
        self.now = now
        with transaction.atomic():
            if o.replace:
                summary.deleted = purge_demo()
            self._prepare(first, until)
            summary.catalogue = bool(self.catalogue)
            self._open_tables()
            plan = self._plan(first, until, o.decisions)
            fast = connection.vendor == "postgresql" and o.decisions >= o.fast_load_from
            tables = [
                DecisionEvent,
                DecisionViolator,
                DecisionLine,
                FinePayment,
                SeizedItem,
                LicenceSuspension,
                RecordBehaviour,
                PenaltyDecision.records.through,
                ViolationRecord,
                PenaltyDecision,
                ViolationCase,
            ]
            done = 0
            with _FastLoad(tables) if fast else contextlib.nullcontext():
                for day, n in plan:
                    done += self._generate_day(day, n, summary)
                    if len(self.t["decision"].rows) >= o.flush_every:
                        self._flush()
                        if self.progress:
                            self.progress(done, o.decisions, clock.monotonic() - started)
                pending = bool(self.t["decision"].rows)
                self._flush()
                if self.progress and pending:
                    self.progress(done, o.decisions, clock.monotonic() - started)
            summary.decisions = done
            summary.rows = self.sink.rows_written
            summary.seconds = clock.monotonic() - started
            audit.record(
                AuditEvent.Action.SYSTEM,
                object_type="violations.penaltydecision",
                object_repr="Dữ liệu minh họa",
                changes={
                    "demo": True,
                    "decisions": done,
                    "rows": summary.rows,
                    "deleted_demo_decisions": summary.deleted,
                    "from": first.isoformat(),
                    "until": until.isoformat(),
                    "seed": o.seed,
                    "per_group": summary.per_group,
                },
                reason="Sinh quyết định xử phạt minh họa (dữ liệu giả, không phải hồ sơ thật)",
                actor_name="hệ thống (generate_violations)",
            )
        return summary

    # -- setup --

    def _prepare(self, first: date, until: date) -> None:
        rng = self.rng
        groups = {g.pk: g.code for g in StatGroup.objects.all()}
        if not groups:
            raise DemoError("Chưa có các dòng bảng thống kê: chạy `manage.py load_violation_rules` trước.")
        self.group_ids = {code: pk for pk, code in groups.items()}
        self.params = _Parameters()
        self.catalogue = _Catalogue(groups)
        self.world = _World(rng)
        self.people = _People(rng, self.world, until.year)
        # Rows of the seed's table that the catalogue has; other groups weigh like the smallest row.
        smallest = min(v[0] for v in SEED_2019.values())
        self.groups = sorted(self.group_ids)
        self.case_cum = _cumulative([SEED_2019.get(c, (smallest,))[0] for c in self.groups])
        self.fallback_group = self.groups[0]
        # Working days, for the legal deadlines counted in working days (Luật XLVPHC Art. 66, 125).
        cal = WorkingCalendar()
        self.work_days: list[date] = []
        d = first - timedelta(days=40)
        while d <= until + timedelta(days=60):
            if cal.is_working_day(d):
                self.work_days.append(d)
            d += timedelta(days=1)
        self.work_index = {d: i for i, d in enumerate(self.work_days)}
        self.sink = _Sink()
        self.id_pool: dict[type, list[int]] = defaultdict(list)
        self.sqlite = connection.vendor == "sqlite"
        self.created = self.dt(self.now)

    def add_working_days(self, day: date, n: int) -> date:
        i = self.work_index.get(day)
        if i is None:
            i = bisect_right(self.work_days, day) - 1
        j = i + n
        if j < len(self.work_days):
            return self.work_days[j]
        return self.work_days[-1] + timedelta(days=(j - len(self.work_days) + 1) * 7 // 5)

    def dt(self, value: datetime):
        if self.sqlite:
            return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")
        return value

    def d(self, value: date | None):
        if value is None or not self.sqlite:
            return value
        return value.isoformat()

    def _open_tables(self) -> None:
        self.t = {
            "case": _Table(ViolationCase, self.CASE_FIELDS),
            "decision": _Table(PenaltyDecision, self.DECISION_FIELDS),
            "record": _Table(ViolationRecord, self.RECORD_FIELDS),
            "record_behaviour": _Table(RecordBehaviour, ["record", "behaviour"]),
            "m2m": _Table(PenaltyDecision.records.through, ["penaltydecision", "violationrecord"]),
            "violator": _Table(DecisionViolator, ["decision", "violator_key", "kind"]),
            "line": _Table(DecisionLine, self.LINE_FIELDS),
            "payment": _Table(FinePayment, self.PAYMENT_FIELDS),
            "seized": _Table(SeizedItem, self.SEIZED_FIELDS),
            "suspension": _Table(LicenceSuspension, self.SUSPENSION_FIELDS),
            "event": _Table(DecisionEvent, self.EVENT_FIELDS),
        }
        # Rows with children get their keys up front: cases, decisions, records.
        self.pending: list[dict] = []

    def _flush(self) -> None:
        for name in ("case", "decision", "record"):
            self.sink.flush(self.t[name], with_id=True)
        for name in ("m2m", "record_behaviour", "violator", "line", "payment", "seized", "suspension", "event"):
            self.sink.flush(self.t[name])

    def _plan(self, first: date, until: date, total: int) -> list[tuple[date, int]]:
        """Decisions per day: weekends and Tết lighter (assumption), rounded with a carry."""
        days, weights = [], []
        d = first
        while d <= until:
            w = 1.0 if d.weekday() < 5 else 0.8
            if d in self.work_index or d.weekday() >= 5:
                pass
            else:
                w = 0.6  # a public holiday
            days.append(d)
            weights.append(w * (0.9 + 0.2 * self.rng.random()))
            d += timedelta(days=1)
        scale = total / sum(weights)
        plan, carry, left = [], 0.0, total
        for i, (day, w) in enumerate(zip(days, weights, strict=True)):
            want = w * scale + carry
            n = left if i == len(days) - 1 else min(left, int(want))
            carry = want - n
            left -= n
            plan.append((day, n))
        return plan

    # -- one day --

    def _generate_day(self, day: date, n: int, summary: GenerationSummary) -> int:
        rng = self.rng
        made = 0
        while made < n:
            code = _pick(rng, self.groups, self.case_cum)
            seed = SEED_2019.get(code)
            per_case = seed[1] / seed[0] if seed else 1.0
            k = min(1 + _geometric(rng, per_case - 1), n - made)
            self._case(code, day, k, summary)
            made += k
        return made

    def _ids(self, model, n: int) -> list[int]:
        """`n` fresh keys, reserved from the table's sequence in blocks (gaps are harmless)."""
        pool = self.id_pool[model]
        while len(pool) < n:
            pool.extend(self.sink.reserve_ids(model, max(ID_BLOCK, n)))
        taken = pool[:n]
        del pool[:n]
        return taken

    def _moment(self, day: date, rng: random.Random, first_hour: int = 6, last_hour: int = 22) -> datetime:
        seconds = rng.randrange(first_hour * 3600, last_hour * 3600)
        return datetime.combine(day, time(seconds // 3600, seconds // 60 % 60, seconds % 60), tzinfo=LOCAL_TZ)

    def _case(self, code: str, day: date, k: int, summary: GenerationSummary) -> None:
        rng = self.rng
        seed = SEED_2019.get(code)
        unit = self.world.unit_for(code, rng)
        area_id, address = self.world.place(unit, rng, with_area=False)
        violated_at = self._moment(day, rng)
        (case_id,) = self._ids(ViolationCase, 1)
        summary.cases += 1
        self.t["case"].rows.append(
            (case_id, f"{PREFIX}{case_id}", unit.pk, self.d(day), area_id, "", "app", self.created)
        )
        org_share = ORGANISATION_SHARE.get(code, 0.03 if code == TRAFFIC else 0.02)
        extra_violators = max(seed[2] - seed[1], 0) / seed[1] if seed else 0.0
        decision_ids = self._ids(PenaltyDecision, k)
        for decision_id in decision_ids:
            violators = [self.people.pick(code, rng.random() < org_share)]
            if extra_violators and rng.random() < extra_violators:
                violators.append(self.people.pick(code, False))
            self._decision(decision_id, case_id, code, seed, unit, area_id, address, violated_at, violators, summary)

    def _decision(self, decision_id, case_id, code, seed, unit, area_id, address, violated_at, violators, summary):
        rng = self.rng
        day = violated_at.date()
        main = violators[0]
        organisation = main.kind == Subject.ORGANISATION
        decisions = seed[1] if seed else 1
        suspended = bool(seed) and rng.random() < seed[6] / decisions
        seized = _geometric(rng, seed[5] / decisions) if seed else 0

        # the fine: a behaviour of the row in force on the day of the violation, else the row's average
        behaviour = None
        found = self.catalogue.choices(code, day, suspended, organisation) if self.catalogue else None
        warning = False
        if found:
            behaviour = _pick(rng, *found)
            low, high = (
                (behaviour.org_min, behaviour.org_max) if organisation else (behaviour.fine_min, behaviour.fine_max)
            )
            warning = behaviour.warning_allowed and rng.random() < 0.05
            amount = 0 if warning else _amount_in(rng, low, high)
            months = None
            if suspended and behaviour.suspension:
                months = rng.randint(*behaviour.suspension)
            elif suspended:
                suspended = False
        else:
            average = seed[3] / decisions if seed else 1_000_000
            low = high = 0
            amount = max(
                FINE_ROUNDING, int(rng.lognormvariate(math.log(average), 0.6)) // FINE_ROUNDING * FINE_ROUNDING
            )
            months = rng.randint(1, 3) if suspended else None  # demo assumption without a catalogue
        total = amount

        # record or on the spot (Luật XLVPHC Art. 56: within the limit, nothing seized)
        spot_limit = self.params.on("spot_fine_max_organisation" if organisation else "spot_fine_max_person", day)
        with_record = seized > 0 or total > spot_limit or rng.random() >= P_SPOT_WITHOUT_RECORD
        if with_record:
            made_at = violated_at + timedelta(minutes=rng.randint(5, 90))
            due = self.add_working_days(made_at.date(), self.params.on("decision_days", day))
            lag = min(int(rng.expovariate(1 / 2.0)), 6)
            issued_on = self.add_working_days(made_at.date(), lag) if lag else made_at.date()
            if issued_on > self.today:
                issued_on = self.today
            issued_at = self._moment(issued_on, rng, 7, 17) if issued_on != day else made_at + timedelta(minutes=20)
            issued_on = issued_at.astimezone(LOCAL_TZ).date()
        else:
            made_at = due = None
            issued_at = violated_at + timedelta(minutes=rng.randint(5, 30))
            issued_on = issued_at.astimezone(LOCAL_TZ).date()
        if issued_on > self.today:
            issued_on = self.today
        delivered_on = (
            issued_on if not with_record or rng.random() < 0.7 else issued_on + timedelta(days=rng.randint(1, 3))
        )
        if delivered_on > self.today:
            delivered_on = None
        payment_due = None
        if delivered_on is not None and not warning:
            payment_due = delivered_on + timedelta(days=self.params.on("payment_days", delivered_on))

        # payment and status
        paid_ratio = seed[4] / seed[3] if seed and seed[3] else 0.9
        status, amount_paid, surcharge_paid, paid_on, instalments = self._payment_state(
            rng, total, warning, delivered_on, payment_due, paid_ratio
        )
        summary.per_group[code] = summary.per_group.get(code, 0) + 1
        summary.per_status[status] = summary.per_status.get(status, 0) + 1

        vehicle_kind, plate_n, plate_d = main.plate if (code == TRAFFIC and main.plate) else ("", "", "")
        if code == TRAFFIC and behaviour is not None and behaviour.vehicle and behaviour.vehicle != vehicle_kind:
            # the behaviour names the vehicle ("Ô tô: ..." is never written on a motorbike)
            vehicle_kind, plate_n, plate_d = plate(rng, behaviour.vehicle)
        officer_id, officer_name = self.world.officer(unit, rng)
        issuer_title = _issuer_title(unit, total, spot_limit)
        violator = self._violator_columns(main)
        self.t["decision"].rows.append(
            (
                decision_id,
                f"{PREFIX}{decision_id}/QĐ-XPHC",
                decision_id,
                secrets.token_urlsafe(24),
                f"{REFERENCE_PREFIX}{decision_id:010d}",
                PenaltyDecision.Kind.WITH_RECORD if with_record else PenaltyDecision.Kind.ON_THE_SPOT,
                "app",
                unit.pk,
                unit.path,
                case_id,
                officer_name,
                issuer_title,
                self.dt(violated_at),
                self.dt(issued_at),
                self.d(issued_on),
                address,
                area_id,
                vehicle_kind,
                plate_n,
                plate_d,
                self.group_ids[code],
                warning,
                instalments,
                total,
                amount_paid,
                surcharge_paid,
                seized,
                1 if suspended else 0,
                len(violators),
                behaviour.remedial if behaviour else "",
                self.d(delivered_on),
                self.d(payment_due),
                self.d(paid_on),
                status,
                self.created,
                self.created,
                *violator,
            )
        )
        for v in violators:
            self.t["violator"].rows.append((decision_id, v.key, v.kind))
        self.t["line"].rows.append(
            (
                decision_id,
                behaviour.id if behaviour else None,
                self.group_ids[code],
                behaviour.provision if behaviour else "",
                behaviour.description if behaviour else "",
                low,
                high,
                warning,
                amount,
                months,
                behaviour.points if behaviour else None,
                behaviour.confiscation if behaviour else "",
                behaviour.remedial if behaviour else "",
            )
        )
        ev = self.t["event"].rows
        first_status = DecisionStatus.WARNING if warning else DecisionStatus.UNPAID
        ev.append((decision_id, self.dt(issued_at), "issue", "", first_status, ""))
        if amount_paid:
            received = self._moment(paid_on, rng, 7, 21)
            channel = _pick(rng, PAYMENT_CHANNELS, PAYMENT_CUM)
            self.t["payment"].rows.append(
                (
                    decision_id,
                    channel,
                    amount_paid + surcharge_paid,
                    amount_paid,
                    surcharge_paid,
                    self.dt(received),
                    f"{PREFIX}{decision_id}" if channel == FinePayment.Channel.COUNTER else "",
                    f"{PREFIX}{decision_id}" if channel != FinePayment.Channel.COUNTER else "",
                    main.name if main.kind == Subject.PERSON else main.representative,
                    self.created,
                )
            )
            after = DecisionStatus.PAID if amount_paid >= total else DecisionStatus.PARTLY_PAID
            ev.append((decision_id, self.dt(received), "pay", first_status, after, ""))
        if status in (DecisionStatus.LATE, DecisionStatus.ENFORCED, DecisionStatus.APPEALED, DecisionStatus.CANCELLED):
            at = self._moment(min(self.today, (payment_due or issued_on) + timedelta(days=1)), rng, 7, 17)
            ev.append((decision_id, self.dt(at), STATUS_ACTIONS[status], first_status, status, ""))

        record_id = None
        if with_record:
            (record_id,) = self._ids(ViolationRecord, 1)
            summary.records += 1
            self.t["record"].rows.append(
                (
                    record_id,
                    f"{PREFIX}{record_id}/BB-VPHC",
                    record_id,
                    unit.pk,
                    officer_id,
                    "Cán bộ Công an nhân dân",
                    case_id,
                    self.dt(made_at),
                    self.dt(violated_at),
                    area_id,
                    address,
                    vehicle_kind,
                    plate_n,
                    plate_d,
                    ViolationRecord.Status.DECIDED,
                    self.d(due),
                    self.created,
                    self.created,
                    *violator,
                )
            )
            self.t["m2m"].rows.append((decision_id, record_id))
            if behaviour:
                self.t["record_behaviour"].rows.append((record_id, behaviour.id))
        for _ in range(seized):
            self._seized(
                rng,
                unit,
                code,
                record_id,
                decision_id,
                made_at or violated_at,
                officer_id,
                vehicle_kind,
                plate_n,
                status,
                organisation=organisation,
            )
        if suspended:
            start = delivered_on or issued_on
            # only a person holds a driving licence; an organisation loses a permit (its number
            # is a demo one, "MH-GP-<id>")
            driving = code == TRAFFIC and not organisation
            self.t["suspension"].rows.append(
                (
                    unit.pk,
                    decision_id,
                    LicenceSuspension.Kind.DRIVING if driving else LicenceSuspension.Kind.PERMIT,
                    (main.licence if driving else "") or f"{PREFIX}GP-{decision_id}",
                    rng.choice(LICENCE_CLASSES.get(vehicle_kind, ["B"])) if driving else "",
                    main.name,
                    main.tax_code if organisation else main.id_number,
                    months,
                    self.d(start),
                    self.d(_add_months(start, months) - timedelta(days=1)),
                    status == DecisionStatus.CANCELLED,
                    self.created,
                    self.created,
                )
            )

    def _payment_state(self, rng, total, warning, delivered_on, payment_due, paid_ratio):
        """(status, fine paid, surcharge paid, paid on, instalments allowed) as of today."""
        if rng.random() < P_CANCELLED:
            return DecisionStatus.CANCELLED, 0, 0, None, False
        if warning or total == 0:
            return DecisionStatus.WARNING, 0, 0, None, False
        instalments = rng.random() < P_INSTALMENTS
        if delivered_on is None:
            return DecisionStatus.UNPAID, 0, 0, None, instalments
        days_left = (payment_due - self.today).days
        if rng.random() < paid_ratio:
            # most pay within the time allowed; some late, with the surcharge (Art. 78(1))
            late = rng.random() < 0.06
            span = (payment_due - delivered_on).days
            paid_on = (
                payment_due + timedelta(days=1 + int(rng.expovariate(1 / 12)))
                if late
                else delivered_on + timedelta(days=min(int(rng.expovariate(1 / 3)), span))
            )
            if paid_on <= self.today:
                surcharge = 0
                if paid_on > payment_due:
                    rate = self.params.on("surcharge_per_100000_per_day", paid_on)
                    surcharge = total * rate * (paid_on - payment_due).days // 100_000
                if instalments and rng.random() < 0.5:
                    return DecisionStatus.PARTLY_PAID, total // 2, 0, paid_on, True
                return DecisionStatus.PAID, total, surcharge, paid_on, instalments
        if days_left >= 0:
            return DecisionStatus.UNPAID, 0, 0, None, instalments
        r = rng.random()
        status = DecisionStatus.LATE if r < 0.7 else DecisionStatus.ENFORCED if r < 0.9 else DecisionStatus.APPEALED
        return status, 0, 0, None, instalments

    def _violator_columns(self, v: _Violator) -> tuple:
        return (
            v.kind,
            v.name,
            fold(v.name),
            v.id_number,
            v.tax_code,
            self.d(v.birth_date),
            v.address,
            v.phone,
            v.occupation,
            v.representative,
        )

    def _seized(
        self, rng, unit, code, record_id, decision_id, at, officer_id, vehicle_kind, plate_n, status, *, organisation
    ):
        if code == TRAFFIC:
            kind, _, what = SEIZED_TRAFFIC[bisect_right(_SEIZED_CUM, rng.random() * _SEIZED_CUM[-1])]
            if kind == SeizedItem.Kind.LICENCE and organisation:  # an organisation holds no driving licence
                kind, what = SeizedItem.Kind.DOCUMENT, "Giấy chứng nhận đăng ký xe"
            if kind == SeizedItem.Kind.VEHICLE and vehicle_kind == VehicleKind.CAR:
                what = "Xe ô tô"
            elif kind == SeizedItem.Kind.VEHICLE and vehicle_kind == VehicleKind.BICYCLE:
                what = "Xe đạp"
        else:
            kind, what = SEIZED_OTHER.get(code, (SeizedItem.Kind.GOODS, "Tang vật vi phạm"))
        seized_on = at.astimezone(LOCAL_TZ).date()
        hold_until = self.add_working_days(seized_on, self.params.on("seizure_days", seized_on))
        closed_at, close_status, reason = None, SeizedItem.Status.HELD, ""
        if status == DecisionStatus.CANCELLED or hold_until < self.today or status == DecisionStatus.PAID:
            if kind in (SeizedItem.Kind.MONEY, SeizedItem.Kind.WEAPON, SeizedItem.Kind.GOODS):
                close_status, reason = SeizedItem.Status.CONFISCATED, "Tịch thu theo quyết định xử phạt"
            else:
                close_status, reason = SeizedItem.Status.RELEASED, "Người vi phạm đã chấp hành quyết định xử phạt"
            if status in (DecisionStatus.PAID, DecisionStatus.CANCELLED) or rng.random() < 0.9:
                closed_day = min(self.today, seized_on + timedelta(days=rng.randint(1, 12)))
                closed_at = self.dt(self._moment(closed_day, rng, 7, 17))
            else:
                close_status, reason = SeizedItem.Status.HELD, ""  # held past its time: an alert
        quantity = rng.randint(1, 20) if kind == SeizedItem.Kind.GOODS else 1
        self.t["seized"].rows.append(
            (
                unit.pk,
                record_id,
                decision_id,
                kind,
                what,
                quantity if kind != SeizedItem.Kind.MONEY else 1,
                "chiếc" if kind != SeizedItem.Kind.MONEY else "khoản",
                plate_n if kind == SeizedItem.Kind.VEHICLE else "",
                STORAGE.format(unit=unit.name),
                self.dt(at),
                officer_id,
                self.d(hold_until),
                close_status,
                closed_at,
                reason,
                self.created,
            )
        )


# The workflow's action that leads to each final status (violations.workflow.TRANSITIONS).
STATUS_ACTIONS = {
    DecisionStatus.LATE: "mark_late",
    DecisionStatus.ENFORCED: "enforce",
    DecisionStatus.APPEALED: "appeal",
    DecisionStatus.CANCELLED: "cancel",
}
PAYMENT_CHANNELS = [FinePayment.Channel.TRANSFER, FinePayment.Channel.COUNTER, FinePayment.Channel.TREASURY]
PAYMENT_CUM = _cumulative([50, 35, 15])  # assumption: transfers now dominate
_SEIZED_CUM = _cumulative([w for _, w, _ in SEIZED_TRAFFIC])


def _issuer_title(unit: Unit, total: int, spot_limit: int) -> str:
    """The title that signs (names only; the powers of Nghị định 189/2025/NĐ-CP are not checked here)."""
    if total <= spot_limit:
        return "Chiến sĩ Công an nhân dân đang thi hành công vụ"
    if unit.level == Unit.Level.COMMUNE:
        return "Trưởng Công an xã, phường"
    return f"Trưởng {unit.name[0].lower()}{unit.name[1:]}"


def _add_months(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    for day in (d.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


# --- purge ------------------------------------------------------------------------------------------


def demo_decisions():
    return PenaltyDecision.objects.filter(number__startswith=PREFIX)


def has_demo() -> bool:
    return demo_decisions().exists()


def purge_demo() -> int:
    """Delete every demo row (decisions, their records, cases and children), set-based."""
    n = demo_decisions().count()
    d_sql, d_params = demo_decisions().values("id").query.sql_with_params()
    r_sql, r_params = ViolationRecord.objects.filter(number__startswith=PREFIX).values("id").query.sql_with_params()
    c_sql, c_params = ViolationCase.objects.filter(code__startswith=PREFIX).values("id").query.sql_with_params()
    m2m = PenaltyDecision.records.through._meta.db_table

    def table(model):
        return model._meta.db_table

    with connection.cursor() as cur:
        # evidence rows of other modules keep their row, lose the link
        cur.execute(
            f'UPDATE "{table(TreasuryStatementLine)}" SET "decision_id" = NULL WHERE "decision_id" IN ({d_sql})',
            d_params,
        )
        pay_sql = f'SELECT "id" FROM "{table(FinePayment)}" WHERE "decision_id" IN ({d_sql})'
        cur.execute(
            f'UPDATE "{table(PaymentCallback)}" SET "payment_id" = NULL WHERE "payment_id" IN ({pay_sql})', d_params
        )
        for model in (DecisionEvent, DecisionViolator, DecisionLine, FinePayment, SeizedItem, LicenceSuspension):
            cur.execute(f'DELETE FROM "{table(model)}" WHERE "decision_id" IN ({d_sql})', d_params)
        cur.execute(f'DELETE FROM "{table(SeizedItem)}" WHERE "record_id" IN ({r_sql})', r_params)
        cur.execute(f'DELETE FROM "{m2m}" WHERE "penaltydecision_id" IN ({d_sql})', d_params)
        cur.execute(f'DELETE FROM "{m2m}" WHERE "violationrecord_id" IN ({r_sql})', r_params)
        cur.execute(f'DELETE FROM "{table(RecordBehaviour)}" WHERE "record_id" IN ({r_sql})', r_params)
        cur.execute(f'DELETE FROM "{table(PenaltyDecision)}" WHERE "id" IN ({d_sql})', d_params)
        cur.execute(f'DELETE FROM "{table(ViolationRecord)}" WHERE "id" IN ({r_sql})', r_params)
        cur.execute(
            f'DELETE FROM "{table(ViolationCase)}" WHERE "id" IN ({c_sql}) AND NOT EXISTS '
            f'(SELECT 1 FROM "{table(PenaltyDecision)}" x WHERE x."case_id" = "{table(ViolationCase)}"."id") '
            f'AND NOT EXISTS (SELECT 1 FROM "{table(ViolationRecord)}" y WHERE y."case_id" = "{table(ViolationCase)}"."id")',
            c_params,
        )
    return n
