"""The open datasets (issue 7 point 3): what each one publishes and how its rows are read.

`BUILDERS[slug]` gives, for every `Dataset` row (`data/datasets.yaml`), its columns (Vietnamese
titles and types), a lazy row iterator and the time of the last change of its data. The three
download formats, the preview and the DCAT catalogue all read the rows through
`published_rows(dataset, period)`, so they always agree: suppression
(`antt.api.suppression`) is applied there, row by row, or group by group for ho-so-theo-thang:
the portal's /so-lieu/ page publishes its sums per (month, unit), so small counts are protected
across the rows of a (month, unit) too (`Rule.across`; one group, at most a unit's procedures, is
in memory at a time). When a (month, unit) has a single row, that row *is* the page's figures
(likewise when no other row of the group has room, e.g. its count is pinned to 0 by a published
0): its hidden counts cannot be protected by hiding more counts, so its field and procedure are
hidden instead (the page already publishes the unit's figures; what must not be published is
which procedure a few dossiers were for).

Memory: every builder streams. Row-level datasets read with `.iterator(chunk_size=…)`; the
aggregated ones run GROUP BY queries ordered by their key and read with `.iterator()` too (the
one-stop figures merge three sorted streams). Nothing builds the whole table in memory
(bench/opendata.py measures it).

No personal data: the columns are counts, amounts, code tables and business data. The
certificates dataset publishes no holder, owner, representative, ID number, phone, tax code or
street address; a household business (hộ kinh doanh) is usually named after its owner, so its
name is replaced by its shop sign (`trade_name`) when it has one, else by "Hộ kinh doanh" and
the commune (the sharing API gives agencies the name; the public gets less).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from itertools import islice
from zoneinfo import ZoneInfo

from django.core.cache import cache
from django.db.models import Count, Max, Prefetch, Sum
from django.db.models.functions import TruncMonth

from antt.api.suppression import FLAG_KEY, FLAG_TITLE, Rule, suppress_rows

VN = ZoneInfo("Asia/Ho_Chi_Minh")
CHUNK = 2000
PREVIEW_ROWS = 20

STRING, INTEGER, NUMBER, MONTH, DATE, BOOLEAN = "string", "integer", "number", "month", "date", "boolean"
TYPE_LABELS = {
    STRING: "Chuỗi ký tự",
    INTEGER: "Số nguyên",
    NUMBER: "Số thập phân",
    MONTH: "Tháng (YYYY-MM)",
    DATE: "Ngày (YYYY-MM-DD)",
    BOOLEAN: "Đúng/sai",
}
# Column keys that would mean personal data; tests check no dataset publishes one.
PERSONAL_MARKERS = (
    "ho_ten", "ten_nguoi", "holder", "owner", "representative", "cccd", "cmnd", "dinh_danh",
    "so_dien_thoai", "dien_thoai", "phone", "email", "ngay_sinh", "birth", "dia_chi", "address",
    "ma_so_thue", "tax", "ho_chieu", "passport", "violator",
)  # fmt: skip


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    type: str
    description: str = ""

    @property
    def type_label(self) -> str:
        return TYPE_LABELS[self.type]


@dataclass(frozen=True)
class Period:
    """Whole months [first, last] (1st of each month); None = open end."""

    first: date | None = None
    last: date | None = None

    @property
    def start_at(self) -> datetime | None:
        return datetime.combine(self.first, time.min, tzinfo=VN) if self.first else None

    @property
    def end_at(self) -> datetime | None:
        return datetime.combine(next_month(self.last), time.min, tzinfo=VN) if self.last else None

    @property
    def end_date(self) -> date | None:
        """The first day after the period."""
        return next_month(self.last) if self.last else None

    @property
    def is_open(self) -> bool:
        return self.first is None and self.last is None


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


@dataclass(frozen=True)
class Builder:
    """How one dataset is read. `rows(period)` yields dicts keyed by column key (before
    suppression); `rule` says what to suppress; `periodic` whether ?tu=&den= applies."""

    slug: str
    columns: tuple[Column, ...]
    rows: Callable[[Period], Iterator[dict]]
    last_modified: Callable[[], datetime | None]
    rule: Rule = field(default_factory=Rule)
    periodic: bool = True

    @property
    def all_columns(self) -> tuple[Column, ...]:
        """The published columns: the builder's, plus the flag column when anything may be hidden."""
        if self.rule.empty:
            return self.columns
        return (*self.columns, Column(FLAG_KEY, FLAG_TITLE, BOOLEAN, "Đúng khi một số ô của dòng bị ẩn vì số nhỏ."))


