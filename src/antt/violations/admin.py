"""Administration of administrative violations (Vietnamese).

The rules (decrees, behaviours, field maxima, fining titles, circumstances, legal parameters,
statistics rows, officers' titles) are data a system administrator updates when the law
changes; every change is audited (AuditedAdminMixin). A behaviour that records or decisions
already use must not be rewritten: when a decree changes, add a new row with new dates
(`valid_from` / `valid_to`) and mirror it in `violations/data/`, which `load_violation_rules`
re-applies. Such rows cannot be deleted here.

The files (records, decisions, payments, seized items, suspensions, imports) are read-only:
every change goes through `violations.services` (state machine, deadlines, audit). Opening a
record or a decision shows the violator's personal data, so it is logged.
"""

from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from antt.core import audit
from antt.core.admin_audit import AuditedAdminMixin
from antt.violations.models import (
    Behaviour,
    Circumstance,
    DecisionEvent,
    DecisionLine,
    DecisionViolator,
    Decree,
    FineField,
    FinePayment,
    FiningTitle,
    LegalParameter,
    LicenceSuspension,
    OfficerFiningTitle,
    PaymentCallback,
    PenaltyDecision,
    RecordBehaviour,
    SeizedItem,
    StatGroup,
    TreasuryStatement,
    TreasuryStatementLine,
    ViolationCase,
    ViolationImport,
    ViolationRecord,
)

PERSONAL_FIELDS = [
    "violator_name",
    "violator_id_number",
    "violator_tax_code",
    "violator_birth_date",
    "violator_address",
    "violator_phone",
]


class InForceFilter(admin.SimpleListFilter):
    """Rows in force today (Validity.valid_on), or not."""

    title = _("hiệu lực")
    parameter_name = "hieu_luc"

    def lookups(self, request, model_admin):
        return [("yes", _("Đang áp dụng")), ("no", _("Hết hiệu lực hoặc chưa áp dụng"))]

    def queryset(self, request, queryset):
        in_force = queryset.model.valid_on(timezone.localdate())
        if self.value() == "yes":
            return queryset.filter(in_force)
        if self.value() == "no":
            return queryset.exclude(in_force)
        return queryset


class ConfidenceFilter(admin.SimpleListFilter):
    """How sure the source is (data/*.yaml put "[confidence]" in front of `source`)."""

    title = _("mức tin cậy")
    parameter_name = "tin_cay"
    OPTIONS = [
        ("confirmed", _("Đã đối chiếu")),
        ("secondary", _("Nguồn thứ cấp")),
        ("from memory", _("Chưa kiểm chứng")),
    ]

    def lookups(self, request, model_admin):
        return self.OPTIONS

    def queryset(self, request, queryset):
        if self.value() in dict(self.OPTIONS):
            if hasattr(queryset.model, "confidence"):
                return queryset.filter(confidence=self.value())
            return queryset.filter(source__startswith=f"[{self.value()}]")
        return queryset


class UsedRuleMixin(AuditedAdminMixin):
    """Rule rows that files point to cannot be deleted from the admin."""

    def is_used(self, obj) -> bool:
        return False

    def has_delete_permission(self, request, obj=None):
        if obj is not None and self.is_used(obj):
            return False
        return super().has_delete_permission(request, obj)


VALIDITY_FIELDSET = (_("Hiệu lực và nguồn"), {"fields": ["valid_from", "valid_to", "legal_basis", "source"]})


@admin.register(StatGroup)
class StatGroupAdmin(UsedRuleMixin, admin.ModelAdmin):
    list_display = ["code", "field_no", "field_name", "name", "order"]
    list_filter = ["field_no"]
    search_fields = ["code", "field_name", "name"]
    ordering = ["order", "code"]

    def is_used(self, obj):
        return obj.behaviours.exists() or obj.decisions.exists()


@admin.register(FineField)
class FineFieldAdmin(UsedRuleMixin, admin.ModelAdmin):
    list_display = ["code", "name", "individual_max", "organisation_max", "valid_from", "valid_to"]
    list_filter = ["code", InForceFilter, ConfidenceFilter]
    search_fields = ["code", "name", "legal_basis"]
    fieldsets = [(None, {"fields": ["code", "name", "individual_max", "organisation_max"]}), VALIDITY_FIELDSET]


