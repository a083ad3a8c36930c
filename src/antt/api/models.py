"""Other agencies' access: API keys with scopes, usage, webhooks; and the open-data catalogue.

- `AgencyKey`: one key per consuming system, kept as a SHA-256 (the key is shown once), with
  `scopes` (which data: see `antt.api.scopes.SCOPES`), `units` (which units' data; empty = the
  whole province), a rate (`"120/m"`) and a daily quota. `ApiUsage` counts calls per key, day
  and scope (one upsert per call, in `antt.api.agency`).
- Webhooks, an outbox: a domain service calls `antt.api.webhooks.emit(...)` inside its own
  transaction; that writes a `WebhookEvent` and one `WebhookDelivery` per matching subscription,
  so a rollback drops the event and a commit can never lose it. Deliveries are POSTed, signed
  with HMAC-SHA256 of the subscription's secret, retried with backoff until `max_attempts`,
  every attempt a `WebhookAttempt` row; an administrator or the agency can replay any delivery.
- `Dataset`: the open-data catalogue's metadata (title, description, licence, frequency),
  loaded from `api/data/datasets.yaml` and editable in the admin; the rows come from the
  builders in `antt.api.opendata`.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from antt.org.models import Unit


class AgencyKey(models.Model):
    name = models.CharField(_("tên hệ thống, cơ quan"), max_length=200)
    contact = models.CharField(_("đầu mối liên hệ"), max_length=255, blank=True)
    prefix = models.CharField(_("tiền tố khóa"), max_length=12, unique=True)
    key_hash = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(_("phạm vi dữ liệu"), default=list)
    units = models.ManyToManyField(Unit, blank=True, related_name="+", verbose_name=_("đơn vị được xem"))
    rate = models.CharField(_("giới hạn tần suất"), max_length=20, default="120/m")
    daily_quota = models.PositiveIntegerField(_("số lượt tối đa mỗi ngày"), default=50_000)
    is_active = models.BooleanField(_("đang hiệu lực"), default=True)
    expires_at = models.DateTimeField(_("hết hạn"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("người cấp")
    )
    created_at = models.DateTimeField(_("ngày cấp"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("ngày thu hồi"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("lần dùng gần nhất"), null=True, blank=True)

    class Meta:
        verbose_name = _("khóa API của cơ quan")
        verbose_name_plural = _("khóa API của cơ quan")
        ordering = ["name", "id"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"


class ApiUsage(models.Model):
    """Calls of one key on one day for one scope: `calls`, of which `errors` (4xx/5xx) and
    `throttled` (429)."""

    key = models.ForeignKey(AgencyKey, models.CASCADE, related_name="usage")
    day = models.DateField()
    scope = models.CharField(max_length=40)
    calls = models.PositiveIntegerField(default=0)
    errors = models.PositiveIntegerField(default=0)
    throttled = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("lượt gọi API")
        verbose_name_plural = _("lượt gọi API")
        ordering = ["-day", "key", "scope"]
        constraints = [models.UniqueConstraint(fields=["key", "day", "scope"], name="apiusage_uniq")]

    def __str__(self):
        return f"{self.key_id} {self.day} {self.scope}: {self.calls}"


class WebhookSubscription(models.Model):
    """An agency's receiver for some event types (`antt.api.webhooks.EVENT_TYPES`)."""

    key = models.ForeignKey(AgencyKey, models.CASCADE, related_name="subscriptions", verbose_name=_("khóa API"))
    url = models.URLField(_("địa chỉ nhận"), max_length=500)
    events = models.JSONField(_("loại sự kiện"), default=list)
    secret = models.CharField(_("khóa ký"), max_length=80)
    is_active = models.BooleanField(_("đang hiệu lực"), default=True)
    created_at = models.DateTimeField(_("ngày tạo"), auto_now_add=True)
    disabled_reason = models.CharField(_("lý do tạm dừng"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("đăng ký nhận sự kiện")
        verbose_name_plural = _("đăng ký nhận sự kiện")
        ordering = ["key", "id"]

    def __str__(self):
        return f"{self.key.name} → {self.url}"


class WebhookEvent(models.Model):
    """One event, as sent (`payload` holds no personal data). `unit` decides which keys' unit
    scopes see it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    type = models.CharField(_("loại sự kiện"), max_length=60, db_index=True)
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=64)
    unit = models.ForeignKey(Unit, models.PROTECT, null=True, blank=True, related_name="+")
    payload = models.JSONField(default=dict)
    occurred_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("sự kiện")
        verbose_name_plural = _("sự kiện")
        ordering = ["-occurred_at"]

    def __str__(self):
        return f"{self.type} {self.object_id}"


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Chờ gửi")
    DELIVERED = "delivered", _("Đã gửi")
    FAILED = "failed", _("Gửi lỗi, sẽ thử lại")
    DEAD = "dead", _("Ngừng thử lại")


class WebhookDelivery(models.Model):
    event = models.ForeignKey(WebhookEvent, models.CASCADE, related_name="deliveries")
    subscription = models.ForeignKey(WebhookSubscription, models.CASCADE, related_name="deliveries")
    state = models.CharField(max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("lượt gửi sự kiện")
        verbose_name_plural = _("lượt gửi sự kiện")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="delivery_due_idx")]
        constraints = [models.UniqueConstraint(fields=["event", "subscription"], name="delivery_uniq")]

    def __str__(self):
        return f"{self.event_id} → {self.subscription_id} ({self.state})"


class WebhookAttempt(models.Model):
    """One HTTP attempt of a delivery (the delivery log)."""

    delivery = models.ForeignKey(WebhookDelivery, models.CASCADE, related_name="attempt_log")
    at = models.DateTimeField()
    status = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    replay = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("lần gửi")
        verbose_name_plural = _("lần gửi")
        ordering = ["delivery", "at", "id"]

    def __str__(self):
        return f"{self.delivery_id} {self.at:%Y-%m-%d %H:%M} {self.status or self.error}"


class Dataset(models.Model):
    """An open dataset's metadata (the rows come from `antt.api.opendata.BUILDERS[slug]`)."""

    slug = models.SlugField(_("mã bộ dữ liệu"), max_length=60, unique=True)
    title = models.CharField(_("tên bộ dữ liệu"), max_length=200)
    description = models.TextField(_("mô tả"))
    keywords = models.JSONField(_("từ khóa"), default=list, blank=True)
    theme = models.CharField(_("chủ đề"), max_length=100, blank=True)
    licence_name = models.CharField(_("giấy phép"), max_length=120)
    licence_url = models.URLField(_("đường dẫn giấy phép"), blank=True)
    frequency = models.CharField(_("tần suất cập nhật"), max_length=20)
    publisher = models.CharField(_("cơ quan công bố"), max_length=200, blank=True)
    min_cell = models.PositiveSmallIntegerField(_("ngưỡng ẩn số nhỏ"), default=5)
    is_published = models.BooleanField(_("công khai"), default=True)
    order = models.PositiveSmallIntegerField(_("thứ tự"), default=0)
    issued = models.DateField(_("ngày công bố lần đầu"), null=True, blank=True)

    class Meta:
        verbose_name = _("bộ dữ liệu mở")
        verbose_name_plural = _("bộ dữ liệu mở")
        ordering = ["order", "slug"]

    def __str__(self):
        return self.title