def _scalar(value, kind: str):
    if value is None:
        return None
    if kind == MONTH:
        return f"{value:%Y-%m}"
    if kind == DATE:
        return value.isoformat()
    if kind == NUMBER:
        return round(float(value), 4)
    if kind == INTEGER:
        return int(value)
    if kind == BOOLEAN:
        return bool(value)
    return str(value)


def published_rows(builder: Builder, *, min_cell: int, period: Period | None = None) -> Iterator[list]:
    """The rows as published: suppressed, in column order, plain JSON scalars."""
    columns = builder.all_columns
    rows = builder.rows(period or Period())
    if not builder.rule.empty:
        rows = suppress_rows(rows, builder.rule, min_cell)
    for row in rows:
        yield [_scalar(row.get(c.key), c.type) for c in columns]


# --- ho-so-theo-thang: the one-stop shop by month --------------------------------------------------


def _dossier_rows(period: Period) -> Iterator[dict]:
    from antt.dossiers.selectors_opendata import monthly_rows

    return monthly_rows(start=period.start_at, end=period.end_at)


def _dossier_modified():
    from antt.dossiers.selectors_opendata import last_modified

    return last_modified()


HIDDEN_PROCEDURE = (
    "Để trống khi một ô bị ẩn của dòng không che được bằng ô của dòng khác cùng đơn vị, cùng tháng"
    " (thường khi đó là dòng duy nhất của đơn vị trong tháng): số của dòng khi đó suy ra được từ số"
    " của đơn vị trên trang Số liệu công khai."
)

DOSSIERS = Builder(
    slug="ho-so-theo-thang",
    columns=(
        Column("thang", "Tháng", MONTH),
        Column("don_vi", "Đơn vị giải quyết", STRING),
        Column("linh_vuc", "Lĩnh vực", STRING, HIDDEN_PROCEDURE),
        Column("ma_thu_tuc", "Mã thủ tục", STRING, HIDDEN_PROCEDURE),
        Column("thu_tuc", "Thủ tục hành chính", STRING, HIDDEN_PROCEDURE),
        Column("tiep_nhan", "Số hồ sơ tiếp nhận", INTEGER, "Hồ sơ nộp trong tháng."),
        Column("da_giai_quyet", "Số hồ sơ đã giải quyết", INTEGER, "Hồ sơ xử lý xong trong tháng."),
        Column("truoc_han", "Giải quyết trước hạn", INTEGER),
        Column("dung_han", "Giải quyết đúng hạn", INTEGER),
        Column("qua_han", "Giải quyết quá hạn", INTEGER),
        Column("ty_le_dung_han", "Tỷ lệ đúng hạn", NUMBER, "(Trước hạn + đúng hạn) ÷ đã giải quyết, từ 0 đến 1."),
        Column("so_danh_gia", "Số phiếu đánh giá", INTEGER, "Phiếu đánh giá mức độ hài lòng nhận trong tháng."),
        Column("hai_long", "Số phiếu hài lòng", INTEGER, "Đánh giá tổng thể “Rất hài lòng” hoặc “Hài lòng”."),
        Column("ty_le_hai_long", "Tỷ lệ hài lòng", NUMBER, "Số phiếu hài lòng ÷ số phiếu đánh giá, từ 0 đến 1."),
    ),
    rows=lambda period: (
        {
            "thang": r["month"],
            "nhom": (r["month"], r["unit_id"]),
            "don_vi": r["unit"],
            "linh_vuc": r["field"],
            "ma_thu_tuc": r["procedure_code"],
            "thu_tuc": r["procedure"],
            "tiep_nhan": r["received"],
            "da_giai_quyet": r["completed"],
            "truoc_han": r["early"],
            "dung_han": r["on_time"],
            "qua_han": r["late"],
            "ty_le_dung_han": r["on_time_rate"],
            "so_danh_gia": r["ratings"],
            "hai_long": r["satisfied"],
            "ty_le_hai_long": r["satisfaction_rate"],
        }
        for r in _dossier_rows(period)
    ),
    last_modified=_dossier_modified,
    rule=Rule(
        people=("tiep_nhan", "da_giai_quyet", "truoc_han", "dung_han", "qua_han", "so_danh_gia", "hai_long"),
        groups=(("da_giai_quyet", ("truoc_han", "dung_han", "qua_han")),),
        depends={
            "ty_le_dung_han": ("da_giai_quyet", "truoc_han", "dung_han", "qua_han"),
            "ty_le_hai_long": ("so_danh_gia", "hai_long"),
        },
        # /so-lieu/ publishes per (month, unit) received, completed, completed early or on time
        # (so late too) and ratings with their satisfaction rate (so satisfied, exactly when there
        # are fewer than ~500 ratings: the rate has one decimal of a percent; taken as exact).
        group_by=("nhom",),
        across=(
            ("tiep_nhan",),
            ("da_giai_quyet",),
            ("truoc_han", "dung_han"),
            ("qua_han",),
            ("so_danh_gia",),
            ("hai_long",),
        ),
        bounds=(("hai_long", "so_danh_gia"),),
        identity=("linh_vuc", "ma_thu_tuc", "thu_tuc"),
    ),
)


