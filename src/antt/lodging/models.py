"""Lodging notification (thông báo lưu trú) and foreigners' temporary-residence declarations
(khai báo tạm trú của người nước ngoài), issue 6.

Lodging businesses are `establishments.Establishment` rows with a lodging line
(`BusinessLine.is_lodging`); their accounts are `establishments.EstablishmentAccount`
(sign-up, approval by the commune police, the manager's staff accounts).

Four groups of tables:

* **Code tables and rules, as dated data** (`lodging/data/*.yaml`, loaded by
  `load_lodging_rules`, editable in the admin): document types (`DocumentType`), countries with
  the ICAO special codes of passports (`Country`), ports of entry (`PortOfEntry`), reasons of stay
  (`StayReason`), the legal deadlines (`DeadlineRule`: Luật Cư trú Art. 30(3) as replaced by
  Luật 118/2025/QH15 for everybody; Luật 47/2014/QH13 Art. 33 and TT 87/2026/TT-BCA for
  foreigners) and the retention periods (`RetentionRule`).
* **The establishment's side**: its rooms (`Room`), its API keys (`ApiKey`), and every batch it
  sent (`DeclarationBatch`: form, spreadsheet or API, with the idempotency key and the per-row
  report).
* **The declarations** (`Declaration`): an append-only ledger. An arrival opens a stay; a
  correction, a departure or a cancellation is a new row of the same stay (`stay_id`) that
  carries the whole guest record as it now stands and references the row it replaces
  (`replaces_id`). Only `is_current` (the newest row of a stay) and `state` change on an old row,
  never what was declared. On PostgreSQL the table is partitioned by month of `arrived_at`
  (migration 0002); ids come from a sequence (`lodging.ids`), so bulk inserts can use COPY.
* **Police work**: the watchlist (`WatchEntry`), the alerts its matches raise (`Alert`), the
  searches officers make and why (`SearchLog`), and the nightly occupancy figures
  (`OccupancyDay`) the statistics read.

Personal data (guest names, dates of birth, document numbers, addresses; watchlist entries):
only for the establishment that declared it and the police units whose area covers it; masked in
lists; every search and every full read by staff is logged; never in the statistics, the open
aggregates or the sharing API. Retention (`RetentionRule`, `lodging_daily`) anonymises old stays
and keeps the statistical columns.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from antt.core.models import Validity
from antt.core.text import fold
from antt.establishments.models import Establishment
from antt.org.models import AdminArea, Unit

# --- code tables and rules ---------------------------------------------------------------------


class DocumentType(Validity):
    """A kind of identity paper a guest may show (ND 96/2016 Art. 44(2); Luật Cư trú Art. 30(2))."""

    code = models.CharField(_("mã"), max_length=10, unique=True)
    name = models.CharField(_("tên giấy tờ"), max_length=200)
    for_vietnamese = models.BooleanField(_("dùng cho công dân Việt Nam"), default=True)
    for_foreigners = models.BooleanField(_("dùng cho người nước ngoài"), default=False)
    # A regular expression the (upper-cased, space-free) number must match; blank = any 1–20 chars.
    number_pattern = models.CharField(_("mẫu số giấy tờ (biểu thức chính quy)"), max_length=100, blank=True)
    number_hint = models.CharField(_("hướng dẫn nhập số"), max_length=200, blank=True)
    has_mrz = models.BooleanField(_("có vùng đọc máy (MRZ)"), default=False)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("loại giấy tờ tùy thân")
        verbose_name_plural = _("loại giấy tờ tùy thân")
        ordering = ["order", "code"]

    def __str__(self):
        return self.name


class Country(models.Model):
    """A nationality code: ISO 3166-1 alpha-3, or an ICAO Doc 9303 special code (`D`, `GBD`,
    `XXA`, `UNO`…), with the country the statistics count it under (`stats_code`)."""

    code = models.CharField(_("mã"), max_length=3, unique=True)
    name = models.CharField(_("tên"), max_length=120)
    name_en = models.CharField(_("tên tiếng Anh"), max_length=120, blank=True)
    name_folded = models.CharField(max_length=120, editable=False, blank=True)
    stats_code = models.CharField(_("thống kê theo mã"), max_length=3)
    is_icao_special = models.BooleanField(_("mã riêng của ICAO"), default=False)
    is_active = models.BooleanField(_("đang dùng"), default=True)
    source = models.CharField(_("nguồn"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("quốc tịch")
        verbose_name_plural = _("quốc tịch")
        ordering = ["name_folded"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.name_folded = fold(f"{self.name} {self.name_en}")
        super().save(*args, **kwargs)


class PortOfEntry(Validity):
    """A border gate (cửa khẩu) a foreigner entered through."""

    class Kind(models.TextChoices):
        AIR = "air", _("Cửa khẩu đường hàng không")
        LAND = "land", _("Cửa khẩu đường bộ")
        SEA = "sea", _("Cửa khẩu đường biển")
        RAIL = "rail", _("Cửa khẩu đường sắt")
        RIVER = "river", _("Cửa khẩu đường sông")

    code = models.CharField(_("mã"), max_length=12, unique=True)
    name = models.CharField(_("tên cửa khẩu"), max_length=200)
    kind = models.CharField(_("loại"), max_length=6, choices=Kind.choices)
    province = models.CharField(_("tỉnh, thành phố"), max_length=100, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("cửa khẩu nhập cảnh")
        verbose_name_plural = _("cửa khẩu nhập cảnh")
        ordering = ["order", "name"]

    def __str__(self):
        return self.name


class StayReason(Validity):
    """A reason of stay (lý do lưu trú, Luật Cư trú Art. 30(2)); for foreigners also the purpose
    of entry (mục đích nhập cảnh) when `entry_purpose` is set."""

    code = models.CharField(_("mã"), max_length=12, unique=True)
    name = models.CharField(_("lý do"), max_length=200)
    entry_purpose = models.CharField(_("ký hiệu mục đích nhập cảnh"), max_length=10, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("lý do lưu trú")
        verbose_name_plural = _("lý do lưu trú")
        ordering = ["order", "code"]

    def __str__(self):
        return self.name


class DeadlineRule(Validity):
    """When a declaration is due, for a kind of guest (data, with its legal basis).

    * `cutoff`: due at `cutoff_hour`:00 local time of the day of arrival; an arrival at or after
      `cutoff_hour` is due at `next_day_hour`:00 of the next day (Luật Cư trú Art. 30(3)).
    * `hours`: due `within_hours` after arrival (`remote_within_hours` in remote areas;
      Luật 47/2014/QH13 Art. 33(1)); 0 = "as soon as the guest arrives", with `grace_minutes`.
    """

    class GuestKind(models.TextChoices):
        VIETNAMESE = "vietnamese", _("Công dân Việt Nam")
        FOREIGNER = "foreigner", _("Người nước ngoài")

    class Method(models.TextChoices):
        CUTOFF = "cutoff", _("Trước giờ chốt trong ngày")
        HOURS = "hours", _("Trong số giờ kể từ khi đến")

    guest_kind = models.CharField(_("đối tượng"), max_length=12, choices=GuestKind.choices)
    method = models.CharField(_("cách tính"), max_length=8, choices=Method.choices)
    cutoff_hour = models.PositiveSmallIntegerField(_("giờ chốt"), null=True, blank=True)
    next_day_hour = models.PositiveSmallIntegerField(_("giờ hạn ngày hôm sau"), null=True, blank=True)
    within_hours = models.PositiveSmallIntegerField(_("trong số giờ"), null=True, blank=True)
    remote_within_hours = models.PositiveSmallIntegerField(_("trong số giờ (vùng sâu, vùng xa)"), null=True, blank=True)
    grace_minutes = models.PositiveSmallIntegerField(_("thời gian cho phép (phút)"), default=0)
    note = models.CharField(_("ghi chú"), max_length=500, blank=True)
    verified = models.BooleanField(_("đã đối chiếu văn bản gốc"), default=False)

    class Meta:
        verbose_name = _("thời hạn thông báo lưu trú")
        verbose_name_plural = _("thời hạn thông báo lưu trú")
        ordering = ["guest_kind", "-valid_from"]

    def __str__(self):
        return f"{self.get_guest_kind_display()} — {self.legal_basis}"


class RetentionRule(Validity):
    """How long personal data of a category is kept before it is anonymised (data, with basis)."""

    class Category(models.TextChoices):
        STAY = "stay", _("Thông tin cá nhân của khách lưu trú (phía Công an)")
        SEARCH_LOG = "search_log", _("Nhật ký tra cứu")
        BATCH_REPORT = "batch_report", _("Báo cáo từng dòng của lần gửi")
        CLOSED_WATCH = "closed_watch", _("Đối tượng đã gỡ khỏi danh sách theo dõi")

    category = models.CharField(_("loại dữ liệu"), max_length=14, choices=Category.choices)
    months = models.PositiveSmallIntegerField(_("thời gian lưu (tháng)"))
    note = models.CharField(_("ghi chú"), max_length=500, blank=True)
    verified = models.BooleanField(_("đã đối chiếu văn bản gốc"), default=False)

    class Meta:
        verbose_name = _("thời hạn lưu trữ dữ liệu")
        verbose_name_plural = _("thời hạn lưu trữ dữ liệu")
        ordering = ["category", "-valid_from"]

    def __str__(self):
        return f"{self.get_category_display()}: {self.months} tháng"


class RemoteCommune(models.Model):
    """A commune counted as a remote area (vùng sâu, vùng xa) for the foreigners' 24-hour limit
    of Luật 47/2014/QH13 Art. 33(1) (`DeadlineRule.remote_within_hours`). Empty until an
    administrator enters the communes the provincial list names."""

    area = models.OneToOneField(AdminArea, models.CASCADE, related_name="+", verbose_name=_("xã, phường"))
    legal_basis = models.CharField(_("căn cứ"), max_length=300)

    class Meta:
        verbose_name = _("xã vùng sâu, vùng xa")
        verbose_name_plural = _("xã vùng sâu, vùng xa")

    def __str__(self):
        return str(self.area)


# --- the establishment's side ------------------------------------------------------------------


class Room(models.Model):
    """A room of a lodging establishment (managed by its manager account)."""

    establishment = models.ForeignKey(Establishment, models.CASCADE, related_name="lodging_rooms")
    number = models.CharField(_("số phòng"), max_length=20)
    floor = models.CharField(_("tầng"), max_length=10, blank=True)
    beds = models.PositiveSmallIntegerField(_("số giường"), default=1)
    note = models.CharField(_("ghi chú"), max_length=200, blank=True)
    is_active = models.BooleanField(_("đang sử dụng"), default=True)

    class Meta:
        verbose_name = _("phòng")
        verbose_name_plural = _("phòng")
        ordering = ["establishment", "number"]
        constraints = [models.UniqueConstraint(fields=["establishment", "number"], name="lodging_room_unique")]

    def __str__(self):
        return self.number


class ApiKey(models.Model):
    """An establishment's key for its own software (PMS). Only a SHA-256 of the secret is kept;
    the full key is shown once when created. Header: `Authorization: Bearer <key>`."""

    establishment = models.ForeignKey(Establishment, models.CASCADE, related_name="lodging_api_keys")
    name = models.CharField(_("tên gợi nhớ"), max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    key_hash = models.CharField(max_length=64)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("khóa API của cơ sở")
        verbose_name_plural = _("khóa API của cơ sở")

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"


class DeclarationBatch(models.Model):
    """One sending: a form submission, a spreadsheet or an API call. The idempotency key makes a
    retried sending return this batch instead of declaring the guests twice."""

    class Source(models.TextChoices):
        FORM = "form", _("Nhập trên màn hình")
        FILE = "file", _("Tải tệp Excel/CSV")
        API = "api", _("Phần mềm của cơ sở (API)")
        STAFF = "staff", _("Công an nhập hộ")

    class Mode(models.TextChoices):
        ALL_OR_NOTHING = "all", _("Chỉ ghi nhận khi mọi dòng hợp lệ")
        KEEP_VALID = "valid", _("Ghi nhận các dòng hợp lệ, bỏ dòng lỗi")

    class Status(models.TextChoices):
        PROCESSING = "processing", _("Đang xử lý")
        DONE = "done", _("Đã ghi nhận")
        REJECTED = "rejected", _("Không ghi nhận (có dòng lỗi)")
        FAILED = "failed", _("Lỗi hệ thống, chưa ghi nhận")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    establishment = models.ForeignKey(Establishment, models.CASCADE, related_name="lodging_batches")
    source = models.CharField(_("cách gửi"), max_length=6, choices=Source.choices)
    mode = models.CharField(_("cách ghi nhận"), max_length=6, choices=Mode.choices, default=Mode.ALL_OR_NOTHING)
    idempotency_key = models.CharField(max_length=80, blank=True)
    status = models.CharField(_("tình trạng"), max_length=10, choices=Status.choices, default=Status.PROCESSING)
    total_rows = models.PositiveIntegerField(default=0)
    accepted = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)  # progress of a long file
    # [{"row": 3, "field": "birth_date", "message": "…"}] — messages name fields, not values.
    report = models.JSONField(default=list, blank=True)
    file_name = models.CharField(max_length=200, blank=True)
    file_sha256 = models.CharField(max_length=64, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    api_key = models.ForeignKey(ApiKey, models.SET_NULL, null=True, blank=True, related_name="batches")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("lần gửi khai báo")
        verbose_name_plural = _("lần gửi khai báo")
        constraints = [
            models.UniqueConstraint(
                fields=["establishment", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="lodging_batch_idem",
            )
        ]

    def __str__(self):
        return f"{self.get_source_display()} {self.created_at:%d/%m/%Y %H:%M}"


# --- the declarations --------------------------------------------------------------------------


class Declaration(models.Model):
    """One entry of the lodging ledger (see the module docstring). Partitioned by month of
    `arrived_at` on PostgreSQL; foreign keys are not enforced by the database (a partitioned
    ledger of tens of millions of rows), the services guarantee them."""

    class Kind(models.TextChoices):
        ARRIVAL = "arrival", _("Đến lưu trú")
        CORRECTION = "correction", _("Sửa thông tin")
        DEPARTURE = "departure", _("Rời đi")
        CANCELLATION = "cancellation", _("Hủy khai báo")

    class State(models.TextChoices):
        STAYING = "staying", _("Đang lưu trú")
        DEPARTED = "departed", _("Đã rời đi")
        CANCELLED = "cancelled", _("Đã hủy")

    class Sex(models.TextChoices):
        MALE = "M", _("Nam")
        FEMALE = "F", _("Nữ")
        OTHER = "X", _("Khác / không rõ")

    id = models.BigIntegerField(primary_key=True)  # from lodging.ids.allocate()
    stay_id = models.BigIntegerField(_("mã lượt lưu trú"))
    replaces_id = models.BigIntegerField(null=True, blank=True)
    kind = models.CharField(_("loại khai báo"), max_length=12, choices=Kind.choices)
    is_current = models.BooleanField(default=True)
    state = models.CharField(_("tình trạng"), max_length=10, choices=State.choices, default=State.STAYING)

    establishment = models.ForeignKey(Establishment, models.DO_NOTHING, db_constraint=False, related_name="+")
    unit = models.ForeignKey(Unit, models.DO_NOTHING, db_constraint=False, related_name="+")
    area = models.ForeignKey(AdminArea, models.DO_NOTHING, db_constraint=False, related_name="+")
    lodging_kind = models.CharField(_("loại cơ sở lưu trú"), max_length=40, blank=True)
    room = models.CharField(_("phòng"), max_length=20, blank=True)

    # The guest (personal data; blanked by retention, see `anonymised_at`).
    full_name = models.CharField(_("họ và tên"), max_length=150)
    name_folded = models.CharField(max_length=150)
    birth_date = models.DateField(_("ngày sinh"), null=True, blank=True)
    # Kept after anonymisation, for age groups in the statistics; also set when only the year is known.
    birth_year = models.PositiveSmallIntegerField(_("năm sinh"), null=True, blank=True)
    sex = models.CharField(_("giới tính"), max_length=1, choices=Sex.choices)
    doc_type = models.CharField(_("loại giấy tờ"), max_length=10)
    doc_number = models.CharField(_("số giấy tờ"), max_length=20)
    nationality = models.CharField(_("quốc tịch"), max_length=3)
    stats_nationality = models.CharField(max_length=3)  # Country.stats_code at declaration time
    address = models.CharField(_("nơi thường trú / địa chỉ"), max_length=300, blank=True)
    phone = models.CharField(_("số điện thoại"), max_length=20, blank=True)

    arrived_at = models.DateTimeField(_("thời điểm đến"))
    expected_departure = models.DateField(_("ngày dự kiến đi"), null=True, blank=True)
    departed_at = models.DateTimeField(_("thời điểm rời đi"), null=True, blank=True)
    reason = models.CharField(_("lý do lưu trú"), max_length=12, blank=True)

    # Foreigners (Luật 47/2014/QH13 Art. 33; form NA17 of TT 04/2015/TT-BCA).
    visa_kind = models.CharField(_("loại giấy tờ cư trú"), max_length=12, blank=True)  # visa / card / exemption
    visa_number = models.CharField(_("số thị thực / thẻ"), max_length=20, blank=True)
    visa_expiry = models.DateField(_("thời hạn thị thực / thẻ"), null=True, blank=True)
    entry_date = models.DateField(_("ngày nhập cảnh"), null=True, blank=True)
    port_of_entry = models.CharField(_("cửa khẩu nhập cảnh"), max_length=12, blank=True)
    mrz_checked = models.BooleanField(_("đã kiểm tra MRZ"), default=False)

    declared_at = models.DateTimeField(_("thời điểm khai báo"))
    due_at = models.DateTimeField(_("hạn khai báo"))
    is_late = models.BooleanField(_("khai báo muộn"), default=False)
    source = models.CharField(_("cách gửi"), max_length=6, choices=DeclarationBatch.Source.choices)
    batch_id = models.UUIDField(null=True, blank=True)
    created_by_id = models.BigIntegerField(null=True, blank=True)  # the user (no FK: ledger)
    note = models.CharField(_("lý do sửa / hủy"), max_length=300, blank=True)
    watch_hit = models.BooleanField(default=False)  # a watchlist alert: legal hold against retention
    anonymised_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("khai báo lưu trú")
        verbose_name_plural = _("khai báo lưu trú")
        indexes = [
            models.Index(fields=["stay_id"], name="lodg_decl_stay"),
            models.Index(fields=["establishment", "arrived_at"], name="lodg_decl_est_arr"),
            models.Index(fields=["establishment", "declared_at"], name="lodg_decl_est_decl"),
            models.Index(fields=["unit", "arrived_at"], name="lodg_decl_unit_arr"),
            models.Index(fields=["doc_number"], name="lodg_decl_doc"),
            models.Index(fields=["birth_date"], name="lodg_decl_dob"),
            models.Index(fields=["name_folded"], name="lodg_decl_name"),
            models.Index(
                fields=["unit", "establishment"],
                condition=models.Q(is_current=True, state="staying"),
                name="lodg_decl_staying",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.stay_id}"

    @property
    def is_foreigner(self) -> bool:
        return self.nationality != "VNM"


# --- police work -------------------------------------------------------------------------------


class WatchEntry(models.Model):
    """A wanted or missing person (đối tượng truy nã, người mất tích) whose stays raise alerts.
    Visible only to officers with `watchlist.view`; entered by those with `watchlist.manage`."""

    class Kind(models.TextChoices):
        WANTED = "wanted", _("Đối tượng truy nã")
        MISSING = "missing", _("Người mất tích")
        OTHER = "other", _("Đối tượng cần theo dõi khác")

    kind = models.CharField(_("loại"), max_length=8, choices=Kind.choices)
    doc_number = models.CharField(_("số giấy tờ"), max_length=20, blank=True, db_index=True)
    full_name = models.CharField(_("họ và tên"), max_length=150, blank=True)
    name_folded = models.CharField(max_length=150, blank=True, db_index=True)
    birth_date = models.DateField(_("ngày sinh"), null=True, blank=True)
    nationality = models.CharField(_("quốc tịch"), max_length=3, blank=True)
    basis = models.CharField(_("căn cứ (số quyết định, văn bản)"), max_length=200)
    note = models.CharField(_("ghi chú nghiệp vụ"), max_length=500, blank=True)
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="+", verbose_name=_("đơn vị theo dõi"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    valid_until = models.DateField(_("theo dõi đến ngày"), null=True, blank=True)
    is_active = models.BooleanField(_("đang theo dõi"), default=True, db_index=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    close_reason = models.CharField(_("lý do gỡ"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("đối tượng theo dõi")
        verbose_name_plural = _("danh sách theo dõi")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(doc_number="") | (~models.Q(name_folded="") & models.Q(birth_date__isnull=False)),
                name="lodging_watch_identifiable",
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"

    def save(self, *args, **kwargs):
        self.name_folded = fold(self.full_name)
        super().save(*args, **kwargs)


class Alert(models.Model):
    """A declaration that matched a watchlist entry: raised in the declaration's transaction,
    shown to the establishment's police unit (and the units above) and to the entry's unit;
    acknowledged, then closed with an outcome."""

    class Status(models.TextChoices):
        NEW = "new", _("Mới")
        ACKNOWLEDGED = "acknowledged", _("Đã tiếp nhận")
        CLOSED = "closed", _("Đã xử lý xong")

    class Match(models.TextChoices):
        DOCUMENT = "document", _("Trùng số giấy tờ")
        NAME_BIRTH = "name_birth", _("Trùng họ tên và ngày sinh")

    watch_entry = models.ForeignKey(WatchEntry, models.PROTECT, related_name="alerts")
    declaration_id = models.BigIntegerField()
    stay_id = models.BigIntegerField(db_index=True)
    establishment = models.ForeignKey(Establishment, models.PROTECT, related_name="+")
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="+")
    matched_on = models.CharField(_("trùng theo"), max_length=10, choices=Match.choices)
    status = models.CharField(_("tình trạng"), max_length=12, choices=Status.choices, default=Status.NEW)
    created_at = models.DateTimeField(db_index=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(_("kết quả xử lý"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("cảnh báo")
        verbose_name_plural = _("cảnh báo")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["unit", "status", "created_at"], name="lodging_alert_unit")]

    def __str__(self):
        return f"Cảnh báo #{self.pk}"


class SearchLog(models.Model):
    """Every police search of the lodging data, with its reason (the audit trail also has one
    entry per search; this table lets a supervisor filter them)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    unit = models.ForeignKey(Unit, models.PROTECT, null=True, related_name="+")
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    reason = models.CharField(_("lý do tra cứu"), max_length=300)
    criteria = models.JSONField(default=dict)  # what was searched (names and numbers masked)
    results = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("nhật ký tra cứu lưu trú")
        verbose_name_plural = _("nhật ký tra cứu lưu trú")
        ordering = ["-at"]

    def __str__(self):
        return f"Tra cứu #{self.pk}"


class OccupancyDay(models.Model):
    """Rooms occupied and guests present at one establishment on one night (computed nightly
    by `lodging_daily` from the declarations; no personal data). Occupancy = rooms occupied /
    rooms of the establishment."""

    establishment = models.ForeignKey(Establishment, models.CASCADE, related_name="+")
    day = models.DateField()
    unit = models.ForeignKey(Unit, models.DO_NOTHING, db_constraint=False, related_name="+")
    area = models.ForeignKey(AdminArea, models.DO_NOTHING, db_constraint=False, related_name="+")
    lodging_kind = models.CharField(max_length=40, blank=True)
    rooms = models.PositiveIntegerField(default=0)
    rooms_occupied = models.PositiveIntegerField(default=0)
    guests = models.PositiveIntegerField(default=0)
    foreign_guests = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("công suất phòng theo ngày")
        verbose_name_plural = _("công suất phòng theo ngày")
        constraints = [models.UniqueConstraint(fields=["establishment", "day"], name="lodging_occupancy_unique")]
        indexes = [models.Index(fields=["day", "unit"], name="lodging_occ_day_unit")]

    def __str__(self):
        return f"{self.establishment_id} {self.day}"
