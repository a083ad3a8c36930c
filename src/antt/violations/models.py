"""Administrative violations (xử lý vi phạm hành chính): the rules and the files.

Two halves:

* **The rules, as versioned data** (loaded from `violations/data/*.yaml`, editable in the
  admin): the decrees and their behaviours with fine ranges (`Decree`, `Behaviour`), the
  maximum fine of each field (`FineField`, Luật XLVPHC Art. 24), the fining powers of each
  title (`FiningTitle`, Nghị định 189/2025/NĐ-CP Art. 8 from 01/07/2025, the law's old
  articles before), the circumstances (`Circumstance`, Art. 9 and 10), the timers and limits
  (`LegalParameter`), and the rows of the statistics table (`StatGroup`, appendix 9 of the
  seed). Each row carries its legal source and its validity dates, so a record is judged by
  the rules in force on the day of the violation (`rules_on`).

* **The files**: a case (`ViolationCase`, vụ việc) groups the records (`ViolationRecord`,
  biên bản) of one event; a penalty decision (`PenaltyDecision`) is issued from one or more
  records (or on the spot without one); its fines are per behaviour (`DecisionLine`); it is
  paid (`FinePayment`) at the counter, by transfer (VietQR) or through the treasury's
  statement (`TreasuryStatement`); seized items (`SeizedItem`) and licence suspensions
  (`LicenceSuspension`) have their own registers. Historical figures come in through
  `ViolationImport`.

Every write goes through `violations.services`; each decision change leaves a
`DecisionEvent` row and an audit entry.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from antt.core.models import Validity  # noqa: F401  (re-exported: violations code imports it from here)
from antt.core.text import fold
from antt.org.models import AdminArea, Unit


def new_token() -> str:
    return secrets.token_urlsafe(24)


class StatGroup(models.Model):
    """A row of the yearly statistics table (appendix 9 of the seed): a field and, for the
    security-and-order and social-evils fields, a behaviour group within it."""

    code = models.CharField(_("mã"), max_length=20, unique=True)
    field_no = models.PositiveSmallIntegerField(_("số thứ tự lĩnh vực"))
    field_name = models.CharField(_("lĩnh vực"), max_length=200)
    name = models.CharField(_("nhóm hành vi"), max_length=200, blank=True)
    order = models.PositiveIntegerField(_("thứ tự"), default=0)

    class Meta:
        verbose_name = _("dòng bảng thống kê")
        verbose_name_plural = _("dòng bảng thống kê")
        ordering = ["order", "code"]

    def __str__(self):
        return f"{self.field_name} — {self.name}" if self.name else self.field_name


class FineField(Validity):
    """A field's maximum fine (Luật XLVPHC Art. 24): what fining powers are a share of."""

    code = models.CharField(_("mã lĩnh vực"), max_length=40)
    name = models.CharField(_("lĩnh vực"), max_length=200)
    individual_max = models.BigIntegerField(_("mức phạt tối đa với cá nhân (đồng)"))
    organisation_max = models.BigIntegerField(_("mức phạt tối đa với tổ chức (đồng)"))

    class Meta:
        verbose_name = _("mức phạt tối đa theo lĩnh vực")
        verbose_name_plural = _("mức phạt tối đa theo lĩnh vực")
        constraints = [models.UniqueConstraint(fields=["code", "valid_from"], name="finefield_code_from_uniq")]
        ordering = ["code", "-valid_from"]

    def __str__(self):
        return self.name


class Decree(Validity):
    """A decree that sets fines for a field (e.g. Nghị định 168/2024/NĐ-CP, road traffic)."""

    code = models.CharField(_("số hiệu"), max_length=40, unique=True)
    title = models.CharField(_("trích yếu"), max_length=400)
    # Luật XLVPHC Art. 23(2): the amounts in the decrees are for an individual; an organisation
    # pays twice as much for the same behaviour, unless the decree says otherwise.
    organisation_multiplier = models.PositiveSmallIntegerField(_("hệ số với tổ chức"), default=2)
    replaces = models.ForeignKey("self", models.SET_NULL, null=True, blank=True, related_name="replaced_by")

    class Meta:
        verbose_name = _("nghị định xử phạt")
        verbose_name_plural = _("nghị định xử phạt")
        ordering = ["-valid_from", "code"]

    def __str__(self):
        return f"Nghị định {self.code}"


class Subject(models.TextChoices):
    PERSON = "person", _("Cá nhân")
    ORGANISATION = "organisation", _("Tổ chức")