# --- vi-pham-thong-ke: penalty decisions by month, unit and statistics row -------------------------


def _violation_rows(period: Period) -> Iterator[dict]:
    from antt.violations.models import DecisionStatus, PenaltyDecision

    qs = PenaltyDecision.objects.exclude(status=DecisionStatus.CANCELLED)
    if period.first:
        qs = qs.filter(issued_on__gte=period.first)
    if period.end_date:
        qs = qs.filter(issued_on__lt=period.end_date)
    grouped = (
        qs.annotate(m=TruncMonth("issued_on"))
        .values("m", "unit_id", "unit__name", "stat_group_id", "stat_group__field_name", "stat_group__name")
        .annotate(
            decisions=Count("*"),
            fined=Sum("total_fine"),
            paid=Sum("amount_paid"),
            seized=Sum("seized_count"),
            suspended=Sum("suspension_count"),
        )
        .order_by("m", "unit_id", "stat_group_id")
    )
    for r in grouped.iterator(chunk_size=CHUNK):
        yield {
            "thang": r["m"],
            "don_vi": r["unit__name"],
            "linh_vuc": r["stat_group__field_name"],
            "nhom_hanh_vi": r["stat_group__name"],
            "so_quyet_dinh": r["decisions"],
            "tien_phat": r["fined"] or 0,
            "da_nop": r["paid"] or 0,
            "tang_vat": r["seized"] or 0,
            "tuoc_giay_phep": r["suspended"] or 0,
        }


def _violation_modified():
    from antt.violations.models import PenaltyDecision

    return PenaltyDecision.objects.aggregate(m=Max("updated_at"))["m"]


VIOLATIONS = Builder(
    slug="vi-pham-thong-ke",
    columns=(
        Column("thang", "Tháng", MONTH, "Tháng ra quyết định xử phạt."),
        Column("don_vi", "Đơn vị", STRING),
        Column("linh_vuc", "Lĩnh vực", STRING, "Dòng của bảng thống kê xử phạt (phụ lục 9, QĐ 273/QĐ-UBND)."),
        Column("nhom_hanh_vi", "Nhóm hành vi", STRING),
        Column("so_quyet_dinh", "Số quyết định xử phạt", INTEGER, "Không tính quyết định đã hủy."),
        Column("tien_phat", "Tổng tiền phạt (đồng)", INTEGER),
        Column("da_nop", "Đã nộp ngân sách (đồng)", INTEGER, "Tiền phạt đã nộp, không gồm tiền chậm nộp."),
        Column("tang_vat", "Tang vật, phương tiện tạm giữ", INTEGER),
        Column("tuoc_giay_phep", "Giấy phép bị tước", INTEGER),
    ),
    rows=_violation_rows,
    last_modified=_violation_modified,
    rule=Rule(
        people=("so_quyet_dinh",),
        depends=dict.fromkeys(("tien_phat", "da_nop", "tang_vat", "tuoc_giay_phep"), ("so_quyet_dinh",)),
    ),
)


# --- luu-tru-quoc-tich: lodging guests by nationality and month ------------------------------------


def _lodging_rows(period: Period) -> Iterator[dict]:
    from antt.lodging.models import Country, Declaration
    from antt.lodging.selectors_stats import Nights, arrival_month

    qs = Declaration.objects.filter(is_current=True).exclude(state=Declaration.State.CANCELLED)
    if period.start_at:
        qs = qs.filter(arrived_at__gte=period.start_at)
    if period.end_at:
        qs = qs.filter(arrived_at__lt=period.end_at)
    names = dict(Country.objects.values_list("code", "name"))  # a few hundred code-table rows
    grouped = (
        qs.annotate(month=arrival_month())
        .values("month", "stats_nationality")
        .annotate(guests=Count("*"), nights=Sum(Nights()))
        .order_by("month", "stats_nationality")
    )
    for r in grouped.iterator(chunk_size=CHUNK):
        month = r["month"]
        if isinstance(month, datetime):
            month = month.astimezone(VN).date() if month.tzinfo else month.date()
        code = r["stats_nationality"]
        yield {
            "thang": month,
            "ma_quoc_tich": code,
            "quoc_tich": names.get(code, code),
            "luot_khach": r["guests"],
            "ngay_khach": r["nights"] or 0,
        }


