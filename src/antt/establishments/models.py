"""Establishments (cơ sở): security-conditional businesses and fire-safety premises.

Three halves:

* **The rules, as versioned data** (loaded from `establishments/data/*.yaml` by
  `load_establishment_rules`, editable and audited in the admin), each row with its legal
  basis and validity dates (`Validity`, the same abstract the violations rules use):
  the security-conditional business lines of Nghị định 96/2016/NĐ-CP Art. 3 (`BusinessLine`),
  which police level issues the certificate for each line (`LineAuthority`), the fire-safety
  categories of Nghị định 105/2025/NĐ-CP's appendices (`FireCategory`), the inspection
  frequencies (`InspectionRule`), the revocation grounds of ND 96 Art. 18 (`RevocationGround`),
  and which one-stop procedures act on certificates and fire records (`ProcedureAction`).

* **The registry**: one `Establishment` per business location (ND 96 Art. 23(1): one
  certificate per location), with its registered lines, its managing police unit, the people
  responsible, its fire-safety profile (`FireProfile`) and the items of its fire-safety file
  (`FireRecord`: design approvals, acceptance, the firefighting plan, training certificates,
  equipment inspections, incidents, insurance).

* **The work**: security certificates (`Certificate`, each change a `CertificateEvent`),
  inspections (`Inspection`) with findings and requests with deadlines (`Finding`), business
  accounts (`EstablishmentAccount`), and the change feed other agencies read (`ChangeEntry`).

Every write goes through `establishments.services`; every state change leaves an audit entry.
Personal data: owner, legal representative and security-responsible person (names, ID
numbers, phones) — masked in lists, every full read by staff logged, never in the sharing API.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from antt.core.models import Validity
from antt.core.text import fold
from antt.org.models import AdminArea, Unit


def new_token() -> str:
    return secrets.token_urlsafe(18)


class Domain(models.TextChoices):
    """Which law an inspection, rule or finding belongs to."""

    SECURITY = "security", _("An ninh, trật tự")
    FIRE = "fire", _("Phòng cháy, chữa cháy")


# --- Rules (versioned data) -------------------------------------------------------------


class BusinessLine(Validity):
    """A security-conditional business line (ND 96/2016 Art. 3, as amended)."""

    code = models.SlugField(_("mã ngành nghề"), max_length=40)
    order = models.PositiveSmallIntegerField(_("thứ tự (điểm, khoản Điều 3)"), default=0)
    name = models.CharField(_("tên ngành, nghề"), max_length=300)
    scope_note = models.TextField(_("phạm vi, loại trừ"), blank=True)
    needs_security_plan = models.BooleanField(_("phải có phương án bảo đảm ANTT (Điều 8)"), default=False)
    is_lodging = models.BooleanField(_("ngành kinh doanh dịch vụ lưu trú"), default=False)
    # Register form the business keeps for this line (TT 42/2017 Art. 2: ĐK14–ĐK29).
    register_form = models.CharField(_("mẫu sổ quản lý"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("ngành, nghề kinh doanh có điều kiện về ANTT")
        verbose_name_plural = _("ngành, nghề kinh doanh có điều kiện về ANTT")
        ordering = ["order", "code"]
        constraints = [models.UniqueConstraint(fields=["code", "valid_from"], name="line_code_from_uniq")]

    def __str__(self):
        return self.name


class LineAuthority(Validity):
    """Which police level issues the certificate for a line (ND 96 Art. 24, adapted to the
    two-level police since 01/03/2025: a per-line, per-date table an administrator edits)."""

    line_code = models.SlugField(_("mã ngành nghề"), max_length=40, db_index=True)
    unit_level = models.CharField(_("cấp cấp giấy"), max_length=12, choices=Unit.Level.choices)
    condition = models.CharField(_("trường hợp"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("thẩm quyền cấp giấy chứng nhận theo ngành nghề")
        verbose_name_plural = _("thẩm quyền cấp giấy chứng nhận theo ngành nghề")
        ordering = ["line_code", "valid_from"]

    def __str__(self):
        return f"{self.line_code} → {self.get_unit_level_display()}"


class FireCategory(Validity):
    """A fire-safety category of premises (ND 105/2025 appendices I, II, III)."""

    class Appendix(models.TextChoices):
        MANAGED = "I", _("Phụ lục I — cơ sở thuộc diện quản lý về PCCC")
        HIGH_RISK = "II", _("Phụ lục II — cơ sở có nguy hiểm về cháy, nổ")
        DESIGN_APPROVAL = "III", _("Phụ lục III — công trình do Công an thẩm định thiết kế")

    code = models.SlugField(_("mã nhóm"), max_length=40)
    appendix = models.CharField(_("phụ lục"), max_length=4, choices=Appendix.choices)
    item = models.CharField(_("mục trong phụ lục"), max_length=20, blank=True)
    name = models.CharField(_("loại cơ sở"), max_length=400)
    threshold = models.CharField(_("ngưỡng (số tầng, diện tích, khối tích…)"), max_length=400, blank=True)
    high_risk = models.BooleanField(_("nguy hiểm cháy, nổ cao"), default=False)
    needs_design_approval = models.BooleanField(_("phải thẩm duyệt thiết kế"), default=False)
    insurance_required = models.BooleanField(_("bắt buộc mua bảo hiểm cháy, nổ"), default=False)
    # The numeric form of `threshold`, so that a category can be suggested from a premises' size:
    # it applies to premises of one of `kinds` when ANY of the minimums given is reached (none
    # given: every premises of those kinds).
    kinds = models.CharField(
        _("loại cơ sở áp dụng (để gợi ý nhóm)"),
        max_length=200,
        blank=True,
        help_text=_("Mã loại cơ sở, cách nhau bởi dấu phẩy, ví dụ: lodging,office."),
    )
    min_floors = models.PositiveSmallIntegerField(_("từ số tầng"), null=True, blank=True)
    min_floor_area_m2 = models.PositiveIntegerField(_("từ tổng diện tích sàn (m²)"), null=True, blank=True)
    min_volume_m3 = models.PositiveIntegerField(_("từ khối tích (m³)"), null=True, blank=True)
    min_capacity = models.PositiveIntegerField(_("từ sức chứa (người, giường, chỗ)"), null=True, blank=True)

    class Meta:
        verbose_name = _("nhóm cơ sở về PCCC")
        verbose_name_plural = _("nhóm cơ sở về PCCC")
        ordering = ["appendix", "item", "code"]
        constraints = [models.UniqueConstraint(fields=["code", "valid_from"], name="firecat_code_from_uniq")]

    def __str__(self):
        return f"{self.name} ({self.get_appendix_display()})"


class InspectionRule(Validity):
    """How often a kind of establishment is inspected periodically.

    `interval_months` is the normal interval; `min_interval_months` the legal floor (ND 96
    Art. 50: at most one periodic ANTT inspection a year). An establishment whose risk score
    reaches `risk_threshold` is planned at `risk_interval_months` (never below the floor).
    `fire_category_code` empty = every establishment of the domain without a more specific row.
    """

    domain = models.CharField(_("lĩnh vực"), max_length=10, choices=Domain.choices)
    fire_category_code = models.SlugField(_("nhóm PCCC"), max_length=40, blank=True)
    high_risk_only = models.BooleanField(_("chỉ cơ sở nguy hiểm cháy, nổ cao"), default=False)
    interval_months = models.PositiveSmallIntegerField(_("chu kỳ kiểm tra (tháng)"))
    min_interval_months = models.PositiveSmallIntegerField(_("chu kỳ tối thiểu theo luật (tháng)"), default=12)
    risk_threshold = models.PositiveSmallIntegerField(_("điểm rủi ro để rút ngắn chu kỳ"), default=50)
    risk_interval_months = models.PositiveSmallIntegerField(_("chu kỳ khi rủi ro cao (tháng)"))
    notice_working_days = models.PositiveSmallIntegerField(_("thông báo trước (ngày làm việc)"), default=0)

    class Meta:
        verbose_name = _("quy định tần suất kiểm tra")
        verbose_name_plural = _("quy định tần suất kiểm tra")
        ordering = ["domain", "fire_category_code", "valid_from"]

    def __str__(self):
        return f"{self.get_domain_display()} {self.fire_category_code or '*'}: {self.interval_months} tháng"


class RevocationGround(Validity):
    """A ground for revoking a certificate (ND 96 Art. 18(1) indefinite, 18(2) 3 to 6 months)."""

    code = models.SlugField(_("mã căn cứ"), max_length=20)
    temporary = models.BooleanField(_("thu hồi có thời hạn"), default=False)
    min_months = models.PositiveSmallIntegerField(_("tối thiểu (tháng)"), null=True, blank=True)
    max_months = models.PositiveSmallIntegerField(_("tối đa (tháng)"), null=True, blank=True)
    # Art. 22: how long before a new certificate may be issued after this ground (0 = with remedy).
    reissue_wait_months = models.PositiveSmallIntegerField(_("chờ cấp lại (tháng)"), default=0)
    text = models.CharField(_("nội dung"), max_length=400)

    class Meta:
        verbose_name = _("căn cứ thu hồi giấy chứng nhận")
        verbose_name_plural = _("căn cứ thu hồi giấy chứng nhận")
        ordering = ["temporary", "code"]

    def __str__(self):
        return f"{self.legal_basis}: {self.text}"


class ProcedureAction(Validity):
    """Which one-stop procedure (by its place in the seed, `Procedure.seed_ref`) acts on the
    registry when its dossier is returned: issue / change / re-issue a certificate, or add a
    record to the fire-safety file."""

    class Action(models.TextChoices):
        CERT_NEW = "cert_new", _("Cấp mới giấy chứng nhận ANTT")
        CERT_CHANGE = "cert_change", _("Cấp đổi giấy chứng nhận ANTT")
        CERT_REISSUE = "cert_reissue", _("Cấp lại giấy chứng nhận ANTT")
        FIRE_RECORD = "fire_record", _("Thêm vào hồ sơ PCCC của cơ sở")

    seed_ref = models.CharField(_("vị trí thủ tục trong QĐ 273/2021"), max_length=20)
    action = models.CharField(_("tác động"), max_length=20, choices=Action.choices)
    fire_record_kind = models.CharField(_("loại hồ sơ PCCC"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("thủ tục tác động đến cơ sở")
        verbose_name_plural = _("thủ tục tác động đến cơ sở")
        ordering = ["seed_ref"]

    def __str__(self):
        return f"{self.seed_ref}: {self.get_action_display()}"


# --- The registry ----------------------------------------------------------------------


class Establishment(models.Model):
    """A business location (cơ sở kinh doanh) under police management."""

    class Kind(models.TextChoices):
        ENTERPRISE = "enterprise", _("Doanh nghiệp")
        BRANCH = "branch", _("Chi nhánh, địa điểm kinh doanh")
        COOPERATIVE = "cooperative", _("Hợp tác xã")
        PUBLIC_UNIT = "public_unit", _("Đơn vị sự nghiệp có thu")
        HOUSEHOLD = "household", _("Hộ kinh doanh")
        OTHER = "other", _("Tổ chức khác")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Đang hoạt động")
        PAUSED = "paused", _("Tạm ngừng kinh doanh")
        CEASED = "ceased", _("Đã chấm dứt hoạt động")

    # Public, shared with other agencies.
    name = models.CharField(_("tên cơ sở"), max_length=300)
    name_folded = models.CharField(max_length=300, editable=False, db_index=True)
    trade_name = models.CharField(_("tên giao dịch, biển hiệu"), max_length=300, blank=True)
    # Normalised: 10 digits, 10-3 with a dash (branches), or the 12-digit personal ID of a
    # household business (TT 86/2024/TT-BTC). Unique: duplicates refused.
    tax_code = models.CharField(_("mã số thuế / mã số doanh nghiệp"), max_length=14, unique=True)
    registration_number = models.CharField(_("số giấy chứng nhận đăng ký kinh doanh"), max_length=40, blank=True)
    registration_date = models.DateField(_("ngày đăng ký kinh doanh"), null=True, blank=True)
    kind = models.CharField(_("loại hình"), max_length=12, choices=Kind.choices, default=Kind.ENTERPRISE)
    lines = models.ManyToManyField(
        BusinessLine, related_name="establishments", blank=True, verbose_name=_("ngành nghề kinh doanh đã đăng ký")
    )
    area = models.ForeignKey(AdminArea, models.PROTECT, related_name="+", verbose_name=_("xã, phường"))
    address = models.CharField(_("địa chỉ"), max_length=300)
    latitude = models.DecimalField(_("vĩ độ"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("kinh độ"), max_digits=9, decimal_places=6, null=True, blank=True)
    unit = models.ForeignKey(
        Unit, models.PROTECT, related_name="establishments", verbose_name=_("đơn vị công an quản lý")
    )
    status = models.CharField(
        _("tình trạng"), max_length=10, choices=Status.choices, default=Status.ACTIVE, db_index=True
    )
    phone = models.CharField(_("điện thoại cơ sở"), max_length=20, blank=True)
    email = models.EmailField(_("thư điện tử cơ sở"), blank=True)
    # Lodging (for the lodging module): rooms and the kind (hotel, homestay…).
    lodging_kind = models.CharField(_("loại cơ sở lưu trú"), max_length=40, blank=True)
    rooms = models.PositiveIntegerField(_("số phòng"), null=True, blank=True)

    # Personal data: masked in lists, full reads logged, never shared.
    owner_name = models.CharField(_("chủ sở hữu"), max_length=200, blank=True)
    representative_name = models.CharField(_("người đại diện theo pháp luật"), max_length=200, blank=True)
    representative_id_number = models.CharField(_("số định danh người đại diện"), max_length=20, blank=True)
    representative_phone = models.CharField(_("điện thoại người đại diện"), max_length=20, blank=True)
    security_person_name = models.CharField(_("người chịu trách nhiệm về ANTT"), max_length=200, blank=True)
    security_person_id_number = models.CharField(
        _("số định danh người chịu trách nhiệm về ANTT"), max_length=20, blank=True
    )
    security_person_phone = models.CharField(_("điện thoại người chịu trách nhiệm về ANTT"), max_length=20, blank=True)

    # Inspection planning, kept by services (denormalised so that a unit's monthly plan
    # over 200,000 establishments is one indexed range scan).
    risk_score = models.PositiveSmallIntegerField(_("điểm rủi ro"), default=0)
    last_security_inspection = models.DateField(_("kiểm tra ANTT gần nhất"), null=True, blank=True)
    next_security_due = models.DateField(_("hạn kiểm tra ANTT định kỳ"), null=True, blank=True)
    last_fire_inspection = models.DateField(_("kiểm tra PCCC gần nhất"), null=True, blank=True)
    next_fire_due = models.DateField(_("hạn kiểm tra PCCC định kỳ"), null=True, blank=True)
    is_demo = models.BooleanField(default=False, editable=False)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    row_version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("cơ sở")
        verbose_name_plural = _("cơ sở")
        ordering = ["name_folded"]
        indexes = [
            models.Index(fields=["unit", "next_security_due"], name="est_unit_sec_due"),
            models.Index(fields=["unit", "next_fire_due"], name="est_unit_fire_due"),
            models.Index(fields=["updated_at"], name="est_updated"),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.name_folded = fold(f"{self.name} {self.trade_name}".strip())
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and ({"name", "trade_name"} & set(update_fields)):
            kwargs["update_fields"] = {*update_fields, "name_folded"}
        super().save(*args, **kwargs)


class FireProfile(models.Model):
    """The fire-safety profile of an establishment that is under fire-safety management."""

    establishment = models.OneToOneField(Establishment, models.CASCADE, related_name="fire")
    category = models.ForeignKey(
        FireCategory, models.PROTECT, related_name="profiles", verbose_name=_("nhóm cơ sở về PCCC")
    )
    high_risk = models.BooleanField(_("nguy hiểm cháy, nổ cao (Phụ lục II)"), default=False)
    needs_design_approval = models.BooleanField(_("thuộc diện thẩm duyệt thiết kế (Phụ lục III)"), default=False)
    floors = models.PositiveSmallIntegerField(_("số tầng"), null=True, blank=True)
    floor_area_m2 = models.PositiveIntegerField(_("tổng diện tích sàn (m²)"), null=True, blank=True)
    volume_m3 = models.PositiveIntegerField(_("khối tích (m³)"), null=True, blank=True)
    capacity = models.PositiveIntegerField(_("sức chứa (người, giường, chỗ)"), null=True, blank=True)
    insurance_required = models.BooleanField(_("bắt buộc mua bảo hiểm cháy, nổ"), default=False)
    note = models.TextField(_("ghi chú"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("hồ sơ PCCC của cơ sở")
        verbose_name_plural = _("hồ sơ PCCC của cơ sở")

    def __str__(self):
        return f"PCCC — {self.establishment}"


class FireRecord(models.Model):
    """An item of the premises' fire-safety file (hồ sơ về PCCC)."""

    class Kind(models.TextChoices):
        DESIGN_APPROVAL = "design_approval", _("Văn bản thẩm duyệt/thẩm định thiết kế về PCCC")
        ACCEPTANCE = "acceptance", _("Nghiệm thu về PCCC")
        FIREFIGHTING_PLAN = "firefighting_plan", _("Phương án chữa cháy của cơ sở")
        TRAINING = "training", _("Chứng nhận huấn luyện nghiệp vụ PCCC, CNCH")
        EQUIPMENT = "equipment", _("Kiểm định phương tiện PCCC")
        INCIDENT = "incident", _("Vụ cháy, nổ, sự cố")
        INSURANCE = "insurance", _("Bảo hiểm cháy, nổ bắt buộc")
        DRILL = "drill", _("Thực tập phương án chữa cháy")
        OTHER = "other", _("Tài liệu khác")

    class Result(models.TextChoices):
        PASSED = "passed", _("Đạt")
        FAILED = "failed", _("Không đạt")
        NONE = "", _("—")

    establishment = models.ForeignKey(Establishment, models.CASCADE, related_name="fire_records")
    kind = models.CharField(_("loại"), max_length=20, choices=Kind.choices)
    number = models.CharField(_("số văn bản"), max_length=60, blank=True)
    issued_on = models.DateField(_("ngày"))
    valid_until = models.DateField(_("có giá trị đến"), null=True, blank=True)
    issuer = models.CharField(_("cơ quan, đơn vị cấp / thực hiện"), max_length=200, blank=True)
    result = models.CharField(_("kết quả"), max_length=10, choices=Result.choices, blank=True)
    summary = models.TextField(_("nội dung"), blank=True)
    # Incidents: casualties and damage; training: people trained; equipment: items checked.
    details = models.JSONField(_("chi tiết"), default=dict, blank=True)
    dossier = models.ForeignKey(
        "dossiers.Dossier", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("hồ sơ TTHC")
    )
    file = models.FileField(_("tệp"), max_length=255, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("tài liệu hồ sơ PCCC")
        verbose_name_plural = _("tài liệu hồ sơ PCCC")
        ordering = ["-issued_on", "-id"]
        indexes = [models.Index(fields=["establishment", "kind", "issued_on"], name="firerec_est_kind")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.number}".strip()


# --- Certificates ----------------------------------------------------------------------


class Certificate(models.Model):
    """A security certificate (Giấy chứng nhận đủ điều kiện về ANTT, ND 96 Art. 14, Mẫu 01).

    A change (cấp đổi) makes a new certificate that `replaces` the old one (status REPLACED);
    a re-issue after loss (cấp lại) does the same with the old one VOID. No expiry unless the
    business licence has one (Art. 15).
    """

    class Kind(models.TextChoices):
        NEW = "new", _("Cấp mới")
        CHANGE = "change", _("Cấp đổi")
        REISSUE = "reissue", _("Cấp lại")

    class Status(models.TextChoices):
        VALID = "valid", _("Còn hiệu lực")
        SUSPENDED = "suspended", _("Bị thu hồi có thời hạn")
        REVOKED = "revoked", _("Bị thu hồi")
        REPLACED = "replaced", _("Đã được cấp đổi")
        VOID = "void", _("Hết giá trị (đã cấp lại)")
        # ND 96/2016 Art. 17(2): void when the business is dissolved, bankrupt or ceases.
        CEASED = "ceased", _("Hết hiệu lực (cơ sở chấm dứt hoạt động)")

    number = models.CharField(_("số giấy chứng nhận"), max_length=40, unique=True)
    establishment = models.ForeignKey(Establishment, models.PROTECT, related_name="certificates")
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="+", verbose_name=_("đơn vị cấp"))
    kind = models.CharField(_("hình thức cấp"), max_length=10, choices=Kind.choices, default=Kind.NEW)
    lines = models.ManyToManyField(BusinessLine, related_name="certificates", verbose_name=_("ngành, nghề"))
    issued_on = models.DateField(_("ngày cấp"))
    valid_until = models.DateField(_("có giá trị đến"), null=True, blank=True)
    status = models.CharField(
        _("tình trạng"), max_length=10, choices=Status.choices, default=Status.VALID, db_index=True
    )
    suspended_until = models.DateField(_("thu hồi đến ngày"), null=True, blank=True)
    replaces = models.OneToOneField(
        "self", models.PROTECT, null=True, blank=True, related_name="replaced_by", verbose_name=_("thay cho")
    )
    dossier = models.ForeignKey(
        "dossiers.Dossier", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("hồ sơ TTHC")
    )
    # Copied from the establishment at issue (the certificate shows them as printed).
    holder_name = models.CharField(_("người đứng tên (chịu trách nhiệm về ANTT)"), max_length=200)
    holder_id_number = models.CharField(_("số định danh người đứng tên"), max_length=20, blank=True)
    verify_token = models.CharField(max_length=40, unique=True, default=new_token, editable=False)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    row_version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("giấy chứng nhận đủ điều kiện về ANTT")
        verbose_name_plural = _("giấy chứng nhận đủ điều kiện về ANTT")
        ordering = ["-issued_on", "-id"]
        indexes = [models.Index(fields=["updated_at"], name="cert_updated")]

    def __str__(self):
        return f"Giấy chứng nhận số {self.number}"


