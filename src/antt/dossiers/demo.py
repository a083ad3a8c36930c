# S311: seeded pseudo-random numbers are the point here (reproducible demo data, never secrets).
# S608: the SQL is built from model metadata (table and column names), never from input.
# ruff: noqa: S311, S608
"""Realistic demo dossiers, generated in bulk (`manage.py generate_dossiers`).

The volumes per field come from the seed: Quyết định 273/QĐ-UBND ngày 21/01/2021 of
Thanh Hóa province (`../shared/seed/de-an-273-QD-UBND-2021.txt`, line 144, Part I):
"trung bình mỗi tháng ... gần 24.017 lượt": vehicle registration and traffic 12,360,
exit/entry 9,180, residence and citizen ID 2,085, fire safety 395 (`MONTHLY_VOLUMES`).

Speed: a million dossiers cannot go through the services one by one (each is a
transaction with locks, an audit entry and a notification). The generator instead
simulates each dossier's life in plain Python with the same rules the services apply
(the working-day calendar of `core.calendar`, the due date of `deadlines.legal_due_at`,
the early / on time / late classes of `deadlines.classify`, the transitions of
`workflow.TRANSITIONS`), cuts the timeline at the reference moment (now, or the end of
`--until`), and writes the rows in bulk: PostgreSQL `COPY`, SQLite `executemany` in
one transaction (`../shared/research/perf-baseline.md` §2: about 300k rows/s, 10 times
the ORM's `bulk_create`).

Demo rows are marked `form_data = {"demo": true}`; `purge_demo()` deletes them (and
their steps, events, results, supplements, apologies and ratings). Codes follow
`core.sequences`: per agency code and day, consecutive after the counter's value,
and the `Counter` rows are moved to the last number used, so that a real receipt
later that day continues the sequence. One SYSTEM audit entry records the run.
"""

from __future__ import annotations

import contextlib
import json
import random
import secrets
import time as clock
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from types import SimpleNamespace

from django.apps import apps
from django.db import connection, models, transaction
from django.utils import timezone

from antt.catalog.models import Level, OnlineLevel, ProcedureVersion, TimeUnit
from antt.core import audit
from antt.core.calendar import LOCAL_TZ, WorkingCalendar, office_hours
from antt.core.identifiers import birth_province_codes
from antt.core.models import AuditEvent, Counter
from antt.core.sequences import format_dossier_code
from antt.core.text import fold
from antt.dossiers import deadlines
from antt.dossiers.models import (
    Apology,
    ApplicantKind,
    Channel,
    Delivery,
    Dossier,
    DossierDocument,
    DossierEvent,
    DossierResult,
    DossierStep,
    Status,
    StepState,
    SupplementRequest,
    Timeliness,
)
from antt.org.models import AdminArea, Role, Unit, User

DEMO_MARK = {"demo": True}

# Average monthly volume per field. The seed gives four groups (QĐ 273/QĐ-UBND 2021, Part I, line 144
# of the text): "đăng ký, quản lý phương tiện cơ giới đường bộ, xử lý vi phạm giao thông (12.360
# lượt/tháng); quản lý xuất nhập cảnh (9.180 lượt/tháng); đăng ký, quản lý cư trú, cấp căn cước công dân
# (2.085 lượt/tháng); phòng cháy, chữa cháy (395 lượt/tháng)". The seed does not split the first group
# (traffic violations are not dossiers, but the demo keeps the group's figure so that the total matches
# the seed's ~24,000) nor the third one (split 60/40 here: an assumption). The seed gives no figure for
# seals, conditional businesses and weapons ("..."): the small volumes below are assumptions, so that
# every field has some dossiers.
MONTHLY_VOLUMES: dict[str, int] = {
    "dang-ky-xe": 12_360,
    "xuat-nhap-canh": 9_180,
    "cu-tru": 1_250,  # assumption: 60% of the seed's 2,085 for residence and ID cards
    "can-cuoc": 835,  # assumption: 40% of the seed's 2,085
    "phong-chay-chua-chay": 395,
    "kinh-doanh-co-dieu-kien": 60,  # assumption
    "con-dau": 40,  # assumption
    "vu-khi-vat-lieu-no": 30,  # assumption
}
SEED_MONTHLY_TOTAL = sum(MONTHLY_VOLUMES.values())

# Relative frequency of procedures inside a field (assumptions: the common ones dominate). Codes of
# the catalogue; a procedure not listed weighs 1.
PROCEDURE_WEIGHTS: dict[str, float] = {
    # exit/entry
    "1.001456": 70,  # passport
    "TH273.1.03": 10,
    "1.001445": 5,
    "TH273.1.01": 8,
    "TH273.1.21": 3,
    "TH273.1.08": 2,
    "TH273.1.09": 1.5,
    "TH273.1.10": 2,
    "TH273.1.11": 0.2,
    "TH273.1.14": 0.5,
    "TH273.1.19": 0.1,
    # vehicles: motorbikes (now at commune police) dominate
    "TH273.6.11": 45,
    "TH273.6.12": 15,
    "TH273.6.14": 5,
    "TH273.6.15": 8,
    "TH273.6.18": 6,
    "TH273.6.01": 10,
    "TH273.6.02": 4,
    "TH273.6.04": 2,
    "TH273.6.05": 3,
    "TH273.6.08": 2,
    # residence
    "1.004194": 35,
    "1.004222": 25,
    "1.010041": 15,
    "1.003197": 8,
    "1.010038": 5,
    "1.002755": 5,
    "1.003677": 4,
    "2.001159": 3,
    # identity cards
    "2.000200": 55,
    "2.001195": 25,
    "2.001194": 15,
    "2.001178": 5,
}

# Which department handles a field's province-level procedures (org.loaders.DEPARTMENTS).
FIELD_DEPARTMENT = {
    "xuat-nhap-canh": "pa08",
    "cu-tru": "pc06",
    "can-cuoc": "pc06",
    "con-dau": "pc06",
    "kinh-doanh-co-dieu-kien": "pc06",
    "vu-khi-vat-lieu-no": "pc06",
    "phong-chay-chua-chay": "pc07",
    "dang-ky-xe": "pc08",
}
# Fields whose applicants are mostly organisations.
ORGANISATION_FIELDS = {"con-dau": 0.9, "kinh-doanh-co-dieu-kien": 0.7, "phong-chay-chua-chay": 0.85}

# Share of dossiers submitted online, by the procedure's online level (Nghị định 42/2022/NĐ-CP: full
# online / partly online). Assumptions in the 30–60 % range the province reports for police services.
ONLINE_SHARE = {OnlineLevel.FULL: 0.55, OnlineLevel.PARTIAL: 0.35}
# Outcome mix of resolved dossiers (assumption; the seed's target is 20 % faster than the legal time).
P_EARLY, P_ON_TIME = 0.70, 0.26  # the rest is late
P_REFUSE_ONLINE = 0.03
P_SUPPLEMENT_ONLINE = 0.06
P_SUPPLEMENT_PROCESSING = 0.03
P_SUPPLEMENT_ABANDONED = 0.10
P_WITHDRAW = 0.01
P_STOP = 0.004
P_APOLOGY_BEFORE_DUE = 0.6

# --- names and places (synthetic) ---------------------------------------------------------------


def _words(text: str, sep: str = " ") -> tuple[str, ...]:
    return tuple(w for w in text.split(sep) if w)


