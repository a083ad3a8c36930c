"""The api app in the admin (/quan-tri/): agencies' keys and their usage, webhooks, datasets.

Keys are issued, rotated and revoked on the staff pages (/quan-ly/ket-noi/), which show the key
once; the admin cannot add a key (it could not show it) and shows the prefix and hash read-only.
Usage rows, webhook events, deliveries and attempts are records: read-only here. Every change
made in the admin is audited (`AuditedAdminMixin`).
"""

from django.contrib import admin

from antt.api.models import (
    AgencyKey,
    ApiUsage,
    Dataset,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
)
from antt.core.admin_audit import AuditedAdminMixin


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AgencyKey)
class AgencyKeyAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("name", "prefix", "is_active", "expires_at", "rate", "daily_quota", "last_used_at", "created_at")
    list_filter = ("is_active",)
    search_fields = ("name", "prefix", "contact")
    readonly_fields = ("prefix", "key_hash", "created_by", "created_at", "revoked_at", "last_used_at")
    filter_horizontal = ("units",)
    fields = (
        "name",
        "contact",
        "scopes",
        "units",
        "rate",
        "daily_quota",
        "is_active",
        "expires_at",
        "prefix",
        "key_hash",
        "created_by",
        "created_at",
        "revoked_at",
        "last_used_at",
    )

    def has_add_permission(self, request):
        return False  # issued on /quan-ly/ket-noi/cap-moi/, where the key is shown once


@admin.register(ApiUsage)
class ApiUsageAdmin(ReadOnlyAdmin):
    list_display = ("key", "day", "scope", "calls", "errors", "throttled")
    list_filter = ("scope", "day")
    date_hierarchy = "day"
    list_select_related = ("key",)


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("key", "url", "is_active", "created_at", "disabled_reason")
    list_filter = ("is_active",)
    search_fields = ("url", "key__name")
    readonly_fields = ("key", "secret", "created_at")
    list_select_related = ("key",)

    def has_add_permission(self, request):
        return False


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyAdmin):
    list_display = ("type", "object_type", "object_id", "unit", "occurred_at")
    list_filter = ("type",)
    search_fields = ("object_id",)
    date_hierarchy = "occurred_at"


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = ("event", "subscription", "state", "attempts", "last_status", "next_attempt_at", "delivered_at")
    list_filter = ("state",)
    list_select_related = ("event", "subscription__key")


@admin.register(WebhookAttempt)
class WebhookAttemptAdmin(ReadOnlyAdmin):
    list_display = ("delivery", "at", "status", "error", "duration_ms", "replay")
    list_filter = ("replay",)


@admin.register(Dataset)
class DatasetAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("title", "slug", "frequency", "licence_name", "min_cell", "is_published", "order")
    list_filter = ("is_published", "frequency")
    list_editable = ("order", "is_published")
    search_fields = ("title", "slug", "description")