class Behaviour(Validity):
    """One violating behaviour of a decree, with its fine range and additional penalties.

    `code` is stable across versions of the same provision in one decree ("168/2024:7.2.i");
    a change of the decree is a new row with new dates, never an edit of an old one that
    decisions already point to.
    """

    decree = models.ForeignKey(Decree, models.PROTECT, related_name="behaviours", verbose_name=_("nghị định"))
    code = models.CharField(_("mã hành vi"), max_length=60, unique=True)
    article = models.PositiveSmallIntegerField(_("điều"))
    clause = models.PositiveSmallIntegerField(_("khoản"))
    point = models.CharField(_("điểm"), max_length=4, blank=True)
    description = models.TextField(_("hành vi vi phạm"))
    description_folded = models.TextField(editable=False, blank=True)
    short_name = models.CharField(_("tên ngắn"), max_length=200)
    fine_field_code = models.CharField(_("lĩnh vực (mức phạt tối đa)"), max_length=40)
    stat_group = models.ForeignKey(
        StatGroup, models.PROTECT, related_name="behaviours", verbose_name=_("dòng thống kê")
    )
    subject = models.CharField(
        _("đối tượng"),
        max_length=12,
        choices=Subject.choices,
        blank=True,
        help_text=_("Để trống: cả cá nhân và tổ chức."),
    )
    warning_allowed = models.BooleanField(_("được phạt cảnh cáo"), default=False)
    fine_min = models.BigIntegerField(_("mức phạt tối thiểu (cá nhân, đồng)"))
    fine_max = models.BigIntegerField(_("mức phạt tối đa (cá nhân, đồng)"))
    # When the decree gives organisations their own range instead of the multiplier.
    organisation_fine_min = models.BigIntegerField(_("mức tối thiểu với tổ chức"), null=True, blank=True)
    organisation_fine_max = models.BigIntegerField(_("mức tối đa với tổ chức"), null=True, blank=True)
    suspension_min_months = models.PositiveSmallIntegerField(_("tước GPLX/giấy phép từ (tháng)"), null=True, blank=True)
    suspension_max_months = models.PositiveSmallIntegerField(_("đến (tháng)"), null=True, blank=True)
    licence_points = models.PositiveSmallIntegerField(_("trừ điểm GPLX"), null=True, blank=True)
    confiscation = models.CharField(_("tịch thu"), max_length=300, blank=True)
    additional_penalties = models.TextField(_("hình thức xử phạt bổ sung"), blank=True)
    remedial_measures = models.TextField(_("biện pháp khắc phục hậu quả"), blank=True)
    vehicle_related = models.BooleanField(_("liên quan phương tiện"), default=False)
    confidence = models.CharField(_("mức tin cậy của nguồn"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("hành vi vi phạm")
        verbose_name_plural = _("hành vi vi phạm")
        ordering = ["decree", "article", "clause", "point"]
        constraints = [
            models.CheckConstraint(condition=Q(fine_min__lte=models.F("fine_max")), name="behaviour_range_ok")
        ]

    def __str__(self):
        return f"{self.provision} — {self.short_name}"

    def save(self, *args, **kwargs):
        self.description_folded = fold(f"{self.short_name} {self.description}")
        super().save(*args, **kwargs)

    @property
    def provision(self) -> str:
        point = f"điểm {self.point} " if self.point else ""
        return f"{point}khoản {self.clause} Điều {self.article} Nghị định {self.decree.code}"


class FiningTitle(Validity):
    """A title with fining powers, as a share of the field's maximum (Nghị định 189/2025/NĐ-CP
    Art. 8 since 01/07/2025; before that, Luật XLVPHC Art. 39 with absolute caps)."""

    code = models.CharField(_("mã chức danh"), max_length=40)
    name = models.CharField(_("chức danh"), max_length=300)
    percent = models.DecimalField(_("tỷ lệ mức phạt tối đa (%)"), max_digits=5, decimal_places=2)
    cap_amount = models.BigIntegerField(_("mức trần tuyệt đối (đồng)"), null=True, blank=True)
    may_warn = models.BooleanField(_("phạt cảnh cáo"), default=True)
    may_suspend = models.BooleanField(_("tước giấy phép có thời hạn"), default=False)
    may_confiscate = models.BooleanField(_("tịch thu tang vật"), default=False)
    confiscate_multiple = models.PositiveSmallIntegerField(
        _("giới hạn tịch thu (lần mức phạt)"), null=True, blank=True, help_text=_("Để trống: không giới hạn.")
    )
    may_expel = models.BooleanField(_("trục xuất"), default=False)
    rank = models.PositiveSmallIntegerField(_("thứ bậc"), default=0)

    class Meta:
        verbose_name = _("chức danh có thẩm quyền xử phạt")
        verbose_name_plural = _("chức danh có thẩm quyền xử phạt")
        constraints = [models.UniqueConstraint(fields=["code", "valid_from"], name="finingtitle_code_from_uniq")]
        ordering = ["rank", "code", "-valid_from"]

    def __str__(self):
        return self.name


class OfficerFiningTitle(models.Model):
    """Which fining title an officer holds (by code: the title's rules follow its versions)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, models.CASCADE, related_name="fining_title")
    title_code = models.CharField(_("mã chức danh"), max_length=40)
    since = models.DateField(_("từ ngày"), null=True, blank=True)

    class Meta:
        verbose_name = _("thẩm quyền xử phạt của cán bộ")
        verbose_name_plural = _("thẩm quyền xử phạt của cán bộ")

    def __str__(self):
        return f"{self.user} — {self.title_code}"


class Circumstance(Validity):
    """A mitigating (Art. 9) or aggravating (Art. 10) circumstance of Luật XLVPHC."""

    class Kind(models.TextChoices):
        MITIGATING = "mitigating", _("Tình tiết giảm nhẹ")
        AGGRAVATING = "aggravating", _("Tình tiết tăng nặng")

    kind = models.CharField(_("loại"), max_length=12, choices=Kind.choices)
    code = models.CharField(_("mã"), max_length=20, unique=True)
    text = models.CharField(_("nội dung"), max_length=400)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("tình tiết")
        verbose_name_plural = _("tình tiết")
        ordering = ["kind", "order"]

    def __str__(self):
        return self.text


class LegalParameter(Validity):
    """A number the law sets (deadlines, limits, rates), by key and validity.

    Keys used by the code are listed in `violations.rules.PARAMETERS`.
    """

    key = models.CharField(_("khóa"), max_length=60)
    value = models.BigIntegerField(_("giá trị"))
    unit = models.CharField(_("đơn vị"), max_length=40)
    description = models.CharField(_("mô tả"), max_length=300)

    class Meta:
        verbose_name = _("tham số pháp lý")
        verbose_name_plural = _("tham số pháp lý")
        constraints = [models.UniqueConstraint(fields=["key", "valid_from"], name="legalparameter_key_from_uniq")]
        ordering = ["key", "-valid_from"]

    def __str__(self):
        return f"{self.key} = {self.value} {self.unit}"


# --- the files -------------------------------------------------------------------------------


class Source(models.TextChoices):
    APP = "app", _("Lập trên hệ thống")
    IMPORT = "import", _("Nhập từ tệp")


class ViolationImport(models.Model):
    """One upload of historical decisions (CSV/Excel); rows become `PenaltyDecision`s with
    `source=import`. The file's hash and each row's key make a re-import create nothing."""

    class Mode(models.TextChoices):
        ALL_OR_NOTHING = "all", _("Tất cả hoặc không")
        SKIP_BAD = "skip", _("Bỏ qua dòng lỗi")

    class State(models.TextChoices):
        PENDING = "pending", _("Đang chờ")
        RUNNING = "running", _("Đang nhập")
        DONE = "done", _("Hoàn thành")
        REJECTED = "rejected", _("Không nhập (có lỗi)")
        FAILED = "failed", _("Lỗi hệ thống")

    unit = models.ForeignKey(Unit, models.PROTECT, related_name="+", verbose_name=_("đơn vị"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    file_name = models.CharField(_("tên tệp"), max_length=255)
    file_sha256 = models.CharField(max_length=64, db_index=True)
    file_path = models.CharField(max_length=500, blank=True)
    mode = models.CharField(_("cách nhập"), max_length=4, choices=Mode.choices)
    state = models.CharField(_("trạng thái"), max_length=10, choices=State.choices, default=State.PENDING)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_rows = models.PositiveIntegerField(default=0)
    duplicate_rows = models.PositiveIntegerField(default=0)
    error_rows = models.PositiveIntegerField(default=0)
    errors = models.JSONField(_("lỗi theo dòng"), default=list, blank=True)
    message = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = _("lần nhập dữ liệu vi phạm")
        verbose_name_plural = _("lần nhập dữ liệu vi phạm")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.file_name} ({self.get_state_display()})"


class ViolationCase(models.Model):
    """A case (vụ việc): one event, which may have several violators and so several records
    and decisions. The statistics count cases, decisions and violators separately."""

    code = models.CharField(_("mã vụ việc"), max_length=60, unique=True)
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="violation_cases", verbose_name=_("đơn vị"))
    occurred_on = models.DateField(_("ngày xảy ra"))
    area = models.ForeignKey(AdminArea, models.PROTECT, null=True, blank=True, related_name="+")
    summary = models.CharField(_("tóm tắt"), max_length=300, blank=True)
    source = models.CharField(max_length=6, choices=Source.choices, default=Source.APP)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("vụ việc")
        verbose_name_plural = _("vụ việc")

    def __str__(self):
        return self.code


class ViolatorFields(models.Model):
    """The violator, person or organisation (abstract; personal data: masked in lists, every
    full read by staff logged)."""

    violator_kind = models.CharField(
        _("đối tượng vi phạm"), max_length=12, choices=Subject.choices, default=Subject.PERSON
    )
    violator_name = models.CharField(_("họ và tên / tên tổ chức"), max_length=200)
    violator_name_folded = models.CharField(max_length=200, editable=False, db_index=True)
    violator_id_number = models.CharField(
        _("số định danh cá nhân / hộ chiếu"), max_length=20, blank=True, db_index=True
    )
    violator_tax_code = models.CharField(_("mã số thuế / mã số doanh nghiệp"), max_length=14, blank=True, db_index=True)
    violator_birth_date = models.DateField(_("ngày sinh"), null=True, blank=True)
    violator_nationality = models.CharField(_("quốc tịch"), max_length=60, blank=True, default="Việt Nam")
    violator_occupation = models.CharField(_("nghề nghiệp"), max_length=120, blank=True)
    violator_address = models.CharField(_("nơi ở / trụ sở"), max_length=300, blank=True)
    violator_phone = models.CharField(_("số điện thoại"), max_length=20, blank=True)
    violator_representative = models.CharField(_("người đại diện theo pháp luật"), max_length=200, blank=True)
    violator_representative_title = models.CharField(_("chức vụ người đại diện"), max_length=120, blank=True)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.violator_name_folded = fold(self.violator_name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "violator_name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "violator_name_folded"}
        super().save(*args, **kwargs)

    @property
    def violator_key(self) -> str:
        """Who the violator is, for counting distinct violators: ID number, tax code, or
        folded name + date of birth when neither was given."""
        if self.violator_kind == Subject.ORGANISATION and self.violator_tax_code:
            return f"tax:{self.violator_tax_code}"
        if self.violator_id_number:
            return f"id:{self.violator_id_number}"
        return f"name:{fold(self.violator_name)}|{self.violator_birth_date or ''}"


class VehicleKind(models.TextChoices):
    CAR = "car", _("Ô tô")
    MOTORBIKE = "motorbike", _("Mô tô, xe gắn máy")
    SPECIALISED = "specialised", _("Xe máy chuyên dùng")
    BICYCLE = "bicycle", _("Xe thô sơ")
    BOAT = "boat", _("Phương tiện thủy")
    OTHER = "other", _("Khác")


class ViolationRecord(ViolatorFields):
    """A violation record (biên bản vi phạm hành chính, Luật XLVPHC Art. 58).

    `violated_at` decides which rules apply; `decision_due_on` is the last day to decide
    (7 working days, 1 month when the violator asks to explain or the case is complex,
    2 months at most: Art. 66(1)), computed from `LegalParameter`s at creation.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("Chờ ra quyết định")
        TRANSFERRED = "transferred", _("Đã chuyển người có thẩm quyền")
        DECIDED = "decided", _("Đã ra quyết định")
        CLOSED = "closed", _("Không ra quyết định")

    number = models.CharField(_("số biên bản"), max_length=40, unique=True)
    seq = models.PositiveIntegerField(editable=False)
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="violation_records", verbose_name=_("đơn vị lập"))
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("người lập"))
    officer_title = models.CharField(_("chức vụ người lập"), max_length=120, blank=True)
    case = models.ForeignKey(ViolationCase, models.PROTECT, related_name="records", verbose_name=_("vụ việc"))
    made_at = models.DateTimeField(_("thời điểm lập"))
    violated_at = models.DateTimeField(_("thời điểm vi phạm"))
    area = models.ForeignKey(
        AdminArea, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("xã, phường")
    )
    address = models.CharField(_("địa điểm vi phạm"), max_length=300)
    latitude = models.DecimalField(_("vĩ độ"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("kinh độ"), max_digits=9, decimal_places=6, null=True, blank=True)
    vehicle_kind = models.CharField(_("loại phương tiện"), max_length=12, choices=VehicleKind.choices, blank=True)
    plate = models.CharField(_("biển số (chuẩn hóa)"), max_length=16, blank=True, db_index=True)
    plate_display = models.CharField(_("biển số"), max_length=20, blank=True)
    behaviours = models.ManyToManyField(Behaviour, through="RecordBehaviour", related_name="records")
    witnesses = models.JSONField(_("người chứng kiến"), default=list, blank=True)
    statement = models.TextField(_("ý kiến trình bày của người vi phạm"), blank=True)
    victim_statement = models.TextField(_("ý kiến của người bị thiệt hại"), blank=True)
    preventive_measures = models.TextField(_("biện pháp ngăn chặn đã áp dụng"), blank=True)
    explanation_requested = models.BooleanField(_("người vi phạm yêu cầu giải trình"), default=False)
    complex_case = models.BooleanField(_("vụ việc phức tạp"), default=False)
    refused_to_sign = models.BooleanField(_("người vi phạm không ký"), default=False)
    status = models.CharField(
        _("trạng thái"), max_length=12, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    decision_due_on = models.DateField(_("hạn ra quyết định"), db_index=True)
    transferred_to = models.ForeignKey(Unit, models.PROTECT, null=True, blank=True, related_name="+")
    transferred_at = models.DateTimeField(null=True, blank=True)
    closed_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    row_version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("biên bản vi phạm hành chính")
        verbose_name_plural = _("biên bản vi phạm hành chính")
        ordering = ["-made_at"]
        indexes = [models.Index(fields=["unit", "status", "decision_due_on"], name="record_unit_status_due")]

    def __str__(self):
        return f"Biên bản số {self.number}"


class RecordBehaviour(models.Model):
    """A behaviour written in a record."""

    record = models.ForeignKey(ViolationRecord, models.CASCADE, related_name="record_behaviours")
    behaviour = models.ForeignKey(Behaviour, models.PROTECT, related_name="+")
    note = models.CharField(_("mô tả cụ thể"), max_length=500, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["record", "behaviour"], name="recordbehaviour_uniq")]

    def __str__(self):
        return f"{self.record_id}: {self.behaviour_id}"


class DecisionStatus(models.TextChoices):
    UNPAID = "unpaid", _("Chưa nộp phạt")
    PARTLY_PAID = "partly_paid", _("Đã nộp một phần")
    PAID = "paid", _("Đã nộp phạt")
    LATE = "late", _("Quá hạn nộp phạt")
    ENFORCED = "enforced", _("Cưỡng chế thi hành")
    APPEALED = "appealed", _("Đang khiếu nại, khởi kiện")
    CANCELLED = "cancelled", _("Đã hủy")
    WARNING = "warning", _("Phạt cảnh cáo (không nộp tiền)")


class PenaltyDecision(ViolatorFields):
    """A penalty decision (quyết định xử phạt vi phạm hành chính).

    It snapshots the issuer's title and its power (`issuer_percent`, `issuer_limit`) and,
    per line, the behaviour's range as it stood on the day of the violation, so that a later
    change of the law never changes an issued decision. `unit_path`, `stat_group`,
    `seized_count` and `suspension_count` are denormalised so that the yearly statistics
    table is one GROUP BY over a covering index.
    """

    class Kind(models.TextChoices):
        WITH_RECORD = "record", _("Có lập biên bản")
        ON_THE_SPOT = "spot", _("Xử phạt không lập biên bản")
        IMPORTED = "imported", _("Dữ liệu nhập")

    number = models.CharField(_("số quyết định"), max_length=40, unique=True)
    seq = models.PositiveIntegerField(editable=False, default=0)
    token = models.CharField(max_length=40, unique=True, default=new_token, editable=False)
    payment_reference = models.CharField(_("mã thanh toán"), max_length=25, unique=True)
    kind = models.CharField(_("loại"), max_length=10, choices=Kind.choices)
    source = models.CharField(max_length=6, choices=Source.choices, default=Source.APP)
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="penalty_decisions", verbose_name=_("đơn vị"))
    unit_path = models.CharField(max_length=255, editable=False)
    case = models.ForeignKey(ViolationCase, models.PROTECT, related_name="decisions", verbose_name=_("vụ việc"))
    records = models.ManyToManyField(ViolationRecord, blank=True, related_name="decisions")
    issuer = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    issuer_name = models.CharField(_("người ra quyết định"), max_length=150, blank=True)
    issuer_title_code = models.CharField(max_length=40, blank=True)
    issuer_title_name = models.CharField(_("chức vụ"), max_length=300, blank=True)
    issuer_percent = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    issuer_limit = models.BigIntegerField(_("thẩm quyền phạt tiền tối đa (đồng)"), null=True, blank=True)
    violated_at = models.DateTimeField(_("thời điểm vi phạm"))
    issued_at = models.DateTimeField(_("thời điểm ra quyết định"))
    issued_on = models.DateField(_("ngày ra quyết định"))
    address = models.CharField(_("địa điểm vi phạm"), max_length=300, blank=True)
    area = models.ForeignKey(AdminArea, models.PROTECT, null=True, blank=True, related_name="+")
    vehicle_kind = models.CharField(max_length=12, choices=VehicleKind.choices, blank=True)
    plate = models.CharField(_("biển số (chuẩn hóa)"), max_length=16, blank=True)
    plate_display = models.CharField(_("biển số"), max_length=20, blank=True)
    stat_group = models.ForeignKey(StatGroup, models.PROTECT, related_name="decisions", verbose_name=_("dòng thống kê"))
    warning_only = models.BooleanField(_("phạt cảnh cáo"), default=False)
    # Art. 79: paying in instalments needs the issuer's approval; without it a payment must
    # cover everything due.
    instalments_allowed = models.BooleanField(_("cho phép nộp nhiều lần"), default=False)
    total_fine = models.BigIntegerField(_("tổng tiền phạt (đồng)"), default=0)
    amount_paid = models.BigIntegerField(_("đã nộp tiền phạt (đồng)"), default=0)
    surcharge_paid = models.BigIntegerField(_("đã nộp tiền chậm nộp (đồng)"), default=0)
    seized_count = models.PositiveIntegerField(_("tang vật, phương tiện tạm giữ"), default=0)
    suspension_count = models.PositiveIntegerField(_("giấy phép bị tước"), default=0)
    violator_count = models.PositiveIntegerField(_("số đối tượng"), default=1)
    remedial_measures = models.TextField(_("biện pháp khắc phục hậu quả"), blank=True)
    delivered_on = models.DateField(_("ngày giao quyết định"), null=True, blank=True)
    payment_due_on = models.DateField(_("hạn nộp phạt"), null=True, blank=True, db_index=True)
    paid_on = models.DateField(_("ngày nộp đủ"), null=True, blank=True)
    status = models.CharField(_("trạng thái"), max_length=12, choices=DecisionStatus.choices, db_index=True)
    status_note = models.CharField(max_length=300, blank=True)
    import_batch = models.ForeignKey(ViolationImport, models.PROTECT, null=True, blank=True, related_name="decisions")
    external_ref = models.CharField(_("mã dòng nhập"), max_length=80, blank=True)
    # The client's Idempotency-Key: a retried request returns the decision already issued.
    idempotency_key = models.CharField(max_length=100, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    row_version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("quyết định xử phạt")
        verbose_name_plural = _("quyết định xử phạt")
        ordering = ["-issued_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "external_ref"], condition=~Q(external_ref=""), name="decision_import_ref_uniq"
            ),
            models.UniqueConstraint(
                fields=["unit", "idempotency_key"], condition=~Q(idempotency_key=""), name="decision_idem_key_uniq"
            ),
        ]
        indexes = [
            # The statistics table: one year, a unit subtree, grouped by row; cancelled decisions
            # are not counted, so the index leaves them out and covers every column read
            # (PostgreSQL answers with an index-only scan).
            models.Index(
                fields=["issued_on", "unit_path", "stat_group"],
                name="decision_stats_idx",
                include=["id", "case", "total_fine", "amount_paid", "seized_count", "suspension_count"],
                condition=~Q(status="cancelled"),
            ),
            models.Index(fields=["plate", "status"], name="decision_plate_status"),
            models.Index(fields=["unit", "status", "payment_due_on"], name="decision_unit_status_due"),
        ]

    def __str__(self):
        return f"Quyết định số {self.number}"

    @property
    def amount_due(self) -> int:
        return max(self.total_fine - self.amount_paid, 0)


