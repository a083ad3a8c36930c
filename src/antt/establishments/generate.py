# S311: seeded pseudo-random numbers are the point here (reproducible demo data, never secrets).
# S608: the SQL is built from model metadata (table and column names), never from input.
# ruff: noqa: S311, S608
"""Realistic demo establishments and inspections in bulk (`manage.py generate_establishments`).

For the registry's and the inspection plan's benchmarks (issue 5, "Speed": 200,000
establishments and 1,000,000 inspections) and for a lived-in demo. Per establishment:

* one or two business lines in force (`BusinessLine`), drawn with weights that follow what a
  province has most of (lodging, karaoke, pawnshops, gas shops, massage; few seal makers,
  guards, printers; almost no casinos) — the weights are assumptions, not statistics;
* a legal form (enterprise, branch, household business, cooperative) with its tax code:
  10 digits with the check digit of `core.identifiers.tax_check_digit` (body "28…", Thanh Hóa's
  old prefix), the 10-3 form for branches, the owner's 12-digit personal ID for household
  businesses (TT 86/2024/TT-BTC: since 01/07/2025; docs/legal/establishments.md §9); unique;
* a Vietnamese name and sign from word lists (the dossiers' demo lists of family names, given
  names, streets and company words, plus sign words below), an address in one of the active
  commune units of the loaded reference data (wards weigh more, as in the other demos), the
  unit's area, coordinates near a point fixed per commune; the managing unit is that commune's
  police, or PC06 for the lines whose issuing authority is the department (`LineAuthority`);
* the owner, representative and security-responsible person (personal data, synthetic);
* for about 30 % a fire-safety profile (`FireProfile`) in a category in force that suits the
  line (hotels, karaoke, gas), with floors, floor area and volume consistent with the category;
* inspections over the last five years (security; fire for the premises with a profile):
  periodic ones at the interval of the `InspectionRule` in force (at most one periodic security
  inspection per calendar year, ND 96/2016 Art. 50), surprise ones with a legal ground, a few
  cancelled, and plans for the coming weeks; findings for about 15 % of the inspections, with a
  deadline, most resolved, some open past their deadline;
* `risk_score`, `last_*_inspection` and `next_*_due` consistent with that history: the last
  recorded inspection of the domain plus the rule's interval (the shorter one when the risk
  reaches the rule's threshold, never below the legal floor).

The total of inspections is the number asked: each establishment gets a quota proportional to
its years in the window and its inspection rates, and the layout spends exactly that quota.

Generated rows are marked `is_demo=True` and their registration number starts with "MH-"
("minh họa", like the other demos), which `purge_generated()` uses, so that the registry's
hand-made demo establishments (`establishments.demo`) are never touched. Inspections' record
numbers start with "MH-" too.

Speed: rows are built in plain Python and written with the dossiers' demo writers (`_Table`,
`_Sink`, `_FastLoad`): PostgreSQL `COPY` (big runs drop the secondary indexes and keys and
rebuild them once), SQLite `executemany`, everything in one transaction.
"""

from __future__ import annotations

import contextlib
import random
import re
import time as clock
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from antt.core import audit
from antt.core.calendar import LOCAL_TZ, WorkingCalendar
from antt.core.identifiers import tax_check_digit
from antt.core.models import AuditEvent
from antt.core.text import fold
from antt.dossiers.demo import (
    COMPANY_WORDS,
    FEMALE_GIVEN,
    MALE_GIVEN,
    PHONE_PREFIXES,
    STREETS,
    _FastLoad,
    _person_name,
    _Sink,
    _Table,
    _words,
)
from antt.establishments.models import (
    BusinessLine,
    Certificate,
    CertificateEvent,
    Domain,
    Establishment,
    EstablishmentAccount,
    Finding,
    FireCategory,
    FireProfile,
    FireRecord,
    Inspection,
    InspectionRule,
    LineAuthority,
)
from antt.org.models import Unit, User
from antt.violations.demo import _add_months, _cumulative, _pick

PREFIX = "MH-"  # "minh họa": registration numbers and inspection record numbers of generated rows
YEARS = 5
ID_BLOCK = 5_000
DAYS_PER_MONTH = 30.44

# Assumptions (no statistics found), tuned so that the figures look like a province's:
FIRE_SHARE = 0.30  # establishments with a fire-safety profile
P_SECOND_LINE = 0.08  # establishments registered for two lines (a hotel with karaoke, …)
P_PAUSED, P_CEASED = 0.04, 0.06
P_OVERDUE_RANGE = 1.10  # last inspection up to 1.1 intervals ago: ~9 % overdue
P_PLANNED = 0.55  # due by the end of next month: already planned
P_PLANNED_LATE = 0.05  # a plan whose day passed without a record
P_CANCELLED = 0.05  # of the inspections beyond the periodic ones
P_FINDINGS = {"periodic": 0.12, "surprise": 0.19}  # about 15 % of the inspections overall
P_HIGH_RISK_CATEGORY = 0.10  # of the fire profiles: App. II (high risk) when the line has such a category
P_DESIGN_CATEGORY = 0.15  # App. III (design approved by the fire police)
RISK_PER_OPEN_OVERDUE = 15
RISK_PER_RECENT_FINDING = 5
MEAN_BASE_RISK = 9

