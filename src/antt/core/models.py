from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("Nhật ký kiểm tra không thể sửa.")

    def delete(self):
        raise PermissionError("Nhật ký kiểm tra không thể xóa.")


class AuditEvent(models.Model):
    """One immutable entry of the audit trail: who did what, when, from where.

    Entries form a hash chain: each stores the HMAC of its own content and of
    the previous entry's hash (`core.audit`), so `manage.py audit_verify`
    detects an edited, inserted or removed entry. The application never updates
    or deletes them (the model, its queryset, the admin and database triggers
    all refuse).
    """

    class Action(models.TextChoices):
        CREATE = "create", _("Tạo mới")
        UPDATE = "update", _("Thay đổi")
        DELETE = "delete", _("Xóa")
        TRANSITION = "transition", _("Chuyển trạng thái")
        READ_PERSONAL = "read_personal", _("Xem dữ liệu cá nhân")
        LOGIN = "login", _("Đăng nhập")
        LOGIN_FAILED = "login_failed", _("Đăng nhập không thành công")
        LOGOUT = "logout", _("Đăng xuất")
        EXPORT = "export", _("Xuất dữ liệu")
        SYSTEM = "system", _("Hệ thống")

    seq = models.BigIntegerField(_("số thứ tự"), unique=True, editable=False)
    at = models.DateTimeField(_("thời điểm"), db_index=True)
    # DO_NOTHING without a database constraint: deleting a user must neither
    # rewrite entries (that would break the chain) nor be blocked by them.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.DO_NOTHING, null=True, blank=True, related_name="+", db_constraint=False
    )
    actor_name = models.CharField(_("người thực hiện"), max_length=150, blank=True)
    actor_unit_id = models.BigIntegerField(null=True, blank=True)
    ip = models.GenericIPAddressField(_("địa chỉ IP"), null=True, blank=True)
    action = models.CharField(_("hành động"), max_length=20, choices=Action.choices)
    object_type = models.CharField(_("loại đối tượng"), max_length=100, blank=True)
    object_id = models.CharField(_("mã đối tượng"), max_length=64, blank=True)
    object_repr = models.CharField(_("đối tượng"), max_length=255, blank=True)
    changes = models.JSONField(_("nội dung thay đổi"), default=dict, blank=True)
    reason = models.CharField(_("lý do"), max_length=255, blank=True)
    prev_hash = models.CharField(max_length=64, editable=False)
    hash = models.CharField(max_length=64, editable=False)

    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = _("nhật ký kiểm tra")
        verbose_name_plural = _("nhật ký kiểm tra")
        ordering = ["-seq"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]

    def __str__(self):
        return f"#{self.seq} {self.get_action_display()} {self.object_repr}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("Nhật ký kiểm tra không thể sửa.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Nhật ký kiểm tra không thể xóa.")


