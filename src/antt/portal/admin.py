"""Portal content in the admin (/quan-tri/): announcements and contact points, every change audited.

Editors normally use the staff pages (/can-bo/thong-bao/), which check the unit; the admin is for
system administrators, e.g. to fix a contact point or take down a notice at once.
"""

from django.contrib import admin

from antt.core.admin_audit import AuditedAdminMixin
from antt.portal.models import Announcement, ContactPoint


@admin.register(Announcement)
class AnnouncementAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("title", "published", "pinned", "publish_from", "publish_until", "unit", "updated_at")
    list_filter = ("published", "pinned")
    search_fields = ("title", "slug", "summary")
    readonly_fields = ("created_by", "created_at", "updated_at")
    autocomplete_fields = ("unit",)
    date_hierarchy = "created_at"


@admin.register(ContactPoint)
class ContactPointAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("name", "phone", "is_hotline", "order", "is_active", "unit")
    list_filter = ("is_hotline", "is_active")
    list_editable = ("order", "is_active")
    search_fields = ("name", "phone", "address")
    autocomplete_fields = ("unit",)