class DecisionViolator(models.Model):
    """One violator of a decision, by key, for the count of distinct violators (a person fined
    twice counts once). App decisions have one; imported rows may carry several."""

    decision = models.ForeignKey(PenaltyDecision, models.CASCADE, related_name="violators")
    violator_key = models.CharField(max_length=220)
    kind = models.CharField(max_length=12, choices=Subject.choices, default=Subject.PERSON)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["decision", "violator_key"], name="decisionviolator_uniq")]
        indexes = [models.Index(fields=["violator_key"], name="decisionviolator_key")]

    def __str__(self):
        return self.violator_key


class DecisionLine(models.Model):
    """The fine for one behaviour of a decision, with the range and circumstances it was
    fixed by (Nghị định 118/2021/NĐ-CP Art. 9(1))."""

    decision = models.ForeignKey(PenaltyDecision, models.CASCADE, related_name="lines")
    behaviour = models.ForeignKey(Behaviour, models.PROTECT, null=True, blank=True, related_name="+")
    stat_group = models.ForeignKey(StatGroup, models.PROTECT, related_name="+")
    provision = models.CharField(_("quy định tại"), max_length=300, blank=True)
    description = models.TextField(_("hành vi"), blank=True)
    fine_min = models.BigIntegerField(default=0)
    fine_max = models.BigIntegerField(default=0)
    mitigating = models.JSONField(_("tình tiết giảm nhẹ"), default=list, blank=True)
    aggravating = models.JSONField(_("tình tiết tăng nặng"), default=list, blank=True)
    warning = models.BooleanField(_("cảnh cáo"), default=False)
    amount = models.BigIntegerField(_("mức phạt (đồng)"), default=0)
    suspension_months = models.PositiveSmallIntegerField(null=True, blank=True)
    licence_points = models.PositiveSmallIntegerField(null=True, blank=True)
    confiscation = models.CharField(max_length=300, blank=True)
    remedial_measures = models.TextField(blank=True)

    class Meta:
        ordering = ["decision", "id"]

    def __str__(self):
        return self.provision or self.description[:60]


