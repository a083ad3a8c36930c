"""Audit for the Django admin: every add, change and delete made there is recorded.

The admin runs each add, change and delete view in a transaction, so the audit
entry commits with the change or not at all. Use it first in the bases:
`class UnitAdmin(AuditedAdminMixin, admin.ModelAdmin)`.
"""

from antt.core import audit

ADMIN_REASON = "Quản trị"


class AuditedAdminMixin:
    def save_model(self, request, obj, form, change):
        before = audit.snapshot(type(obj).objects.get(pk=obj.pk)) if change and obj.pk else {}
        super().save_model(request, obj, form, change)
        after = audit.snapshot(obj)
        audit.record(
            audit.Action.UPDATE if change else audit.Action.CREATE,
            obj,
            changes=audit.diff(before, after) if change else after,
            actor=request.user,
            reason=ADMIN_REASON,
        )

    def delete_model(self, request, obj):
        audit.record(audit.Action.DELETE, obj, changes=audit.snapshot(obj), actor=request.user, reason=ADMIN_REASON)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            audit.record(audit.Action.DELETE, obj, changes=audit.snapshot(obj), actor=request.user, reason=ADMIN_REASON)
        super().delete_queryset(request, queryset)
