"""The catalogue of administrative procedures (thủ tục hành chính).

A procedure has a stable identity (`Procedure`, keyed by its national code) and
a series of dated rule sets (`ProcedureVersion`): legal processing time, legal
basis, fees, required documents, online service level and the internal process.
A dossier keeps the version that was in force when it was received, so a
version that has been used is never edited: a new one is published and the
previous one is closed (see `services.procedure_version_publish`).
"""

from datetime import date

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from antt.core.text import fold
from antt.org.models import Role, Unit


class Level(models.TextChoices):
    """Administrative level at which a procedure is handled."""

    PROVINCE = "province", _("Cấp tỉnh")
    DISTRICT = "district", _("Cấp huyện")
    COMMUNE = "commune", _("Cấp xã")


class TimeUnit(models.TextChoices):
    """Unit of a legal processing time."""

    WORKING_DAYS = "working_days", _("ngày làm việc")
    WORKING_HOURS = "working_hours", _("giờ làm việc")
    SAME_DAY = "same_day", _("trong ngày")
    CALENDAR_MONTHS = "calendar_months", _("tháng")


class OnlineLevel(models.TextChoices):
    """Online public service level, Nghị định 42/2022/NĐ-CP Art. 11(1)."""

    FULL = "full", _("Dịch vụ công trực tuyến toàn trình")
    PARTIAL = "partial", _("Dịch vụ công trực tuyến một phần")
    NONE = "none", _("Chưa cung cấp trực tuyến")