class BehaviourInline(admin.TabularInline):
    model = Behaviour
    fields = ["code", "short_name", "fine_min", "fine_max", "valid_from", "valid_to", "confidence"]
    readonly_fields = fields
    extra = 0
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Decree)
class DecreeAdmin(UsedRuleMixin, admin.ModelAdmin):
    list_display = ["code", "title", "valid_from", "valid_to", "organisation_multiplier", "replaces"]
    list_filter = [InForceFilter, ConfidenceFilter]
    search_fields = ["code", "title", "legal_basis"]
    list_select_related = ["replaces"]
    fieldsets = [(None, {"fields": ["code", "title", "organisation_multiplier", "replaces"]}), VALIDITY_FIELDSET]
    inlines = [BehaviourInline]

    def is_used(self, obj):
        return obj.behaviours.exists()


@admin.register(Behaviour)
class BehaviourAdmin(UsedRuleMixin, admin.ModelAdmin):
    list_display = [
        "code",
        "short_name",
        "decree",
        "stat_group",
        "fine_min",
        "fine_max",
        "suspension_min_months",
        "suspension_max_months",
        "valid_from",
        "valid_to",
        "confidence",
    ]
    list_filter = ["decree", "stat_group", "fine_field_code", "vehicle_related", InForceFilter, ConfidenceFilter]
    search_fields = ["code", "short_name", "description", "description_folded", "legal_basis"]
    list_select_related = ["decree", "stat_group"]
    autocomplete_fields = ["decree", "stat_group"]
    fieldsets = [
        (None, {"fields": ["decree", "code", ("article", "clause", "point"), "short_name", "description"]}),
        (_("Thống kê và lĩnh vực"), {"fields": ["stat_group", "fine_field_code", "subject", "vehicle_related"]}),
        (
            _("Hình thức xử phạt"),
            {
                "fields": [
                    "warning_allowed",
                    ("fine_min", "fine_max"),
                    ("organisation_fine_min", "organisation_fine_max"),
                    ("suspension_min_months", "suspension_max_months"),
                    "licence_points",
                    "confiscation",
                    "additional_penalties",
                    "remedial_measures",
                ]
            },
        ),
        (_("Hiệu lực và nguồn"), {"fields": ["valid_from", "valid_to", "legal_basis", "source", "confidence"]}),
    ]

    def is_used(self, obj):
        return (
            RecordBehaviour.objects.filter(behaviour=obj).exists()
            or DecisionLine.objects.filter(behaviour=obj).exists()
        )


@admin.register(FiningTitle)
class FiningTitleAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name", "percent", "cap_amount", "may_suspend", "may_confiscate", "valid_from", "valid_to"]
    list_filter = ["code", InForceFilter, ConfidenceFilter]
    search_fields = ["code", "name", "legal_basis"]
    ordering = ["rank", "code", "-valid_from"]
    fieldsets = [
        (None, {"fields": ["code", "name", "rank"]}),
        (
            _("Thẩm quyền"),
            {
                "fields": [
                    ("percent", "cap_amount"),
                    "may_warn",
                    "may_suspend",
                    ("may_confiscate", "confiscate_multiple"),
                    "may_expel",
                ]
            },
        ),
        VALIDITY_FIELDSET,
    ]


@admin.register(OfficerFiningTitle)
class OfficerFiningTitleAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["user", "title_code", "since"]
    list_filter = ["title_code"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "title_code"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]


@admin.register(Circumstance)
class CircumstanceAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["code", "kind", "text", "order", "valid_from", "valid_to"]
    list_filter = ["kind", InForceFilter]
    search_fields = ["code", "text"]
    fieldsets = [(None, {"fields": ["kind", "code", "text", "order"]}), VALIDITY_FIELDSET]


@admin.register(LegalParameter)
class LegalParameterAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["key", "value", "unit", "description", "valid_from", "valid_to"]
    list_filter = ["key", InForceFilter, ConfidenceFilter]
    search_fields = ["key", "description", "legal_basis"]
    fieldsets = [(None, {"fields": ["key", "value", "unit", "description"]}), VALIDITY_FIELDSET]


# --- the files: read-only ------------------------------------------------------------------------


