"""Reads of administrative violations, each already limited to what the caller may see.

Staff: `violation.view` is needed (else PermissionDenied, a 403); the rows are those of the
user's unit and the units below it (`org.selectors.scope`), plus, for records, those
transferred to it (Luật XLVPHC Art. 58(5)). One object outside that scope is a 404, never a
403 (do not reveal that it exists). Opening a file with the violator's full data writes a
personal-data read to the audit trail (`decision_get(..., log_read=True)`, `record_get`);
lists show masked names and ID numbers (`mask_name`, `mask_id`).

Public: `public_by_plate` lists the decisions still to pay for a plate, `public_by_number`
finds one decision by its number and the last 4 digits of the violator's ID number or tax
code (compared in constant time, the same None whether the number or the digits are wrong).
What the public sees (decided here): only decisions with money owed — unpaid, partly paid,
late, under enforcement or under appeal (a complaint does not suspend payment); never a
cancelled one, a warning, or one paid in full; `public_by_number` also returns a decision
paid in full, so that the payer can see it went through (the browser test ends there), but
never a cancelled one. Callers show masked names only.
"""

from __future__ import annotations

import hmac

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from antt.core import audit
from antt.core.identifiers import IdentifierError, parse_plate
from antt.org.roles import can
from antt.org.selectors import _scope_path, scope
from antt.violations.models import (
    DecisionStatus,
    LicenceSuspension,
    PenaltyDecision,
    SeizedItem,
    Source,
    ViolationRecord,
)

PERSONAL_FIELDS = [
    "violator_name",
    "violator_id_number",
    "violator_tax_code",
    "violator_birth_date",
    "violator_address",
    "violator_phone",
]
OWED_STATUSES = (
    DecisionStatus.UNPAID,
    DecisionStatus.PARTLY_PAID,
    DecisionStatus.LATE,
    DecisionStatus.ENFORCED,
    DecisionStatus.APPEALED,
)


def _require_view(user) -> None:
    if not can(user, "violation.view"):
        raise PermissionDenied("Bạn không có quyền xem hồ sơ xử lý vi phạm hành chính.")


def visible_records(user) -> QuerySet[ViolationRecord]:
    """Records made by the user's unit subtree, or transferred to it."""
    _require_view(user)
    prefix = _scope_path(user)
    if prefix is None:
        return ViolationRecord.objects.none()
    return ViolationRecord.objects.filter(
        Q(unit__path__startswith=prefix)
        | Q(status=ViolationRecord.Status.TRANSFERRED, transferred_to__path__startswith=prefix)
    )


def visible_decisions(user) -> QuerySet[PenaltyDecision]:
    """Decisions of the user's unit subtree (by the denormalised `unit_path`: no join)."""
    _require_view(user)
    prefix = _scope_path(user)
    if prefix is None:
        return PenaltyDecision.objects.none()
    return PenaltyDecision.objects.filter(unit_path__startswith=prefix)


def visible_seized(user) -> QuerySet[SeizedItem]:
    _require_view(user)
    return scope(user, SeizedItem.objects.all())


def visible_suspensions(user) -> QuerySet[LicenceSuspension]:
    _require_view(user)
    return scope(user, LicenceSuspension.objects.all())


def may_see_personal_data(user) -> bool:
    """Full personal data for roles with person.view (a supervisor reads statistics, not people)."""
    return can(user, "person.view")


def log_personal_read(obj, reason: str) -> None:
    """Every staff read of a violator's full data leaves an audit entry (as dossiers do)."""
    audit.record_personal_read(obj, PERSONAL_FIELDS, reason=reason)


def record_get(user, pk, *, log_read: bool = True) -> ViolationRecord:
    """One record the user may see (404 otherwise); its personal-data read is logged."""
    try:
        record = (
            visible_records(user)
            .select_related("unit", "officer", "case", "area", "transferred_to")
            .prefetch_related("record_behaviours__behaviour__decree", "seized_items")
            .filter(pk=int(pk))
            .first()
        )
    except (TypeError, ValueError):
        record = None
    if record is None:
        raise Http404("Không tìm thấy biên bản.")
    if log_read and may_see_personal_data(user):
        log_personal_read(record, "Xem biên bản vi phạm hành chính")
    return record


