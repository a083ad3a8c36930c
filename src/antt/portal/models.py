"""Content of the public portal that editors manage: announcements and contact points.

No business rules: what the portal shows of procedures, dossiers, figures and open data comes
from the domain apps' selectors.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from antt.org.models import Unit


class Announcement(models.Model):
    """A notice on the portal (thông báo): a new procedure, a changed fee, office hours at Tết.

    Shown publicly while `published` and `publish_from <= now < publish_until` (open-ended when
    empty); `pinned` ones come first on the home page. `body` is plain text (paragraphs separated
    by a blank line; the template escapes it, no HTML from editors).
    """

    title = models.CharField(_("tiêu đề"), max_length=200)
    slug = models.SlugField(_("đường dẫn"), max_length=220, unique=True)
    summary = models.CharField(_("tóm tắt"), max_length=300, blank=True)
    body = models.TextField(_("nội dung"))
    unit = models.ForeignKey(Unit, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("đơn vị"))
    published = models.BooleanField(_("công khai"), default=False)
    pinned = models.BooleanField(_("ghim lên đầu"), default=False)
    publish_from = models.DateTimeField(_("hiển thị từ"), null=True, blank=True)
    publish_until = models.DateTimeField(_("hiển thị đến"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("người tạo")
    )
    created_at = models.DateTimeField(_("ngày tạo"), auto_now_add=True)
    updated_at = models.DateTimeField(_("cập nhật lần cuối"), auto_now=True)

    class Meta:
        verbose_name = _("thông báo")
        verbose_name_plural = _("thông báo")
        ordering = ["-pinned", "-publish_from", "-created_at"]
        indexes = [models.Index(fields=["published", "publish_from"], name="announcement_pub_idx")]

    def __str__(self):
        return self.title


class ContactPoint(models.Model):
    """A place or line citizens can reach: the public service centre's hotline, a unit's
    reception desk, the feedback line. Ordered by `order`; `is_hotline` ones are shown in the
    footer and on the home page."""

    name = models.CharField(_("tên"), max_length=200)
    unit = models.ForeignKey(Unit, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("đơn vị"))
    address = models.CharField(_("địa chỉ"), max_length=255, blank=True)
    phone = models.CharField(_("điện thoại"), max_length=40, blank=True)
    email = models.EmailField(_("thư điện tử"), blank=True)
    hours = models.CharField(_("giờ làm việc"), max_length=200, blank=True)
    note = models.TextField(_("ghi chú"), blank=True)
    is_hotline = models.BooleanField(_("đường dây nóng"), default=False)
    order = models.PositiveSmallIntegerField(_("thứ tự"), default=0)
    is_active = models.BooleanField(_("đang dùng"), default=True)

    class Meta:
        verbose_name = _("đầu mối liên hệ")
        verbose_name_plural = _("đầu mối liên hệ")
        ordering = ["order", "name"]

    def __str__(self):
        return self.name