class DecisionEvent(models.Model):
    """An immutable step in a decision's life (issued, delivered, paid, appealed...)."""

    decision = models.ForeignKey(PenaltyDecision, models.CASCADE, related_name="events")
    at = models.DateTimeField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    action = models.CharField(max_length=30)
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12, blank=True)
    note = models.CharField(max_length=500, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.action} {self.at:%d/%m/%Y %H:%M}"


class TreasuryStatement(models.Model):
    """An imported statement of the State Treasury's (or the collecting bank's) account."""

    file_name = models.CharField(max_length=255)
    file_sha256 = models.CharField(max_length=64, unique=True)
    imported_at = models.DateTimeField(auto_now_add=True)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    line_count = models.PositiveIntegerField(default=0)
    matched_count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("sao kê Kho bạc")
        verbose_name_plural = _("sao kê Kho bạc")
        ordering = ["-imported_at"]

    def __str__(self):
        return self.file_name


class TreasuryStatementLine(models.Model):
    class Result(models.TextChoices):
        MATCHED = "matched", _("Khớp, đã ghi nhận")
        ALREADY = "already", _("Đã ghi nhận trước đó")
        MISMATCH = "mismatch", _("Sai số tiền")
        UNKNOWN = "unknown", _("Không tìm thấy quyết định")

    statement = models.ForeignKey(TreasuryStatement, models.CASCADE, related_name="lines")
    line_no = models.PositiveIntegerField()
    transaction_ref = models.CharField(max_length=80)
    value_date = models.DateField()
    amount = models.BigIntegerField()
    description = models.CharField(max_length=500, blank=True)
    decision = models.ForeignKey(PenaltyDecision, models.PROTECT, null=True, blank=True, related_name="+")
    result = models.CharField(max_length=10, choices=Result.choices)
    message = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["statement", "line_no"]

    def __str__(self):
        return f"{self.line_no}: {self.transaction_ref}"


