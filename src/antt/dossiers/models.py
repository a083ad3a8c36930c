"""The one-stop shop (một cửa): dossiers from intake to result.

A `Dossier` is one application for one procedure, received at a counter or
submitted online. It keeps the procedure version that was in force when it was
received (the rules it is judged by), the applicant, the documents handed in,
its legal deadline and where it is in its internal steps. Its status follows the
national public-service portal's status list so that it can be synchronised.

Every change goes through `dossiers.services` (one function per transition, the
allowed transitions in `dossiers.workflow`); each change leaves a `DossierEvent`
row (the history the control slip, Mẫu 06, is printed from) and an audit entry.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from antt.catalog.models import Field, Level, Procedure, ProcedureVersion, RequiredDocument
from antt.core.text import fold
from antt.org.models import AdminArea, Role, Unit


def new_token() -> str:
    """An unguessable per-dossier secret for the receipt's QR code (never personal data)."""
    return secrets.token_urlsafe(24)


class Status(models.TextChoices):
    """Dossier status, in the order of the national portal's list (its code in `PORTAL_CODES`)."""

    NEW_ONLINE = "new_online", _("Mới đăng ký")
    RECEIVED = "received", _("Được tiếp nhận")
    NOT_RECEIVED = "not_received", _("Không được tiếp nhận")
    PROCESSING = "processing", _("Đang xử lý")
    SUPPLEMENT_REQUESTED = "supplement", _("Yêu cầu bổ sung giấy tờ")
    FEE_REQUESTED = "fee_requested", _("Yêu cầu thực hiện nghĩa vụ tài chính")
    WITHDRAWN = "withdrawn", _("Công dân yêu cầu rút hồ sơ")
    STOPPED = "stopped", _("Dừng xử lý")
    PROCESSED = "processed", _("Đã xử lý xong")
    RETURNED = "returned", _("Đã trả kết quả")


# The national portal's status codes (legal-facts.md §1.3: HoSoEventUtils of the Thanh Hóa system).
PORTAL_CODES = {
    Status.NEW_ONLINE: 1,
    Status.RECEIVED: 2,
    Status.NOT_RECEIVED: 3,
    Status.PROCESSING: 4,
    Status.SUPPLEMENT_REQUESTED: 5,
    Status.FEE_REQUESTED: 6,
    Status.WITHDRAWN: 7,
    Status.STOPPED: 8,
    Status.PROCESSED: 9,
    Status.RETURNED: 10,
}

# Statuses in which the dossier is still with the administration (its clock may run).
OPEN_STATUSES = (
    Status.NEW_ONLINE,
    Status.RECEIVED,
    Status.PROCESSING,
    Status.SUPPLEMENT_REQUESTED,
    Status.FEE_REQUESTED,
    Status.PROCESSED,
)
CLOSED_STATUSES = (Status.NOT_RECEIVED, Status.WITHDRAWN, Status.STOPPED, Status.RETURNED)


class Channel(models.TextChoices):
    COUNTER = "counter", _("Trực tiếp tại bộ phận một cửa")
    ONLINE = "online", _("Trực tuyến")
    POST = "post", _("Dịch vụ bưu chính công ích")


class Delivery(models.TextChoices):
    """How the applicant receives the result."""

    COUNTER = "counter", _("Nhận trực tiếp tại bộ phận một cửa")
    POST = "post", _("Nhận qua dịch vụ bưu chính")
    ONLINE = "online", _("Nhận kết quả điện tử (trực tuyến)")


class ApplicantKind(models.TextChoices):
    PERSON = "person", _("Cá nhân")
    ORGANISATION = "organisation", _("Tổ chức, doanh nghiệp")


class Timeliness(models.TextChoices):
    """Early / on time / late, comparing the completion DATE with the due DATE (legal-facts §1.3)."""

    EARLY = "early", _("Trước hạn")
    ON_TIME = "on_time", _("Đúng hạn")
    LATE = "late", _("Quá hạn")