class CertificateEvent(models.Model):
    """What happened to a certificate: issued, replaced, suspended, restored, revoked."""

    class Action(models.TextChoices):
        ISSUE = "issue", _("Cấp")
        REPLACE = "replace", _("Cấp đổi / cấp lại")
        SUSPEND = "suspend", _("Thu hồi có thời hạn")
        RESTORE = "restore", _("Hết thời hạn thu hồi")
        REVOKE = "revoke", _("Thu hồi")
        CEASE = "cease", _("Hết hiệu lực do cơ sở chấm dứt hoạt động")

    certificate = models.ForeignKey(Certificate, models.CASCADE, related_name="events")
    action = models.CharField(_("thao tác"), max_length=10, choices=Action.choices)
    at = models.DateTimeField(_("thời điểm"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    actor_name = models.CharField(_("người thực hiện"), max_length=150, blank=True)
    ground = models.ForeignKey(RevocationGround, models.PROTECT, null=True, blank=True, related_name="+")
    decision_number = models.CharField(_("số quyết định (Mẫu ĐK6)"), max_length=40, blank=True)
    reason = models.TextField(_("lý do"), blank=True)
    until = models.DateField(_("đến ngày"), null=True, blank=True)
    lines = models.JSONField(_("ngành nghề bị thu hồi"), default=list, blank=True)

    class Meta:
        verbose_name = _("diễn biến giấy chứng nhận")
        verbose_name_plural = _("diễn biến giấy chứng nhận")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.get_action_display()} {self.at:%d/%m/%Y}"


# --- Inspections -----------------------------------------------------------------------


class Inspection(models.Model):
    """A planned or surprise inspection (kiểm tra định kỳ / đột xuất) of one establishment."""

    class Kind(models.TextChoices):
        PERIODIC = "periodic", _("Định kỳ")
        SURPRISE = "surprise", _("Đột xuất")
        POST_CHECK = "post_check", _("Hậu kiểm sau cấp giấy")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Đã lên kế hoạch")
        DONE = "done", _("Đã kiểm tra")
        CANCELLED = "cancelled", _("Đã hủy")

    class Outcome(models.TextChoices):
        PASSED = "passed", _("Đạt yêu cầu")
        FINDINGS = "findings", _("Có tồn tại, yêu cầu khắc phục")
        VIOLATION = "violation", _("Có vi phạm, lập biên bản")

    establishment = models.ForeignKey(Establishment, models.PROTECT, related_name="inspections")
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="+", verbose_name=_("đơn vị kiểm tra"))
    domain = models.CharField(_("lĩnh vực"), max_length=10, choices=Domain.choices)
    kind = models.CharField(_("hình thức"), max_length=12, choices=Kind.choices, default=Kind.PERIODIC)
    ground = models.CharField(_("căn cứ kiểm tra đột xuất"), max_length=400, blank=True)
    status = models.CharField(
        _("tình trạng"), max_length=10, choices=Status.choices, default=Status.PLANNED, db_index=True
    )
    planned_on = models.DateField(_("ngày dự kiến"))
    notified_on = models.DateField(_("ngày thông báo cho cơ sở"), null=True, blank=True)
    inspected_on = models.DateField(_("ngày kiểm tra"), null=True, blank=True)
    team = models.TextField(_("thành phần đoàn kiểm tra"), blank=True)
    outcome = models.CharField(_("kết luận"), max_length=10, choices=Outcome.choices, blank=True)
    summary = models.TextField(_("nội dung kết luận"), blank=True)
    record_number = models.CharField(_("số biên bản kiểm tra (ĐK5a/ĐK5b/PC)"), max_length=40, blank=True)
    violation_records = models.ManyToManyField(
        "violations.ViolationRecord", blank=True, related_name="inspections", verbose_name=_("biên bản vi phạm")
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    row_version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("cuộc kiểm tra")
        verbose_name_plural = _("cuộc kiểm tra")
        ordering = ["-planned_on", "-id"]
        indexes = [
            models.Index(fields=["unit", "status", "planned_on"], name="insp_unit_status_day"),
            models.Index(fields=["establishment", "domain", "inspected_on"], name="insp_est_domain_day"),
        ]

    def __str__(self):
        return f"Kiểm tra {self.get_domain_display().lower()} {self.establishment} ({self.planned_on:%d/%m/%Y})"


class Finding(models.Model):
    """A shortcoming found in an inspection, with the request to remedy it by a deadline."""

    class Status(models.TextChoices):
        OPEN = "open", _("Chưa khắc phục")
        RESOLVED = "resolved", _("Đã khắc phục")
        ESCALATED = "escalated", _("Không khắc phục, đã xử lý vi phạm")

    inspection = models.ForeignKey(Inspection, models.CASCADE, related_name="findings")
    # Denormalised from the inspection, for the plan's "overdue findings of my unit" query.
    establishment = models.ForeignKey(Establishment, models.CASCADE, related_name="findings")
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="+")
    description = models.TextField(_("tồn tại, thiếu sót"))
    requirement = models.TextField(_("yêu cầu khắc phục"))
    due_on = models.DateField(_("hạn khắc phục"), db_index=True)
    status = models.CharField(_("tình trạng"), max_length=10, choices=Status.choices, default=Status.OPEN)
    resolved_on = models.DateField(_("ngày khắc phục"), null=True, blank=True)
    follow_up = models.TextField(_("kết quả theo dõi"), blank=True)
    violation_record = models.ForeignKey(
        "violations.ViolationRecord",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("biên bản vi phạm"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("tồn tại và yêu cầu khắc phục")
        verbose_name_plural = _("tồn tại và yêu cầu khắc phục")
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["unit", "status", "due_on"], name="finding_unit_status_due")]

    def __str__(self):
        return f"{self.description[:60]} (hạn {self.due_on:%d/%m/%Y})"