class FinePayment(models.Model):
    """Money received for a decision: fine and late-payment surcharge (Art. 78)."""

    class Channel(models.TextChoices):
        COUNTER = "counter", _("Nộp tại quầy")
        TRANSFER = "transfer", _("Chuyển khoản (VietQR)")
        TREASURY = "treasury", _("Đối soát Kho bạc")
        IMPORT = "import", _("Dữ liệu nhập")

    decision = models.ForeignKey(PenaltyDecision, models.PROTECT, related_name="payments")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    amount = models.BigIntegerField(_("số tiền (đồng)"))
    fine_part = models.BigIntegerField(_("tiền phạt"))
    surcharge_part = models.BigIntegerField(_("tiền chậm nộp"), default=0)
    received_at = models.DateTimeField(_("thời điểm nhận"))
    receipt_number = models.CharField(_("số biên lai"), max_length=40, blank=True)
    transaction_id = models.CharField(_("mã giao dịch"), max_length=80, blank=True)
    payer_name = models.CharField(_("người nộp"), max_length=200, blank=True)
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    statement_line = models.ForeignKey(TreasuryStatementLine, models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("khoản nộp phạt")
        verbose_name_plural = _("khoản nộp phạt")
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "transaction_id"], condition=~Q(transaction_id=""), name="finepayment_txn_uniq"
            ),
        ]

    def __str__(self):
        return f"{self.amount} ({self.get_channel_display()})"


