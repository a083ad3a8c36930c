"""Reads of the establishment's own side. Every read starts from the signed-in account's
establishment (`lodging_account`), never from an id in the request: another establishment's
stay, batch, room or key is simply not found (404).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count, Q, QuerySet

from antt.core.text import fold
from antt.establishments import selectors_business as est_selectors
from antt.establishments.models import EstablishmentAccount
from antt.lodging.errors import LodgingError
from antt.lodging.models import ApiKey, Declaration, DeclarationBatch, Room

VN = ZoneInfo("Asia/Ho_Chi_Minh")
D = Declaration
STATES = {"staying": D.State.STAYING, "departed": D.State.DEPARTED, "cancelled": D.State.CANCELLED}
SORTS = {
    "arrived": ("arrived_at", "id"),
    "-arrived": ("-arrived_at", "-id"),
    "name": ("name_folded", "id"),
    "-name": ("-name_folded", "-id"),
    "room": ("room", "id"),
    "-room": ("-room", "-id"),
    "stay": ("stay_id",),
    "-stay": ("-stay_id",),
}
DEFAULT_SORT = "-arrived"


def active_account(user) -> EstablishmentAccount | None:
    return est_selectors.active_account(user)


def has_lodging_line(establishment) -> bool:
    return establishment.lines.filter(is_lodging=True).exists()


def lodging_account(user) -> EstablishmentAccount | None:
    """The user's active establishment account when its establishment has a lodging line."""
    account = active_account(user)
    if account is None:
        return None
    cached = getattr(account, "_has_lodging", None)
    if cached is None:
        cached = account._has_lodging = has_lodging_line(account.establishment)
    return account if cached else None


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """[00:00, next 00:00) of a Vietnamese day, aware."""
    start = datetime.combine(day, time(0, 0), tzinfo=VN)
    return start, start + timedelta(days=1)


# --- guests ------------------------------------------------------------------------------------


def current_stays(establishment) -> QuerySet[Declaration]:
    return Declaration.objects.filter(establishment_id=establishment.pk, is_current=True)


def guest_list(
    establishment, *, state: str = "staying", day: date | None = None, name: str = "", room: str = "", sort: str = ""
) -> QuerySet[Declaration]:
    """The establishment's stays (their current rows), filtered and sorted."""
    qs = current_stays(establishment)
    if state in STATES:
        qs = qs.filter(state=STATES[state])
    if day is not None:
        start, end = day_bounds(day)
        qs = qs.filter(arrived_at__gte=start, arrived_at__lt=end)
    for word in fold(name).split()[:6]:
        qs = qs.filter(name_folded__contains=word)
    room = " ".join((room or "").split())
    if room:
        qs = qs.filter(room__iexact=room)
    return qs.order_by(*SORTS.get(sort, SORTS[DEFAULT_SORT]))


def stay_history(establishment, stay_id: int) -> list[Declaration]:
    """Every ledger row of one of the establishment's stays, oldest first; LodgingError 404."""
    rows = list(Declaration.objects.filter(establishment_id=establishment.pk, stay_id=stay_id).order_by("id"))
    if not rows:
        raise LodgingError("Không tìm thấy lượt lưu trú này của cơ sở.", status=404)
    return rows


def stay_current_row(rows: list[Declaration]) -> Declaration:
    return next((r for r in rows if r.is_current), rows[-1])


# --- home --------------------------------------------------------------------------------------


@dataclass
class HomeSummary:
    staying: int
    staying_foreign: int
    declared_today: int
    late_today: int
    late_month: int
    rooms: int
    keys: int
    batches: list[DeclarationBatch]


def home_summary(establishment, *, today: date) -> HomeSummary:
    current = current_stays(establishment)
    staying = current.filter(state=D.State.STAYING).aggregate(
        n=Count("id"), foreign=Count("id", filter=~Q(nationality="VNM"))
    )
    start, end = day_bounds(today)
    arrivals = Declaration.objects.filter(establishment_id=establishment.pk, kind=D.Kind.ARRIVAL)
    today_counts = arrivals.filter(declared_at__gte=start, declared_at__lt=end).aggregate(
        n=Count("id"), late=Count("id", filter=Q(is_late=True))
    )
    month_start, _ = day_bounds(today.replace(day=1))
    late_month = arrivals.filter(declared_at__gte=month_start, declared_at__lt=end, is_late=True).count()
    return HomeSummary(
        staying=staying["n"],
        staying_foreign=staying["foreign"],
        declared_today=today_counts["n"],
        late_today=today_counts["late"],
        late_month=late_month,
        rooms=Room.objects.filter(establishment_id=establishment.pk, is_active=True).count(),
        keys=ApiKey.objects.filter(establishment_id=establishment.pk, revoked_at__isnull=True).count(),
        batches=list(DeclarationBatch.objects.filter(establishment_id=establishment.pk).order_by("-created_at")[:5]),
    )


# --- rooms, keys, batches ----------------------------------------------------------------------


def rooms_of(establishment, *, active_only: bool = False) -> QuerySet[Room]:
    qs = Room.objects.filter(establishment_id=establishment.pk)
    if active_only:
        qs = qs.filter(is_active=True)
    return qs.order_by("-is_active", "number")


def room_get(establishment, pk: int) -> Room:
    room = Room.objects.filter(establishment_id=establishment.pk, pk=pk).select_related("establishment").first()
    if room is None:
        raise LodgingError("Không tìm thấy phòng.", status=404)
    return room


def keys_of(establishment) -> QuerySet[ApiKey]:
    return (
        ApiKey.objects.filter(establishment_id=establishment.pk)
        .select_related("created_by", "revoked_by")
        .order_by("revoked_at", "-created_at")
    )


def key_get(establishment, pk: int) -> ApiKey:
    key = ApiKey.objects.filter(establishment_id=establishment.pk, pk=pk).select_related("establishment").first()
    if key is None:
        raise LodgingError("Không tìm thấy khóa.", status=404)
    return key


def batch_get(establishment, pk: uuid.UUID) -> DeclarationBatch | None:
    """A batch of the establishment by its id or by the idempotency key the upload page made
    (a queued file is known by its key until the batch exists)."""
    return (
        DeclarationBatch.objects.filter(establishment_id=establishment.pk)
        .filter(Q(pk=pk) | Q(idempotency_key=str(pk)))
        .first()
    )


# --- the daily receipt ---------------------------------------------------------------------------


def receipt_entries(establishment, day: date) -> list[Declaration]:
    """Every ledger row the establishment wrote on `day` (Vietnam time): arrivals, corrections,
    departures, cancellations, in the order they were written."""
    start, end = day_bounds(day)
    return list(
        Declaration.objects.filter(establishment_id=establishment.pk, declared_at__gte=start, declared_at__lt=end)
        .only(
            "id",
            "stay_id",
            "kind",
            "declared_at",
            "full_name",
            "doc_number",
            "nationality",
            "room",
            "arrived_at",
            "departed_at",
            "is_late",
            "source",
            "anonymised_at",
        )
        .order_by("declared_at", "id")
    )
