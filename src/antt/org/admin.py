"""Django admin for the org app (reference data and accounts), labels in Vietnamese."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from antt.core import audit
from antt.core.admin_audit import ADMIN_REASON, AuditedAdminMixin
from antt.org.models import AdminArea, Unit, User


@admin.register(AdminArea)
class AdminAreaAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """Read-mostly: the areas come from `manage.py load_reference`."""

    list_display = ["code", "name", "level", "scheme", "parent"]
    list_filter = ["scheme", "level"]
    search_fields = ["code", "name", "name_folded"]
    list_select_related = ["parent"]
    readonly_fields = ["scheme", "code", "level", "parent"]
    filter_horizontal = ["successors"]
    ordering = ["scheme", "code"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Unit)
class UnitAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "level", "agency_code", "parent", "is_active", "active_until"]
    list_filter = ["level", "is_active"]
    search_fields = ["name", "name_folded", "agency_code", "slug"]
    list_select_related = ["parent"]
    raw_id_fields = ["parent", "area"]
    readonly_fields = ["path"]
    ordering = ["path"]
    fieldsets = [
        (None, {"fields": ["name", "short_name", "slug", "level", "parent", "path"]}),
        (_("Mã và địa bàn"), {"fields": ["agency_code", "area", "address", "phone"]}),
        (_("Hoạt động"), {"fields": ["is_active", "active_until"]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        # Moving a unit re-writes its subtree's paths: that goes through org.services.unit_move.
        return [*self.readonly_fields, "parent"] if obj is not None else self.readonly_fields


@admin.register(User)
class UserAdmin(AuditedAdminMixin, DjangoUserAdmin):
    list_display = ["username", "full_name", "unit", "role", "is_active", "is_staff"]
    list_filter = ["role", "is_active", "is_staff", "is_superuser"]
    search_fields = ["username", "full_name", "full_name_folded", "email", "phone"]
    list_select_related = ["unit"]
    raw_id_fields = ["unit"]
    ordering = ["username"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("Thông tin cán bộ"), {"fields": ["full_name", "title", "phone", "email", "unit", "role"]}),
        (
            _("Quyền hạn"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        (_("Thời điểm"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["username", "full_name", "unit", "role", "password1", "password2"],
            },
        ),
    ]

    def user_change_password(self, request, id, form_url=""):
        with transaction.atomic():
            response = super().user_change_password(request, id, form_url)
            if request.method == "POST" and response.status_code == 302:
                audit.record(
                    audit.Action.UPDATE,
                    self.get_object(request, id),
                    changes={"password": "[đã ẩn]"},
                    actor=request.user,
                    reason=ADMIN_REASON,
                )
        return response
