"""Reads of dossiers, each already limited to what the caller may see.

Staff see the dossiers of their unit and the units below it, counting both the unit
that handles a dossier and the one-stop desk that received it (`visible_dossiers`).
The public sees one dossier at a time, and only with its secret: the code plus the
last four digits of the applicant's phone, or the receipt's QR token.
"""

from __future__ import annotations

import hmac

from django.db.models import Q, QuerySet

from antt.core import audit
from antt.dossiers.models import Dossier
from antt.org.models import Unit
from antt.org.roles import can
from antt.org.selectors import _scope_path, visible_units

PERSONAL_FIELDS = [
    "applicant_name",
    "applicant_id_number",
    "applicant_birth_date",
    "applicant_phone",
    "applicant_email",
    "applicant_address",
]


def visible_unit_ids(user) -> list[int] | None:
    """Ids of the user's unit and the units below it; None when that is every unit (the only root).

    A list rather than a joined path filter or a subquery: under an OR PostgreSQL can then combine
    the (unit, status, due_at) and (receiving_unit, status, due_at) indexes (bench/dossiers.py).
    """
    if user.unit.parent_id is None and not Unit.objects.filter(parent__isnull=True).exclude(pk=user.unit_id).exists():
        return None
    return list(visible_units(user).values_list("pk", flat=True))


def visible_dossiers(user) -> QuerySet[Dossier]:
    """Dossiers handled or received by the user's unit or a unit below it (none without dossier.view)."""
    prefix = _scope_path(user)
    if prefix is None or not can(user, "dossier.view"):
        return Dossier.objects.none()
    units = visible_unit_ids(user)
    if units is None:
        return Dossier.objects.all()  # the only root unit sees the whole tree: no filter to evaluate
    return Dossier.objects.filter(Q(unit_id__in=units) | Q(receiving_unit_id__in=units))


def dossier_get(user, pk: int) -> Dossier | None:
    """One dossier the user may see, with what its pages need, or None."""
    return (
        visible_dossiers(user)
        .select_related(
            "procedure",
            "field",
            "procedure_version",
            "unit",
            "receiving_unit",
            "assignee",
            "received_by",
            "applicant_area",
        )
        .filter(pk=pk)
        .first()
    )


def may_see_personal_data(user, dossier: Dossier) -> bool:
    """Full personal data only for roles with person.view (a supervisor reads statistics, not people)."""
    return can(user, "person.view")


def log_personal_read(dossier: Dossier, reason: str = "Xem chi tiết hồ sơ") -> None:
    """Every staff read of the applicant's full personal data leaves an audit entry."""
    audit.record_personal_read(dossier, PERSONAL_FIELDS, reason=reason)


def mask_name(name: str) -> str:
    """ "Đặng Thị Ngọc Hường" → "Đ*** T** N*** H****": enough for the applicant to recognise, nothing more."""
    return " ".join(word[0] + "*" * max(len(word) - 1, 2) for word in (name or "").split())


def mask_digits(value: str, keep: int = 3) -> str:
    value = value or ""
    if len(value) <= keep:
        return "*" * len(value)
    return "*" * (len(value) - keep) + value[-keep:]


def public_lookup(code: str, phone_last4: str) -> Dossier | None:
    """The dossier with this code whose applicant's phone ends with these four digits, else None.

    The same answer (None) whether the code does not exist or the digits are wrong, and the
    digits are compared in constant time: the endpoint must not tell one from the other.
    """
    code = (code or "").strip().upper()
    digits = (phone_last4 or "").strip()
    if not code or len(code) > 60 or len(digits) != 4 or not digits.isdigit():
        return None
    dossier = Dossier.objects.select_related("procedure", "unit").filter(code=code).first()
    expected = dossier.applicant_phone[-4:] if dossier is not None else "0000"
    ok = hmac.compare_digest(expected.encode(), digits.encode())
    return dossier if dossier is not None and ok else None


def public_by_token(token: str) -> Dossier | None:
    token = (token or "").strip()
    if not token or len(token) > 40 or "\x00" in token:
        return None
    return Dossier.objects.select_related("procedure", "unit").filter(token=token).first()
