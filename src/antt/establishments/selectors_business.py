"""Reads for business accounts: the account of a signed-in user, the business's own file (its
establishment only: general data, certificates, inspections it was told of, findings with their
deadlines), the appendix-3 procedures it may submit online with the form prefilled, and, for
staff, the accounts waiting for approval in their units.

A business sees its own establishment and nothing else: every read here starts from the
account's establishment, never from an id in the request. Staff reads go through `scope`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils import timezone

from antt.core import audit
from antt.establishments.models import (
    BusinessLine,
    Establishment,
    EstablishmentAccount,
    Finding,
    Inspection,
    ProcedureAction,
)
from antt.establishments.selectors import clean_query, name_words
from antt.org.roles import can
from antt.org.selectors import get_scoped_or_404, mask_phone, scope

S = EstablishmentAccount.Status
CERT_ACTIONS = (
    ProcedureAction.Action.CERT_NEW,
    ProcedureAction.Action.CERT_CHANGE,
    ProcedureAction.Action.CERT_REISSUE,
)
APPLICANT_FIELDS = ["full_name", "phone", "email"]
_ORGANISATION_CODE = re.compile(r"^[0-9]{10}(-[0-9]{3})?$")
_MOBILE = re.compile(r"^(0|\+?84)(3|5|7|8|9)[0-9]{8}$")  # what the online form accepts


def _mobile(*numbers: str) -> str:
    """The first mobile number: the online form's phone is a mobile (SMS, the lookup's last four
    digits), and an establishment's contact number is often a landline the form would refuse."""
    return next((n for n in numbers if _MOBILE.match(re.sub(r"[\s.\-()]", "", n or ""))), "")


# --- The signed-in business -------------------------------------------------------------------


def account_for(user) -> EstablishmentAccount | None:
    """The establishment account of this user (any status), or None (anonymous, staff)."""
    if user is None or not getattr(user, "is_authenticated", False) or getattr(user, "role", ""):
        return None
    cached = getattr(user, "_establishment_account", False)
    if cached is not False:
        return cached
    account = (
        EstablishmentAccount.objects.select_related("establishment__area", "establishment__unit")
        .filter(user=user)
        .first()
    )
    user._establishment_account = account
    return account


def active_account(user) -> EstablishmentAccount | None:
    account = account_for(user)
    if account is None or account.status != S.ACTIVE or not user.is_active:
        return None
    return account


def lines_in_force(establishment: Establishment, day: date) -> list[BusinessLine]:
    return list(establishment.lines.filter(BusinessLine.valid_on(day)).order_by("order", "code"))


@dataclass
class OnlineProcedure:
    code: str
    name: str
    action: str


def online_procedures(day: date) -> list[OnlineProcedure]:
    """The appendix-3 procedures (certificate new / change / re-issue) in force and offered online."""
    from antt.catalog import selectors as catalog_selectors
    from antt.catalog.models import Procedure
    from antt.dossiers.views.online import offered_online

    actions = {
        a.seed_ref: a.action
        for a in ProcedureAction.objects.filter(ProcedureAction.valid_on(day), action__in=CERT_ACTIONS).order_by(
            "valid_from"
        )
    }
    out = []
    for procedure in Procedure.objects.filter(seed_ref__in=list(actions)).order_by("seed_ref", "code"):
        row = catalog_selectors.procedure_get(code=procedure.code, on=day)
        if row is not None and row.in_force and offered_online(row.version):
            out.append(OnlineProcedure(procedure.code, procedure.name, actions[procedure.seed_ref]))
    return out


@dataclass
class BusinessFile:
    """What a business sees of itself on /doanh-nghiep/."""

    account: EstablishmentAccount
    establishment: Establishment
    lines: list[BusinessLine]
    fire_category: str
    certificates: list
    inspections: list
    findings: list
    overdue: int
    procedures: list[OnlineProcedure]
    staff_accounts: list = field(default_factory=list)


def business_file(account: EstablishmentAccount, today: date | None = None) -> BusinessFile:
    """The account's own establishment. Inspections: those done, and those planned that the
    business was notified of (a surprise inspection is not announced: ND 96 Art. 50, TT 42 Art. 8)."""
    today = today or timezone.localdate()
    e = account.establishment
    fire = getattr(e, "fire", None)  # the reverse one-to-one: None when not under fire management
    certificates = list(e.certificates.select_related("unit", "replaces").prefetch_related("lines"))
    inspections = list(
        Inspection.objects.filter(establishment=e)
        .filter(Q(status=Inspection.Status.DONE) | Q(status=Inspection.Status.PLANNED, notified_on__isnull=False))
        .select_related("unit")
        .order_by("-planned_on", "-id")[:50]
    )
    findings = [
        {"finding": f, "overdue": f.status == Finding.Status.OPEN and f.due_on < today}
        for f in Finding.objects.filter(establishment=e).select_related("inspection").order_by("status", "due_on", "id")
    ]
    staff = []
    if account.is_manager:
        staff = list(
            EstablishmentAccount.objects.filter(establishment=e).select_related("user").order_by("-is_manager", "id")
        )
    return BusinessFile(
        account=account,
        establishment=e,
        lines=list(e.lines.all().order_by("order", "code")),
        fire_category=str(fire.category) if fire is not None else "",
        certificates=certificates,
        inspections=inspections,
        findings=findings,
        overdue=sum(1 for f in findings if f["overdue"]),
        procedures=online_procedures(today),
        staff_accounts=staff,
    )