class Dossier(models.Model):
    """One application (hồ sơ) for one procedure, from intake to result.

    `unit` is the unit that handles the dossier (and whose officers see it);
    `receiving_unit` is the one-stop desk that received it and returns the
    result (often the same unit). `due_at` is the appointment for the result; it
    moves only when the clock is paused for a supplement or an apology sets a new
    date (`original_due_at` keeps the first one). `row_version` makes two
    officers acting at once on the same dossier conflict instead of both winning.
    """

    code = models.CharField(_("mã hồ sơ"), max_length=60, unique=True)
    token = models.CharField(max_length=40, unique=True, default=new_token, editable=False)
    procedure_version = models.ForeignKey(
        ProcedureVersion, models.PROTECT, related_name="dossiers", verbose_name=_("phiên bản thủ tục")
    )
    # Denormalised from the version, for the statistics' GROUP BY without joins.
    procedure = models.ForeignKey(Procedure, models.PROTECT, related_name="dossiers", verbose_name=_("thủ tục"))
    field = models.ForeignKey(Field, models.PROTECT, related_name="dossiers", verbose_name=_("lĩnh vực"))
    level = models.CharField(_("cấp thực hiện"), max_length=10, choices=Level.choices)
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="dossiers", verbose_name=_("đơn vị giải quyết"))
    receiving_unit = models.ForeignKey(
        Unit, models.PROTECT, related_name="received_dossiers", verbose_name=_("đơn vị tiếp nhận")
    )
    status = models.CharField(_("trạng thái"), max_length=20, choices=Status.choices, db_index=True)
    channel = models.CharField(_("hình thức nộp"), max_length=10, choices=Channel.choices)
    delivery = models.CharField(_("hình thức nhận kết quả"), max_length=10, choices=Delivery.choices)

    # Applicant (chủ hồ sơ). Personal data: shown in full only on the detail page, to officers
    # of the unit whose role allows it, and every such read is logged.
    applicant_kind = models.CharField(_("loại chủ hồ sơ"), max_length=12, choices=ApplicantKind.choices)
    applicant_name = models.CharField(_("họ và tên / tên tổ chức"), max_length=200)
    applicant_name_folded = models.CharField(max_length=200, editable=False, db_index=True)
    applicant_id_number = models.CharField(_("số định danh cá nhân / mã số doanh nghiệp"), max_length=20, blank=True)
    applicant_birth_date = models.DateField(_("ngày sinh"), null=True, blank=True)
    applicant_phone = models.CharField(_("số điện thoại"), max_length=20)
    applicant_email = models.EmailField(_("thư điện tử"), blank=True)
    applicant_area = models.ForeignKey(
        AdminArea, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("xã, phường")
    )
    applicant_address = models.CharField(_("địa chỉ chi tiết"), max_length=255, blank=True)
    representative_name = models.CharField(_("người đại diện / người nộp thay"), max_length=200, blank=True)
    form_data = models.JSONField(_("nội dung tờ khai"), default=dict, blank=True)

    # Clock.
    submitted_at = models.DateTimeField(_("thời điểm nộp"))
    received_at = models.DateTimeField(_("thời điểm tiếp nhận"), null=True, blank=True)
    due_at = models.DateTimeField(_("hẹn trả kết quả"), null=True, blank=True, db_index=True)
    original_due_at = models.DateTimeField(_("hẹn trả ban đầu"), null=True, blank=True)
    clock_paused_at = models.DateTimeField(_("tạm dừng tính thời gian từ"), null=True, blank=True)
    completed_at = models.DateTimeField(_("thời điểm xử lý xong"), null=True, blank=True)
    returned_at = models.DateTimeField(_("thời điểm trả kết quả"), null=True, blank=True)
    closed_at = models.DateTimeField(_("thời điểm kết thúc"), null=True, blank=True)
    timeliness = models.CharField(_("kết quả về thời hạn"), max_length=10, choices=Timeliness.choices, blank=True)
    legal_working_days = models.DecimalField(
        _("thời hạn theo quy định (ngày làm việc)"), max_digits=6, decimal_places=2, null=True, blank=True
    )

    # Fees (whole đồng).
    fee_amount = models.PositiveBigIntegerField(_("phí, lệ phí (đồng)"), default=0)
    fee_paid_at = models.DateTimeField(_("thời điểm nộp phí"), null=True, blank=True)
    fee_paid_online = models.BooleanField(_("nộp phí trực tuyến"), default=False)
    fee_receipt_ref = models.CharField(_("số biên lai / mã giao dịch"), max_length=100, blank=True)

    # Work in progress.
    current_step = models.ForeignKey(
        "DossierStep", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("bước hiện tại")
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_dossiers",
        verbose_name=_("cán bộ đang xử lý"),
    )
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cán bộ tiếp nhận"),
    )
    status_before_pause = models.CharField(max_length=20, choices=Status.choices, blank=True)
    reasons = models.TextField(_("lý do (từ chối, dừng, bổ sung)"), blank=True)

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    idempotency_key = models.CharField(max_length=100, null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    row_version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("hồ sơ")
        verbose_name_plural = _("hồ sơ")
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["created_by", "idempotency_key"],
                condition=models.Q(idempotency_key__isnull=False),
                name="dossier_idempotency_uniq",
            ),
        ]
        indexes = [
            # Work lists: a unit's open dossiers by status and deadline.
            models.Index(fields=["unit", "status", "due_at"], name="dossier_unit_status_due_idx"),
            models.Index(fields=["receiving_unit", "status", "due_at"], name="dossier_recv_status_due_idx"),
            models.Index(fields=["assignee", "status"], name="dossier_assignee_status_idx"),
            # Statistics: period scans by submission date, grouped by unit/procedure/field.
            models.Index(
                fields=["submitted_at", "unit", "procedure", "status", "timeliness", "channel"],
                name="dossier_stats_idx",
            ),
        ]

    def __str__(self):
        return self.code

    def save(self, *args, **kwargs):
        self.applicant_name_folded = fold(self.applicant_name)
        super().save(*args, **kwargs)

    @property
    def portal_code(self) -> int:
        return PORTAL_CODES[self.status]

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def clock_running(self) -> bool:
        return self.received_at is not None and self.clock_paused_at is None and self.status in OPEN_STATUSES


