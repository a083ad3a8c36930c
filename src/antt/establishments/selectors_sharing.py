"""Reads for sharing with other agencies (issue 5 point 5): establishments, certificates and the
change feed, without personal data.

Two kinds of caller:

* an outside agency (tax, culture-sports-tourism, planning: seed II.2(2)b) with a Bearer token.
  The server keeps only the SHA-256 of each token, in `ANTT_SHARING_TOKENS`
  ("label=sha256hex,label=sha256hex", e.g. `so-vhttdl=3f1c...`); an agency sees the whole
  province. Make a token with
      python -c "import hashlib,secrets; t=secrets.token_urlsafe(32); print(t, hashlib.sha256(t.encode()).hexdigest())"
  give the first value to the agency and put the second in the setting (the same scheme as the
  suspension feed of `violations.api`, with its own setting so that one agency's token opens
  only what it was given);
* an agency API key (`antt.api.agency`, issued on /quan-ly/ket-noi/) with the scope
  `establishments.read`: the rows of the key's units (the whole province when it has none), as
  an officer of those units would see them;
* a signed-in officer with `establishment.view`, who sees the establishments of their unit and
  the units below it (and the certificates of those establishments or issued by those units).

Every row is shaped by `feed.establishment_public` / `feed.certificate_public`, the functions the
change feed itself uses, so the API, the export files and the feed always agree on what is
shared. The querysets load only the columns those functions read (`only`): the personal columns
of an establishment are never even fetched.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from antt.api.agency import key_unit_paths, key_units_q
from antt.api.models import AgencyKey
from antt.core.tokens import hashed_tokens, token_label
from antt.establishments.models import BusinessLine, Certificate, ChangeEntry, Establishment
from antt.establishments.selectors_certificates import line_events_prefetch
from antt.org.roles import can
from antt.org.selectors import scope

PAGE_MAX = 1000
PAGE_DEFAULT = 100

# The columns `feed.establishment_public` and `feed.certificate_public` read.
ESTABLISHMENT_COLUMNS = (
    "id",
    "name",
    "trade_name",
    "tax_code",
    "registration_number",
    "kind",
    "area__code",
    "area__name",
    "address",
    "latitude",
    "longitude",
    "unit__name",
    "status",
    "lodging_kind",
    "rooms",
    "updated_at",
)
CERTIFICATE_COLUMNS = (
    "id",
    "number",
    "establishment__tax_code",
    "unit__name",
    "kind",
    "issued_on",
    "valid_until",
    "status",
    "suspended_until",
    "replaces__number",
    "updated_at",
)


class SharingDenied(Exception):
    """A signed-in user whose role may not read the registry (a business account, an admin)."""

    message = "Vai trò của bạn không được xem dữ liệu chia sẻ về cơ sở kinh doanh."


# --- Access ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SharingClient:
    """An outside agency reading the shared data with its token."""

    label: str

    def __str__(self):
        return f"Cơ quan nhận dữ liệu: {self.label}"


def sharing_tokens() -> dict[str, str]:
    """{sha256 hex: label} from ANTT_SHARING_TOKENS."""
    return hashed_tokens("ANTT_SHARING_TOKENS")


def sharing_client(token: str) -> SharingClient | None:
    """The agency whose token this is (`core.tokens`)."""
    label = token_label(token, "ANTT_SHARING_TOKENS")
    return SharingClient(label) if label is not None else None


def may_read(caller) -> bool:
    return isinstance(caller, SharingClient | AgencyKey) or can(caller, "establishment.view")


def _whole_province(caller) -> bool:
    """A setting-token agency, or an API key without units."""
    return isinstance(caller, SharingClient) or (isinstance(caller, AgencyKey) and not key_unit_paths(caller))


def check_caller(caller) -> None:
    """Raise SharingDenied for a signed-in user without `establishment.view`."""
    if not may_read(caller):
        raise SharingDenied(SharingDenied.message)


# --- Establishments ----------------------------------------------------------------------------


@dataclass
class EstablishmentFilter:
    tax_code: str = ""
    area_code: str = ""
    line: str = ""
    status: str = ""
    updated_since: datetime | None = None


def _line_exists(line_code: str, through, owner: str):
    return Exists(through.objects.filter(**{owner: OuterRef("pk"), "businessline__code": line_code}))


def shared_establishments(caller, f: EstablishmentFilter | None = None) -> QuerySet[Establishment]:
    """The establishments the caller may read, filtered, in id order, shaped for `establishment_public`."""
    check_caller(caller)
    f = f or EstablishmentFilter()
    qs = Establishment.objects.all()
    if isinstance(caller, AgencyKey):
        qs = qs.filter(key_units_q(caller, "unit"))
    elif not isinstance(caller, SharingClient):
        qs = scope(caller, qs, "unit")
    if f.tax_code:
        qs = qs.filter(tax_code=f.tax_code)
    if f.area_code:
        qs = qs.filter(area__code=f.area_code)
    if f.line:
        qs = qs.filter(_line_exists(f.line, Establishment.lines.through, "establishment_id"))
    if f.status:
        qs = qs.filter(status=f.status)
    if f.updated_since is not None:
        qs = qs.filter(updated_at__gt=f.updated_since)
    return (
        qs.select_related("area", "unit")
        .only(*ESTABLISHMENT_COLUMNS)
        .prefetch_related(Prefetch("lines", queryset=BusinessLine.objects.only("id", "code")))
        .order_by("id")
    )


def shared_establishment(caller, tax_code: str) -> Establishment | None:
    """One establishment by its tax code (normalised), or None (also outside the caller's units)."""
    code = normal_tax_code(tax_code)
    if not code:
        return None
    return shared_establishments(caller, EstablishmentFilter(tax_code=code)).first()


def normal_tax_code(value: str) -> str:
    """The tax code as stored: 13 bare digits get their dash back; anything odd is ''."""
    text = (value or "").strip()
    if "\x00" in text or len(text) > 20:
        return ""
    if len(text) == 13 and text.isdigit():
        return f"{text[:10]}-{text[10:]}"
    return text


# --- Certificates -----------------------------------------------------------------------------


@dataclass
class CertificateFilter:
    tax_code: str = ""
    line: str = ""
    status: str = ""
    updated_since: datetime | None = None


def _visible_certificates(caller) -> QuerySet[Certificate]:
    qs = Certificate.objects.all()
    if _whole_province(caller):
        return qs
    if isinstance(caller, AgencyKey):
        return qs.filter(key_units_q(caller, "establishment__unit") | key_units_q(caller, "unit"))
    return scope(caller, qs, "establishment__unit") | scope(caller, qs, "unit")


def shared_certificates(caller, f: CertificateFilter | None = None) -> QuerySet[Certificate]:
    """The certificates the caller may read: for an officer, those of the establishments of
    their units and those their units issued."""
    check_caller(caller)
    f = f or CertificateFilter()
    qs = _visible_certificates(caller)
    if f.tax_code:
        qs = qs.filter(establishment__tax_code=f.tax_code)
    if f.line:
        qs = qs.filter(_line_exists(f.line, Certificate.lines.through, "certificate_id"))
    if f.status:
        qs = qs.filter(status=f.status)
    if f.updated_since is not None:
        qs = qs.filter(updated_at__gt=f.updated_since)
    return (
        qs.select_related("establishment", "unit", "replaces")
        .only(*CERTIFICATE_COLUMNS)
        .prefetch_related(
            # `certificate_public` lists the lines out (line_states): their order and name too
            Prefetch("lines", queryset=BusinessLine.objects.only("id", "code", "order", "name")),
            line_events_prefetch(),
        )
        .order_by("id")
    )


def shared_certificate(caller, number: str) -> Certificate | None:
    number = (number or "").strip()
    if not number or "\x00" in number or len(number) > 40:
        return None
    return shared_certificates(caller).filter(number=number).first()


# --- Paging and the change feed ----------------------------------------------------------------


def after_page(qs: QuerySet, *, after: int, limit: int) -> tuple[list, bool]:
    """Rows with id > after, at most `limit`, and whether more follow (keyset paging on id)."""
    rows = list(qs.filter(id__gt=after)[: limit + 1])
    return rows[:limit], len(rows) > limit


def changes(caller, *, after: int = 0, entity: str = "") -> QuerySet[ChangeEntry]:
    """The change feed in id order. An agency reads every row; an officer the rows of the
    establishments and certificates they may read (the rows hold no personal data either way)."""
    check_caller(caller)
    qs = ChangeEntry.objects.filter(id__gt=after)
    if entity:
        qs = qs.filter(entity=entity)
    if not _whole_province(caller):
        if isinstance(caller, AgencyKey):
            establishments = Establishment.objects.filter(key_units_q(caller, "unit")).values("id")
        else:
            establishments = scope(caller, Establishment.objects.all(), "unit").values("id")
        certificates = _visible_certificates(caller).values("id")
        qs = qs.filter(
            Q(entity=ChangeEntry.Entity.ESTABLISHMENT, object_id__in=establishments)
            | Q(entity=ChangeEntry.Entity.CERTIFICATE, object_id__in=certificates)
        )
    return qs.order_by("id")