class ReadOnlyAdmin(admin.ModelAdmin):
    """Changes go through violations.services; the admin only shows."""

    show_full_result_count = False  # no COUNT(*) over millions of rows

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class PersonalReadMixin:
    """Opening one object shows the violator's personal data: log the read."""

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        obj = self.get_object(request, object_id)
        if obj is not None and getattr(response, "status_code", 200) == 200:
            audit.record_personal_read(obj, PERSONAL_FIELDS, reason="Quản trị: xem chi tiết")
        return response


class RecordBehaviourInline(ReadOnlyInline):
    model = RecordBehaviour


@admin.register(ViolationCase)
class ViolationCaseAdmin(ReadOnlyAdmin):
    list_display = ["code", "unit", "occurred_on", "source"]
    list_filter = ["source"]
    search_fields = ["code"]
    list_select_related = ["unit"]
    date_hierarchy = "occurred_on"


@admin.register(ViolationRecord)
class ViolationRecordAdmin(PersonalReadMixin, ReadOnlyAdmin):
    """The list shows no personal data."""

    list_display = ["number", "unit", "violated_at", "status", "decision_due_on"]
    list_filter = ["status"]
    search_fields = ["number"]
    list_select_related = ["unit"]
    date_hierarchy = "violated_at"
    inlines = [RecordBehaviourInline]


class DecisionViolatorInline(ReadOnlyInline):
    model = DecisionViolator


class DecisionLineInline(ReadOnlyInline):
    model = DecisionLine


class DecisionEventInline(ReadOnlyInline):
    model = DecisionEvent


class PaymentInline(ReadOnlyInline):
    model = FinePayment


@admin.register(PenaltyDecision)
class PenaltyDecisionAdmin(PersonalReadMixin, ReadOnlyAdmin):
    list_display = ["number", "unit", "issued_on", "stat_group", "total_fine", "amount_paid", "status"]
    list_filter = ["status", "source", "stat_group"]
    search_fields = ["number", "plate"]
    list_select_related = ["unit", "stat_group"]
    date_hierarchy = "issued_on"
    inlines = [DecisionLineInline, DecisionViolatorInline, PaymentInline, DecisionEventInline]


@admin.register(FinePayment)
class FinePaymentAdmin(ReadOnlyAdmin):
    list_display = ["decision", "channel", "amount", "received_at", "receipt_number", "transaction_id"]
    list_filter = ["channel"]
    search_fields = ["receipt_number", "transaction_id", "decision__number"]
    list_select_related = ["decision"]
    date_hierarchy = "received_at"


@admin.register(PaymentCallback)
class PaymentCallbackAdmin(ReadOnlyAdmin):
    list_display = ["received_at", "transaction_id", "payment_reference", "amount", "signature_ok", "result"]
    list_filter = ["result", "signature_ok"]
    search_fields = ["transaction_id", "payment_reference"]


class StatementLineInline(ReadOnlyInline):
    model = TreasuryStatementLine


@admin.register(TreasuryStatement)
class TreasuryStatementAdmin(ReadOnlyAdmin):
    list_display = ["file_name", "imported_at", "imported_by", "line_count", "matched_count"]
    search_fields = ["file_name", "file_sha256"]
    inlines = [StatementLineInline]


@admin.register(SeizedItem)
class SeizedItemAdmin(ReadOnlyAdmin):
    list_display = ["description", "kind", "unit", "seized_at", "hold_until", "status"]
    list_filter = ["status", "kind"]
    search_fields = ["description", "plate"]
    list_select_related = ["unit"]
    date_hierarchy = "seized_at"


@admin.register(LicenceSuspension)
class LicenceSuspensionAdmin(ReadOnlyAdmin):
    list_display = ["licence_number", "kind", "unit", "months", "starts_on", "ends_on", "cancelled"]
    list_filter = ["kind", "cancelled"]
    search_fields = ["licence_number"]
    list_select_related = ["unit"]


@admin.register(ViolationImport)
class ViolationImportAdmin(ReadOnlyAdmin):
    list_display = ["file_name", "unit", "created_at", "mode", "state", "total_rows", "created_rows", "error_rows"]
    list_filter = ["state", "mode"]
    search_fields = ["file_name", "file_sha256"]
    list_select_related = ["unit"]
