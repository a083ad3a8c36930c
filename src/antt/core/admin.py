from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AdminDateWidget
from django.utils.translation import gettext_lazy as _

from antt.core import audit, notify, services
from antt.core.models import AuditEvent, CalendarDay, Notification
from antt.org.roles import can


class CalendarDayForm(forms.ModelForm):
    """Takes the date as dd/mm/yyyy (the Vietnamese way), or ISO."""

    date = forms.DateField(
        label=CalendarDay._meta.get_field("date").verbose_name,
        input_formats=["%d/%m/%Y", "%Y-%m-%d"],
        widget=AdminDateWidget(format="%d/%m/%Y"),
    )

    class Meta:
        model = CalendarDay
        fields = ["date", "kind", "name", "legal_basis"]


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    """Days off and make-up working days; every change goes through the audited services."""

    form = CalendarDayForm
    list_display = ["date", "kind", "name", "legal_basis"]
    list_filter = ["kind"]
    search_fields = ["name", "legal_basis"]
    date_hierarchy = "date"
    ordering = ["-date"]

    def save_model(self, request, obj, form, change):
        services.calendar_day_save(day=obj, actor=request.user)

    def delete_model(self, request, obj):
        services.calendar_day_delete(day=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for day in queryset:
            services.calendar_day_delete(day=day, actor=request.user)


# --- audit trail admin (AuditEvent) goes below ---------------------------------


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """The audit trail, read-only for everyone (superusers included).

    Entries are never added, changed or deleted here; database triggers refuse
    it anyway. Staff with the `audit.view` capability (or Django's view
    permission) may read it.
    """

    list_display = ["seq", "at", "actor_name", "ip", "action", "object_type", "object_id", "object_repr"]
    list_filter = [
        "action",
        "object_type",
        ("actor", admin.RelatedOnlyFieldListFilter),
        ("at", admin.DateFieldListFilter),
    ]
    search_fields = ["=object_id", "actor_name", "=actor__username"]
    date_hierarchy = "at"
    ordering = ["-seq"]
    show_full_result_count = False
    actions = None
    fields = [
        "seq",
        "at",
        "actor_name",
        "actor_id",
        "actor_unit_id",
        "ip",
        "action",
        "object_type",
        "object_id",
        "object_repr",
        "changes",
        "reason",
        "prev_hash",
        "hash",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) or can(request.user, "audit.view")

    def has_module_permission(self, request):
        return super().has_module_permission(request) or can(request.user, "audit.view")


# --- notifications outbox admin (Notification) goes below ---------------------


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """The outbox, read-only: lists mask the recipient; opening a message is a logged personal-data read.

    Messages are created by services and sent by the task worker; staff may only
    cancel pending ones (through `notify.cancel`, audited).
    """

    list_display = [
        "id",
        "created_at",
        "channel",
        "recipient_masked",
        "key",
        "state",
        "attempts",
        "next_attempt_at",
        "sent_at",
    ]
    list_filter = ["state", "channel", "key", ("created_at", admin.DateFieldListFilter)]
    search_fields = ["=object_id", "=key"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-id"]
    show_full_result_count = False
    actions = ["cancel_selected"]
    fields = [
        "channel",
        "recipient",
        "subject",
        "body",
        "key",
        "data",
        "object_type",
        "object_id",
        "state",
        "attempts",
        "next_attempt_at",
        "last_response",
        "created_at",
        "sent_at",
    ]
    readonly_fields = fields

    @admin.display(description=_("người nhận"))
    def recipient_masked(self, obj):
        return notify.mask_recipient(obj.channel, obj.recipient)

    @admin.action(description=_("Hủy các thông báo đang chờ gửi đã chọn"), permissions=["change"])
    def cancel_selected(self, request, queryset):
        cancelled = 0
        for notification in queryset.filter(state=Notification.State.PENDING):
            try:
                notify.cancel(notification=notification, actor=request.user, reason="Hủy từ trang quản trị")
            except notify.NotifyError:
                continue  # sent or failed meanwhile
            cancelled += 1
        self.message_user(request, f"Đã hủy {cancelled} thông báo.")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        notification = self.get_object(request, object_id)
        if notification is not None and self.has_view_permission(request, notification):
            audit.record_personal_read(notification, ["recipient", "body"], reason="Xem thông báo trong trang quản trị")
        return super().change_view(request, object_id, form_url, extra_context)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # The change permission lets staff run the cancel action; the form itself is read-only.
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False
