"""Writes of the portal's content: announcements. Each checks `portal.edit` and the editor's
unit, runs in a transaction and leaves an audit entry.

The slug is made from the title by folding Vietnamese (`core.text.fold`: "Thông báo nghỉ Tết" →
"thong-bao-nghi-tet") and made unique with a numeric suffix; it does not change when the title is
edited, so that links already shared keep working.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils.text import slugify

from antt.core import audit
from antt.core.text import fold
from antt.org.roles import can
from antt.portal import selectors
from antt.portal.models import Announcement

SLUG_MAX = 200  # leaves room for a "-NN" suffix within the field's 220
# Audited fields: every concrete one but the timestamps the database keeps anyway.
AUDIT_FIELDS = [f.attname for f in Announcement._meta.concrete_fields if f.name not in ("created_at", "updated_at")]


class AnnouncementError(Exception):
    """Invalid input; `message` is Vietnamese, `field` names the form field."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass
class AnnouncementData:
    title: str
    body: str
    summary: str = ""
    publish_from: datetime | None = None
    publish_until: datetime | None = None
    pinned: bool = False

    def clean(self) -> None:
        self.title = (self.title or "").replace("\x00", "").strip()
        self.summary = (self.summary or "").replace("\x00", "").strip()
        self.body = (self.body or "").replace("\x00", "").strip()
        if not self.title:
            raise AnnouncementError("Vui lòng nhập tiêu đề.", "title")
        if not fold(self.title).strip() or not slugify(fold(self.title)):
            raise AnnouncementError("Tiêu đề cần có ít nhất một chữ hoặc số.", "title")
        if not self.body:
            raise AnnouncementError("Vui lòng nhập nội dung.", "body")
        if self.publish_from and self.publish_until and self.publish_until <= self.publish_from:
            raise AnnouncementError("Ngày kết thúc hiển thị phải sau ngày bắt đầu.", "publish_until")


def slug_for(title: str) -> str:
    """A unique slug from the folded title: "thong-bao-nghi-tet", then "-2", "-3"…"""
    base = slugify(fold(title))[:SLUG_MAX].strip("-") or "thong-bao"
    taken = set(Announcement.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def _require_editor(user) -> None:
    if not can(user, "portal.edit") or not getattr(user, "unit_id", None):
        raise PermissionDenied("Bạn không có quyền quản lý thông báo.")


def _locked(user, pk: int) -> Announcement:
    _require_editor(user)
    allowed = selectors.editable_announcements(user).values("pk")
    row = Announcement.objects.select_for_update().filter(pk=pk, pk__in=allowed).first()
    if row is None:
        raise Announcement.DoesNotExist
    return row


def announcement_create(*, editor, data: AnnouncementData, publish: bool = False) -> Announcement:
    _require_editor(editor)
    data.clean()
    for attempt in range(3):  # two editors creating the same title at once: retry the suffix
        try:
            with transaction.atomic():
                row = Announcement.objects.create(
                    title=data.title,
                    slug=slug_for(data.title),
                    summary=data.summary,
                    body=data.body,
                    unit=editor.unit,
                    published=publish,
                    pinned=data.pinned,
                    publish_from=data.publish_from,
                    publish_until=data.publish_until,
                    created_by=editor,
                )
                audit.record_create(row, reason="Tạo thông báo trên cổng")
                return row
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def announcement_update(*, editor, pk: int, data: AnnouncementData) -> Announcement:
    data.clean()
    with transaction.atomic():
        row = _locked(editor, pk)
        before = audit.snapshot(row, AUDIT_FIELDS)
        row.title, row.summary, row.body = data.title, data.summary, data.body
        row.publish_from, row.publish_until, row.pinned = data.publish_from, data.publish_until, data.pinned
        row.save()
        audit.record_change(row, before, reason="Sửa thông báo trên cổng")
    return row


def _set(editor, pk: int, reason: str, **values) -> Announcement:
    with transaction.atomic():
        row = _locked(editor, pk)
        before = audit.snapshot(row, AUDIT_FIELDS)
        changed = any(getattr(row, k) != v for k, v in values.items())
        for k, v in values.items():
            setattr(row, k, v)
        if changed:
            row.save(update_fields=[*values, "updated_at"])
            audit.record_change(row, before, audit.Action.TRANSITION, reason=reason)
    return row


def announcement_publish(*, editor, pk: int) -> Announcement:
    return _set(editor, pk, "Công khai thông báo", published=True)


def announcement_unpublish(*, editor, pk: int) -> Announcement:
    return _set(editor, pk, "Thôi công khai thông báo", published=False)


def announcement_pin(*, editor, pk: int, pinned: bool = True) -> Announcement:
    return _set(editor, pk, "Ghim thông báo" if pinned else "Bỏ ghim thông báo", pinned=pinned)