# --- The online form (dossiers.views.online) --------------------------------------------------


@dataclass
class OnlinePrefill:
    """What the online form takes from a signed-in business: the applicant (the establishment),
    and, for the certificate procedures, the lines to choose among its registered ones."""

    establishment: Establishment
    initial: dict
    action: str  # the ProcedureAction of the procedure, or ""
    line_choices: list[tuple[str, str]]

    @property
    def asks_lines(self) -> bool:
        return self.action in CERT_ACTIONS and bool(self.line_choices)

    @property
    def lines_required(self) -> bool:
        return self.action == ProcedureAction.Action.CERT_NEW

    def form_data(self, chosen: list[str] | None) -> dict:
        """`dossier.form_data` for `certificates.apply_returned_dossier`: the establishment and lines."""
        allowed = {code for code, _ in self.line_choices}
        lines = sorted(code for code in (chosen or []) if code in allowed)
        return {"establishment": {"id": self.establishment.pk, "lines": lines}}


def online_prefill(user, version, *, area_ids=()) -> OnlinePrefill | None:
    """None unless the user is an ACTIVE business account (anonymous costs no query)."""
    account = active_account(user)
    if account is None:
        return None
    e = account.establishment
    today = timezone.localdate()
    seed_ref = version.procedure.seed_ref
    action = ""
    if seed_ref:
        row = (
            ProcedureAction.objects.filter(ProcedureAction.valid_on(today), seed_ref=seed_ref)
            .order_by("-valid_from")
            .first()
        )
        action = row.action if row else ""
    initial = {
        "kind": "organisation",
        "name": e.name,
        # The online form takes an organisation's 10 or 10-3 digit code; a household's 12-digit
        # code is a personal ID number, which the form would refuse for an organisation.
        "id_number": e.tax_code if _ORGANISATION_CODE.match(e.tax_code) else "",
        "phone": _mobile(e.phone, account.user.phone),
        "email": e.email or account.user.email,
        "address": e.address,
        "representative_name": account.user.full_name,
    }
    if e.area_id and str(e.area_id) in {str(a) for a in area_ids}:
        initial["area"] = e.area_id
    choices = [(line.code, line.name) for line in lines_in_force(e, today)] if action in CERT_ACTIONS else []
    return OnlinePrefill(establishment=e, initial=initial, action=action, line_choices=choices)


# --- Staff: accounts of my units ------------------------------------------------------------------

ACCOUNT_SORTS = {
    "created": ("created_at", "id"),
    "-created": ("-created_at", "-id"),
    "name": ("establishment__name_folded", "id"),
    "-name": ("-establishment__name_folded", "-id"),
}


def _require_manage(user) -> None:
    if not can(user, "establishment.manage"):
        raise PermissionDenied("Vai trò của bạn không được duyệt tài khoản cơ sở.")


def accounts_for_officer(user, *, status: str = S.PENDING, q: str = "", sort: str = "created") -> QuerySet:
    """Business accounts of the establishments of the officer's units (403 without `establishment.manage`)."""
    _require_manage(user)
    qs = scope(user, EstablishmentAccount.objects.all(), "establishment__unit")
    if status:
        qs = qs.filter(status=status)
    q = clean_query(q)
    name = name_words(q, "establishment__name_folded")
    if name is not None:
        qs = qs.filter(Q(establishment__tax_code__startswith=q.replace(" ", "")) | name)
    return qs.select_related("establishment__unit", "user", "decided_by").order_by(
        *ACCOUNT_SORTS.get(sort, ACCOUNT_SORTS["created"])
    )


def account_get_for_officer(user, pk: int) -> EstablishmentAccount:
    """One account of the officer's units (404 outside them, 403 without the capability)."""
    _require_manage(user)
    return get_scoped_or_404(
        user,
        EstablishmentAccount.objects.select_related("establishment__unit", "establishment__area", "user"),
        unit_field="establishment__unit",
        pk=pk,
    )


def applicant_masked(account: EstablishmentAccount) -> dict:
    from antt.violations.selectors import mask_name

    return {"name": mask_name(account.user.full_name), "phone": mask_phone(account.user.phone), "email": ""}


def applicant_full(account: EstablishmentAccount, reason: str = "Xác minh người đăng ký tài khoản cơ sở") -> dict:
    """The applicant's name, phone and e-mail in full; the read is logged."""
    audit.record_personal_read(account.user, APPLICANT_FIELDS, reason=reason)
    user = account.user
    return {"name": user.full_name, "phone": user.phone, "email": user.email}
