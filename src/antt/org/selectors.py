"""Reads of the org app, and THE scoping gate every other app uses.

An officer sees their own unit and every unit below it: one prefix query on the materialised
path (`Unit.path`, "/1/4/27/"). Nobody is special-cased: a superuser or system administrator
sees everything because their unit is the province root, a supervisor reads across the units
below theirs by the same rule, and a user without a unit sees nothing.

    from antt.org.selectors import scope, get_scoped_or_404
    dossiers = scope(request.user, Dossier.objects.all())                  # field "unit"
    stays = scope(request.user, GuestStay.objects.all(), unit_field="establishment__unit")
    dossier = get_scoped_or_404(request.user, Dossier.objects.all(), pk=pk)
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from antt.core.text import fold
from antt.org.models import AdminArea, Role, Unit, User
from antt.org.roles import can


def _scope_path(user) -> str | None:
    """The path prefix this user may see, or None when they may see nothing."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if not getattr(user, "unit_id", None):
        return None
    return user.unit.path


def visible_units(user) -> QuerySet[Unit]:
    """The user's unit and every unit below it."""
    prefix = _scope_path(user)
    if prefix is None:
        return Unit.objects.none()
    return Unit.objects.filter(path__startswith=prefix)


def scope(user, queryset: QuerySet, unit_field: str | None = "unit") -> QuerySet:
    """Restrict `queryset` to rows whose unit is the user's unit or below it.

    `unit_field` is the lookup path from the model to its Unit ("unit", "dossier__unit"); pass
    None when the queryset is of Unit itself.
    """
    prefix = _scope_path(user)
    if prefix is None:
        return queryset.none()
    lookup = f"{unit_field}__path__startswith" if unit_field else "path__startswith"
    return queryset.filter(**{lookup: prefix})


def get_scoped_or_404(user, queryset: QuerySet, *, unit_field: str | None = "unit", **lookup):
    """One object the user may see, else 404 (never 403: do not reveal that it exists)."""
    return get_object_or_404(scope(user, queryset, unit_field), **lookup)


def unit_is_visible(user, unit: Unit | None) -> bool:
    prefix = _scope_path(user)
    return prefix is not None and unit is not None and unit.path.startswith(prefix)


# --- Officers -----------------------------------------------------------------------------

OFFICER_ORDERINGS = {
    "name": ("full_name_folded", "username"),
    "username": ("username",),
    "unit": ("unit__path", "full_name_folded"),
    "role": ("role", "full_name_folded"),
    "joined": ("date_joined", "id"),
}


def _clean_query(q: str | None) -> str:
    """Search text as the database accepts it (PostgreSQL refuses NUL characters)."""
    return (q or "").replace("\x00", "").strip()[:100]


def _require(user, capability: str) -> None:
    if not can(user, capability):
        raise PermissionDenied("Bạn không có quyền thực hiện thao tác này.")


def officer_list(
    user,
    *,
    unit: Unit | int | None = None,
    role: str | None = None,
    q: str | None = None,
    order: str = "name",
    active: bool | None = None,
) -> QuerySet[User]:
    """Officers the user may see (needs "officer.view"), filtered and sorted.

    `unit` narrows to that unit and below (still inside the user's scope); `q` searches the
    folded full name and the username; `order` is a key of OFFICER_ORDERINGS, "-" for descending.
    """
    _require(user, "officer.view")
    qs = scope(user, User.objects.filter(unit__isnull=False).exclude(role=""))
    if unit:
        unit_obj = unit if isinstance(unit, Unit) else Unit.objects.filter(pk=unit).first()
        if unit_obj is None:
            return qs.none()
        qs = qs.filter(unit__path__startswith=unit_obj.path)
    if role:
        qs = qs.filter(role=role) if role in Role.values else qs.none()
    q = _clean_query(q)
    if q and (folded := fold(q)):
        qs = qs.filter(Q(full_name_folded__contains=folded) | Q(username__icontains=q))
    if active is not None:
        qs = qs.filter(is_active=active)
    desc = order.startswith("-")
    fields = OFFICER_ORDERINGS.get(order.lstrip("-"), OFFICER_ORDERINGS["name"])
    return qs.select_related("unit").order_by(*[("-" + f if desc else f) for f in fields])


def officer_get(user, pk) -> User:
    """One officer the user may see; 404 when outside their scope, 403 without "officer.view"."""
    _require(user, "officer.view")
    return get_scoped_or_404(user, User.objects.select_related("unit"), pk=pk)


def mask_phone(phone: str) -> str:
    """'0912345123' -> '09xx xxx 123': enough to recognise, not to call."""
    digits = "".join(ch for ch in phone or "" if ch.isdigit())
    if len(digits) < 6:
        return "•••" if phone else ""
    return f"{digits[:2]}xx xxx {digits[-3:]}"


# --- Units and administrative areas (public reference data) -------------------------------


def unit_tree(*, level: str | None = None, active: bool | None = None) -> QuerySet[Unit]:
    """Every unit, in tree order (public reference data: names and codes only)."""
    qs = Unit.objects.select_related("area").order_by("path")
    if level:
        qs = qs.filter(level=level)
    if active is not None:
        qs = qs.filter(is_active=active)
    return qs


def admin_area_get(area_id: int) -> AdminArea:
    """One administrative area (public reference data) with its successors' ids, or 404."""
    area = get_object_or_404(AdminArea.objects.prefetch_related("successors"), pk=area_id)
    area.successor_ids = [s.pk for s in area.successors.all()]
    return area


def admin_area_list(*, scheme: str | None = None, parent: int | None = None, q: str | None = None) -> QuerySet:
    qs = AdminArea.objects.order_by("scheme", "code")
    if scheme:
        qs = qs.filter(scheme=scheme)
    if parent:
        qs = qs.filter(parent_id=parent)
    q = _clean_query(q)
    if q and (folded := fold(q)):
        qs = qs.filter(name_folded__contains=folded)
    return qs