class PaymentCallback(models.Model):
    """Every confirmation the payment provider sent, accepted or not (the evidence trail)."""

    received_at = models.DateTimeField(auto_now_add=True)
    transaction_id = models.CharField(max_length=80, blank=True)
    payment_reference = models.CharField(max_length=25, blank=True)
    amount = models.BigIntegerField(null=True, blank=True)
    signature_ok = models.BooleanField(default=False)
    result = models.CharField(max_length=20)
    message = models.CharField(max_length=300, blank=True)
    payment = models.ForeignKey(FinePayment, models.SET_NULL, null=True, blank=True, related_name="+")
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]

    def __str__(self):
        return f"{self.transaction_id} {self.result}"


class SeizedItem(models.Model):
    """An item or document held in custody (tạm giữ tang vật, phương tiện, giấy tờ: Luật XLVPHC
    Art. 125). `hold_until` is the legal holding time from the day of seizure."""

    class Kind(models.TextChoices):
        VEHICLE = "vehicle", _("Phương tiện")
        LICENCE = "licence", _("Giấy phép lái xe, giấy phép")
        DOCUMENT = "document", _("Giấy tờ khác")
        GOODS = "goods", _("Tang vật, hàng hóa")
        MONEY = "money", _("Tiền")
        WEAPON = "weapon", _("Vũ khí, công cụ hỗ trợ")
        OTHER = "other", _("Khác")

    class Status(models.TextChoices):
        HELD = "held", _("Đang tạm giữ")
        RELEASED = "released", _("Đã trả lại")
        CONFISCATED = "confiscated", _("Đã tịch thu")
        HANDED_OVER = "handed_over", _("Đã chuyển giao")

    unit = models.ForeignKey(Unit, models.PROTECT, related_name="seized_items", verbose_name=_("đơn vị"))
    record = models.ForeignKey(ViolationRecord, models.PROTECT, null=True, blank=True, related_name="seized_items")
    decision = models.ForeignKey(PenaltyDecision, models.PROTECT, null=True, blank=True, related_name="seized_items")
    kind = models.CharField(_("loại"), max_length=12, choices=Kind.choices)
    description = models.CharField(_("tên, đặc điểm"), max_length=300)
    quantity = models.PositiveIntegerField(_("số lượng"), default=1)
    measure = models.CharField(_("đơn vị tính"), max_length=30, default="chiếc")
    plate = models.CharField(_("biển số"), max_length=16, blank=True)
    storage_place = models.CharField(_("nơi lưu giữ"), max_length=300)
    seized_at = models.DateTimeField(_("thời điểm tạm giữ"))
    seized_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("người tạm giữ")
    )
    hold_until = models.DateField(_("hạn tạm giữ"), db_index=True)
    status = models.CharField(
        _("trạng thái"), max_length=12, choices=Status.choices, default=Status.HELD, db_index=True
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    close_reason = models.CharField(_("lý do"), max_length=300, blank=True)
    receiver_name = models.CharField(_("người nhận lại"), max_length=200, blank=True)
    overdue_alerted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("tang vật, phương tiện tạm giữ")
        verbose_name_plural = _("tang vật, phương tiện tạm giữ")
        ordering = ["-seized_at"]

    def __str__(self):
        return self.description


class LicenceSuspension(models.Model):
    """A suspended driving licence or permit (tước quyền sử dụng có thời hạn, Art. 25)."""

    class Kind(models.TextChoices):
        DRIVING = "driving", _("Giấy phép lái xe")
        PERMIT = "permit", _("Giấy phép, chứng chỉ hành nghề")
        CERTIFICATE = "certificate", _("Giấy chứng nhận đủ điều kiện về ANTT")

    unit = models.ForeignKey(Unit, models.PROTECT, related_name="licence_suspensions", verbose_name=_("đơn vị"))
    decision = models.ForeignKey(PenaltyDecision, models.PROTECT, related_name="suspensions")
    kind = models.CharField(_("loại giấy phép"), max_length=12, choices=Kind.choices)
    licence_number = models.CharField(_("số giấy phép"), max_length=40, db_index=True)
    licence_class = models.CharField(_("hạng"), max_length=20, blank=True)
    holder_name = models.CharField(_("người được cấp"), max_length=200)
    holder_id_number = models.CharField(_("số định danh"), max_length=20, blank=True)
    months = models.PositiveSmallIntegerField(_("số tháng"))
    starts_on = models.DateField(_("từ ngày"))
    ends_on = models.DateField(_("đến hết ngày"), db_index=True)
    cancelled = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("giấy phép bị tước quyền sử dụng")
        verbose_name_plural = _("giấy phép bị tước quyền sử dụng")
        ordering = ["-starts_on"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.licence_number}"