class AuditHead(models.Model):
    """The chain's head: last sequence number and hash, locked on every append.

    It serialises appends so the chain has no forks, and lets `audit_verify`
    notice entries removed from the end.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="")

    class Meta:
        verbose_name = _("đầu chuỗi nhật ký")
        verbose_name_plural = _("đầu chuỗi nhật ký")

    def __str__(self):
        return f"#{self.seq}"


class CalendarDay(models.Model):
    """A day the government moved: an extra day off or a make-up working day.

    The `holidays` package knows the statutory holidays (Bộ luật Lao động 2019,
    Art. 112) and the swaps it was released with; the government announces new
    swaps every year (e.g. Công văn 9859/VPCP-KGVX for Tết 2026), and an
    administrator enters them here. A row overrides the package for its date.
    """

    class Kind(models.TextChoices):
        DAY_OFF = "day_off", _("Ngày nghỉ")
        WORKING_DAY = "working_day", _("Ngày làm việc bù")

    date = models.DateField(_("ngày"), unique=True)
    kind = models.CharField(_("loại"), max_length=12, choices=Kind.choices)
    name = models.CharField(_("tên gọi"), max_length=200)
    legal_basis = models.CharField(_("căn cứ"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("ngày nghỉ, ngày làm bù")
        verbose_name_plural = _("ngày nghỉ, ngày làm bù")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date:%d/%m/%Y} — {self.name}"


class Counter(models.Model):
    """A gap-free counter per key and period (e.g. dossier numbers per agency per day).

    Legal numbers must have no gaps and no duplicates, so they come from this row,
    locked with SELECT … FOR UPDATE inside the transaction that uses the number: a
    rolled-back transaction gives its number back (`core.sequences`).
    """

    key = models.CharField(_("khóa"), max_length=100)
    period = models.CharField(_("kỳ"), max_length=20)
    value = models.PositiveBigIntegerField(_("giá trị"), default=0)

    class Meta:
        verbose_name = _("bộ đếm số thứ tự")
        verbose_name_plural = _("bộ đếm số thứ tự")
        constraints = [models.UniqueConstraint(fields=["key", "period"], name="counter_key_period_uniq")]

    def __str__(self):
        return f"{self.key} {self.period}: {self.value}"


class Notification(models.Model):
    """One message to a citizen or an officer, kept in an outbox until it is sent.

    Services queue a row inside their own transaction (`core.notify.queue`), so a
    message exists if and only if the change it announces was committed; a task
    started after the commit sends it and retries with back-off (STYLE.md habit 7).
    The recipient is personal data: lists and `__str__` show it masked.
    """

    class Channel(models.TextChoices):
        EMAIL = "email", _("Thư điện tử")
        SMS = "sms", _("Tin nhắn SMS")
        ZALO = "zalo", _("Zalo")

    class State(models.TextChoices):
        PENDING = "pending", _("Chờ gửi")
        SENT = "sent", _("Đã gửi")
        FAILED = "failed", _("Gửi không thành công")
        CANCELLED = "cancelled", _("Đã hủy")

    channel = models.CharField(_("kênh"), max_length=10, choices=Channel.choices)
    recipient = models.CharField(_("người nhận"), max_length=254)
    subject = models.CharField(_("tiêu đề"), max_length=255, blank=True)
    body = models.TextField(_("nội dung"))
    key = models.CharField(_("mẫu thông báo"), max_length=100)
    # Parameters of the provider's registered template (Zalo ZNS sends templates, not free text).
    data = models.JSONField(_("tham số mẫu"), default=dict, blank=True)
    object_type = models.CharField(_("loại đối tượng"), max_length=100, blank=True)
    object_id = models.CharField(_("mã đối tượng"), max_length=64, blank=True)
    state = models.CharField(_("trạng thái"), max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(_("số lần gửi"), default=0)
    next_attempt_at = models.DateTimeField(_("gửi lần tới lúc"), default=timezone.now)
    last_response = models.TextField(_("phản hồi gần nhất"), blank=True)
    created_at = models.DateTimeField(_("thời điểm tạo"), default=timezone.now, editable=False)
    sent_at = models.DateTimeField(_("thời điểm gửi"), null=True, blank=True)

    class Meta:
        verbose_name = _("thông báo")
        verbose_name_plural = _("thông báo")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="notification_due_idx"),
            models.Index(fields=["object_type", "object_id"], name="notification_object_idx"),
        ]

    def __str__(self):
        from antt.core.notify import mask_recipient

        return f"{self.get_channel_display()} → {mask_recipient(self.channel, self.recipient)} ({self.key})"


class Validity(models.Model):
    """Validity dates and legal source of a rule row (abstract)."""

    valid_from = models.DateField(_("hiệu lực từ"))
    valid_to = models.DateField(
        _("hết hiệu lực từ"), null=True, blank=True, help_text=_("Ngày đầu tiên không còn áp dụng.")
    )
    legal_basis = models.CharField(_("căn cứ pháp lý"), max_length=300)
    source = models.CharField(_("nguồn tra cứu"), max_length=500, blank=True)

    class Meta:
        abstract = True

    @classmethod
    def valid_on(cls, day) -> Q:
        return Q(valid_from__lte=day) & (Q(valid_to__isnull=True) | Q(valid_to__gt=day))


# --- the rules -------------------------------------------------------------------------------
