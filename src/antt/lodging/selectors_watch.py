"""Reads of the watchlist and its alerts, already scoped to the user.

* Watchlist entries: only officers with `watchlist.view`; an entry is visible when the unit that
  entered it is one of the officer's visible units (their unit and below).
* Alerts: officers with `watchlist.view`; an alert is visible when its unit (the establishment's
  police) or its entry's unit is one of the officer's visible units.
* Missing capability: PermissionDenied (403); an id out of scope: Http404.

Lists never carry full personal data (`mask_name`, `mask_doc`); a full read is logged by the view
(`audit.record_personal_read`).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.http import Http404

from antt.core.text import fold
from antt.establishments.models import Establishment
from antt.lodging.models import Alert, Declaration, WatchEntry
from antt.org.roles import can
from antt.org.selectors import unit_is_visible, visible_units

PAGE_SIZE = 50


def require(user, capability: str) -> None:
    if not can(user, capability):
        raise PermissionDenied("Bạn không có quyền xem danh sách theo dõi.")


# --- masking (lists) -----------------------------------------------------------------------------


def mask_name(name: str) -> str:
    """Initials only: "Nguyễn Văn An" → "N. V. A."."""
    parts = [p for p in (name or "").split() if p]
    return " ".join(f"{p[0].upper()}." for p in parts)


def mask_doc(number: str) -> str:
    """The last 3 characters: "038090012345" → "•••345"."""
    number = number or ""
    if not number:
        return ""
    return "•••" + number[-3:] if len(number) > 3 else "•••"


# --- entries -------------------------------------------------------------------------------------


def entries_for(user) -> QuerySet[WatchEntry]:
    """The entries entered by the user's visible units (PermissionDenied without watchlist.view)."""
    require(user, "watchlist.view")
    return WatchEntry.objects.filter(unit__in=visible_units(user))


@dataclass
class EntryFilters:
    kind: str = ""
    active: str = ""  # "1" active, "0" closed, "" all
    q: str = ""


def entry_list(user, filters: EntryFilters) -> QuerySet[WatchEntry]:
    qs = entries_for(user).select_related("unit")
    if filters.kind in WatchEntry.Kind.values:
        qs = qs.filter(kind=filters.kind)
    if filters.active == "1":
        qs = qs.filter(is_active=True)
    elif filters.active == "0":
        qs = qs.filter(is_active=False)
    text = (filters.q or "").replace("\x00", "").strip()[:100]
    if text:
        doc = "".join(text.split()).upper()
        words = fold(text).split()
        by_name = Q()
        for word in words:
            by_name &= Q(name_folded__contains=word)
        qs = qs.filter(Q(doc_number=doc) | by_name) if words else qs.filter(doc_number=doc)
    return qs.order_by("-created_at", "-id")


def entry_get(user, pk: int) -> WatchEntry:
    try:
        return entries_for(user).select_related("unit", "created_by", "closed_by").get(pk=pk)
    except WatchEntry.DoesNotExist:
        raise Http404("Không tìm thấy đối tượng theo dõi.") from None


def entry_is_visible(user, entry: WatchEntry) -> bool:
    return can(user, "watchlist.view") and unit_is_visible(user, entry.unit)


# --- alerts --------------------------------------------------------------------------------------


def alerts_for(user) -> QuerySet[Alert]:
    """Alerts whose unit or whose entry's unit is visible to the user."""
    require(user, "watchlist.view")
    units = visible_units(user)
    return Alert.objects.filter(Q(unit__in=units) | Q(watch_entry__unit__in=units))


def alert_is_visible(user, alert: Alert) -> bool:
    return unit_is_visible(user, alert.unit) or unit_is_visible(user, alert.watch_entry.unit)


def alert_list(user, *, status: str = "") -> QuerySet[Alert]:
    qs = alerts_for(user).select_related("establishment", "unit", "watch_entry")
    if status in Alert.Status.values:
        qs = qs.filter(status=status)
    # New first, then acknowledged, then closed; newest first within each.
    rank = Case(
        When(status=Alert.Status.NEW, then=Value(0)),
        When(status=Alert.Status.ACKNOWLEDGED, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return qs.annotate(rank=rank).order_by("rank", "-created_at", "-id")


def alert_get(user, pk: int) -> Alert:
    try:
        return (
            alerts_for(user)
            .select_related("establishment", "unit", "watch_entry", "watch_entry__unit", "acknowledged_by", "closed_by")
            .get(pk=pk)
        )
    except Alert.DoesNotExist:
        raise Http404("Không tìm thấy cảnh báo.") from None


def alert_declaration(alert: Alert) -> Declaration | None:
    """The stay's current row (what the guest's record says now), else the matched row."""
    row = Declaration.objects.filter(stay_id=alert.stay_id, is_current=True).first()
    return row or Declaration.objects.filter(pk=alert.declaration_id).first()


def alert_establishment(alert: Alert) -> Establishment:
    return alert.establishment


def alert_poll(user, *, latest: int = 5) -> dict:
    """{"new": n, "latest": [{id, created_at, establishment}]}: no personal data."""
    qs = alerts_for(user).filter(status=Alert.Status.NEW)
    newest = list(qs.select_related("establishment").order_by("-created_at", "-id")[:latest])
    return {
        "new": qs.count(),
        "latest": [
            {"id": a.pk, "created_at": a.created_at.isoformat(), "establishment": a.establishment.name} for a in newest
        ],
    }