# Business lines by a word of their folded name (BusinessLine rows are data: their codes are
# not known here). (pattern, weight, signs, kinds "enterprise/household/branch/cooperative"
# weights, fire-profile propensity, attention: how much more often than periodic the police
# come — lodging is checked on guests' registration, karaoke and massage on complaints and
# seasonal drives). First match wins.
KINDS = ("enterprise", "household", "branch", "cooperative")
HOUSEHOLD_FIRST = (40, 52, 7, 1)
ENTERPRISE_ONLY = (85, 0, 15, 0)
LINE_PROFILES: list[tuple[str, float, tuple[str, ...], tuple[int, int, int, int], float, float]] = [
    (r"\bluu tru\b", 30, ("Khách sạn", "Nhà nghỉ", "Nhà nghỉ", "Homestay", "Nhà khách"), HOUSEHOLD_FIRST, 0.6, 1.8),
    (r"\bkaraoke\b|\bvu truong\b", 14, ("Karaoke", "Karaoke", "Karaoke", "Vũ trường"), HOUSEHOLD_FIRST, 0.8, 1.7),
    (r"\bcam do\b", 12, ("Cầm đồ", "Dịch vụ cầm đồ", "Cầm đồ"), (25, 70, 5, 0), 0.05, 1.0),
    (r"\bkinh doanh khi\b", 12, ("Cửa hàng gas", "Đại lý khí hóa lỏng", "Cửa hàng gas"), (45, 50, 5, 0), 0.5, 1.0),
    (r"\bxoa bop\b", 8, ("Massage", "Xông hơi, xoa bóp", "Massage"), HOUSEHOLD_FIRST, 0.3, 1.5),
    (r"\bdich vu in\b|\bin\b", 4, ("Cơ sở in", "Xưởng in"), (60, 35, 5, 0), 0.3, 0.6),
    (r"\bbao ve\b", 2, ("Dịch vụ bảo vệ",), ENTERPRISE_ONLY, 0.05, 0.6),
    (r"\bcon dau\b", 1, ("Cơ sở khắc dấu", "Khắc dấu"), (40, 60, 0, 0), 0.02, 0.6),
    (r"\bphau thuat tham my\b", 1, ("Thẩm mỹ viện",), (70, 25, 5, 0), 0.3, 0.6),
    (r"\btin hieu\b|\buu tien\b", 0.4, ("Cửa hàng thiết bị ưu tiên",), ENTERPRISE_ONLY, 0.05, 0.6),
    (r"\bcong cu ho tro\b", 0.4, ("Cửa hàng công cụ hỗ trợ",), ENTERPRISE_ONLY, 0.05, 0.6),
    (r"\bquan trang\b|\bquan dung\b", 0.4, ("Cửa hàng quân trang",), (60, 40, 0, 0), 0.05, 0.6),
    (r"\bsung ban son\b", 0.3, ("Sân bắn súng sơn",), ENTERPRISE_ONLY, 0.1, 0.6),
    (r"\bvat lieu no\b|\bno min\b|\btien chat\b", 0.3, ("Chi nhánh vật liệu nổ",), ENTERPRISE_ONLY, 0.9, 0.6),
    (r"\bdat cuoc\b", 0.1, ("Điểm đặt cược",), ENTERPRISE_ONLY, 0.1, 0.6),
    (r"\bphao\b", 0.1, ("Cửa hàng pháo hoa",), ENTERPRISE_ONLY, 0.9, 0.6),
    (r"\bgay nhieu\b|\bpha song\b", 0.05, ("Cửa hàng thiết bị",), ENTERPRISE_ONLY, 0.05, 0.6),
    (r"\bcasino\b|\btro choi dien tu\b", 0.02, ("Câu lạc bộ giải trí",), ENTERPRISE_ONLY, 0.5, 0.6),
]
DEFAULT_PROFILE = ("", 0.3, ("Cơ sở",), (60, 35, 5, 0), 0.2, 0.6)
FIRE_CATEGORY_HINTS = [
    (r"\bluu tru\b", r"khach san|nha nghi|luu tru|nha tro"),
    (r"\bkaraoke\b|\bvu truong\b", r"karaoke|vu truong|bar"),
    (r"\bkinh doanh khi\b", r"khi|xang dau|gas|chat long"),
    (r"\bvat lieu no\b|\bphao\b", r"no|vat lieu"),
]
LEGAL_FORMS = {
    "enterprise": ("Công ty TNHH", "Công ty TNHH", "Công ty Cổ phần", "Doanh nghiệp tư nhân"),
    "cooperative": ("Hợp tác xã",),
}
SIGN_WORDS = (
    _words(
        "Ánh Dương|Hoàng Gia|Thiên Đường|Hồng Hạc|Ngọc Lan|Sao Mai|Bình Minh|Phương Đông|Hải Âu|Kim Cương|"
        "Thanh Xuân|Hương Sen|Hoa Mai|Biển Xanh|Mặt Trời|Hòa Bình|Phú Gia|Hạnh Phúc|Trăng Vàng|Hoa Sữa|"
        "Cẩm Tú|Minh Châu|Ngôi Sao|Đại Dương|Bảo Anh|Lộc Phát|Thiên Long|Kim Ngân|Trường An|Phúc Lộc|"
        "Vạn Xuân|Thùy Dương|Hương Giang|Hồng Nhung|Sen Vàng|Lam Kinh|Hồ Thành|Đông Sơn|Nga Sơn|Phố Núi|"
        "Hải Thịnh|Quảng Tiến|Thanh Bình|Đồng Xanh|Hữu Nghị|Thắng Lợi|Tràng An|Vĩnh Phúc|Hoa Hồng|Tuổi Xanh|"
        "Cát Tường|Như Ý|An Khang|Thịnh Vượng|Gia Huy|Bảo Ngọc|Diamond|Golden|Paradise|Star",
        sep="|",
    )
    + COMPANY_WORDS
)
LODGING_KINDS = {"Khách sạn": (15, 120), "Nhà nghỉ": (6, 20), "Homestay": (3, 10), "Nhà khách": (8, 30)}
HAMLET_WORDS = ("Thôn", "Khu phố", "Tổ dân phố", "Xóm")
FINDINGS = {
    Domain.SECURITY: [
        ("Sổ quản lý theo mẫu quy định ghi chép không đầy đủ thông tin.", "Ghi chép đầy đủ sổ quản lý theo mẫu."),
        ("Chưa thông báo lưu trú đầy đủ cho khách nghỉ qua đêm.", "Thông báo lưu trú cho khách theo quy định."),
        ("Nhân viên mới chưa có bản khai nhân sự.", "Bổ sung bản khai nhân sự, gửi cơ quan Công an."),
        ("Chưa niêm yết nội quy, giấy chứng nhận đủ điều kiện về ANTT.", "Niêm yết nội quy ở nơi dễ thấy."),
        ("Chưa gửi báo cáo định kỳ về tình hình ANTT đúng hạn.", "Gửi báo cáo định kỳ đúng thời hạn."),
        ("Thay đổi người quản lý nhưng chưa thông báo cơ quan Công an.", "Thông báo thay đổi bằng văn bản."),
    ],
    Domain.FIRE: [
        ("Bình chữa cháy xách tay quá hạn kiểm tra, nạp lại.", "Nạp lại, kiểm tra bình chữa cháy."),
        ("Lối thoát nạn bị che chắn bởi hàng hóa.", "Giải phóng lối thoát nạn, giữ thông thoáng thường xuyên."),
        ("Hệ thống báo cháy tự động báo lỗi, không hoạt động ổn định.", "Sửa chữa, bảo dưỡng hệ thống báo cháy."),
        ("Đèn chiếu sáng sự cố, biển chỉ dẫn thoát nạn hư hỏng.", "Thay thế đèn sự cố và biển chỉ dẫn."),
        ("Chưa tổ chức huấn luyện nghiệp vụ PCCC cho nhân viên mới.", "Tổ chức huấn luyện, cấp chứng nhận."),
        ("Phương án chữa cháy của cơ sở chưa được cập nhật.", "Cập nhật phương án chữa cháy, thực tập."),
        ("Chưa mua bảo hiểm cháy, nổ bắt buộc.", "Mua bảo hiểm cháy, nổ bắt buộc theo quy định."),
    ],
}
SURPRISE_GROUNDS = {
    Domain.SECURITY: [
        "Có dấu hiệu vi phạm quy định về an ninh, trật tự (Điều 50 Nghị định 96/2016/NĐ-CP).",
        "Đơn phản ánh của người dân về hoạt động của cơ sở.",
        "Tăng cường bảo đảm an ninh, trật tự dịp Tết Nguyên đán theo chỉ đạo của Giám đốc Công an tỉnh.",
    ],
    "lodging": [
        "Kiểm tra việc thông báo lưu trú của cơ sở (Luật Cư trú 2020, Điều 30) theo kế hoạch của đơn vị.",
        "Có dấu hiệu vi phạm quy định về an ninh, trật tự (Điều 50 Nghị định 96/2016/NĐ-CP).",
    ],
    Domain.FIRE: [
        "Có dấu hiệu vi phạm quy định về phòng cháy, chữa cháy.",
        "Tổng kiểm tra an toàn PCCC cơ sở kinh doanh dịch vụ theo chỉ đạo của Công an tỉnh.",
        "Đơn phản ánh của người dân về nguy cơ cháy, nổ tại cơ sở.",
    ],
}
PASSED_SUMMARY = {
    Domain.SECURITY: "Cơ sở chấp hành đầy đủ các điều kiện về an ninh, trật tự.",
    Domain.FIRE: "Cơ sở bảo đảm các điều kiện an toàn về phòng cháy, chữa cháy.",
}


