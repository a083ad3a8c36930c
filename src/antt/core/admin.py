from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AdminDateWidget

from antt.core import services
from antt.core.models import AuditEvent, CalendarDay
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
