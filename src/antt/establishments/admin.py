"""Administration of establishments (Vietnamese).

The rules (business lines, issuing authority per line, fire-safety categories, inspection
frequencies, revocation grounds, procedure actions) are dated data a system administrator updates
when the law changes; every change is audited (AuditedAdminMixin). A rule that establishments,
certificates or profiles already use cannot be deleted: give it a `valid_to` and add a new row,
and mirror the change in `establishments/data/`, which `load_establishment_rules` re-applies.

The registry and its files (establishments, fire profiles and records, certificates, inspections,
findings, business accounts, the change feed) are read-only here: every change goes through the
services (validation, scope, audit, change feed). Opening an establishment or a certificate shows
personal data, so the read is logged.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from antt.core import audit
from antt.core.admin_audit import AuditedAdminMixin
from antt.establishments.models import (
    BusinessLine,
    Certificate,
    CertificateEvent,
    ChangeEntry,
    Establishment,
    EstablishmentAccount,
    Finding,
    FireCategory,
    FireProfile,
    FireRecord,
    Inspection,
    InspectionRule,
    LineAuthority,
    ProcedureAction,
    RevocationGround,
)
from antt.establishments.services import PERSONAL_FIELDS
from antt.violations.admin import ConfidenceFilter, InForceFilter, ReadOnlyAdmin, ReadOnlyInline, UsedRuleMixin

VALIDITY_FIELDSET = (_("Hiệu lực và nguồn"), {"fields": ["valid_from", "valid_to", "legal_basis", "source"]})


class CodeFixedMixin:
    """The natural key of a rule row does not change once saved (files and records refer to it)."""

    fixed_fields: tuple[str, ...] = ("code",)

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        return readonly + list(self.fixed_fields) if obj is not None else readonly


@admin.register(BusinessLine)
class BusinessLineAdmin(CodeFixedMixin, UsedRuleMixin, admin.ModelAdmin):
    list_display = [
        "order",
        "code",
        "name",
        "needs_security_plan",
        "is_lodging",
        "register_form",
        "valid_from",
        "valid_to",
    ]
    list_display_links = ["code", "name"]
    list_filter = [InForceFilter, ConfidenceFilter, "needs_security_plan", "is_lodging"]
    search_fields = ["code", "name", "scope_note", "legal_basis"]
    fieldsets = [
        (
            None,
            {"fields": ["code", "order", "name", "scope_note", "needs_security_plan", "is_lodging", "register_form"]},
        ),
        VALIDITY_FIELDSET,
    ]

    def is_used(self, obj):
        return obj.establishments.exists() or obj.certificates.exists()


@admin.register(LineAuthority)
class LineAuthorityAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["line_code", "unit_level", "condition", "valid_from", "valid_to", "source"]
    list_filter = ["unit_level", InForceFilter, ConfidenceFilter]
    search_fields = ["line_code", "condition", "legal_basis", "source"]
    fieldsets = [(None, {"fields": ["line_code", "unit_level", "condition"]}), VALIDITY_FIELDSET]


@admin.register(FireCategory)
class FireCategoryAdmin(CodeFixedMixin, UsedRuleMixin, admin.ModelAdmin):
    list_display = ["code", "appendix", "item", "name", "high_risk", "needs_design_approval", "valid_from", "valid_to"]
    list_filter = [
        "appendix",
        "high_risk",
        "needs_design_approval",
        "insurance_required",
        InForceFilter,
        ConfidenceFilter,
    ]
    search_fields = ["code", "name", "threshold", "legal_basis"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "code",
                    ("appendix", "item"),
                    "name",
                    "threshold",
                    "high_risk",
                    "needs_design_approval",
                    "insurance_required",
                ]
            },
        ),
        VALIDITY_FIELDSET,
    ]

    def is_used(self, obj):
        return obj.profiles.exists()


@admin.register(InspectionRule)
class InspectionRuleAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = [
        "domain",
        "fire_category_code",
        "high_risk_only",
        "interval_months",
        "min_interval_months",
        "risk_threshold",
        "risk_interval_months",
        "notice_working_days",
        "valid_from",
        "valid_to",
    ]
    list_filter = ["domain", "high_risk_only", InForceFilter, ConfidenceFilter]
    search_fields = ["fire_category_code", "legal_basis", "source"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "domain",
                    "fire_category_code",
                    "high_risk_only",
                    ("interval_months", "min_interval_months"),
                    ("risk_threshold", "risk_interval_months"),
                    "notice_working_days",
                ]
            },
        ),
        VALIDITY_FIELDSET,
    ]


@admin.register(RevocationGround)
class RevocationGroundAdmin(CodeFixedMixin, UsedRuleMixin, admin.ModelAdmin):
    list_display = ["code", "text", "temporary", "min_months", "max_months", "reissue_wait_months", "valid_from"]
    list_filter = ["temporary", InForceFilter, ConfidenceFilter]
    search_fields = ["code", "text", "legal_basis"]
    fieldsets = [
        (None, {"fields": ["code", "text", "temporary", ("min_months", "max_months"), "reissue_wait_months"]}),
        VALIDITY_FIELDSET,
    ]

    def is_used(self, obj):
        return CertificateEvent.objects.filter(ground=obj).exists()


@admin.register(ProcedureAction)
class ProcedureActionAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["seed_ref", "action", "fire_record_kind", "valid_from", "valid_to"]
    list_filter = ["action", InForceFilter, ConfidenceFilter]
    search_fields = ["seed_ref", "legal_basis"]
    fieldsets = [(None, {"fields": ["seed_ref", "action", "fire_record_kind"]}), VALIDITY_FIELDSET]


# --- the registry and its files: read-only ---------------------------------------------------


class PersonalReadMixin:
    """Opening one object shows personal data: log the read."""

    personal_fields: tuple[str, ...] = PERSONAL_FIELDS

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        obj = self.get_object(request, object_id)
        if obj is not None and getattr(response, "status_code", 200) == 200:
            audit.record(
                audit.Action.READ_PERSONAL,
                obj,
                changes={"fields": list(self.personal_fields)},
                actor=request.user,
                reason="Quản trị: xem chi tiết",
            )
        return response


class FireRecordInline(ReadOnlyInline):
    model = FireRecord
    fields = ["kind", "number", "issued_on", "valid_until", "result"]


@admin.register(Establishment)
class EstablishmentAdmin(PersonalReadMixin, ReadOnlyAdmin):
    """The list shows no personal data."""

    list_display = ["name", "tax_code", "kind", "unit", "area", "status", "updated_at"]
    list_filter = ["status", "kind", "is_demo"]
    search_fields = ["name_folded", "tax_code"]
    list_select_related = ["unit", "area"]
    inlines = [FireRecordInline]


@admin.register(FireProfile)
class FireProfileAdmin(ReadOnlyAdmin):
    list_display = ["establishment", "category", "high_risk", "needs_design_approval", "insurance_required"]
    list_filter = ["high_risk", "needs_design_approval", "insurance_required"]
    search_fields = ["establishment__name_folded", "establishment__tax_code"]
    list_select_related = ["establishment", "category"]


class CertificateEventInline(ReadOnlyInline):
    model = CertificateEvent


@admin.register(Certificate)
class CertificateAdmin(PersonalReadMixin, ReadOnlyAdmin):
    personal_fields = ("holder_name", "holder_id_number")
    list_display = ["number", "establishment", "unit", "kind", "issued_on", "status"]
    list_filter = ["status", "kind"]
    search_fields = ["number", "establishment__tax_code"]
    list_select_related = ["establishment", "unit"]
    inlines = [CertificateEventInline]


class FindingInline(ReadOnlyInline):
    model = Finding
    fk_name = "inspection"


@admin.register(Inspection)
class InspectionAdmin(ReadOnlyAdmin):
    list_display = ["establishment", "domain", "kind", "status", "planned_on", "inspected_on", "outcome"]
    list_filter = ["domain", "kind", "status", "outcome"]
    search_fields = ["establishment__tax_code", "record_number"]
    list_select_related = ["establishment"]
    date_hierarchy = "planned_on"
    inlines = [FindingInline]


@admin.register(EstablishmentAccount)
class EstablishmentAccountAdmin(ReadOnlyAdmin):
    list_display = ["user", "establishment", "is_manager", "status", "created_at"]
    list_filter = ["status", "is_manager"]
    search_fields = ["user__username", "establishment__tax_code"]
    list_select_related = ["user", "establishment"]


@admin.register(ChangeEntry)
class ChangeEntryAdmin(ReadOnlyAdmin):
    list_display = ["id", "entity", "object_id", "action", "at"]
    list_filter = ["entity", "action"]
    search_fields = ["object_id"]