class GenerateError(ValueError):
    """The generation cannot run (a Vietnamese message)."""


@dataclass
class GenerateOptions:
    establishments: int = 2_000
    inspections: int = 10_000
    until: date | None = None  # "today" of the data; default: today
    seed: int = 1
    replace: bool = False
    flush_every: int = 5_000  # establishments per bulk write
    fast_load_from: int = 50_000  # PostgreSQL: rebuild indexes and keys after the load from this many


@dataclass
class GenerationSummary:
    establishments: int = 0
    inspections: int = 0
    findings: int = 0
    open_overdue_findings: int = 0
    fire_profiles: int = 0
    line_rows: int = 0
    rows: int = 0
    deleted: int = 0
    seconds: float = 0.0
    start: date | None = None
    until: date | None = None
    per_line: dict[str, int] = field(default_factory=dict)
    per_unit_top: list[tuple[str, int]] = field(default_factory=list)

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


# --- the rules in force ---------------------------------------------------------------------------


@dataclass
class _Line:
    id: int
    code: str
    name: str
    folded: str
    is_lodging: bool
    department: bool  # the certificate is the department's (LineAuthority), so is the management
    weight: float
    signs: tuple[str, ...]
    kinds: tuple[int, int, int, int]
    fire: float
    attention: float

    @property
    def kinds_cum(self) -> list[float]:
        return self._kinds_cum

    def __post_init__(self):
        self._kinds_cum = _cumulative(self.kinds)


@dataclass
class _Category:
    id: int
    code: str
    folded: str
    high_risk: bool
    design: bool
    insurance: bool


@dataclass
class _Rule:
    interval: int
    floor: int
    threshold: int
    risk_interval: int

    def months(self, risk: int) -> int:
        """The planned interval (InspectionRule): shortened when the risk reaches the threshold,
        never below the legal floor (ND 96/2016 Art. 50: at most one periodic a year)."""
        months = self.risk_interval if risk >= self.threshold else self.interval
        return max(months, self.floor)


class _Rules:
    def __init__(self, day: date):
        valid = Q(valid_from__lte=day) & (Q(valid_to__isnull=True) | Q(valid_to__gt=day))
        authority = dict(LineAuthority.objects.filter(valid).values_list("line_code", "unit_level"))
        self.lines: list[_Line] = []
        for line in BusinessLine.objects.filter(valid).order_by("order", "code"):
            folded = fold(line.name)
            pattern, weight, signs, kinds, fire, attention = next(
                (p for p in LINE_PROFILES if re.search(p[0], folded)), DEFAULT_PROFILE
            )
            self.lines.append(
                _Line(
                    id=line.pk,
                    code=line.code,
                    name=line.name,
                    folded=folded,
                    is_lodging=line.is_lodging or pattern == LINE_PROFILES[0][0],
                    department=authority.get(line.code) in (Unit.Level.DEPARTMENT, Unit.Level.PROVINCE),
                    weight=weight,
                    signs=signs,
                    kinds=kinds,
                    fire=fire,
                    attention=attention,
                )
            )
        if not self.lines:
            raise GenerateError(
                "Chưa có ngành, nghề kinh doanh có điều kiện về ANTT đang có hiệu lực: "
                "chạy `manage.py load_reference` (hoặc `load_establishment_rules`) trước."
            )
        self.line_cum = _cumulative([line.weight for line in self.lines])
        # scale the per-line fire propensities so that about FIRE_SHARE of the establishments get a profile
        mean = sum(line.weight * line.fire for line in self.lines) / self.line_cum[-1]
        self.fire_scale = FIRE_SHARE / mean if mean else 0.0

        self.categories = [
            _Category(c.pk, c.code, fold(c.name), c.high_risk, c.needs_design_approval, c.insurance_required)
            for c in FireCategory.objects.filter(valid).order_by("appendix", "item", "code")
        ]
        if not self.categories:
            self.fire_scale = 0.0

        rules = list(InspectionRule.objects.filter(valid).order_by("valid_from", "pk"))
        security = [r for r in rules if r.domain == Domain.SECURITY and not r.fire_category_code]
        if not security:
            raise GenerateError(
                "Chưa có quy định tần suất kiểm tra ANTT đang có hiệu lực: chạy `manage.py load_reference` trước."
            )
        self.security = self._rule(security[-1])
        fire = [r for r in rules if r.domain == Domain.FIRE]
        self.fire_by_category = {r.fire_category_code: self._rule(r) for r in fire if r.fire_category_code}
        high = [r for r in fire if not r.fire_category_code and r.high_risk_only]
        generic = [r for r in fire if not r.fire_category_code and not r.high_risk_only]
        self.fire_generic = self._rule(generic[-1]) if generic else None
        self.fire_high = self._rule(high[-1]) if high else self.fire_generic
        if self.fire_generic is None and not self.fire_by_category:
            self.fire_scale = 0.0  # no fire rule in force: no fire profiles (nothing to plan)

    @staticmethod
    def _rule(r: InspectionRule) -> _Rule:
        return _Rule(r.interval_months, r.min_interval_months, r.risk_threshold, r.risk_interval_months)

    def fire_rule(self, category: _Category) -> _Rule | None:
        """The category's own row, else the high-risk row for high-risk premises, else the generic one."""
        found = self.fire_by_category.get(category.code)
        if found is None:
            found = self.fire_high if category.high_risk else self.fire_generic
        return found

    def category_for(self, rng: random.Random, lines: list[_Line]) -> _Category:
        pool = self.categories
        for line_pattern, category_pattern in FIRE_CATEGORY_HINTS:
            if any(re.search(line_pattern, line.folded) for line in lines):
                matching = [c for c in self.categories if re.search(category_pattern, c.folded)]
                if matching:
                    pool = matching
                break
        high = [c for c in pool if c.high_risk]
        design = [c for c in pool if c.design and not c.high_risk]
        plain = [c for c in pool if not c.design and not c.high_risk] or pool
        r = rng.random()
        if high and r < P_HIGH_RISK_CATEGORY:
            return rng.choice(high)
        if design and r < P_HIGH_RISK_CATEGORY + P_DESIGN_CATEGORY:
            return rng.choice(design)
        return rng.choice(plain)