def _lodging_modified():
    from antt.lodging.models import Declaration

    # The ledger is append-only and its ids ascend (`lodging.ids`): the newest row is the last change;
    # ordering by the primary key reads one index entry where MAX(declared_at) would scan the table.
    return Declaration.objects.order_by("-id").values_list("declared_at", flat=True).first()


LODGING = Builder(
    slug="luu-tru-quoc-tich",
    columns=(
        Column("thang", "Tháng", MONTH, "Tháng khách đến (giờ Việt Nam)."),
        Column("ma_quoc_tich", "Mã quốc tịch", STRING, "ISO 3166-1 alpha-3."),
        Column("quoc_tich", "Quốc tịch", STRING),
        Column("luot_khach", "Lượt khách", INTEGER, "Mỗi lượt lưu trú tính một lần, không tính lượt đã hủy."),
        Column("ngay_khach", "Ngày khách", INTEGER, "Số đêm lưu trú, tối thiểu 1 đêm mỗi lượt."),
    ),
    rows=_lodging_rows,
    last_modified=_lodging_modified,
    rule=Rule(people=("luot_khach",), depends={"ngay_khach": ("luot_khach",)}),
)


# --- thu-tuc-hanh-chinh: the procedure catalogue -------------------------------------------------


def _money(amount: int) -> str:
    return f"{amount:,}".replace(",", ".") + " đ"


def _legal_time(version) -> str:
    if not version.legal_time_unit:
        return version.legal_time_note or ""
    if version.legal_time_unit == "same_day":
        return version.get_legal_time_unit_display()
    amount = version.legal_time_amount
    if isinstance(amount, Decimal):
        amount = amount.normalize()
        amount = int(amount) if amount == amount.to_integral_value() else amount
    return f"{amount} {version.get_legal_time_unit_display()}".strip()


def _procedure_rows(period: Period) -> Iterator[dict]:
    from antt.catalog.models import Procedure, ProcedureVersion
    from antt.catalog.selectors import _pick_version, today

    on = today()
    versions = ProcedureVersion.objects.order_by("-valid_from").prefetch_related("levels", "fees")
    qs = (
        Procedure.objects.select_related("field")
        .prefetch_related(Prefetch("versions", queryset=versions))
        .order_by("field__name", "code")
    )
    for procedure in qs.iterator(chunk_size=500):
        version, in_force = _pick_version(procedure, on)
        if version is None or not in_force:
            continue
        fees = sorted(version.fees.all(), key=lambda f: f.order)
        yield {
            "ma_thu_tuc": procedure.code,
            "ten_thu_tuc": procedure.name,
            "linh_vuc": procedure.field.name,
            "cap_thuc_hien": ", ".join(sorted(lv.get_level_display() for lv in version.levels.all())),
            "thoi_han": _legal_time(version),
            "phi_le_phi": "; ".join(
                f"{f.get_channel_display()}: {_money(f.amount)}" + (f" ({f.description})" if f.description else "")
                for f in fees
            )
            or "Không",
            "muc_do_truc_tuyen": version.get_online_level_display(),
            "can_cu_phap_ly": version.legal_basis,
            "ap_dung_tu": version.valid_from,
        }


def _procedure_modified():
    from antt.catalog.models import Procedure, ProcedureVersion

    stamps = [
        Procedure.objects.aggregate(m=Max("created_at"))["m"],
        ProcedureVersion.objects.aggregate(m=Max("created_at"))["m"],
    ]
    stamps = [s for s in stamps if s is not None]
    return max(stamps) if stamps else None


PROCEDURES = Builder(
    slug="thu-tuc-hanh-chinh",
    columns=(
        Column("ma_thu_tuc", "Mã thủ tục", STRING),
        Column("ten_thu_tuc", "Tên thủ tục", STRING),
        Column("linh_vuc", "Lĩnh vực", STRING),
        Column("cap_thuc_hien", "Cấp thực hiện", STRING),
        Column("thoi_han", "Thời hạn giải quyết", STRING),
        Column("phi_le_phi", "Phí, lệ phí", STRING),
        Column("muc_do_truc_tuyen", "Mức độ dịch vụ công trực tuyến", STRING, "Nghị định 42/2022/NĐ-CP, Điều 11."),
        Column("can_cu_phap_ly", "Căn cứ pháp lý", STRING),
        Column("ap_dung_tu", "Áp dụng từ ngày", DATE),
    ),
    rows=_procedure_rows,
    last_modified=_procedure_modified,
    periodic=False,
)