# Family names with their rough national frequencies (%), plus names common in Thanh Hóa.
FAMILY_NAMES = [
    ("Nguyễn", 36),
    ("Lê", 12),
    ("Trần", 9),
    ("Phạm", 6),
    ("Hoàng", 5),
    ("Trịnh", 4),
    ("Đỗ", 3),
    ("Mai", 3),
    ("Vũ", 3),
    ("Bùi", 2.5),
    ("Đặng", 2),
    ("Phan", 2),
    ("Ngô", 1.5),
    ("Hà", 1.5),
    ("Lương", 1.2),
    ("Đinh", 1.2),
    ("Cao", 1),
    ("Dương", 1),
    ("Hồ", 1),
    ("Lại", 0.6),
    ("Tạ", 0.5),
    ("Quách", 0.4),
    ("Lò", 0.3),
]
MALE_MIDDLE = [("Văn", 40), ("Đức", 8), ("Minh", 8), ("Quang", 6), ("Hữu", 6), ("Xuân", 5), ("Ngọc", 4)]
MALE_MIDDLE += [("Thanh", 4), ("Công", 4), ("Đình", 5), ("Trọng", 3), ("Mạnh", 2), ("Tiến", 2), ("Bá", 2)]
FEMALE_MIDDLE = [("Thị", 50), ("Ngọc", 6), ("Thu", 6), ("Thanh", 5), ("Minh", 4), ("Phương", 3), ("Hồng", 3)]
FEMALE_MIDDLE += [("Thùy", 3), ("Mai", 2), ("Khánh", 2), ("Thị Thu", 4), ("Thị Hồng", 3), ("Bảo", 2)]
MALE_GIVEN = _words(
    "Anh Bình Cường Dũng Đức Hải Hiếu Hoàng Hùng Huy Khánh Lâm Long Mạnh Minh Nam Nghĩa Phong Phúc "
    "Quân Quang Sơn Tài Thắng Thành Tiến Toàn Trung Tuấn Tùng Việt Vinh Hưng Kiên Lực Đạt Duy Khoa "
    "Hậu"
)
FEMALE_GIVEN = _words(
    "An Anh Chi Dung Giang Hà Hạnh Hằng Hiền Hoa Hồng Hương Huyền Lan Linh Loan Mai My Nga Ngân "
    "Ngọc Nhung Oanh Phương Quỳnh Thảo Thủy Trang Uyên Vân Yến Trâm Nhi Thư Hoài"
)
STREETS = _words(
    "Lê Lợi|Trần Phú|Quang Trung|Bà Triệu|Lê Hoàn|Hạc Thành|Phan Chu Trinh|Nguyễn Trãi|Tống Duy Tân|"
    "Lý Thường Kiệt|Trường Thi|Hàm Nghi|Nguyễn Du|Lê Lai|Đào Duy Từ|Triệu Quốc Đạt|Dương Đình Nghệ",
    sep="|",
)
COMPANY_WORDS = _words(
    "Hạc Thành|Lam Sơn|Sầm Sơn|Nghi Sơn|Hoàng Long|Phú Quý|Thành Đạt|Minh Phát|An Bình|Trường Thịnh|"
    "Đông Á|Hàm Rồng|Bỉm Sơn|Hải Tiến|Thọ Xuân|Ngọc Lặc|Việt Hưng|Tân Phát|Sông Mã|Hoằng Hóa",
    sep="|",
)
COMPANY_TRADES = [
    "Thương mại và Dịch vụ",
    "Xây dựng",
    "Vận tải",
    "Khách sạn và Du lịch",
    "Dịch vụ Bảo vệ",
    "Đầu tư và Phát triển",
    "Cơ khí",
    "Xăng dầu",
]
# Mobile prefixes of the Vietnamese networks (Viettel, VinaPhone, MobiFone, Vietnamobile, Gmobile).
PHONE_PREFIXES = _words(
    "032 033 034 035 036 037 038 039 086 096 097 098 081 082 083 084 085 088 091 094 070 076 077 "
    "078 079 089 090 093 052 056 058 092 059 099"
)

REFUSE_REASONS = [
    "Hồ sơ không thuộc thẩm quyền giải quyết của cơ quan tiếp nhận.",
    "Thông tin kê khai không khớp với Cơ sở dữ liệu quốc gia về dân cư.",
    "Người nộp không đủ điều kiện thực hiện thủ tục theo quy định.",
]
SUPPLEMENT_REASONS = [
    "Thành phần hồ sơ chưa đầy đủ theo quy định.",
    "Giấy tờ đính kèm không rõ nét, không đọc được nội dung.",
    "Thông tin trong tờ khai chưa thống nhất với giấy tờ kèm theo.",
]
APOLOGY_REASONS = [
    "Hồ sơ phải xác minh thêm thông tin tại địa phương khác.",
    "Chờ kết quả xác minh của cơ quan cấp trên.",
    "Hệ thống phần mềm chuyên ngành gặp sự cố, chưa in được kết quả.",
]
WITHDRAW_REASONS = ["Công dân yêu cầu rút hồ sơ để bổ sung thông tin.", "Công dân không còn nhu cầu giải quyết."]
STOP_REASONS = ["Phát hiện giấy tờ trong hồ sơ không hợp lệ.", "Đối tượng đề nghị không đủ điều kiện theo quy định."]


class DemoError(ValueError):
    """The generation cannot run (a Vietnamese message)."""


@dataclass
class GenerateOptions:
    months: int = 3
    per_month: int | None = None  # default: the seed's volumes (about 24,000)
    total: int | None = None  # overrides per_month: this many dossiers over the months
    seed: int = 1
    until: date | None = None  # default: today
    now: datetime | None = None  # reference moment (default: now, at most the end of `until`)
    replace: bool = False
    documents: bool = True  # checklist rows (DossierDocument) for each dossier
    ratings: bool = True  # feedback ratings, when antt.feedback is installed
    flush_every: int = 20_000  # dossiers per bulk write
    fast_load_from: int = 100_000  # PostgreSQL: rebuild indexes and keys after the load from this many


@dataclass
class GenerationSummary:
    dossiers: int = 0
    rows: int = 0
    deleted: int = 0
    seconds: float = 0.0
    start: date | None = None
    until: date | None = None
    per_field: dict[str, int] = field(default_factory=dict)
    per_status: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)

    @property
    def dossiers_per_second(self) -> float:
        return self.dossiers / self.seconds if self.seconds else 0.0


# --- the office-time clock --------------------------------------------------------------------