# --- the world: units, areas, officers ------------------------------------------------------------


class _World:
    def __init__(self, rng: random.Random):
        root = Unit.objects.filter(level=Unit.Level.PROVINCE, parent__isnull=True).order_by("pk").first()
        if root is None:
            raise GenerateError("Chưa có đơn vị Công an tỉnh: chạy `manage.py load_reference` trước.")
        self.root = root
        self.communes = list(
            Unit.objects.filter(
                level=Unit.Level.COMMUNE, is_active=True, path__startswith=root.path, area__isnull=False
            )
            .select_related("area")
            .order_by("pk")
        )
        if not self.communes:
            raise GenerateError("Chưa có công an xã, phường nào đang hoạt động: chạy `manage.py load_reference` trước.")
        # Wards (phường) are busier than rural communes (assumption, as in the other demos).
        self.commune_cum = _cumulative(
            [(3.0 if "phường" in u.name.lower() else 1.0) * (0.5 + rng.random()) for u in self.communes]
        )
        self.ward = {u.pk: "phường" in u.name.lower() for u in self.communes}
        departments = list(Unit.objects.filter(level=Unit.Level.DEPARTMENT, is_active=True, path__startswith=root.path))
        self.pc06 = self._department(departments, "pc06", r"quan ly hanh chinh|qlhc|trat tu xa hoi|ttxh")
        self.pc07 = self._department(departments, "pc07", r"phong chay|pccc")
        # A point per commune (no coordinates in the reference data): inside Thanh Hóa's box.
        self.centre = {}
        for u in self.communes:
            local = random.Random(u.area_id)
            self.centre[u.pk] = (19.35 + local.random() * 1.05, 104.75 + local.random() * 1.15)
        self.officers: dict[int, list[tuple[int, str]]] = defaultdict(list)
        for pk, unit_id, full_name, username in User.objects.filter(is_active=True, unit__isnull=False).values_list(
            "pk", "unit_id", "full_name", "username"
        ):
            self.officers[unit_id].append((pk, full_name or username))

    @staticmethod
    def _department(units: list[Unit], slug: str, pattern: str) -> Unit | None:
        for u in units:
            if u.slug == slug:
                return u
        for u in units:
            if re.search(pattern, fold(u.name)):
                return u
        return None

    def commune(self, rng: random.Random) -> Unit:
        return self.communes[bisect_right(self.commune_cum, rng.random() * self.commune_cum[-1])]

    def officer(self, unit_id: int, rng: random.Random) -> int | None:
        pool = self.officers.get(unit_id)
        return pool[int(rng.random() * len(pool))][0] if pool else None


# --- one establishment's outline (first pass) and history (second pass) ----------------------------


@dataclass
class _Outline:
    """What the quotas need, drawn in the first pass; the rest is drawn in the second."""

    commune: Unit
    lines: list[_Line]
    kind: str
    registered: date
    status: str
    base_risk: int
    category: _Category | None
    window_start: date
    window_end: date  # the day the history stops (today, or when a ceased business closed)
    quota: int = 0


@dataclass
class _Visit:
    domain: str
    kind: str
    status: str
    planned_on: date
    inspected_on: date | None
    ground: str = ""