# --- Business accounts and sharing -----------------------------------------------------


class EstablishmentAccount(models.Model):
    """A business's user account (not staff: `user.role` is empty). The managing unit
    approves a sign-up; a manager account may add staff accounts of its own establishment."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Chờ Công an duyệt")
        ACTIVE = "active", _("Đang sử dụng")
        REFUSED = "refused", _("Bị từ chối")
        DISABLED = "disabled", _("Đã khóa")

    user = models.OneToOneField(settings.AUTH_USER_MODEL, models.CASCADE, related_name="establishment_account")
    establishment = models.ForeignKey(Establishment, models.CASCADE, related_name="accounts")
    is_manager = models.BooleanField(_("quản lý tài khoản của cơ sở"), default=False)
    status = models.CharField(
        _("tình trạng"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    refusal_reason = models.CharField(_("lý do từ chối"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("tài khoản cơ sở")
        verbose_name_plural = _("tài khoản cơ sở")

    def __str__(self):
        return f"{self.user} — {self.establishment}"


class ChangeEntry(models.Model):
    """The change feed for other agencies: one row per change of shared data (no personal
    data in `data`), read in `id` order with a cursor."""

    class Entity(models.TextChoices):
        ESTABLISHMENT = "establishment", _("Cơ sở")
        CERTIFICATE = "certificate", _("Giấy chứng nhận")

    entity = models.CharField(max_length=15, choices=Entity.choices)
    object_id = models.PositiveBigIntegerField()
    action = models.CharField(max_length=20)
    at = models.DateTimeField(db_index=True)
    data = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("nhật ký thay đổi chia sẻ")
        verbose_name_plural = _("nhật ký thay đổi chia sẻ")
        ordering = ["id"]

    def __str__(self):
        return f"{self.entity} {self.object_id} {self.action}"
