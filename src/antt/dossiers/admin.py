"""One-stop shop administration (Vietnamese).

Form templates (Mẫu) are data an administrator may correct; every change is audited. A printed set
must not change afterwards (old dossiers reprint what they got): publish a new row with a new
`valid_from` instead, and mirror corrections in `data/forms.yaml`, which a reload re-applies.

Dossiers are read-only here: every change goes through `dossiers.services` (state machine, clock,
audit, notifications). Opening a dossier shows the applicant's personal data, so it is logged.
"""

from django.contrib import admin
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from antt.core.admin_audit import AuditedAdminMixin
from antt.dossiers import selectors
from antt.dossiers.models import (
    Apology,
    Dossier,
    DossierDocument,
    DossierEvent,
    DossierResult,
    DossierStep,
    FormTemplate,
    SupplementRequest,
)


class FormInForceFilter(admin.SimpleListFilter):
    title = _("hiệu lực")
    parameter_name = "hieu_luc"

    def lookups(self, request, model_admin):
        return [("yes", _("Đang áp dụng")), ("no", _("Hết hiệu lực hoặc chưa áp dụng"))]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        in_force = Q(valid_from__lte=today) & (Q(valid_to__isnull=True) | Q(valid_to__gte=today))
        if self.value() == "yes":
            return queryset.filter(in_force)
        if self.value() == "no":
            return queryset.exclude(in_force)
        return queryset


@admin.register(FormTemplate)
class FormTemplateAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name", "key", "form_set", "valid_from", "valid_to", "confidence"]
    list_filter = ["key", "form_set", FormInForceFilter, "confidence"]
    search_fields = ["code", "name", "form_set", "legal_basis"]
    ordering = ["key", "-valid_from", "code"]
    fieldsets = [
        (None, {"fields": ["key", "code", "name", "form_set", "field_slugs"]}),
        (_("Hiệu lực"), {"fields": ["valid_from", "valid_to"]}),
        (_("Căn cứ và nguồn"), {"fields": ["legal_basis", "source", "confidence"]}),
        (_("Nội dung cố định"), {"fields": ["texts"]}),
    ]


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class DocumentInline(_ReadOnlyInline):
    model = DossierDocument
    fields = ["round", "name", "originals", "certified_copies", "copies", "original_name", "size", "sha256"]
    readonly_fields = fields


class StepInline(_ReadOnlyInline):
    model = DossierStep
    fields = ["order", "name", "role", "unit", "assignee", "budget_hours", "state", "due_at", "timeliness"]
    readonly_fields = fields


class EventInline(_ReadOnlyInline):
    model = DossierEvent
    fields = ["at", "action", "from_status", "to_status", "actor_name", "from_unit", "to_unit", "to_user", "note"]
    readonly_fields = fields


class SupplementInline(_ReadOnlyInline):
    model = SupplementRequest
    fields = ["number", "requested_at", "requested_by", "items", "reasons", "fulfilled_at"]
    readonly_fields = fields


class ApologyInline(_ReadOnlyInline):
    model = Apology
    fields = ["number", "issued_at", "issued_by", "reason", "previous_due_at", "new_due_at"]
    readonly_fields = fields


class ResultInline(_ReadOnlyInline):
    model = DossierResult
    fields = ["number", "code", "name", "size", "sha256", "created_at", "created_by"]
    readonly_fields = fields


@admin.register(Dossier)
class DossierAdmin(admin.ModelAdmin):
    """Read-only: the list shows no personal data; opening one is logged as a personal-data read."""

    list_display = ["code", "procedure", "unit", "status", "channel", "submitted_at", "due_at", "timeliness"]
    list_filter = ["status", "channel", "timeliness", "field"]
    search_fields = ["code"]
    list_select_related = ["procedure", "unit"]
    date_hierarchy = "submitted_at"
    show_full_result_count = False  # no COUNT(*) over millions of rows
    inlines = [DocumentInline, StepInline, EventInline, SupplementInline, ApologyInline, ResultInline]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        dossier = self.get_object(request, object_id)
        if dossier is not None and getattr(response, "status_code", 200) == 200:
            selectors.log_personal_read(dossier, reason="Quản trị: xem hồ sơ")
        return response