class EstablishmentGenerator:
    """Builds the rows of many establishments and their inspections, writes them in bulk."""

    ESTABLISHMENT_FIELDS = [
        "name",
        "name_folded",
        "trade_name",
        "tax_code",
        "registration_number",
        "registration_date",
        "kind",
        "area",
        "address",
        "latitude",
        "longitude",
        "unit",
        "status",
        "phone",
        "email",
        "lodging_kind",
        "rooms",
        "owner_name",
        "representative_name",
        "representative_id_number",
        "representative_phone",
        "security_person_name",
        "security_person_id_number",
        "security_person_phone",
        "risk_score",
        "last_security_inspection",
        "next_security_due",
        "last_fire_inspection",
        "next_fire_due",
        "is_demo",
        "created_at",
        "updated_at",
        "row_version",
    ]
    FIRE_FIELDS = [
        "establishment",
        "category",
        "high_risk",
        "needs_design_approval",
        "floors",
        "floor_area_m2",
        "volume_m3",
        "capacity",
        "insurance_required",
        "note",
        "updated_at",
    ]
    INSPECTION_FIELDS = [
        "establishment",
        "unit",
        "domain",
        "kind",
        "ground",
        "status",
        "planned_on",
        "notified_on",
        "inspected_on",
        "team",
        "outcome",
        "summary",
        "record_number",
        "created_by",
        "recorded_by",
        "created_at",
        "updated_at",
        "row_version",
    ]
    FINDING_FIELDS = [
        "inspection",
        "establishment",
        "unit",
        "description",
        "requirement",
        "due_on",
        "status",
        "resolved_on",
        "follow_up",
        "created_at",
        "updated_at",
    ]

    def __init__(self, options: GenerateOptions, progress: Callable[[int, int, float], None] | None = None):
        self.o = options
        self.progress = progress
        self.rng = random.Random(options.seed)

    # -- public --

    def run(self) -> GenerationSummary:
        o = self.o
        if o.establishments < 1 or o.inspections < 0:
            raise GenerateError("Số cơ sở phải là số nguyên dương, số cuộc kiểm tra không được âm.")
        started = clock.monotonic()
        summary = GenerationSummary()
        self.now = timezone.now()
        self.today = o.until or timezone.localdate(self.now)
        self.start = _add_months(self.today, -12 * YEARS) + timedelta(days=1)
        summary.start, summary.until = self.start, self.today
        with transaction.atomic():
            if o.replace:
                summary.deleted = purge_generated()
            self._prepare()
            outlines = self._outlines(o.establishments)
            self._allocate(outlines, o.inspections)
            fast = connection.vendor == "postgresql" and o.establishments >= o.fast_load_from
            tables = [Finding, Inspection, FireProfile, Establishment.lines.through, Establishment]
            per_unit: dict[str, int] = defaultdict(int)
            with _FastLoad(tables) if fast else contextlib.nullcontext():
                ids = self._ids(Establishment, len(outlines))
                for i, (pk, outline) in enumerate(zip(ids, outlines, strict=True), start=1):
                    self._establishment(pk, outline, summary)
                    per_unit[outline.commune.name] += 1
                    if i % o.flush_every == 0:
                        self._flush()
                        if self.progress:
                            self.progress(i, len(outlines), clock.monotonic() - started)
                pending = bool(self.t["establishment"].rows)
                self._flush()
                if self.progress and pending:
                    self.progress(len(outlines), len(outlines), clock.monotonic() - started)
            summary.establishments = len(outlines)
            summary.rows = self.sink.rows_written
            summary.seconds = clock.monotonic() - started
            summary.per_unit_top = sorted(per_unit.items(), key=lambda kv: -kv[1])[:5]
            audit.record(
                AuditEvent.Action.SYSTEM,
                object_type="establishments.establishment",
                object_repr="Dữ liệu minh họa",
                changes={
                    "demo": True,
                    "establishments": summary.establishments,
                    "inspections": summary.inspections,
                    "findings": summary.findings,
                    "fire_profiles": summary.fire_profiles,
                    "rows": summary.rows,
                    "deleted_demo_establishments": summary.deleted,
                    "from": self.start.isoformat(),
                    "until": self.today.isoformat(),
                    "seed": o.seed,
                },
                reason="Sinh cơ sở và cuộc kiểm tra minh họa (dữ liệu giả, không phải hồ sơ thật)",
                actor_name="hệ thống (generate_establishments)",
            )
        return summary

    # -- setup --

    def _prepare(self) -> None:
        self.rules = _Rules(self.today)
        self.world = _World(self.rng)
        cal = WorkingCalendar()
        self.work_days: list[date] = []
        d = self.start - timedelta(days=60)
        while d <= self.today + timedelta(days=120):
            if cal.is_working_day(d):
                self.work_days.append(d)
            d += timedelta(days=1)
        self.sink = _Sink()
        self.sqlite = connection.vendor == "sqlite"
        self.id_pool: dict[type, list[int]] = defaultdict(list)
        self.created = self.dt(self.now)
        self.tax_codes: set[str] = set(Establishment.objects.values_list("tax_code", flat=True))
        self.personal_ids: set[str] = set()
        month_start = self.today.replace(day=1)
        self.plan_horizon = _add_months(month_start, 2) - timedelta(days=1)  # end of next month
        self.t = {
            "establishment": _Table(Establishment, self.ESTABLISHMENT_FIELDS),
            "line": _Table(Establishment.lines.through, ["establishment", "businessline"]),
            "fire": _Table(FireProfile, self.FIRE_FIELDS),
            "inspection": _Table(Inspection, self.INSPECTION_FIELDS),
            "finding": _Table(Finding, self.FINDING_FIELDS),
        }

    def _flush(self) -> None:
        self.sink.flush(self.t["establishment"], with_id=True)
        self.sink.flush(self.t["inspection"], with_id=True)
        for name in ("line", "fire", "finding"):
            self.sink.flush(self.t[name])

    def _ids(self, model, n: int) -> list[int]:
        """`n` fresh keys, reserved from the table's sequence in blocks (gaps are harmless)."""
        pool = self.id_pool[model]  # [keys, position of the next free one]
        if not pool:
            pool.extend([[], 0])
        keys, at = pool
        if len(keys) - at < n:
            keys = keys[at:] + self.sink.reserve_ids(model, max(ID_BLOCK, n))
            at = 0
        pool[0], pool[1] = keys, at + n
        return keys[at : at + n]

    def dt(self, value: datetime):
        if self.sqlite:
            return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")
        return value

    def d(self, value: date | None):
        if value is None or not self.sqlite:
            return value
        return value.isoformat()

    def at(self, day: date, hour: int) -> datetime:
        return datetime.combine(day, time(hour, 0), tzinfo=LOCAL_TZ)

    def minus_working_days(self, day: date, n: int) -> date:
        i = bisect_left(self.work_days, day)
        return self.work_days[max(i - n, 0)]

    # -- first pass: outlines and quotas --

    def _outlines(self, n: int) -> list[_Outline]:
        rng, rules = self.rng, self.rules
        out = []
        for _ in range(n):
            first = _pick(rng, rules.lines, rules.line_cum)
            lines = [first]
            if rng.random() < P_SECOND_LINE and len(rules.lines) > 1:
                second = _pick(rng, rules.lines, rules.line_cum)
                if second is not first:
                    lines.append(second)
            kind = _pick(rng, KINDS, first.kinds_cum)
            # registered: most before the window, skewed to recent years (assumption)
            registered = self.today - timedelta(days=int(rng.expovariate(1 / (7 * 365))))
            registered = max(registered, date(1995, 1, 1))
            r = rng.random()
            status = "active" if r >= P_PAUSED + P_CEASED else "paused" if r < P_PAUSED else "ceased"
            window_start = max(self.start, registered)
            window_end = self.today
            if status == "ceased":
                window_end = max(window_start, self.today - timedelta(days=rng.randint(30, 900)))
            category = None
            if rules.fire_scale and rng.random() < min(1.0, max(x.fire for x in lines) * rules.fire_scale):
                category = rules.category_for(rng, lines)
            base = min(int(rng.expovariate(1 / MEAN_BASE_RISK)), 60)
            out.append(
                _Outline(
                    commune=self.world.commune(rng),
                    lines=lines,
                    kind=kind,
                    registered=registered,
                    status=status,
                    base_risk=base,
                    category=category,
                    window_start=window_start,
                    window_end=window_end,
                )
            )
        return out

    def _rates(self, o: _Outline) -> tuple[float, float]:
        """Inspections a year by domain (periodic at the rule's interval, some surprise ones)."""
        security = 12 / self.rules.security.months(o.base_risk) + 0.15
        fire = 0.0
        if o.category is not None:
            rule = self.rules.fire_rule(o.category)
            fire = (12 / rule.months(o.base_risk) + 0.15) if rule else 0.0
        return security, fire

    def _allocate(self, outlines: list[_Outline], total: int) -> None:
        """Quotas proportional to years in the window x rates, summing exactly to `total`."""
        rng = self.rng
        weights = []
        for o in outlines:
            years = max((o.window_end - o.window_start).days, 0) / 365.25
            security, fire = self._rates(o)
            attention = max(line.attention for line in o.lines)
            weights.append(years * (security + fire) * attention * (0.7 + 0.6 * rng.random()))
        w_sum = sum(weights)
        if not w_sum:
            weights = [1.0] * len(outlines)
            w_sum = float(len(outlines))
        assigned = 0
        for o, w in zip(outlines, weights, strict=True):
            share = total * w / w_sum
            o.quota = int(share) + (1 if rng.random() < share - int(share) else 0)
            assigned += o.quota
        while assigned != total:
            o = outlines[int(rng.random() * len(outlines))]
            if assigned < total:
                o.quota += 1
                assigned += 1
            elif o.quota > 0:
                o.quota -= 1
                assigned -= 1

    # -- second pass: one establishment --

    def _establishment(self, pk: int, o: _Outline, summary: GenerationSummary) -> None:
        rng, world = self.rng, self.world
        primary = o.lines[0]
        unit = world.pc06 if (primary.department and world.pc06 is not None) else o.commune
        area = o.commune.area
        sign = rng.choice(primary.signs)
        lodging_kind, rooms = "", None
        if primary.is_lodging:
            lodging_kind = sign if sign in LODGING_KINDS else "Nhà nghỉ"
            low, high = LODGING_KINDS[lodging_kind]
            rooms = rng.randint(low, high)
        brand = rng.choice(SIGN_WORDS)
        if o.kind == "household" and rng.random() < 0.35:
            brand = rng.choice(MALE_GIVEN + FEMALE_GIVEN)
        if rng.random() < 0.2:
            brand = f"{brand} {rng.randint(2, 9)}"
        trade_name = f"{sign} {brand}"
        owner, female = _person_name(rng, rng.random() < 0.4)
        owner_id = self._personal_id(rng, female)
        if o.kind == "household":
            name = f"Hộ kinh doanh {trade_name}"
            tax_code = owner_id  # TT 86/2024/TT-BTC: the owner's personal ID since 01/07/2025
            self.tax_codes.add(tax_code)
        elif o.kind == "branch":
            place = area.name[:1].lower() + area.name[1:]  # "tại phường Hạc Thành"
            name = f"Chi nhánh {rng.choice(LEGAL_FORMS['enterprise'])} {brand} tại {place}"
            tax_code = self._tax_code(rng, branch=True)
        elif o.kind == "cooperative":
            name = f"Hợp tác xã Dịch vụ {brand}"
            tax_code = self._tax_code(rng)
        else:
            name = f"{rng.choice(LEGAL_FORMS['enterprise'])} {trade_name}"
            tax_code = self._tax_code(rng)
        if o.kind != "household" and rng.random() < 0.5:
            representative, rep_female = _person_name(rng, rng.random() < 0.35)
            rep_id = self._personal_id(rng, rep_female)
        else:
            representative, rep_id = owner, owner_id
        if rng.random() < 0.6:
            security_person, security_id = representative, rep_id
        else:
            security_person, sec_female = _person_name(rng, rng.random() < 0.5)
            security_id = self._personal_id(rng, sec_female)
        rep_phone = self._mobile(rng)
        street = rng.choice(STREETS)
        if world.ward[o.commune.pk]:
            address = f"Số {rng.randint(1, 450)} {street}"
        else:
            address = f"{rng.choice(HAMLET_WORDS)} {rng.randint(1, 15)}"
        lat, lon = world.centre[o.commune.pk]
        lat += (rng.random() - 0.5) * 0.03
        lon += (rng.random() - 0.5) * 0.03
        phone = f"0237{rng.randrange(10_000_000):07d}" if rng.random() < 0.5 else self._mobile(rng)
        email = ""
        if rng.random() < 0.35:
            email = f"{fold(brand).replace(' ', '')}{rng.randint(1, 999)}@gmail.com"

        # history
        risk = o.base_risk
        visits: dict[str, list[_Visit]] = {}
        security_rate, fire_rate = self._rates(o)
        fire_rule = self.rules.fire_rule(o.category) if o.category is not None else None
        quota_fire = 0
        if fire_rule is not None and o.quota:
            quota_fire = sum(1 for _ in range(o.quota) if rng.random() < fire_rate / (security_rate + fire_rate))
        quota_security = o.quota - quota_fire
        visits[Domain.SECURITY] = self._visits(o, Domain.SECURITY, self.rules.security, quota_security)
        if fire_rule is not None:
            visits[Domain.FIRE] = self._visits(o, Domain.FIRE, fire_rule, quota_fire)
        findings_recent = open_overdue = 0
        last: dict[str, date | None] = {Domain.SECURITY: None, Domain.FIRE: None}
        for domain, items in visits.items():
            inspector = unit.pk
            if domain == Domain.FIRE and o.category.high_risk and world.pc07 is not None:
                inspector = world.pc07.pk  # high-risk premises: the department (assumption)
            for v in items:
                recent, overdue = self._inspection(pk, inspector, v, summary)
                findings_recent += recent
                open_overdue += overdue
                if v.status == Inspection.Status.DONE and (last[domain] is None or v.inspected_on > last[domain]):
                    last[domain] = v.inspected_on
        risk = min(100, risk + RISK_PER_OPEN_OVERDUE * open_overdue + RISK_PER_RECENT_FINDING * findings_recent)

        def due(domain: str, rule: _Rule | None) -> date | None:
            if o.status == "ceased" or rule is None:
                return None
            base = last[domain] or max(o.registered, self.start - timedelta(days=365))
            return _add_months(base, rule.months(risk))

        next_security = due(Domain.SECURITY, self.rules.security)
        next_fire = due(Domain.FIRE, fire_rule) if o.category is not None else None
        self.t["establishment"].rows.append(
            (
                pk,
                name,
                fold(f"{name} {trade_name}"),
                trade_name,
                tax_code,
                f"{PREFIX}{tax_code}",
                self.d(o.registered),
                o.kind,
                area.pk,
                address,
                f"{lat:.6f}",
                f"{lon:.6f}",
                unit.pk,
                o.status,
                phone,
                email,
                lodging_kind,
                rooms,
                owner,
                representative,
                rep_id,
                rep_phone,
                security_person,
                security_id,
                rep_phone if security_person == representative else self._mobile(rng),
                risk,
                self.d(last[Domain.SECURITY]),
                self.d(next_security),
                self.d(last[Domain.FIRE]),
                self.d(next_fire),
                True,
                self.created,
                self.created,
                1,
            )
        )
        for line in o.lines:
            self.t["line"].rows.append((pk, line.id))
            summary.per_line[line.code] = summary.per_line.get(line.code, 0) + 1
            summary.line_rows += 1
        if o.category is not None:
            self._fire_profile(pk, o, rooms, summary)

    def _fire_profile(self, pk: int, o: _Outline, rooms: int | None, summary: GenerationSummary) -> None:
        rng, c = self.rng, o.category
        floors = rng.randint(7, 18) if c.high_risk else rng.randint(4, 12) if c.design else rng.randint(1, 5)
        area_m2 = floors * rng.randint(120, 700 if c.high_risk else 350)
        capacity = rooms * 2 if rooms else rng.randint(10, 60) * floors
        self.t["fire"].rows.append(
            (
                pk,
                c.id,
                c.high_risk,
                c.design,
                floors,
                area_m2,
                int(area_m2 * rng.uniform(3.2, 4.2)),
                capacity,
                c.insurance,
                "",
                self.created,
            )
        )
        summary.fire_profiles += 1

    def _visits(self, o: _Outline, domain: str, rule: _Rule, quota: int) -> list[_Visit]:
        """Exactly `quota` inspections of one domain: a plan for the coming weeks when the due day is
        near, periodic ones back from the last at the rule's interval, the rest surprise or cancelled."""
        if quota <= 0:
            return []
        rng = self.rng
        interval = rule.months(o.base_risk)
        visits: list[_Visit] = []
        # the latest recorded inspection: up to 1.1 intervals ago (some are overdue)
        back = int(rng.random() * P_OVERDUE_RANGE * interval * DAYS_PER_MONTH)
        last = max(o.window_end - timedelta(days=back), o.window_start)
        budget = quota
        if o.status == "active":
            due = _add_months(last, interval)
            if due <= self.plan_horizon and rng.random() < P_PLANNED:
                if rng.random() < P_PLANNED_LATE:
                    planned_on = self.today - timedelta(days=rng.randint(1, 25))
                else:
                    planned_on = max(self.today + timedelta(days=rng.randint(1, 20)), due - timedelta(days=10))
                    planned_on = min(planned_on, self.plan_horizon + timedelta(days=20))
                visits.append(_Visit(domain, Inspection.Kind.PERIODIC, Inspection.Status.PLANNED, planned_on, None))
                budget -= 1
        if budget <= 0:
            return self._one_periodic_a_year(self._on_working_days(visits))
        # periodic chain, from the last back at the interval (a few weeks' slack, never shorter)
        day = last
        while budget > 0 and day >= o.window_start:
            visits.append(_Visit(domain, Inspection.Kind.PERIODIC, Inspection.Status.DONE, day, day))
            budget -= 1
            day = _add_months(day, -interval) - timedelta(days=rng.randint(0, 25))
        # the rest: surprise inspections (with a ground) or cancelled plans, before the last
        for _ in range(budget):
            day = o.window_start + timedelta(days=int(rng.random() * max((last - o.window_start).days, 1)))
            day = min(day, last)
            if rng.random() < P_CANCELLED and day < self.today:
                visits.append(_Visit(domain, Inspection.Kind.PERIODIC, Inspection.Status.CANCELLED, day, None))
            else:
                lodging = domain == Domain.SECURITY and o.lines[0].is_lodging
                ground = rng.choice(SURPRISE_GROUNDS["lodging" if lodging else domain])
                visits.append(_Visit(domain, Inspection.Kind.SURPRISE, Inspection.Status.DONE, day, day, ground))
        return self._one_periodic_a_year(self._on_working_days(visits))

    def _on_working_days(self, visits: list[_Visit]) -> list[_Visit]:
        """Inspections happen on working days: each day moved to the next working day (back to the
        last one before today for those already recorded)."""
        days = self.work_days
        for v in visits:
            day = days[min(bisect_left(days, v.planned_on), len(days) - 1)]
            if v.status != Inspection.Status.PLANNED and day > self.today:
                day = days[bisect_right(days, self.today) - 1]
            v.planned_on = day
            if v.inspected_on is not None:
                v.inspected_on = day
        return visits

    def _one_periodic_a_year(self, visits: list[_Visit]) -> list[_Visit]:
        """ND 96/2016 Art. 50: at most one periodic security inspection a calendar year (planned or
        done, not cancelled): a second one in a year becomes a cancelled plan."""
        if not visits or visits[0].domain != Domain.SECURITY:
            return visits
        years: set[int] = set()
        for v in sorted(visits, key=lambda v: v.planned_on, reverse=True):
            if v.kind != Inspection.Kind.PERIODIC or v.status == Inspection.Status.CANCELLED:
                continue
            if v.planned_on.year in years:
                v.status, v.inspected_on = Inspection.Status.CANCELLED, None
            else:
                years.add(v.planned_on.year)
        return visits

    def _inspection(self, est_id: int, unit_id: int, v: _Visit, summary: GenerationSummary) -> tuple[int, int]:
        """Write one inspection (and its findings); (findings in the last 24 months, open overdue)."""
        rng = self.rng
        (pk,) = self._ids(Inspection, 1)
        summary.inspections += 1
        notified = None
        if v.kind == Inspection.Kind.PERIODIC and v.domain == Domain.SECURITY:
            notified = self.minus_working_days(v.planned_on, 5)  # TT 42/2017 Art. 8: 5 working days
            if notified > self.today:
                notified = None
        officer = self.world.officer(unit_id, rng)
        created = self.at(min(v.planned_on - timedelta(days=rng.randint(7, 30)), self.today), 8)
        findings: list[tuple[str, str]] = []
        outcome = summary_text = record_number = team = ""
        updated = created
        if v.status == Inspection.Status.DONE:
            if rng.random() < P_FINDINGS.get(v.kind, 0.12):
                findings = rng.sample(FINDINGS[v.domain], k=min(len(FINDINGS[v.domain]), 1 + int(rng.random() * 2.2)))
            outcome = Inspection.Outcome.FINDINGS if findings else Inspection.Outcome.PASSED
            summary_text = (
                f"Có {len(findings)} tồn tại, yêu cầu cơ sở khắc phục trong thời hạn."
                if findings
                else PASSED_SUMMARY[v.domain]
            )
            record_number = f"{PREFIX}{pk}/BB-KT"
            team = f"{_person_name(rng, False)[0]}, {_person_name(rng, rng.random() < 0.3)[0]}"
            updated = self.at(v.inspected_on, 16)
        elif v.status == Inspection.Status.CANCELLED:
            summary_text = "Hủy kế hoạch kiểm tra: cơ sở tạm ngừng hoạt động trong thời gian dự kiến."
        self.t["inspection"].rows.append(
            (
                pk,
                est_id,
                unit_id,
                v.domain,
                v.kind,
                v.ground,
                v.status,
                self.d(v.planned_on),
                self.d(notified),
                self.d(v.inspected_on),
                team,
                outcome,
                summary_text,
                record_number,
                officer,
                officer if v.status == Inspection.Status.DONE else None,
                self.dt(created),
                self.dt(updated),
                1,
            )
        )
        recent = overdue = 0
        for description, requirement in findings:
            due_on = v.inspected_on + timedelta(days=rng.choice((15, 30, 30, 45, 60, 90)))
            age = (self.today - due_on).days
            # still open: most of those not yet due, some recently overdue, a few old ones
            p_open = 0.6 if age <= 0 else 0.25 if age < 180 else 0.03
            open_ = rng.random() < p_open
            resolved_on = follow_up = None
            if not open_:
                latest = min(due_on + timedelta(days=10), self.today)
                resolved_on = v.inspected_on + timedelta(
                    days=int(rng.random() * max((latest - v.inspected_on).days, 1))
                )
                resolved_on = min(resolved_on, self.today)
                follow_up = "Cơ sở đã khắc phục, tổ công tác kiểm tra lại xác nhận."
            self.t["finding"].rows.append(
                (
                    pk,
                    est_id,
                    unit_id,
                    description,
                    requirement,
                    self.d(due_on),
                    Finding.Status.OPEN if open_ else Finding.Status.RESOLVED,
                    self.d(resolved_on),
                    follow_up or "",
                    self.dt(self.at(v.inspected_on, 16)),
                    self.dt(self.at(resolved_on, 10)) if resolved_on else self.dt(self.at(v.inspected_on, 16)),
                )
            )
            summary.findings += 1
            if (self.today - v.inspected_on).days <= 730:
                recent += 1
            if open_ and due_on < self.today:
                overdue += 1
                summary.open_overdue_findings += 1
        return recent, overdue

    # -- people and codes --

    def _personal_id(self, rng: random.Random, female: bool) -> str:
        """A 12-digit personal ID (ND 137/2015 Art. 7): birth province (mostly 038, Thanh Hóa),
        century and sex, two digits of the birth year, six random."""
        year = rng.randint(1955, 2003)
        century = (year // 100 - 19) * 2 + (1 if female else 0)
        province = "038" if rng.random() < 0.9 else rng.choice(("001", "036", "037", "040", "079"))
        while True:
            number = f"{province}{century}{year % 100:02d}{rng.randrange(1_000_000):06d}"
            if number not in self.personal_ids and number not in self.tax_codes:
                self.personal_ids.add(number)
                return number

    def _tax_code(self, rng: random.Random, branch: bool = False) -> str:
        """A 10-digit tax code with its check digit (TT 86/2024/TT-BTC; docs/legal §9), unique;
        a branch adds "-" and its 3-digit number."""
        while True:
            body = f"28{rng.randrange(10_000_000):07d}"
            check = tax_check_digit(body)
            if check is None:
                continue
            code = f"{body}{check}"
            if branch:
                code = f"{code}-{rng.randint(1, 12):03d}"
            if code not in self.tax_codes:
                self.tax_codes.add(code)
                return code

    @staticmethod
    def _mobile(rng: random.Random) -> str:
        return f"{rng.choice(PHONE_PREFIXES)}{rng.randrange(10_000_000):07d}"


# --- purge ------------------------------------------------------------------------------------------


def generated_establishments():
    """The rows this generator wrote (the registry's hand-made demo rows are not among them)."""
    return Establishment.objects.filter(is_demo=True, registration_number__startswith=PREFIX)


def purge_generated() -> int:
    """Delete every generated establishment with what hangs on it, set-based."""
    n = generated_establishments().count()
    if not n:
        return 0
    e_sql, e_params = generated_establishments().values("id").query.sql_with_params()
    i_sql = f'SELECT "id" FROM "{Inspection._meta.db_table}" WHERE "establishment_id" IN ({e_sql})'
    c_sql = f'SELECT "id" FROM "{Certificate._meta.db_table}" WHERE "establishment_id" IN ({e_sql})'
    through = Inspection.violation_records.through._meta.db_table
    cert_lines = Certificate.lines.through._meta.db_table
    est_lines = Establishment.lines.through._meta.db_table

    def table(model):
        return model._meta.db_table

    with connection.cursor() as cur:
        cur.execute(f'DELETE FROM "{table(Finding)}" WHERE "establishment_id" IN ({e_sql})', e_params)
        cur.execute(f'DELETE FROM "{through}" WHERE "inspection_id" IN ({i_sql})', e_params)
        cur.execute(f'DELETE FROM "{table(Inspection)}" WHERE "establishment_id" IN ({e_sql})', e_params)
        cur.execute(f'DELETE FROM "{table(CertificateEvent)}" WHERE "certificate_id" IN ({c_sql})', e_params)
        cur.execute(f'DELETE FROM "{cert_lines}" WHERE "certificate_id" IN ({c_sql})', e_params)
        cur.execute(
            f'UPDATE "{table(Certificate)}" SET "replaces_id" = NULL WHERE "establishment_id" IN ({e_sql})', e_params
        )
        cur.execute(f'DELETE FROM "{table(Certificate)}" WHERE "establishment_id" IN ({e_sql})', e_params)
        for model in (FireRecord, FireProfile, EstablishmentAccount):
            cur.execute(f'DELETE FROM "{table(model)}" WHERE "establishment_id" IN ({e_sql})', e_params)
        cur.execute(f'DELETE FROM "{est_lines}" WHERE "establishment_id" IN ({e_sql})', e_params)
        cur.execute(f'DELETE FROM "{table(Establishment)}" WHERE "id" IN ({e_sql})', e_params)
    return n


def has_generated() -> bool:
    return generated_establishments().exists()


__all__ = [
    "EstablishmentGenerator",
    "GenerateError",
    "GenerateOptions",
    "GenerationSummary",
    "generated_establishments",
    "has_generated",
    "purge_generated",
]
