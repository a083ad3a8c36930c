"""Reads of the portal's own content: announcements and contact points.

Public reads take no user: an announcement is public while `published` and inside its window
(`publish_from <= now < publish_until`, open-ended when empty). Editors' reads take the user and
return only what they may edit (`portal.edit`, their unit and the units below; notices without a
unit belong to the top unit's editors).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from antt.core.text import fold
from antt.org.models import Unit
from antt.org.roles import can
from antt.portal.models import Announcement, ContactPoint

MAX_QUERY_LENGTH = 100
EDITOR_STATES = {
    "": "Tất cả",
    "shown": "Đang hiển thị",
    "scheduled": "Chờ đến ngày hiển thị",
    "expired": "Hết hạn hiển thị",
    "draft": "Chưa công khai",
}


def _visible(now: datetime) -> Q:
    return (
        Q(published=True)
        & (Q(publish_from__isnull=True) | Q(publish_from__lte=now))
        & (Q(publish_until__isnull=True) | Q(publish_until__gt=now))
    )


def _ordered(qs: QuerySet[Announcement]) -> QuerySet[Announcement]:
    # Coalesce: NULLs sort differently on SQLite and PostgreSQL.
    return qs.annotate(shown_at=Coalesce("publish_from", "created_at")).order_by("-pinned", "-shown_at", "-id")


def announcements_public(*, now: datetime | None = None) -> QuerySet[Announcement]:
    """Announcements shown to the public now, pinned first, newest first."""
    return _ordered(Announcement.objects.filter(_visible(now or timezone.now())).select_related("unit"))


def announcement_public_get(slug: str, *, now: datetime | None = None) -> Announcement | None:
    if not slug or "\x00" in slug or len(slug) > 220:
        return None
    return announcements_public(now=now).filter(slug=slug).first()


def is_shown(announcement: Announcement, *, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return (
        announcement.published
        and (announcement.publish_from is None or announcement.publish_from <= now)
        and (announcement.publish_until is None or announcement.publish_until > now)
    )


def state_of(announcement: Announcement, *, now: datetime | None = None) -> str:
    now = now or timezone.now()
    if not announcement.published:
        return "draft"
    if announcement.publish_from is not None and announcement.publish_from > now:
        return "scheduled"
    if announcement.publish_until is not None and announcement.publish_until <= now:
        return "expired"
    return "shown"


def editable_announcements(user) -> QuerySet[Announcement]:
    """Announcements `user` may edit: `portal.edit`, of their unit or below (unit-less ones: top unit only)."""
    if not can(user, "portal.edit") or not getattr(user, "unit_id", None):
        return Announcement.objects.none()
    unit = user.unit
    condition = Q(unit__path__startswith=unit.path)
    if unit.parent_id is None:
        condition |= Q(unit__isnull=True)
    return Announcement.objects.filter(condition).select_related("unit", "created_by")


def announcements_for_editor(
    user, *, q: str = "", state: str = "", now: datetime | None = None
) -> QuerySet[Announcement]:
    now = now or timezone.now()
    qs = editable_announcements(user)
    for word in fold((q or "").replace("\x00", " ")).split()[:5]:
        # Titles are short and editors few: a case-insensitive match on the title and the folded
        # form of the query cover both accented and plain typing.
        qs = qs.filter(Q(title__icontains=word) | Q(slug__contains=word.replace(" ", "-")))
    if state == "shown":
        qs = qs.filter(_visible(now))
    elif state == "scheduled":
        qs = qs.filter(published=True, publish_from__gt=now)
    elif state == "expired":
        qs = qs.filter(published=True, publish_until__lte=now)
    elif state == "draft":
        qs = qs.filter(published=False)
    return qs.annotate(shown_at=Coalesce("publish_from", "created_at")).order_by("-updated_at", "-id")


def announcement_for_editor(user, pk: int) -> Announcement | None:
    return editable_announcements(user).filter(pk=pk).first()


# --- Contact points ---------------------------------------------------------------------------


def contact_points() -> list[ContactPoint]:
    """Active contact points, hotlines first."""
    return list(
        ContactPoint.objects.filter(is_active=True).select_related("unit").order_by("-is_hotline", "order", "name")
    )


def hotlines() -> list[ContactPoint]:
    return list(ContactPoint.objects.filter(is_active=True, is_hotline=True).order_by("order", "name"))


def service_centre() -> Unit | None:
    """The public service centre (the unit `ANTT_FEEDBACK_INTAKE_UNIT`), if configured."""
    return Unit.objects.filter(slug=settings.ANTT_FEEDBACK_INTAKE_UNIT, is_active=True).first()


def reception_units() -> list[Unit]:
    """The provincial police's departments that receive dossiers (address and phone), by name."""
    return list(
        Unit.objects.filter(is_active=True, level=Unit.Level.DEPARTMENT)
        .order_by("name_folded")
        .only("id", "name", "short_name", "address", "phone", "level", "slug")
    )


def office_hours() -> list[tuple[str, str]]:
    """`ANTT_OFFICE_HOURS` ("07:30-11:30,13:30-17:00") as [("07:30", "11:30"), ...]; junk parts skipped."""
    out = []
    for part in (settings.ANTT_OFFICE_HOURS or "").split(","):
        start, sep, end = part.strip().partition("-")
        if sep and start.strip() and end.strip():
            out.append((start.strip(), end.strip()))
    return out


def office_hours_text() -> str:
    spans = office_hours()
    if not spans:
        return ""
    return "Thứ Hai đến thứ Sáu (trừ ngày nghỉ lễ, Tết): " + ", ".join(f"{a}–{b}" for a, b in spans)


# --- Where to go, for a procedure's page ------------------------------------------------------


@dataclass
class Place:
    """Where a citizen takes a dossier at one level: a named place or a kind of unit, with contacts."""

    level: str
    name: str
    address: str = ""
    phone: str = ""
    hours: str = ""
    note: str = ""
    contacts: list = field(default_factory=list)


def where_to_go(version) -> list[Place]:
    """The receiving places for the levels of a procedure version.

    Province level: the public service centre (its counters receive the provincial police's
    procedures), with the contact points attached to it; district level (before 1 July 2025) and
    commune level: the commune police where the applicant lives.
    """
    from antt.catalog.models import Level

    levels = {lv.level for lv in version.levels.all()}
    hours = office_hours_text()
    places = []
    if Level.PROVINCE in levels:
        centre = service_centre()
        if centre is not None:
            points = [p for p in contact_points() if p.unit_id == centre.pk]
            places.append(
                Place(
                    level=str(Level.PROVINCE.label),
                    name=centre.name,
                    address=centre.address or next((p.address for p in points if p.address), ""),
                    phone=centre.phone or next((p.phone for p in points if p.phone), ""),
                    hours=next((p.hours for p in points if p.hours), hours),
                    note="Bộ phận tiếp nhận và trả kết quả của Công an tỉnh; hồ sơ được chuyển đến phòng nghiệp vụ giải quyết.",
                    contacts=points,
                )
            )
        else:
            places.append(Place(level=str(Level.PROVINCE.label), name="Bộ phận một cửa của Công an tỉnh", hours=hours))
    if Level.DISTRICT in levels or Level.COMMUNE in levels:
        places.append(
            Place(
                level=str(Level.COMMUNE.label),
                name="Công an xã, phường nơi cư trú",
                hours=hours,
                note="Công an cấp huyện không còn: thủ tục cấp huyện trước đây do Công an xã, phường hoặc Công an tỉnh giải quyết."
                if Level.DISTRICT in levels
                else "",
            )
        )
    return places