# --- co-so-co-giay-chung-nhan: security certificates -------------------------------------------------


def public_establishment_name(e) -> str:
    """The public name of an establishment: a household business's own name is its owner's."""
    if e.kind == "household":
        return e.trade_name or "Hộ kinh doanh (không công bố tên)"
    return e.name


def _certificate_rows(period: Period) -> Iterator[dict]:
    from antt.establishments.models import BusinessLine, Certificate

    qs = Certificate.objects.select_related("establishment__area", "unit")
    if period.first:
        qs = qs.filter(issued_on__gte=period.first)
    if period.end_date:
        qs = qs.filter(issued_on__lt=period.end_date)
    qs = (
        qs.only(
            "number",
            "kind",
            "issued_on",
            "valid_until",
            "status",
            "unit__name",
            "establishment__name",
            "establishment__trade_name",
            "establishment__kind",
            "establishment__area__code",
            "establishment__area__name",
        )  # fmt: skip
        .prefetch_related(Prefetch("lines", queryset=BusinessLine.objects.only("name").order_by("order", "pk")))
        .order_by("issued_on", "pk")
    )
    for c in qs.iterator(chunk_size=CHUNK):
        e = c.establishment
        yield {
            "so_giay_chung_nhan": c.number,
            "ten_co_so": public_establishment_name(e),
            "loai_hinh": e.get_kind_display(),
            "nganh_nghe": "; ".join(line.name for line in c.lines.all()),
            "ma_xa": e.area.code if e.area_id else "",
            "xa_phuong": e.area.name if e.area_id else "",
            "don_vi_cap": c.unit.name,
            "hinh_thuc_cap": c.get_kind_display(),
            "ngay_cap": c.issued_on,
            "co_gia_tri_den": c.valid_until,
            "tinh_trang": c.get_status_display(),
        }


def _certificate_modified():
    from antt.establishments.models import Certificate

    return Certificate.objects.aggregate(m=Max("updated_at"))["m"]


CERTIFICATES = Builder(
    slug="co-so-co-giay-chung-nhan",
    columns=(
        Column("so_giay_chung_nhan", "Số giấy chứng nhận", STRING),
        Column("ten_co_so", "Tên cơ sở", STRING, "Hộ kinh doanh: tên biển hiệu (tên hộ là tên chủ hộ, không công bố)."),
        Column("loai_hinh", "Loại hình", STRING),
        Column("nganh_nghe", "Ngành, nghề kinh doanh có điều kiện", STRING),
        Column("ma_xa", "Mã xã, phường", STRING),
        Column("xa_phuong", "Xã, phường", STRING),
        Column("don_vi_cap", "Đơn vị cấp", STRING),
        Column("hinh_thuc_cap", "Hình thức cấp", STRING),
        Column("ngay_cap", "Ngày cấp", DATE),
        Column("co_gia_tri_den", "Có giá trị đến", DATE),
        Column("tinh_trang", "Tình trạng", STRING),
    ),
    rows=_certificate_rows,
    last_modified=_certificate_modified,
)


BUILDERS: dict[str, Builder] = {b.slug: b for b in (DOSSIERS, VIOLATIONS, LODGING, PROCEDURES, CERTIFICATES)}


def builder_for(slug: str) -> Builder | None:
    return BUILDERS.get(slug)


def published_datasets():
    """The published Dataset rows that have a builder, in their order."""
    from antt.api.models import Dataset

    return Dataset.objects.filter(is_published=True, slug__in=list(BUILDERS))


def preview(dataset, *, rows: int = PREVIEW_ROWS) -> list[list]:
    builder = BUILDERS[dataset.slug]
    with closing(published_rows(builder, min_cell=dataset.min_cell)) as stream:
        return list(islice(stream, rows))


MODIFIED_CACHE_SECONDS = 60


def last_modified(dataset_or_slug) -> datetime | None:
    """When the dataset's data last changed, remembered for a minute: the downloads' ETag and
    Last-Modified ask on every request, and on a big table the MAX() is not free. A change shows
    in the ETag at most a minute late."""
    slug = getattr(dataset_or_slug, "slug", dataset_or_slug)
    key = f"opendata:modified:{slug}"
    cached = cache.get(key)
    if cached is not None:
        return cached or None
    value = BUILDERS[slug].last_modified()
    cache.set(key, value or "", MODIFIED_CACHE_SECONDS)
    return value