class DossierDocument(models.Model):
    """A document of the dossier: the checklist row (what was handed in) and/or an uploaded file.

    Files are kept byte for byte (`sha256` of the stored bytes). A re-upload for a
    supplement adds a row with the next `round`; nothing is overwritten.
    """

    dossier = models.ForeignKey(Dossier, models.CASCADE, related_name="documents")
    required_document = models.ForeignKey(
        RequiredDocument, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("thành phần")
    )
    name = models.CharField(_("tên giấy tờ"), max_length=500)
    originals = models.PositiveSmallIntegerField(_("bản chính"), default=0)
    certified_copies = models.PositiveSmallIntegerField(_("bản chứng thực"), default=0)
    copies = models.PositiveSmallIntegerField(_("bản photo"), default=0)
    file = models.FileField(_("tệp"), max_length=255, blank=True)
    original_name = models.CharField(_("tên tệp gốc"), max_length=200, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    round = models.PositiveSmallIntegerField(_("lần nộp"), default=1)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("thành phần hồ sơ đã nộp")
        verbose_name_plural = _("thành phần hồ sơ đã nộp")
        ordering = ["dossier", "round", "id"]
        # "Dossiers with digitised documents" (QĐ 766 digitisation group) probes only rows with a file.
        indexes = [
            models.Index(fields=["dossier"], condition=~models.Q(file=""), name="dossierdoc_with_file_idx"),
        ]

    def __str__(self):
        return self.name


class StepState(models.TextChoices):
    PENDING = "pending", _("Chưa đến")
    ACTIVE = "active", _("Đang thực hiện")
    DONE = "done", _("Đã xong")
    SKIPPED = "skipped", _("Bỏ qua")


class DossierStep(models.Model):
    """One internal step of a dossier, copied from the procedure version's process at receipt.

    Each step has its own budget in working hours; `due_at` is set when it starts.
    """

    dossier = models.ForeignKey(Dossier, models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField(_("thứ tự"))
    name = models.CharField(_("nội dung bước"), max_length=300)
    role = models.CharField(_("vai trò thực hiện"), max_length=20, choices=Role.choices, blank=True)
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="+", verbose_name=_("đơn vị thực hiện"))
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("cán bộ")
    )
    budget_hours = models.DecimalField(_("thời gian (giờ làm việc)"), max_digits=8, decimal_places=2)
    state = models.CharField(_("tình trạng"), max_length=10, choices=StepState.choices, default=StepState.PENDING)
    started_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    timeliness = models.CharField(max_length=10, choices=Timeliness.choices, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        verbose_name = _("bước xử lý")
        verbose_name_plural = _("bước xử lý")
        ordering = ["dossier", "order"]
        constraints = [models.UniqueConstraint(fields=["dossier", "order"], name="dossierstep_order_uniq")]
        indexes = [models.Index(fields=["state", "due_at"], name="dossierstep_state_due_idx")]

    def __str__(self):
        return f"{self.order}. {self.name}"


class DossierEvent(models.Model):
    """An immutable history row: one transition or hand-over of a dossier.

    The control slip (Mẫu 06) is printed from these rows: who handed the dossier
    to whom, when, and whether that step finished early, on time or late.
    """

    dossier = models.ForeignKey(Dossier, models.CASCADE, related_name="events")
    at = models.DateTimeField(_("thời điểm"))
    action = models.CharField(_("thao tác"), max_length=30)
    from_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    actor_name = models.CharField(_("người thực hiện"), max_length=150, blank=True)
    from_unit = models.ForeignKey(Unit, models.SET_NULL, null=True, blank=True, related_name="+")
    to_unit = models.ForeignKey(Unit, models.SET_NULL, null=True, blank=True, related_name="+")
    to_user = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    step = models.ForeignKey(DossierStep, models.SET_NULL, null=True, blank=True, related_name="events")
    step_timeliness = models.CharField(max_length=10, choices=Timeliness.choices, blank=True)
    note = models.TextField(_("ghi chú"), blank=True)
    public = models.BooleanField(
        _("hiện khi tra cứu"), default=True, help_text=_("Hiện trong dòng thời gian tra cứu công khai.")
    )

    class Meta:
        verbose_name = _("lịch sử hồ sơ")
        verbose_name_plural = _("lịch sử hồ sơ")
        ordering = ["dossier", "at", "id"]
        # The timeline of one dossier, in order (public lookup, detail page, control slip).
        indexes = [models.Index(fields=["dossier", "at", "id"], name="dossierevent_timeline_idx")]

    def __str__(self):
        return f"{self.dossier_id} {self.action} {self.at:%Y-%m-%d %H:%M}"


class SupplementRequest(models.Model):
    """A request to complete the dossier (Mẫu 02): every missing item listed at once, with reasons."""

    dossier = models.ForeignKey(Dossier, models.CASCADE, related_name="supplement_requests")
    number = models.PositiveSmallIntegerField(_("lần"), default=1)
    requested_at = models.DateTimeField()
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    items = models.JSONField(_("giấy tờ cần bổ sung"), default=list)
    reasons = models.TextField(_("lý do"))
    fulfilled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("yêu cầu bổ sung hồ sơ")
        verbose_name_plural = _("yêu cầu bổ sung hồ sơ")
        ordering = ["dossier", "number"]

    def __str__(self):
        return f"{self.dossier_id}/{self.number}"


class Apology(models.Model):
    """A written apology with a new return date (Mẫu 04), required before a late dossier is returned."""

    dossier = models.ForeignKey(Dossier, models.CASCADE, related_name="apologies")
    number = models.PositiveSmallIntegerField(_("lần"), default=1)
    issued_at = models.DateTimeField()
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    reason = models.TextField(_("lý do chậm"))
    previous_due_at = models.DateTimeField()
    new_due_at = models.DateTimeField()

    class Meta:
        verbose_name = _("văn bản xin lỗi và hẹn lại")
        verbose_name_plural = _("văn bản xin lỗi và hẹn lại")
        ordering = ["dossier", "number"]

    def __str__(self):
        return f"{self.dossier_id}/{self.number}"


class DossierResult(models.Model):
    """A result (kết quả) of the dossier: a file, coded `<dossier code>-KQ<n>` (NĐ 45/2020 Art. 14)."""

    dossier = models.ForeignKey(Dossier, models.CASCADE, related_name="results")
    number = models.PositiveSmallIntegerField(default=1)
    code = models.CharField(_("mã kết quả"), max_length=70, unique=True)
    name = models.CharField(_("tên kết quả"), max_length=300)
    file = models.FileField(_("tệp"), max_length=255, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")

    class Meta:
        verbose_name = _("kết quả giải quyết")
        verbose_name_plural = _("kết quả giải quyết")
        ordering = ["dossier", "number"]
        indexes = [
            models.Index(fields=["dossier"], condition=~models.Q(file=""), name="dossierresult_with_file_idx"),
        ]

    def __str__(self):
        return self.code


class Payment(models.Model):
    """An online fee payment: started by the applicant, confirmed by the gateway's signed callback.

    The gateway is configuration (`dossiers.payments`); the row keeps what it answered so that a
    payment can be reconciled with the treasury's statement.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Đang chờ thanh toán")
        PAID = "paid", _("Đã thanh toán")
        FAILED = "failed", _("Không thành công")

    dossier = models.ForeignKey(Dossier, models.PROTECT, related_name="payments")
    reference = models.CharField(_("mã thanh toán"), max_length=40, unique=True)
    amount = models.PositiveBigIntegerField(_("số tiền (đồng)"))
    gateway = models.CharField(_("cổng thanh toán"), max_length=30)
    state = models.CharField(_("tình trạng"), max_length=10, choices=State.choices, default=State.PENDING)
    gateway_transaction = models.CharField(_("mã giao dịch của cổng"), max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("thanh toán trực tuyến")
        verbose_name_plural = _("thanh toán trực tuyến")
        ordering = ["-created_at"]

    def __str__(self):
        return self.reference


class FormTemplate(models.Model):
    """An official form (Mẫu) in force for a period: the set in force on a dossier's date is printed.

    `key` says what the form is for (receipt, supplement_request, ...); `texts`
    holds the fixed sentences printed on it. Forms are data (`data/forms.yaml`,
    editable in the admin) so that a new circular means new rows, not new code.
    `field_slugs` limits a sector form (e.g. CT04 for residence) to some fields;
    empty means every field.
    """

    class Key(models.TextChoices):
        RECEIPT = "receipt", _("Giấy tiếp nhận hồ sơ và hẹn trả kết quả")
        SUPPLEMENT_REQUEST = "supplement_request", _("Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ")
        REFUSAL = "refusal", _("Phiếu từ chối tiếp nhận, giải quyết hồ sơ")
        APOLOGY = "apology", _("Văn bản xin lỗi và hẹn lại ngày trả kết quả")
        STOP_NOTICE = "stop_notice", _("Thông báo dừng giải quyết hồ sơ")
        CONTROL_SLIP = "control_slip", _("Phiếu kiểm soát quá trình giải quyết hồ sơ")
        REGISTER = "register", _("Sổ theo dõi hồ sơ")

    key = models.CharField(_("loại mẫu"), max_length=30, choices=Key.choices)
    code = models.CharField(_("số mẫu"), max_length=20)
    form_set = models.CharField(_("bộ mẫu (văn bản ban hành)"), max_length=100)
    name = models.CharField(_("tên mẫu"), max_length=300)
    valid_from = models.DateField(_("áp dụng từ ngày"))
    valid_to = models.DateField(_("áp dụng đến ngày"), null=True, blank=True)
    legal_basis = models.TextField(_("căn cứ pháp lý"), blank=True)
    source = models.TextField(_("nguồn"), blank=True)
    confidence = models.CharField(_("độ tin cậy"), max_length=20, blank=True)
    texts = models.JSONField(_("nội dung cố định"), default=dict, blank=True)
    field_slugs = models.JSONField(_("áp dụng cho lĩnh vực"), default=list, blank=True)

    class Meta:
        verbose_name = _("mẫu biểu")
        verbose_name_plural = _("mẫu biểu")
        ordering = ["key", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["key", "form_set", "code", "valid_from"], name="formtemplate_uniq"),
        ]

    def __str__(self):
        return f"Mẫu {self.code} ({self.form_set}) — {self.name}"