def decision_get(user, pk, *, log_read: bool = True) -> PenaltyDecision:
    """One decision the user may see (404 otherwise); its personal-data read is logged."""
    try:
        decision = (
            visible_decisions(user)
            .select_related("unit", "issuer", "case", "stat_group", "area")
            .prefetch_related("lines", "records", "payments", "suspensions", "seized_items", "events")
            .filter(pk=int(pk))
            .first()
        )
    except (TypeError, ValueError):
        decision = None
    if decision is None:
        raise Http404("Không tìm thấy quyết định xử phạt.")
    if log_read and may_see_personal_data(user):
        log_personal_read(decision, "Xem quyết định xử phạt")
    return decision


# --- masking -----------------------------------------------------------------------------------


def mask_name(name: str) -> str:
    """ "Nguyễn Văn An" → "N***** V** A**": enough to recognise, nothing more."""
    return " ".join(word[0] + "*" * max(len(word) - 1, 2) for word in (name or "").split())


def mask_id(value: str, keep: int = 4) -> str:
    """ "038090001234" → "********1234"."""
    value = value or ""
    if len(value) <= keep:
        return "*" * len(value)
    return "*" * (len(value) - keep) + value[-keep:]


def violator_display(obj, user) -> dict:
    """The violator as a page shows it to `user`: full with person.view, masked otherwise."""
    full = may_see_personal_data(user)
    return {
        "name": obj.violator_name if full else mask_name(obj.violator_name),
        "id_number": obj.violator_id_number if full else mask_id(obj.violator_id_number),
        "tax_code": obj.violator_tax_code,  # an organisation's tax code is public
        "address": obj.violator_address if full else "",
        "phone": obj.violator_phone if full else "",
    }


# --- public lookups ----------------------------------------------------------------------------


# What the public answer reads of a decision (`api_public.summary`): the plate lookup fetches only
# these columns (a decision row has ~50), which is most of its cost per fine.
PUBLIC_COLUMNS = (
    "id",
    "number",
    "token",
    "payment_reference",
    "issued_at",
    "issued_on",
    "unit_id",
    "violator_name",
    "plate_display",
    "status",
    "warning_only",
    "total_fine",
    "amount_paid",
    "surcharge_paid",
    "payment_due_on",
    "paid_on",
)


def public_by_plate(plate: str) -> list[PenaltyDecision]:
    """Decisions with money still owed for this plate (normalised), oldest first; [] for a
    malformed plate. Decisions imported from old files are left out: they carry no payment
    deadline to compute a surcharge from, and their payments were settled outside the system."""
    try:
        normalised = parse_plate(plate).normalised
    except IdentifierError:
        return []
    return list(
        PenaltyDecision.objects.filter(plate=normalised, status__in=OWED_STATUSES)
        .exclude(source=Source.IMPORT)
        .select_related("unit")
        .only(*PUBLIC_COLUMNS, "unit__name")
        .order_by("issued_at")[:50]
    )


def public_by_number(number: str, id_last_digits: str) -> PenaltyDecision | None:
    """The decision with this number whose violator's ID number (or tax code) ends with these
    4 digits, unless cancelled or a warning; None otherwise, the same for every failure."""
    number = " ".join((number or "").split()).upper().replace("QD", "QĐ")
    digits = (id_last_digits or "").strip()
    if not number or len(number) > 40 or len(digits) != 4 or not digits.isdigit():
        return None
    decision = (
        PenaltyDecision.objects.select_related("unit")
        .filter(number=number)
        .exclude(status__in=[DecisionStatus.CANCELLED, DecisionStatus.WARNING])
        .exclude(source=Source.IMPORT)
        .first()
    )
    identifier = ""
    if decision is not None:
        identifier = decision.violator_tax_code or decision.violator_id_number
        identifier = identifier.replace("-", "")
    expected = identifier[-4:] if len(identifier) >= 4 else "\x00\x00\x00\x00"
    ok = hmac.compare_digest(expected.encode(), digits.encode())
    return decision if decision is not None and ok else None
