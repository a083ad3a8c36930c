"""Catalogue administration (Vietnamese).

New rules should be published as a new version (services.procedure_version_publish)
so that dossiers keep the version they were received under; the admin therefore
refuses to edit a version that is already used, and checks the 20%-below rule
on the steps it saves. Every change is written to the audit trail.
"""

from decimal import Decimal

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from antt.catalog.models import (
    Fee,
    Field,
    Level,
    Procedure,
    ProcedureLevel,
    ProcedureVersion,
    ProcessStep,
    RequiredDocument,
)
from antt.catalog.services import check_internal_target
from antt.core import audit
from antt.core.admin_audit import AuditedAdminMixin


class InForceFilter(admin.SimpleListFilter):
    title = _("hiệu lực")
    parameter_name = "hieu_luc"
    version_prefix = ""

    def lookups(self, request, model_admin):
        return [("yes", _("Đang có hiệu lực")), ("no", _("Hết hiệu lực hoặc chưa áp dụng"))]

    def _in_force_q(self):
        today = timezone.localdate()
        p = self.version_prefix
        return Q(**{f"{p}valid_from__lte": today}) & (
            Q(**{f"{p}valid_to__isnull": True}) | Q(**{f"{p}valid_to__gte": today})
        )

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(self._in_force_q()).distinct()
        if self.value() == "no":
            return queryset.exclude(pk__in=queryset.filter(self._in_force_q()).values("pk"))
        return queryset


class ProcedureInForceFilter(InForceFilter):
    version_prefix = "versions__"


class VerifiedFilter(admin.SimpleListFilter):
    title = _("xác minh")
    parameter_name = "xac_minh"
    field_name = "verified"

    def lookups(self, request, model_admin):
        return [("yes", _("Đã xác minh")), ("no", _("Chưa xác minh"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(**{self.field_name: True}).distinct()
        if self.value() == "no":
            return queryset.filter(**{self.field_name: False}).distinct()
        return queryset


class ProcedureVerifiedFilter(VerifiedFilter):
    """A procedure is unverified when its code or any of its versions is."""

    def queryset(self, request, queryset):
        unverified = Q(code_verified=False) | Q(versions__verified=False)
        if self.value() == "no":
            return queryset.filter(unverified).distinct()
        if self.value() == "yes":
            return queryset.exclude(pk__in=queryset.filter(unverified).values("pk"))
        return queryset


class LevelFilter(admin.SimpleListFilter):
    title = _("cấp thực hiện")
    parameter_name = "cap"
    lookup = "levels__level"

    def lookups(self, request, model_admin):
        return Level.choices

    def queryset(self, request, queryset):
        if self.value() in Level.values:
            return queryset.filter(**{self.lookup: self.value()}).distinct()
        return queryset


class ProcedureLevelFilter(LevelFilter):
    lookup = "versions__levels__level"


@admin.register(Field)
class FieldAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "slug", "appendix"]
    search_fields = ["name", "name_folded", "slug"]


class VersionInline(admin.TabularInline):
    model = ProcedureVersion
    fields = ["valid_from", "valid_to", "legal_time_amount", "legal_time_unit", "online_level", "verified"]
    readonly_fields = fields
    extra = 0
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Procedure)
class ProcedureAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name", "field", "code_verified"]
    list_filter = ["field", ProcedureLevelFilter, ProcedureVerifiedFilter, ProcedureInForceFilter]
    search_fields = ["code", "name", "name_folded", "seed_name"]
    list_select_related = ["field"]
    inlines = [VersionInline]


class LevelInline(admin.TabularInline):
    model = ProcedureLevel
    extra = 0


class DocumentInline(admin.TabularInline):
    model = RequiredDocument
    extra = 0


class FeeInline(admin.TabularInline):
    model = Fee
    extra = 0


class StepFormSet(forms.BaseInlineFormSet):
    """Refuses steps whose budgets are not at least 20% below the legal time."""

    def clean(self):
        super().clean()
        total = Decimal(0)
        count = 0
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or not form.cleaned_data or form.cleaned_data.get("DELETE"):
                continue
            if form.cleaned_data.get("budget_hours") is not None:
                total += form.cleaned_data["budget_hours"]
                count += 1
            if not form.cleaned_data.get("role") and not form.cleaned_data.get("unit_level"):
                raise forms.ValidationError(_("Mỗi bước cần chỉ rõ vai trò hoặc cấp đơn vị thực hiện."))
        if count:
            version = self.instance
            try:
                check_internal_target(total, version.legal_time_amount, version.legal_time_unit)
            except ValidationError as exc:
                raise forms.ValidationError(exc.messages) from exc


class StepInline(admin.TabularInline):
    model = ProcessStep
    formset = StepFormSet
    extra = 0


@admin.register(ProcedureVersion)
class ProcedureVersionAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = [
        "procedure",
        "valid_from",
        "valid_to",
        "legal_time_amount",
        "legal_time_unit",
        "online_level",
        "verified",
    ]
    list_filter = ["procedure__field", LevelFilter, VerifiedFilter, InForceFilter, "online_level"]
    search_fields = ["procedure__code", "procedure__name_folded", "procedure__name"]
    list_select_related = ["procedure"]
    autocomplete_fields = ["procedure"]
    readonly_fields = ["internal_target_hours", "created_at", "created_by"]
    inlines = [LevelInline, DocumentInline, FeeInline, StepInline]

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_used():
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_used():
            return False
        return super().has_delete_permission(request, obj)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        version = form.instance
        steps = list(version.steps.all())
        total = sum((s.budget_hours for s in steps), Decimal(0)) if steps else None
        if total != version.internal_target_hours:
            ProcedureVersion.objects.filter(pk=version.pk).update(internal_target_hours=total)
            audit.record(
                audit.Action.UPDATE,
                version,
                changes={"internal_target_hours": [str(version.internal_target_hours), str(total)]},
                actor=request.user,
                reason="Quản trị: quy trình nội bộ",
            )