class Field(models.Model):
    """A field (lĩnh vực) grouping procedures, e.g. "Đăng ký, quản lý cư trú".

    `appendix` is the appendix of Quyết định 273/QĐ-UBND (2021) that lists the
    field's procedures.
    """

    slug = models.SlugField(_("mã lĩnh vực"), max_length=60, unique=True)
    name = models.CharField(_("tên lĩnh vực"), max_length=200)
    name_folded = models.CharField(max_length=200, editable=False, db_index=True)
    appendix = models.PositiveSmallIntegerField(_("phụ lục QĐ 273/2021"), null=True, blank=True)

    class Meta:
        verbose_name = _("lĩnh vực")
        verbose_name_plural = _("lĩnh vực")
        ordering = ["appendix", "name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.name_folded = fold(self.name)
        super().save(*args, **kwargs)


class Procedure(models.Model):
    """An administrative procedure: the stable identity that versions hang on.

    `code` is the national procedure code (e.g. `1.004222`) when one was found
    in a source (`code_verified`), otherwise a clearly local code such as
    `TH273.1.02` (appendix 1, row 2 of QĐ 273/2021). `seed_name` keeps the name
    used in 2021; `name` is the current name when a later law renamed it (for
    example the CCCD card became the căn cước card, Luật Căn cước 2023).
    `name_folded` folds both names for accent-insensitive search.
    """

    code = models.CharField(_("mã thủ tục"), max_length=40, unique=True)
    code_verified = models.BooleanField(_("mã đã xác minh"), default=False)
    name = models.CharField(_("tên thủ tục"), max_length=500)
    seed_name = models.CharField(_("tên theo QĐ 273/2021"), max_length=500, blank=True)
    seed_ref = models.CharField(_("vị trí trong QĐ 273/2021"), max_length=20, blank=True)
    field = models.ForeignKey(Field, models.PROTECT, related_name="procedures", verbose_name=_("lĩnh vực"))
    name_folded = models.CharField(max_length=1100, editable=False, db_index=True)
    created_at = models.DateTimeField(_("ngày tạo"), auto_now_add=True)

    class Meta:
        verbose_name = _("thủ tục hành chính")
        verbose_name_plural = _("thủ tục hành chính")
        ordering = ["field__appendix", "seed_ref", "code"]

    def __str__(self):
        return f"{self.code} — {self.name}"

    def save(self, *args, **kwargs):
        names = [self.name]
        if self.seed_name and fold(self.seed_name) != fold(self.name):
            names.append(self.seed_name)
        self.name_folded = " | ".join(fold(n) for n in names)
        super().save(*args, **kwargs)


class ProcedureVersion(models.Model):
    """The rules of a procedure in force from `valid_from` to `valid_to` (inclusive).

    `valid_to` is empty while the version is in force. Publishing a new version
    closes this one (valid_to = the day before the new one); a procedure whose
    last version is closed is no longer in force but stays listed.
    `verified` is False until an administrator has checked every value against
    the legal text; `sources` says where each value comes from.
    `internal_target_hours` is the sum of the step budgets (working hours).
    """

    procedure = models.ForeignKey(Procedure, models.PROTECT, related_name="versions", verbose_name=_("thủ tục"))
    valid_from = models.DateField(_("áp dụng từ ngày"))
    valid_to = models.DateField(_("áp dụng đến ngày"), null=True, blank=True)
    legal_time_amount = models.DecimalField(
        _("thời hạn giải quyết"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    legal_time_unit = models.CharField(_("đơn vị thời hạn"), max_length=20, choices=TimeUnit.choices, blank=True)
    legal_time_note = models.TextField(_("ghi chú về thời hạn"), blank=True)
    legal_basis = models.TextField(_("căn cứ pháp lý"), blank=True)
    result = models.CharField(_("kết quả thực hiện"), max_length=500, blank=True)
    online_level = models.CharField(
        _("mức độ dịch vụ công trực tuyến"), max_length=10, choices=OnlineLevel.choices, default=OnlineLevel.NONE
    )
    internal_target_hours = models.DecimalField(
        _("thời gian mục tiêu nội bộ (giờ làm việc)"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    verified = models.BooleanField(_("đã xác minh"), default=False)
    sources = models.TextField(_("nguồn dữ liệu"), blank=True)
    created_at = models.DateTimeField(_("ngày tạo"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("người tạo")
    )

    class Meta:
        verbose_name = _("phiên bản thủ tục")
        verbose_name_plural = _("phiên bản thủ tục")
        ordering = ["procedure_id", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["procedure", "valid_from"], name="procversion_proc_from_uniq"),
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True) | models.Q(valid_to__gte=models.F("valid_from")),
                name="procversion_valid_range",
            ),
        ]
        indexes = [models.Index(fields=["procedure", "valid_from", "valid_to"], name="procversion_validity_idx")]

    def __str__(self):
        end = f"{self.valid_to:%d/%m/%Y}" if self.valid_to else "nay"
        return f"{self.procedure.code} ({self.valid_from:%d/%m/%Y} – {end})"

    def is_in_force(self, on: date) -> bool:
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)

    def is_used(self) -> bool:
        """True when a row of another app (e.g. a dossier) points to this version."""
        for rel in self._meta.related_objects:
            if rel.related_model._meta.app_label == self._meta.app_label:
                continue
            if rel.related_model._base_manager.filter(**{rel.field.name: self}).exists():
                return True
        return False


class ProcedureLevel(models.Model):
    """A level (province / district / commune) at which a version is handled."""

    version = models.ForeignKey(ProcedureVersion, models.CASCADE, related_name="levels")
    level = models.CharField(_("cấp"), max_length=10, choices=Level.choices)

    class Meta:
        verbose_name = _("cấp thực hiện")
        verbose_name_plural = _("cấp thực hiện")
        constraints = [models.UniqueConstraint(fields=["version", "level"], name="proclevel_version_level_uniq")]

    def __str__(self):
        return self.get_level_display()


class RequiredDocument(models.Model):
    """One document of the dossier (thành phần hồ sơ), in order, with its counts."""

    version = models.ForeignKey(ProcedureVersion, models.CASCADE, related_name="documents")
    order = models.PositiveSmallIntegerField(_("thứ tự"), default=1)
    name = models.CharField(_("tên giấy tờ"), max_length=500)
    form_code = models.CharField(_("mẫu"), max_length=200, blank=True)
    originals = models.PositiveSmallIntegerField(_("bản chính"), default=1)
    copies = models.PositiveSmallIntegerField(_("bản sao"), default=0)
    note = models.TextField(_("ghi chú"), blank=True)

    class Meta:
        verbose_name = _("thành phần hồ sơ")
        verbose_name_plural = _("thành phần hồ sơ")
        ordering = ["version", "order"]

    def __str__(self):
        return self.name


class Fee(models.Model):
    """A fee or charge (phí, lệ phí) for one submission channel, in whole đồng."""

    class Channel(models.TextChoices):
        IN_PERSON = "in_person", _("Nộp trực tiếp")
        ONLINE = "online", _("Nộp trực tuyến")

    version = models.ForeignKey(ProcedureVersion, models.CASCADE, related_name="fees")
    order = models.PositiveSmallIntegerField(_("thứ tự"), default=1)
    channel = models.CharField(_("hình thức nộp"), max_length=10, choices=Channel.choices)
    amount = models.PositiveBigIntegerField(_("mức thu (đồng)"))
    description = models.CharField(_("diễn giải"), max_length=300, blank=True)
    exemptions = models.TextField(_("miễn, giảm"), blank=True)

    class Meta:
        verbose_name = _("phí, lệ phí")
        verbose_name_plural = _("phí, lệ phí")
        ordering = ["version", "order"]

    def __str__(self):
        return f"{self.get_channel_display()}: {self.amount} đ"


class ProcessStep(models.Model):
    """A step of the internal process, done by a role or a unit level, with a budget.

    The budgets of a version's steps add up to its internal target time, which
    must stay at least 20% below the legal time (`catalog.rules`).
    """

    version = models.ForeignKey(ProcedureVersion, models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField(_("thứ tự"), default=1)
    name = models.CharField(_("nội dung bước"), max_length=300)
    role = models.CharField(_("vai trò thực hiện"), max_length=20, choices=Role.choices, blank=True)
    unit_level = models.CharField(_("cấp đơn vị thực hiện"), max_length=12, choices=Unit.Level.choices, blank=True)
    budget_hours = models.DecimalField(_("thời gian (giờ làm việc)"), max_digits=8, decimal_places=2)

    class Meta:
        verbose_name = _("bước xử lý nội bộ")
        verbose_name_plural = _("bước xử lý nội bộ")
        ordering = ["version", "order"]

    def __str__(self):
        return self.name