class _Clock:
    """Office time as integer seconds: working day index × office seconds per day + offset.

    Every generated moment falls inside office hours of a working day, so arithmetic on
    these integers is working-time arithmetic ("two working days later" is `+ 2 * day`).
    `dt()` reads a boundary as the next period's opening (a moment something happens),
    `end()` as the previous period's closing (a deadline), as `calendar.add_working_hours` does.
    """

    def __init__(self, first: date, last: date):
        cal = WorkingCalendar()
        self.cal = cal
        self.days: list[date] = []
        d = first
        while d <= last:
            if cal.is_working_day(d):
                self.days.append(d)
            d += timedelta(days=1)
        self.index = {d: i for i, d in enumerate(self.days)}
        self.midnights_utc = [datetime.combine(d, time.min, tzinfo=LOCAL_TZ).astimezone(UTC) for d in self.days]
        self.periods = [(p0.hour * 3600 + p0.minute * 60, p1.hour * 3600 + p1.minute * 60) for p0, p1 in office_hours()]
        self.day = sum(b - a for a, b in self.periods)
        self.period_starts = []
        acc = 0
        for a, b in self.periods:
            self.period_starts.append(acc)
            acc += b - a

    def dt(self, t: int) -> datetime:
        i, off = divmod(t, self.day)
        k = bisect_right(self.period_starts, off) - 1
        s = self.periods[k][0] + off - self.period_starts[k]
        return datetime.combine(self.days[i], time(s // 3600, s // 60 % 60, s % 60), tzinfo=LOCAL_TZ)

    def end(self, t: int) -> datetime:
        i, off = divmod(t, self.day)
        if off == 0:
            return datetime.combine(self.days[i - 1], _hms(self.periods[-1][1]), tzinfo=LOCAL_TZ)
        k = bisect_right(self.period_starts, off - 1) - 1
        s = self.periods[k][0] + off - self.period_starts[k]
        return datetime.combine(self.days[i], _hms(s), tzinfo=LOCAL_TZ)

    def local_seconds(self, t: int, end: bool = False) -> tuple[int, int]:
        """(working day index, local seconds since midnight) of `t`; `end` reads it as a deadline."""
        i, off = divmod(t, self.day)
        if end and off == 0:
            return i - 1, self.periods[-1][1]
        k = bisect_right(self.period_starts, off - 1 if end else off) - 1
        return i, self.periods[k][0] + off - self.period_starts[k]

    def of(self, moment: datetime) -> int:
        """The office-time ordinal of `moment` (time outside office hours counts up to the next opening)."""
        local = moment.astimezone(LOCAL_TZ)
        d = local.date()
        while d not in self.index:
            d += timedelta(days=1)
            local = datetime.combine(d, time.min, tzinfo=LOCAL_TZ)
        s = local.hour * 3600 + local.minute * 60 + local.second
        off = 0
        for (a, b), start in zip(self.periods, self.period_starts, strict=True):
            if s >= b:
                off = start + b - a
            elif s > a:
                off = start + s - a
        return self.index[d] * self.day + off

    def day_of(self, t: int) -> int:
        return t // self.day

    def due_day(self, t: int) -> int:
        """The working-day index of a deadline (read with `end`)."""
        return (t - 1) // self.day


def _hms(s: int) -> time:
    return time(s // 3600, s // 60 % 60, s % 60)


# --- the world: catalogue, units, officers ------------------------------------------------------


@dataclass
class _Version:
    version: ProcedureVersion
    id: int
    procedure_id: int
    field_id: int
    field_slug: str
    code: str
    name: str
    result: str
    levels: list[str]
    online_level: str
    valid_from: date
    valid_to: date | None
    amount: Decimal | None
    unit: str
    legal_working_days: Decimal | None
    steps: list[tuple[str, str, Decimal]]  # (name, role, budget hours)
    fee_counter: int
    fee_online: int
    documents: list[tuple[int, str, int, int]]  # (id, name, originals, copies)
    weight: float


@dataclass
class _Officers:
    """Who acts for a unit: real accounts when it has some, else names only (actor left empty)."""

    receptionists: list[tuple[int | None, str]]
    processors: list[tuple[int | None, str]]
    heads: list[tuple[int | None, str]]

    def pick(self, role: str, rng: random.Random) -> tuple[int | None, str]:
        pool = {Role.RECEPTIONIST: self.receptionists, Role.HEAD: self.heads}.get(role, self.processors)
        return pool[int(rng.random() * len(pool))]


class _World:
    def __init__(self, rng: random.Random):
        self.rng = rng
        root = Unit.objects.filter(level=Unit.Level.PROVINCE, parent__isnull=True).order_by("pk").first()
        if root is None:
            raise DemoError("Chưa có đơn vị Công an tỉnh: chạy `manage.py load_reference` trước.")
        self.root = root
        communes = list(
            Unit.objects.filter(level=Unit.Level.COMMUNE, is_active=True, path__startswith=root.path).order_by("pk")
        )
        if not communes:
            raise DemoError("Chưa có công an xã, phường nào đang hoạt động: chạy `manage.py load_reference` trước.")
        self.communes = communes
        # Wards (phường) are busier than rural communes; a few very busy ones (assumption).
        weights = []
        for u in communes:
            w = 3.0 if "phường" in u.name.lower() else 1.0
            weights.append(w * (0.5 + rng.random()))
        self.commune_cum = _cumulative(weights)
        self.departments = {u.slug: u for u in Unit.objects.filter(level=Unit.Level.DEPARTMENT, is_active=True)}
        self.agency = {u.pk: _agency_code(u) for u in [root, *communes, *self.departments.values()]}
        areas = list(
            AdminArea.objects.filter(scheme=AdminArea.Scheme.CURRENT, level="commune").values_list("pk", flat=True)
        )
        self.areas = areas
        self.officers: dict[int, _Officers] = {}
        self._users_by_unit: dict[int, dict[str, list[tuple[int, str]]]] = defaultdict(lambda: defaultdict(list))
        for u in User.objects.filter(is_active=True, unit__isnull=False).exclude(role=""):
            self._users_by_unit[u.unit_id][u.role].append((u.pk, str(u)))

    def officers_of(self, unit: Unit) -> _Officers:
        found = self.officers.get(unit.pk)
        if found is None:
            r = random.Random(unit.pk * 7919)
            real = self._users_by_unit.get(unit.pk, {})

            def pool(role, n, female_share=0.5):
                if real.get(role):
                    return list(real[role])
                return [(None, _person_name(r, r.random() < female_share)[0]) for _ in range(n)]

            found = _Officers(
                receptionists=pool(Role.RECEPTIONIST, 2, 0.7),
                processors=pool(Role.PROCESSOR, 3, 0.4),
                heads=pool(Role.HEAD, 1, 0.2),
            )
            self.officers[unit.pk] = found
        return found

    def commune(self) -> Unit:
        return self.communes[bisect_right(self.commune_cum, self.rng.random() * self.commune_cum[-1])]

    def versions(self, on_first: date, on_last: date) -> list[_Version]:
        qs = (
            ProcedureVersion.objects.select_related("procedure__field")
            .prefetch_related("levels", "steps", "fees", "documents")
            .filter(valid_from__lte=on_last)
            .exclude(valid_to__lt=on_first)
            .order_by("procedure__code", "valid_from")
        )
        out = []
        for v in qs:
            if v.legal_time_unit != TimeUnit.SAME_DAY and (v.legal_time_amount is None or not v.legal_time_unit):
                continue  # no legal time: the services refuse such dossiers (deadlines.NoLegalTime)
            levels = [lv.level for lv in v.levels.all()] or [Level.PROVINCE]
            steps = [(s.name, s.role or Role.PROCESSOR, s.budget_hours) for s in v.steps.all()]
            if not steps:
                from antt.catalog import rules

                steps = [
                    (s["name"], s["role"], s["budget_hours"])
                    for s in rules.default_steps(v.legal_time_amount, v.legal_time_unit)
                ]
            fees = sorted(v.fees.all(), key=lambda f: f.order)
            counter_fee = next((f.amount for f in fees if f.channel == "in_person"), 0)
            online_fee = next((f.amount for f in fees if f.channel == "online"), counter_fee)
            out.append(
                _Version(
                    version=v,
                    id=v.pk,
                    procedure_id=v.procedure_id,
                    field_id=v.procedure.field_id,
                    field_slug=v.procedure.field.slug,
                    code=v.procedure.code,
                    name=v.procedure.name,
                    result=(v.result or v.procedure.name)[:300],
                    levels=levels,
                    online_level=v.online_level,
                    valid_from=v.valid_from,
                    valid_to=v.valid_to,
                    amount=v.legal_time_amount,
                    unit=v.legal_time_unit,
                    legal_working_days=deadlines.legal_working_days(v),
                    steps=steps,
                    fee_counter=counter_fee,
                    fee_online=online_fee,
                    documents=[(d.pk, d.name[:500], d.originals, d.copies) for d in v.documents.all()],
                    weight=PROCEDURE_WEIGHTS.get(v.procedure.code, 1.0),
                )
            )
        return out


def _agency_code(unit: Unit) -> str:
    from antt.dossiers.services import agency_code

    return agency_code(unit)


def _cumulative(weights: list[float]) -> list[float]:
    out, acc = [], 0.0
    for w in weights:
        acc += w
        out.append(acc)
    return out


def _weighted(rng: random.Random, pairs):
    total = sum(w for _, w in pairs)
    x = rng.random() * total
    for item, w in pairs:
        x -= w
        if x < 0:
            return item
    return pairs[-1][0]


def _person_name(rng: random.Random, female: bool) -> tuple[str, bool]:
    family = _weighted(rng, FAMILY_NAMES)
    middle = _weighted(rng, FEMALE_MIDDLE if female else MALE_MIDDLE)
    given = rng.choice(FEMALE_GIVEN if female else MALE_GIVEN)
    return f"{family} {middle} {given}", female


# --- the sink: bulk writes ----------------------------------------------------------------------


class _Table:
    """One table's column list (model field names → columns) and buffered rows."""

    def __init__(self, model: type[models.Model], names: list[str]):
        self.model = model
        self.table = model._meta.db_table
        self.names = names
        fields = [model._meta.get_field(n) for n in names]
        self.columns = [f.column for f in fields]
        # Columns other helpers may add later: their default, the same for every row.
        extra = [
            f
            for f in model._meta.concrete_fields
            if f.name not in names and not f.primary_key and f.column not in self.columns
        ]
        self.extra_columns = [f.column for f in extra]
        self.extra_values = tuple(_default(f) for f in extra)
        self.rows: list[tuple] = []


def _default(f: models.Field):
    if f.has_default():
        value = f.get_default()
        if isinstance(value, dict | list):
            return json.dumps(value)
        return value
    if isinstance(f, models.DateTimeField) and (f.auto_now or f.auto_now_add):
        return timezone.now()
    if f.null:
        return None
    if f.empty_strings_allowed:
        return ""
    raise DemoError(f"Không sinh được dữ liệu cho cột {f.model._meta.db_table}.{f.column} (không có giá trị mặc định).")


class _Sink:
    def __init__(self):
        self.vendor = connection.vendor
        self.rows_written = 0
        self._next_ids: dict[str, int] = {}

    def bind(self, clk: _Clock) -> None:
        """Office-time ordinals to column values: aware UTC datetimes (psycopg) or Django's SQLite text."""
        step = timedelta(seconds=1)
        if self.vendor == "sqlite":
            base = [m.replace(tzinfo=None) for m in clk.midnights_utc]

            def convert(i, s):
                return str(base[i] + s * step)
        else:
            base = clk.midnights_utc

            def convert(i, s):
                return base[i] + s * step

        def ts(t):
            if t is None:
                return None
            return convert(*clk.local_seconds(t))

        def ts_end(t):
            if t is None:
                return None
            return convert(*clk.local_seconds(t, end=True))

        self.ts, self.ts_end = ts, ts_end

    def d(self, value: date | None):
        if value is None or self.vendor != "sqlite":
            return value
        return value.isoformat()

    def dec(self, value: Decimal | None):
        if value is None or self.vendor != "sqlite":
            return value
        return str(value)

    def flush(self, table: _Table, with_id: bool = False) -> None:
        if not table.rows:
            return
        cols = (["id"] if with_id else []) + table.columns + table.extra_columns
        extra = table.extra_values
        rows = table.rows
        if extra:
            rows = [r + extra for r in rows]
        if len(rows[0]) != len(cols):
            raise DemoError(f"{table.table}: {len(rows[0])} giá trị cho {len(cols)} cột.")
        if self.vendor == "postgresql":
            with connection.cursor() as cur:
                sql = f'COPY "{table.table}" ({", ".join(_q(c) for c in cols)}) FROM STDIN'
                with cur.cursor.copy(sql) as copy:
                    for row in rows:
                        copy.write_row(row)
        else:
            marks = ", ".join("?" * len(cols))
            raw = connection.connection
            raw.executemany(f'INSERT INTO "{table.table}" ({", ".join(_q(c) for c in cols)}) VALUES ({marks})', rows)
        self.rows_written += len(rows)
        table.rows = []

    def reserve_ids(self, model: type[models.Model], n: int) -> list[int]:
        """`n` fresh primary keys for rows that other rows point to (dossiers, steps).

        PostgreSQL: taken from the table's sequence (safe beside other writers). SQLite: after
        the highest key ever used; the run's transaction holds the database's write lock.
        """
        if n == 0:
            return []
        table = model._meta.db_table
        if self.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, n])
                return [r[0] for r in cur.fetchall()]
        top = self._next_ids.get(table)
        if top is None:
            with connection.cursor() as cur:
                cur.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{table}"')
                top = cur.fetchone()[0]
                cur.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
                row = cur.fetchone()
                top = max(top, row[0] if row else 0)
        self._next_ids[table] = top + n
        return list(range(top + 1, top + 1 + n))


def _q(name: str) -> str:
    return f'"{name}"'


# --- one dossier's life -------------------------------------------------------------------------


@dataclass
class _Event:
    at: int
    action: str
    from_status: str
    to_status: str
    step: int | None = None  # step order
    to_unit: int | None = None
    to_user: int | None = None
    actor: tuple[int | None, str] | None = None
    note: str = ""
    public: bool = True


@dataclass
class _StepPlan:
    order: int
    name: str
    role: str
    unit_id: int
    budget: Decimal
    assignee: tuple[int | None, str] | None = None
    started: int | None = None
    finished: int | None = None
    skipped_at: int | None = None


@dataclass
class _Life:
    """The whole planned life of one dossier; `at(ref)` reads its state at a moment."""

    submitted: int
    events: list[_Event] = field(default_factory=list)
    steps: list[_StepPlan] = field(default_factory=list)
    received: int | None = None
    due: int | None = None  # office-time ordinal of the first appointment (a deadline)
    pauses: list[tuple[int, int | None, int, list[str], str]] = field(default_factory=list)
    apology: tuple[int, int, str, tuple] | None = None  # (at, new due day index, reason, officer)
    done: int | None = None
    returned: int | None = None
    result_at: int | None = None
    closed: tuple[int, str, str] | None = None  # (at, status, reasons)
    fee_paid: int | None = None


class _Simulator:
    def __init__(self, clk: _Clock, rng: random.Random, world: _World):
        self.clk = clk
        self.rng = rng
        self.world = world
        self.day = clk.day
        self._due_cache: dict[tuple, int] = {}
        self.office_day_hours = deadlines.office_day_hours()

    # Due date: `deadlines.legal_due_at`, in office time (received inside office hours of a working day).
    def legal_due(self, v: _Version, received: int) -> int:
        d = self.clk.day_of(received)
        if v.unit == TimeUnit.SAME_DAY:
            return (d + 1) * self.day
        if v.unit == TimeUnit.WORKING_DAYS:
            whole = int(v.amount)
            frac = Decimal(v.amount) - whole
            return (d + whole + 1) * self.day + int(frac * self.office_day_hours * 3600)
        if v.unit == TimeUnit.WORKING_HOURS:
            return received + int(Decimal(v.amount) * 3600)
        key = (v.amount, v.unit, d)
        cached = self._due_cache.get(key)
        if cached is None:
            moment = self.clk.dt(received)
            due = deadlines.legal_due_at(SimpleNamespace(legal_time_amount=v.amount, legal_time_unit=v.unit), moment)
            cached = self._due_cache[key] = self.clk.of(due)
        return cached

    def later(self, t: int, max_days: float) -> int:
        """A moment in (t, t + max_days of office time]."""
        return t + 1 + int(self.rng.random() * max(max_days * self.day - 1, 1))

    def on_day(self, day: int, after: int | None = None) -> int:
        """A moment on working day `day` (after `after` if that is the same day; else the next day)."""
        lo = day * self.day
        if after is not None and after >= lo:
            lo = after + 60
        if lo >= (day + 1) * self.day:
            return lo + int(self.rng.random() * 3600)
        return lo + int(self.rng.random() * ((day + 1) * self.day - lo))

    def live(self, v: _Version, unit: Unit, receiving: Unit, channel: str, submitted: int) -> _Life:
        rng, day = self.rng, self.day
        S = Status
        life = _Life(submitted=submitted)
        officers = self.world.officers_of(unit)
        desk = self.world.officers_of(receiving)
        for i, (name, role, budget) in enumerate(v.steps, start=1):
            step_unit = receiving if role == Role.RECEPTIONIST else unit
            life.steps.append(_StepPlan(i, name, role, step_unit.pk, budget))
        steps = life.steps
        ev = life.events.append
        status = S.RECEIVED
        receptionist = desk.pick(Role.RECEPTIONIST, rng)

        if channel == Channel.ONLINE:
            ev(_Event(submitted, "submit", "", S.NEW_ONLINE, note="Nộp hồ sơ trực tuyến"))
            status = S.NEW_ONLINE
            check = self.later(submitted, 1)
            if rng.random() < P_SUPPLEMENT_ONLINE:
                items = self._items(v)
                reason = rng.choice(SUPPLEMENT_REASONS)
                ev(_Event(check, "request_supplement", status, S.SUPPLEMENT_REQUESTED, actor=receptionist, note=reason))
                if rng.random() < P_SUPPLEMENT_ABANDONED:
                    refuse_at = check + (8 + int(rng.random() * 5)) * day
                    life.pauses.append((check, None, 0, items, reason))
                    reasons = "Quá thời hạn bổ sung hồ sơ nhưng công dân không bổ sung."
                    ev(
                        _Event(
                            refuse_at,
                            "refuse",
                            S.SUPPLEMENT_REQUESTED,
                            S.NOT_RECEIVED,
                            actor=receptionist,
                            note=reasons,
                        )
                    )
                    life.closed = (refuse_at, S.NOT_RECEIVED, reasons)
                    for s in steps:
                        s.skipped_at = refuse_at
                    return life
                back = self.later(check + day, 3)
                life.pauses.append((check, back, 0, items, reason))
                ev(
                    _Event(
                        back, "supplement_submit", S.SUPPLEMENT_REQUESTED, S.NEW_ONLINE, note="Công dân bổ sung hồ sơ"
                    )
                )
                check = self.later(back, 1)
            if rng.random() < P_REFUSE_ONLINE:
                reasons = rng.choice(REFUSE_REASONS)
                ev(_Event(check, "refuse", S.NEW_ONLINE, S.NOT_RECEIVED, actor=receptionist, note=reasons))
                life.closed = (check, S.NOT_RECEIVED, reasons)
                for s in steps:
                    s.skipped_at = check
                return life
            received = check
            steps[0].assignee, steps[0].started, steps[0].finished = receptionist, received, received
            ev(_Event(received, "accept", S.NEW_ONLINE, S.RECEIVED, step=1, actor=receptionist, note="Tiếp nhận hồ sơ"))
            if v.fee_online:
                life.fee_paid = submitted
        else:
            received = submitted
            steps[0].assignee, steps[0].started, steps[0].finished = receptionist, received, received
            note = (
                "Tiếp nhận hồ sơ tại bộ phận một cửa" if channel == Channel.COUNTER else "Tiếp nhận hồ sơ qua bưu chính"
            )
            ev(_Event(received, "receive", "", S.RECEIVED, step=1, actor=receptionist, note=note))
            if v.fee_counter:
                life.fee_paid = received
        life.received = received
        due = self.legal_due(v, received)
        life.due = due
        status = S.RECEIVED

        # Processing starts soon after receipt, the same working day when there is time left.
        middle = [s for s in steps[1:] if not (s.role == Role.RECEPTIONIST and s is steps[-1])]
        last = steps[-1] if len(steps) > 1 and steps[-1].role == Role.RECEPTIONIST else None
        if not middle:  # a version with only desk steps: treat the second as processing
            middle, last = steps[1:2] or steps[:1], None
        left = (self.clk.day_of(received) + 1) * day - received
        t = received + 1 + int(rng.random() * max(min(0.3 * day, left - 1800), 60))
        first = middle[0]
        first.assignee, first.started = officers.pick(first.role, rng), t
        ev(
            _Event(
                t,
                "start",
                S.RECEIVED,
                S.PROCESSING,
                step=first.order,
                to_unit=first.unit_id,
                to_user=first.assignee[0],
                actor=receptionist,
            )
        )
        status = S.PROCESSING

        # A supplement requested during processing (the clock pauses; the due dates move on).
        shift = 0
        if rng.random() < P_SUPPLEMENT_PROCESSING:
            asked = self.later(t, 1)
            items = self._items(v)
            reason = rng.choice(SUPPLEMENT_REASONS)
            ev(_Event(asked, "request_supplement", status, S.SUPPLEMENT_REQUESTED, actor=first.assignee, note=reason))
            if rng.random() < P_SUPPLEMENT_ABANDONED:
                life.pauses.append((asked, None, 0, items, reason))
                return life  # the applicant never completed it: stays paused
            back = self.later(asked + day, 4)
            shift = self.clk.day_of(back) - self.clk.day_of(asked)
            life.pauses.append((asked, back, shift, items, reason))
            ev(_Event(back, "supplement_submit", S.SUPPLEMENT_REQUESTED, S.PROCESSING, note="Công dân bổ sung hồ sơ"))
            t = back
        due_day = self.clk.due_day(due) + shift  # the (shifted) original due date

        # Withdrawn or stopped on the way.
        r = rng.random()
        if r < P_WITHDRAW + P_STOP:
            at = self.later(t, 1)
            withdraw = r < P_WITHDRAW
            reasons = rng.choice(WITHDRAW_REASONS if withdraw else STOP_REASONS)
            actor = receptionist if withdraw else officers.pick(Role.HEAD, rng)
            target = S.WITHDRAWN if withdraw else S.STOPPED
            first.finished = at
            ev(
                _Event(
                    at, "withdraw" if withdraw else "stop", status, target, step=first.order, actor=actor, note=reasons
                )
            )
            life.closed = (at, target, reasons)
            for s in steps:
                if s.started is None:
                    s.skipped_at = at
            return life

        # When the head approves: early, on the due date, or late (then an apology, Mẫu 04).
        start_day = self.clk.day_of(t)
        r = rng.random()
        if r < P_EARLY and due_day > start_day:
            span = due_day - start_day  # finished 30–90 % into the legal time (the seed's target: 80 %)
            done_day = start_day + (min(max(1, round(span * (0.3 + 0.6 * rng.random()))), span - 1) if span > 1 else 0)
        elif r < P_EARLY + P_ON_TIME or due_day < start_day:
            done_day = max(due_day, start_day)
        else:
            done_day = max(due_day, start_day) + 1 + int(rng.random() * 3)
        done = self.on_day(done_day, after=t)
        n = len(middle)
        done = max(done, t + 120 * n)
        done_day = self.clk.day_of(done)
        # The steps between start and approval share the time by their budgets.
        total_budget = sum(float(s.budget) for s in middle) or 1.0
        acc = 0.0
        prev = t
        for k, s in enumerate(middle[:-1], start=1):
            acc += float(s.budget)
            boundary = min(max(prev + 60, t + int((done - t) * acc / total_budget)), done - 60 * (n - k))
            nxt = middle[k]
            s.finished = boundary
            nxt.assignee, nxt.started = officers.pick(nxt.role, rng), boundary
            if nxt.role == Role.HEAD and life.result_at is None:
                life.result_at = boundary - 30
                ev(_Event(life.result_at, "attach_result", "", "", actor=s.assignee, public=False))
            ev(
                _Event(
                    boundary,
                    "forward",
                    status,
                    status,
                    step=s.order,
                    to_unit=nxt.unit_id,
                    to_user=nxt.assignee[0],
                    actor=s.assignee,
                )
            )
            prev = boundary
        head = middle[-1]
        if life.result_at is None:
            life.result_at = max(done - 30, prev + 1)
            ev(_Event(life.result_at, "attach_result", "", "", actor=head.assignee, public=False))
        head.finished = done
        life.done = done
        ev(
            _Event(
                done,
                "approve",
                status,
                S.PROCESSED,
                step=head.order,
                to_unit=last.unit_id if last else None,
                actor=head.assignee,
            )
        )
        status = S.PROCESSED
        if last is not None:
            last.started = done
            last.assignee = desk.pick(Role.RECEPTIONIST, rng)

        # Apology before a late return, then the return.
        current_due_day = due_day
        if done_day > due_day:
            before = rng.random() < P_APOLOGY_BEFORE_DUE
            apology_day = max(due_day - 1, start_day) if before else due_day + 1 + int(rng.random() * 2)
            apology_at = self.on_day(apology_day, after=t)
            new_day = max(done_day, self.clk.day_of(apology_at) + 1, due_day + 1) + int(rng.random() * 2)
            life.apology = (apology_at, new_day, rng.choice(APOLOGY_REASONS), officers.pick(Role.HEAD, rng))
            ev(_Event(apology_at, "apologise", "", "", actor=life.apology[3], note=life.apology[2]))
            current_due_day = new_day
            earliest = max(done, apology_at)
        else:
            earliest = done
        first_day = self.clk.day_of(earliest)
        if rng.random() < 0.6 or first_day >= current_due_day:
            ret_day = first_day
        else:
            ret_day = first_day + 1 + int(rng.random() * (current_due_day - first_day))
        returned = self.on_day(ret_day, after=earliest)
        if self.clk.day_of(returned) > current_due_day:  # no office time left that day: at once
            returned = earliest + 1
        life.returned = returned
        if last is not None:
            last.finished = returned
        ev(
            _Event(
                returned,
                "return",
                S.PROCESSED,
                S.RETURNED,
                step=last.order if last else None,
                actor=last.assignee if last else receptionist,
            )
        )
        life.closed = (returned, S.RETURNED, "")
        # Events in time order (an apology may fall between other events); statuses re-chained below.
        life.events.sort(key=lambda e: e.at)
        return life

    def _items(self, v: _Version) -> list[str]:
        if v.documents:
            k = 1 + int(self.rng.random() * min(2, len(v.documents)))
            return [d[1] for d in self.rng.sample(v.documents, k)]
        return ["Giấy tờ chứng minh thông tin kê khai"]


class _FastLoad:
    """PostgreSQL, big runs: load without secondary indexes and foreign keys, then rebuild them.

    Inserting millions of rows into tables with a dozen indexes and deferred foreign keys
    (one queued trigger event per row and key, checked at commit) is several times slower
    than building each index once and validating each key with one set-based query at the
    end. Everything happens inside the run's transaction: a failure restores the tables as
    they were, and the re-added foreign keys validate every generated row.
    """

    def __init__(self, models_: list[type[models.Model]]):
        self.tables = [m._meta.db_table for m in models_]
        self.constraints: list[tuple[str, str, str, str]] = []  # (table, name, definition, type)
        self.indexes: list[tuple[str, str]] = []  # (name, definition)

    def __enter__(self):
        with connection.cursor() as cur:
            cur.execute("SET LOCAL maintenance_work_mem = '512MB'")
            # Keys checked at commit cannot be dropped while checks are queued: run those checks now.
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cur.execute("SET CONSTRAINTS ALL DEFERRED")
            for table in self.tables:
                cur.execute(
                    "SELECT conname, pg_get_constraintdef(oid), contype FROM pg_constraint "
                    "WHERE conrelid = %s::regclass AND contype IN ('f', 'u') ORDER BY contype DESC",
                    [table],
                )
                for name, definition, kind in cur.fetchall():
                    self.constraints.append((table, name, definition, kind))
                cur.execute(
                    "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                    "WHERE i.indrelid = %s::regclass AND NOT i.indisprimary AND NOT EXISTS "
                    "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.contype IN ('u', 'p', 'x'))",
                    [table],
                )
                self.indexes.extend(cur.fetchall())
            for table, name, _definition, _kind in self.constraints:
                cur.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
            for name, _definition in self.indexes:
                cur.execute(f"DROP INDEX {name}")
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            return False  # the transaction rolls back: the tables get their indexes back
        with connection.cursor() as cur:
            for _name, definition in self.indexes:
                cur.execute(definition)
            for table, name, definition, _kind in sorted(self.constraints, key=lambda c: c[3] == "f"):
                cur.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
        return False


# --- the generator ------------------------------------------------------------------------------


class DemoGenerator:
    """Builds the rows of many dossiers and writes them in bulk (see the module docstring)."""

    DOSSIER_FIELDS = [
        "code",
        "token",
        "procedure_version",
        "procedure",
        "field",
        "level",
        "unit",
        "receiving_unit",
        "status",
        "channel",
        "delivery",
        "applicant_kind",
        "applicant_name",
        "applicant_name_folded",
        "applicant_id_number",
        "applicant_birth_date",
        "applicant_phone",
        "applicant_email",
        "applicant_area",
        "applicant_address",
        "representative_name",
        "form_data",
        "submitted_at",
        "received_at",
        "due_at",
        "original_due_at",
        "clock_paused_at",
        "completed_at",
        "returned_at",
        "closed_at",
        "timeliness",
        "legal_working_days",
        "fee_amount",
        "fee_paid_at",
        "fee_paid_online",
        "fee_receipt_ref",
        "current_step",
        "assignee",
        "received_by",
        "status_before_pause",
        "reasons",
        "created_by",
        "idempotency_key",
        "created_at",
        "updated_at",
        "row_version",
    ]
    STEP_FIELDS = [
        "dossier",
        "order",
        "name",
        "role",
        "unit",
        "assignee",
        "budget_hours",
        "state",
        "started_at",
        "due_at",
        "finished_at",
        "timeliness",
        "note",
    ]
    EVENT_FIELDS = [
        "dossier",
        "at",
        "action",
        "from_status",
        "to_status",
        "actor",
        "actor_name",
        "from_unit",
        "to_unit",
        "to_user",
        "step",
        "step_timeliness",
        "note",
        "public",
    ]

    def __init__(self, options: GenerateOptions, progress: Callable[[int, int, float], None] | None = None):
        self.o = options
        self.progress = progress
        self.rng = random.Random(options.seed)

    # -- public --

    def run(self) -> GenerationSummary:
        o = self.o
        started = clock.monotonic()
        summary = GenerationSummary()
        ref = o.now or timezone.now()
        until = o.until or timezone.localdate(ref)
        end_of_until = deadlines.end_of_day(until)
        ref = min(ref, end_of_until)
        first = _add_months(until, -o.months) + timedelta(days=1)
        summary.start, summary.until = first, until
        with transaction.atomic():
            if o.replace:
                summary.deleted = purge_demo()
            world = _World(self.rng)
            clk = _Clock(first - timedelta(days=7), until + timedelta(days=400))
            self.clk, self.world = clk, world
            self.sim = _Simulator(clk, self.rng, world)
            self.sink = _Sink()
            self.sink.bind(clk)
            self.ref = clk.of(ref)
            versions = world.versions(first, until)
            plan = self._plan(versions, first, until, summary)
            total = sum(len(day_items) for day_items in plan.values())
            self._open_tables()
            self.ratings = None
            if o.ratings and apps.is_installed("antt.feedback"):
                self.ratings = _Ratings(self.rng, clk, self.sink, self.ref)
            counters = self._lock_counters(plan)
            fast = connection.vendor == "postgresql" and total >= o.fast_load_from
            tables = [DossierEvent, DossierDocument, DossierResult, SupplementRequest, Apology, DossierStep, Dossier]
            if self.ratings is not None:
                tables = [self.ratings.t_answer.model, self.ratings.t_rating.model, *tables]
            done = 0
            with _FastLoad(tables) if fast else contextlib.nullcontext():
                for day in sorted(plan):
                    items = plan[day]
                    if not items:
                        continue
                    done += self._generate_day(day, items, counters, summary)
                    if len(self.t_dossier.rows) >= o.flush_every:
                        self._flush()
                        if self.progress:
                            self.progress(done, total, clock.monotonic() - started)
                self._flush()
                if self.progress:
                    self.progress(done, total, clock.monotonic() - started)
            self._save_counters(counters)
            summary.dossiers = done
            summary.rows += self.sink.rows_written
            summary.seconds = clock.monotonic() - started
            audit.record(
                AuditEvent.Action.SYSTEM,
                object_type="dossiers.dossier",
                object_repr="Dữ liệu minh họa",
                changes={
                    "demo": True,
                    "dossiers": done,
                    "rows": summary.rows,
                    "deleted_demo_dossiers": summary.deleted,
                    "from": first.isoformat(),
                    "until": until.isoformat(),
                    "seed": o.seed,
                    "per_field": summary.per_field,
                },
                reason="Sinh hồ sơ minh họa (dữ liệu giả, không phải hồ sơ thật)",
                actor_name="hệ thống (generate_dossiers)",
            )
        return summary

    # -- planning: how many dossiers of which procedure, on which day --

    def _plan(self, versions: list[_Version], first: date, until: date, summary: GenerationSummary):
        o, clk = self.o, self.clk
        days = [d for d in clk.days if first <= d <= until]
        if not days:
            raise DemoError("Khoảng thời gian không có ngày làm việc nào.")
        scale = 1.0
        if o.total is not None:
            scale = o.total / (SEED_MONTHLY_TOTAL * o.months)
        elif o.per_month is not None:
            scale = o.per_month / SEED_MONTHLY_TOTAL
        by_field: dict[str, list[_Version]] = defaultdict(list)
        for v in versions:
            by_field[v.field_slug].append(v)
        # Busier on Mondays, quieter on Fridays and make-up Saturdays (assumption).
        day_weight = [{0: 1.15, 4: 0.9}.get(d.weekday(), 1.0) if d.weekday() < 5 else 0.6 for d in days]
        plan: dict[date, list[_Version]] = {d: [] for d in days}
        fields = sorted(set(MONTHLY_VOLUMES) | set(by_field))
        for slug in fields:
            monthly = MONTHLY_VOLUMES.get(slug, 0)
            total = round(monthly * o.months * scale)
            if total <= 0:
                continue
            if slug not in by_field:
                summary.skipped[slug] = total
                continue
            cum = _cumulative(day_weight)
            placed = 0
            for i, d in enumerate(days):
                target = round(total * cum[i] / cum[-1])
                n, placed = target - placed, target
                eligible = [v for v in by_field[slug] if v.valid_from <= d and (v.valid_to is None or d <= v.valid_to)]
                if not eligible:
                    summary.skipped[slug] = summary.skipped.get(slug, 0) + n
                    continue
                pairs = [(v, v.weight) for v in eligible]
                plan[d].extend(_weighted(self.rng, pairs) for _ in range(n))
        return plan

    # -- rows --

    def _open_tables(self) -> None:
        self.t_dossier = _Table(Dossier, self.DOSSIER_FIELDS)
        self.t_step = _Table(DossierStep, self.STEP_FIELDS)
        self.t_event = _Table(DossierEvent, self.EVENT_FIELDS)
        self.t_document = _Table(
            DossierDocument,
            ["dossier", "required_document", "name", "originals", "copies", "round", "uploaded_by", "created_at"],
        )
        self.t_result = _Table(DossierResult, ["dossier", "number", "code", "name", "created_at", "created_by"])
        self.t_supplement = _Table(
            SupplementRequest, ["dossier", "number", "requested_at", "requested_by", "items", "reasons", "fulfilled_at"]
        )
        self.t_apology = _Table(
            Apology, ["dossier", "number", "issued_at", "issued_by", "reason", "previous_due_at", "new_due_at"]
        )
        self.pending_steps: list[tuple] = []
        self.returned_for_rating: list[tuple] = []

    def _flush(self) -> None:
        sink = self.sink
        sink.flush(self.t_dossier, with_id=True)
        sink.flush(self.t_step, with_id=True)
        for t in (self.t_event, self.t_document, self.t_result, self.t_supplement, self.t_apology):
            sink.flush(t)
        if self.ratings is not None:
            self.ratings.add(self.returned_for_rating)
            self.ratings.flush()
        self.returned_for_rating = []

    def _lock_counters(self, plan) -> dict[tuple[str, str], int]:
        """The counters of the days to fill, locked for the run; {(key, period): last value}."""
        prefixes = set(self.world.agency.values())
        keys = [(f"dossier:{p}", f"{d:%y%m%d}") for p in prefixes for d, items in plan.items() if items]
        Counter.objects.bulk_create([Counter(key=k, period=p) for k, p in keys], ignore_conflicts=True)
        values = {}
        wanted = {k for k, _ in keys}
        periods = {p for _, p in keys}
        for c in Counter.objects.select_for_update().filter(key__in=wanted, period__in=periods):
            values[(c.key, c.period)] = c.value
        self._counters_before = dict(values)
        return values

    def _save_counters(self, counters: dict) -> None:
        changed = [(k, p, v) for (k, p), v in counters.items() if v != self._counters_before.get((k, p))]
        for k, p, v in changed:
            Counter.objects.filter(key=k, period=p).update(value=v)

    def _generate_day(self, day: date, items: list[_Version], counters: dict, summary: GenerationSummary) -> int:
        rng, clk, world, sim = self.rng, self.clk, self.world, self.sim
        day_index = clk.index[day]
        lo, hi = day_index * clk.day, (day_index + 1) * clk.day
        hi = min(hi, self.ref)
        if hi <= lo:
            return 0
        planned = []
        for v in items:
            submitted = lo + int(rng.random() * (hi - lo))
            planned.append((submitted, v))
        planned.sort(key=lambda p: p[0])
        ids = self.sink.reserve_ids(Dossier, len(planned))
        n_steps = sum(len(v.steps) for _, v in planned)
        step_ids = iter(self.sink.reserve_ids(DossierStep, n_steps))
        for dossier_id, (submitted, v) in zip(ids, planned, strict=True):
            level, unit = self._place(v)
            channel = self._channel(v)
            life = sim.live(v, unit, unit, channel, submitted)
            prefix = world.agency.get(unit.pk) or _agency_code(unit)
            key = (f"dossier:{prefix}", f"{day:%y%m%d}")
            counters[key] = counters.get(key, 0) + 1
            code = format_dossier_code(prefix, day, counters[key])
            status = self._emit(dossier_id, code, v, level, unit, channel, life, step_ids)
            summary.per_field[v.field_slug] = summary.per_field.get(v.field_slug, 0) + 1
            summary.per_status[status] = summary.per_status.get(status, 0) + 1
        return len(planned)

    def _place(self, v: _Version) -> tuple[str, Unit]:
        """The level and unit: commune police for commune (and former district) level, else the department."""
        levels = v.levels
        local = [lv for lv in levels if lv in (Level.COMMUNE, Level.DISTRICT)]
        if local and (Level.PROVINCE not in levels or self.rng.random() < 0.75):
            level = Level.COMMUNE if Level.COMMUNE in local else local[0]
            return level, self.world.commune()
        dept = self.world.departments.get(FIELD_DEPARTMENT.get(v.field_slug, ""))
        return (Level.PROVINCE if Level.PROVINCE in levels else levels[0]), dept or self.world.root

    def _channel(self, v: _Version) -> str:
        r = self.rng.random()
        if r < ONLINE_SHARE.get(v.online_level, 0.0):
            return Channel.ONLINE
        if r > 0.99:
            return Channel.POST
        return Channel.COUNTER

    def _applicant(self, v: _Version, unit: Unit, year: int) -> dict:
        rng = self.rng
        org_share = ORGANISATION_FIELDS.get(v.field_slug, 0.0)
        female = rng.random() < 0.52
        person, _ = _person_name(rng, female)
        age = 14 + int(rng.random() ** 1.4 * 62) if v.field_slug == "can-cuoc" else 18 + int(rng.random() * 55)
        birth = date(year - age, 1 + int(rng.random() * 12), 1 + int(rng.random() * 28))
        phone = rng.choice(PHONE_PREFIXES) + f"{int(rng.random() * 10_000_000):07d}"
        if unit.level == Unit.Level.COMMUNE:
            area = unit.area_id
        else:
            area = rng.choice(self.world.areas) if self.world.areas else None
        if "phường" in unit.name.lower() or unit.level != Unit.Level.COMMUNE:
            address = f"Số {1 + int(rng.random() * 250)}, đường {rng.choice(STREETS)}"
        else:
            address = f"Thôn {1 + int(rng.random() * 12)}"
        email = ""
        if rng.random() < 0.15:
            email = f"{fold(person).replace(' ', '.')}{int(rng.random() * 100)}@example.vn"
        if rng.random() < org_share:
            name = f"Công ty TNHH {rng.choice(COMPANY_TRADES)} {rng.choice(COMPANY_WORDS)}"
            return {
                "kind": ApplicantKind.ORGANISATION,
                "name": name,
                "id_number": f"28{int(rng.random() * 100_000_000):08d}",  # Thanh Hóa's tax codes start with 28
                "birth_date": None,
                "phone": phone,
                "email": email,
                "area": area,
                "address": address,
                "representative": person,
            }
        province = "038" if rng.random() < 0.9 else rng.choice(self._province_codes())
        g = (birth.year - 1900) // 100 * 2 + (1 if female else 0)
        number = f"{province}{g}{birth.year % 100:02d}{int(rng.random() * 1_000_000):06d}"
        return {
            "kind": ApplicantKind.PERSON,
            "name": person,
            "id_number": number,
            "birth_date": birth,
            "phone": phone,
            "email": email,
            "area": area,
            "address": address,
            "representative": "",
        }

    def _province_codes(self) -> list[str]:
        codes = getattr(self, "_codes", None)
        if codes is None:
            codes = self._codes = sorted(birth_province_codes())
        return codes

    def _emit(
        self, dossier_id: int, code: str, v: _Version, level: str, unit: Unit, channel: str, life: _Life, step_ids
    ) -> str:
        """Append the rows of one dossier as it stands at the reference moment; return its status."""
        clk, sink, rng, ref = self.clk, self.sink, self.rng, self.ref
        ts, ts_end = sink.ts, sink.ts_end
        S = Status
        events = [e for e in life.events if e.at < ref]
        # The apology and the result do not change the status: they carry the status of the moment.
        status = ""
        for e in events:
            if e.action in ("apologise", "attach_result"):
                e.from_status = e.to_status = status
            else:
                status = e.to_status
        a = self._applicant(v, unit, clk.days[life.submitted // clk.day].year)
        received = life.received if life.received is not None and life.received < ref else None

        # The clock and its pauses.
        due = original = None
        paused_at = None
        status_before_pause = ""
        if received is not None:
            due = original = life.due
        for asked, back, shift, _items, _reason in life.pauses:
            if asked < ref and (back is None or back >= ref):
                paused_at = asked if received is not None else None
                status_before_pause = S.PROCESSING if received is not None else S.NEW_ONLINE
            elif back is not None and back < ref and received is not None and shift:
                due += shift * clk.day
                original += shift * clk.day
        apology_row = None
        if life.apology is not None and life.apology[0] < ref:
            at, new_day, reason, officer = life.apology
            new_due = (new_day + 1) * clk.day
            apology_row = (at, due, new_due, reason, officer)
            due = new_due
        done = life.done if life.done is not None and life.done < ref else None
        returned = life.returned if life.returned is not None and life.returned < ref else None
        closed_at, reasons = None, ""
        if life.closed is not None and life.closed[0] < ref:
            closed_at, reasons = life.closed[0], life.closed[2]
        elif status == S.SUPPLEMENT_REQUESTED:
            reasons = life.pauses[-1][4]
        timeliness = _classify(clk, done, original) if done is not None else ""

        # Steps at the reference moment.
        closed = status in (S.RETURNED, S.WITHDRAWN, S.STOPPED, S.NOT_RECEIVED)
        step_rows = []
        current_step = None
        assignee = None
        for s in life.steps:
            sid = next(step_ids)
            started = s.started if s.started is not None and s.started < ref else None
            finished = s.finished if s.finished is not None and s.finished < ref and started is not None else None
            step_due = None
            step_class = ""
            if finished is not None:
                state = StepState.DONE
            elif started is not None:
                state = StepState.ACTIVE
            elif closed or (s.skipped_at is not None and s.skipped_at < ref):
                state = StepState.SKIPPED
            else:
                state = StepState.PENDING
            if started is not None:  # calendar.add_working_hours, in office time
                step_due = started + int(s.budget * 3600)
                if finished is not None:
                    step_class = _classify(clk, finished, step_due)
            if state == StepState.ACTIVE and not closed and status != S.RECEIVED:
                current_step = sid
                if status != S.PROCESSED and s.assignee:
                    assignee = s.assignee[0]
            s.id, s.timeliness = sid, step_class
            step_rows.append(
                (
                    sid,
                    dossier_id,
                    s.order,
                    s.name[:300],
                    s.role,
                    s.unit_id,
                    s.assignee[0] if s.assignee and started is not None else None,
                    sink.dec(s.budget),
                    state,
                    ts(started),
                    ts_end(step_due),
                    ts(finished),
                    step_class,
                    "",
                )
            )

        # Fees.
        fee_amount = v.fee_online if channel == Channel.ONLINE else v.fee_counter
        fee_paid_at = None
        fee_ref = ""
        if fee_amount and life.fee_paid is not None and life.fee_paid < ref and status != S.NOT_RECEIVED:
            fee_paid_at = life.fee_paid
            fee_ref = f"GD{dossier_id:010d}" if channel == Channel.ONLINE else f"BL{dossier_id:08d}"

        receptionist = life.steps[0].assignee if life.steps and life.steps[0].started is not None else None
        last_at = events[-1].at if events else life.submitted
        post_share = 0.25 if v.field_slug == "xuat-nhap-canh" else 0.1
        delivery = Delivery.POST if rng.random() < post_share else Delivery.COUNTER
        self.t_dossier.rows.append(
            (
                dossier_id,
                code,
                secrets.token_urlsafe(24),
                v.id,
                v.procedure_id,
                v.field_id,
                level,
                unit.pk,
                unit.pk,
                status,
                channel,
                delivery,
                a["kind"],
                a["name"],
                _fold(a["name"]),
                a["id_number"],
                sink.d(a["birth_date"]),
                a["phone"],
                a["email"],
                a["area"],
                a["address"],
                a["representative"],
                '{"demo": true}',
                ts(life.submitted),
                ts(received),
                ts_end(due),
                ts_end(original),
                ts(paused_at),
                ts(done),
                ts(returned),
                ts(closed_at),
                timeliness,
                sink.dec(v.legal_working_days),
                fee_amount,
                ts(fee_paid_at),
                bool(fee_paid_at is not None and channel == Channel.ONLINE),
                fee_ref,
                current_step,
                assignee,
                receptionist[0] if receptionist and received is not None else None,
                status_before_pause if status == S.SUPPLEMENT_REQUESTED else "",
                reasons,
                None,
                None,
                ts(life.submitted),
                ts(last_at),
                1 + len(events),
            )
        )
        self.t_step.rows.extend(step_rows)

        # Events (the history the control slip is printed from).
        by_order = {s.order: s for s in life.steps}
        rows = self.t_event.rows
        for e in events:
            step = by_order.get(e.step) if e.step else None
            actor = e.actor
            rows.append(
                (
                    dossier_id,
                    ts(e.at),
                    e.action,
                    e.from_status,
                    e.to_status,
                    actor[0] if actor else None,
                    actor[1] if actor else "Công dân",
                    step.unit_id if step else None,
                    e.to_unit,
                    e.to_user,
                    step.id if step else None,
                    step.timeliness if step and step.finished is not None and step.finished <= e.at else "",
                    e.note,
                    e.public,
                )
            )

        # Documents handed in (the checklist), the result, supplement requests, the apology.
        if self.o.documents:
            submitted = ts(life.submitted)
            for doc_id, name, originals, copies in v.documents:
                self.t_document.rows.append((dossier_id, doc_id, name, originals, copies, 1, None, submitted))
        if life.result_at is not None and life.result_at < ref:
            processor = life.steps[1].assignee if len(life.steps) > 1 else None
            self.t_result.rows.append(
                (dossier_id, 1, f"{code}-KQ1", v.result, ts(life.result_at), processor[0] if processor else None)
            )
        for n, (asked, back, _shift, items, reason) in enumerate(life.pauses, start=1):
            if asked < ref:
                officer = life.steps[0].assignee if life.steps else None
                self.t_supplement.rows.append(
                    (
                        dossier_id,
                        n,
                        ts(asked),
                        officer[0] if officer else None,
                        json.dumps(items, ensure_ascii=False),
                        reason,
                        ts(back) if back is not None and back < ref else None,
                    )
                )
        if apology_row is not None:
            at, previous, new_due, reason, officer = apology_row
            self.t_apology.rows.append((dossier_id, 1, ts(at), officer[0], reason, ts_end(previous), ts_end(new_due)))
        if status == S.RETURNED:
            officer = receptionist[0] if receptionist else None
            self.returned_for_rating.append(
                (dossier_id, unit.pk, v.procedure_id, v.field_id, returned, officer, timeliness)
            )
        return status


def _classify(clk: _Clock, done: int, due: int) -> str:
    """`deadlines.classify` in office time: the completion date against the due date."""
    a, b = clk.day_of(done), clk.due_day(due)
    if a < b:
        return Timeliness.EARLY
    if a == b:
        return Timeliness.ON_TIME
    return Timeliness.LATE


_FOLDED: dict[str, str] = {}


def _fold(name: str) -> str:
    folded = _FOLDED.get(name)
    if folded is None:
        folded = _FOLDED[name] = fold(name)
    return folded


def _add_months(d: date, months: int) -> date:
    from calendar import monthrange

    index = d.month - 1 + months
    year, month = d.year + index // 12, index % 12 + 1
    return date(year, month, min(d.day, monthrange(year, month)[1]))


class _Ratings:
    """Satisfaction ratings for about a third of the returned dossiers (feedback app's models).

    The answers follow the dossier's class: an early dossier is mostly "Rất hài lòng", a late
    one less often (assumption; the seed's target is a satisfaction rate above 80 %).
    """

    SHARE = 0.35
    LEVELS = {  # overall level -> probabilities (very satisfied, satisfied, dissatisfied)
        Timeliness.EARLY: (0.6, 0.35, 0.05),
        Timeliness.ON_TIME: (0.45, 0.45, 0.10),
        Timeliness.LATE: (0.2, 0.45, 0.35),
    }

    def __init__(self, rng: random.Random, clk: _Clock, sink: _Sink, ref: int):
        from antt.feedback.models import Rating, RatingAnswer

        self.rng, self.clk, self.sink, self.ref = rng, clk, sink, ref
        self.t_rating = _Table(
            Rating,
            [
                "dossier",
                "channel",
                "total_points",
                "max_points",
                "overall_level",
                "comment",
                "officer",
                "unit",
                "procedure",
                "field",
                "recorded_by",
                "created_at",
            ],
        )
        self.t_answer = _Table(RatingAnswer, ["rating", "criterion", "option_code", "points"])
        self.criteria: dict[date, list] = {}

    def _criteria(self, on: date) -> list:
        found = self.criteria.get(on)
        if found is None:
            from antt.feedback.services import criteria_in_force

            found = self.criteria[on] = criteria_in_force(on)
        return found

    def add(self, returned: list[tuple]) -> None:
        from antt.feedback.models import CriterionKind, Rating, RatingChannel, SatisfactionLevel

        rng, clk, ts = self.rng, self.clk, self.sink.ts
        chosen = []
        for item in returned:
            if rng.random() >= self.SHARE:
                continue
            dossier_id, unit_id, procedure_id, field_id, returned_at, officer_id, timeliness = item
            tablet = rng.random() < 0.7
            at = returned_at + 60 + int(rng.random() * (600 if tablet else 2 * clk.day))
            criteria = self._criteria(clk.days[clk.day_of(returned_at)])
            if at >= self.ref or not criteria or not any(c.overall for c in criteria):
                continue
            chosen.append((item, tablet, at, criteria))
        ids = self.sink.reserve_ids(Rating, len(chosen))
        labels = {str(level.label).casefold(): level.value for level in SatisfactionLevel}
        levels = list(SatisfactionLevel)
        for rating_id, (item, tablet, at, criteria) in zip(ids, chosen, strict=True):
            dossier_id, unit_id, procedure_id, field_id, returned_at, officer_id, timeliness = item
            level = _weighted(rng, list(zip(levels, self.LEVELS.get(timeliness, (0.5, 0.4, 0.1)), strict=True)))
            good = {SatisfactionLevel.VERY_SATISFIED: 0.85, SatisfactionLevel.SATISFIED: 0.6}.get(level, 0.3)
            total = maximum = 0
            overall = ""
            for c in criteria:
                options = c.options
                if c.kind == CriterionKind.INDEX:
                    r = rng.random()
                    points = 2 if r < good else 1 if r < good + (1 - good) * 0.7 else 0
                    option = next((o for o in options if o.get("points") == points), options[0])
                    total += option.get("points") or 0
                    maximum += c.max_points
                    self.t_answer.rows.append((rating_id, c.pk, option["code"], option.get("points")))
                    continue
                wanted = level if c.overall or rng.random() < 0.8 else rng.choice(levels)
                option = next((o for o in options if labels.get(o["label"].casefold()) == wanted), options[0])
                if c.overall:
                    overall = labels.get(option["label"].casefold(), level.value)
                self.t_answer.rows.append((rating_id, c.pk, option["code"], None))
            channel = RatingChannel.COUNTER_TABLET if tablet else RatingChannel.LINK
            self.t_rating.rows.append(
                (
                    rating_id,
                    dossier_id,
                    channel,
                    total,
                    maximum,
                    overall,
                    "",
                    officer_id,
                    unit_id,
                    procedure_id,
                    field_id,
                    officer_id if tablet else None,
                    ts(at),
                )
            )

    def flush(self) -> None:
        self.sink.flush(self.t_rating, with_id=True)
        self.sink.flush(self.t_answer)


# --- purge --------------------------------------------------------------------------------------


def demo_dossiers():
    return Dossier.objects.filter(form_data__demo=True)


def purge_demo() -> int:
    """Delete every demo dossier with its rows (in bulk), and move the day counters back.

    Counters of the days that had demo dossiers go back to the highest number a
    remaining (real) dossier of that day uses, so regenerating gives the same codes
    and a real receipt never collides with a number in use.
    """
    ids_sql, ids_params = demo_dossiers().values("id").query.sql_with_params()
    periods: set[tuple[str, str]] = set()
    for code in demo_dossiers().values_list("code", flat=True).iterator(chunk_size=20_000):
        prefix, _, rest = code.rpartition("-")
        agency, _, day = prefix.rpartition("-")
        periods.add((f"dossier:{agency}", day))
    n = demo_dossiers().count()
    if not n:
        return 0
    known = {DossierStep, DossierEvent, DossierDocument, DossierResult, SupplementRequest, Apology}
    with connection.cursor() as cur:
        for rel in Dossier._meta.related_objects:
            child = rel.related_model
            if child in known or rel.many_to_many or child is Dossier:
                continue
            _purge_rows(cur, child, f'"{rel.field.column}" IN ({ids_sql})', ids_params)
        for child in (DossierEvent, DossierDocument, DossierResult, SupplementRequest, Apology):
            cur.execute(f'DELETE FROM "{child._meta.db_table}" WHERE "dossier_id" IN ({ids_sql})', ids_params)
        cur.execute(
            f'UPDATE "{Dossier._meta.db_table}" SET "current_step_id" = NULL WHERE "id" IN ({ids_sql})', ids_params
        )
        cur.execute(f'DELETE FROM "{DossierStep._meta.db_table}" WHERE "dossier_id" IN ({ids_sql})', ids_params)
        cur.execute(f'DELETE FROM "{Dossier._meta.db_table}" WHERE "id" IN ({ids_sql})', ids_params)
    if periods:
        remaining: dict[tuple[str, str], int] = {}
        for key, period in periods:
            agency = key.removeprefix("dossier:")
            for code in Dossier.objects.filter(code__startswith=f"{agency}-{period}-").values_list("code", flat=True):
                seq = int(code.rsplit("-", 1)[1])
                remaining[(key, period)] = max(remaining.get((key, period), 0), seq)
        for c in Counter.objects.select_for_update().filter(
            key__in={k for k, _ in periods}, period__in={p for _, p in periods}
        ):
            if (c.key, c.period) in periods:
                c.value = remaining.get((c.key, c.period), 0)
                c.save(update_fields=["value"])
    return n


def _purge_rows(cur, model: type[models.Model], where: str, params) -> None:
    """Delete rows of another app that point to demo dossiers (e.g. ratings), their children first."""
    table = model._meta.db_table
    pk = model._meta.pk.column
    for rel in model._meta.related_objects:
        if rel.many_to_many:
            continue
        sub = f'SELECT "{pk}" FROM "{table}" WHERE {where}'
        if rel.on_delete is models.CASCADE:
            _purge_rows(cur, rel.related_model, f'"{rel.field.column}" IN ({sub})', params)
        elif rel.on_delete is models.SET_NULL:
            cur.execute(
                f'UPDATE "{rel.related_model._meta.db_table}" SET "{rel.field.column}" = NULL '
                f'WHERE "{rel.field.column}" IN ({sub})',
                params,
            )
    cur.execute(f'DELETE FROM "{table}" WHERE {where}', params)
