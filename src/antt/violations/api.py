"""Staff endpoints of violations: /api/v1/violations (issue 4, items 3 and 6).

* `GET /suspensions`: the register of suspended driving licences and permits, as a feed for
  the provincial transport department and the vehicle-inspection body (the seed asks that
  they receive it). Two ways in:
  - a signed-in officer (session cookie plus second factor, like every staff endpoint), who
    sees the suspensions of their unit and the units below it (`violation.view`);
  - an outside agency, with `Authorization: Bearer <token>`; the server keeps only the
    SHA-256 of each token, in `ANTT_SUSPENSION_FEED_TOKENS` ("label=sha256hex,label=sha256hex",
    e.g. `so-gtvt=3f1c...`), and an agency sees the whole province. Make a token with
        python -c "import hashlib,secrets; t=secrets.token_urlsafe(32); print(t, hashlib.sha256(t.encode()).hexdigest())"
    and give the first value to the agency, put the second in the setting;
  - an agency API key (`antt.api.agency`, issued on /quan-ly/ket-noi/) with the scope
    `suspensions.read`: the suspensions of the key's units (all of them when it has none).
  Paging by cursor: rows in (updated_at, id) order; pass back `next.since` and `next.after_id`
  to get the rows changed since (a cancelled or shortened suspension comes again, with its new
  state). The same rows as CSV: `/vi-pham/tuoc-giay-phep.csv` (same parameters, same access).
  Every page is a personal-data read: one audit entry per page, naming the agency or officer.
* `GET /decisions/{number}`: one decision, in full (violator's personal data included) for an
  officer who may see its unit and has `person.view`; the read is logged. A role without
  `person.view` (a supervisor) gets the violator masked, as on the pages. 404 outside the
  caller's units.

The public lookup and the provider's payment confirmation live in `api_public` (same prefix).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Q, QuerySet
from django.utils import timezone
from ninja import Query, Router, Schema
from ninja.errors import HttpError
from ninja.security import HttpBearer
from pydantic import Field, field_validator

from antt.api.agency import AgencyKeyAuth, key_units_q
from antt.api.models import AgencyKey
from antt.api.schemas import STAFF_ERRORS, ErrorOut
from antt.core import audit
from antt.core.models import AuditEvent
from antt.core.tokens import hashed_tokens, token_label
from antt.org.api import staff_auth
from antt.org.roles import can
from antt.violations.models import DecisionStatus, LicenceSuspension, PenaltyDecision

NOT_FOUND = "Không tìm thấy quyết định xử phạt."
FEED_MAX = 1000
SUSPENSION_FIELDS = ["holder_name", "holder_id_number", "licence_number"]


# --- Access ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedClient:
    """An outside agency reading the suspension feed with its token."""

    label: str

    def __str__(self):
        return f"Cơ quan nhận dữ liệu: {self.label}"


def feed_tokens() -> dict[str, str]:
    """{sha256 hex: label} from ANTT_SUSPENSION_FEED_TOKENS."""
    return hashed_tokens("ANTT_SUSPENSION_FEED_TOKENS")


def feed_client(token: str) -> FeedClient | None:
    """The agency whose token this is (`core.tokens`)."""
    label = token_label(token, "ANTT_SUSPENSION_FEED_TOKENS")
    return FeedClient(label) if label is not None else None


class FeedToken(HttpBearer):
    def authenticate(self, request, token):
        return feed_client(token)


feed_auth = FeedToken()
key_auth = AgencyKeyAuth("suspensions.read")


def _is_agency(caller) -> bool:
    return isinstance(caller, FeedClient | AgencyKey)


# --- The suspension feed --------------------------------------------------------------------------


def suspensions_for(caller) -> QuerySet[LicenceSuspension]:
    """Every suspension for an agency; the caller's units for an officer (403 without violation.view)."""
    if isinstance(caller, FeedClient):
        return LicenceSuspension.objects.all()
    if isinstance(caller, AgencyKey):
        return LicenceSuspension.objects.filter(key_units_q(caller, "unit"))
    from antt.violations import selectors

    if not can(caller, "violation.view"):
        raise HttpError(403, "Vai trò của bạn không được xem sổ theo dõi tước giấy phép.")
    return selectors.visible_suspensions(caller)


def _agency_name(caller) -> str:
    if isinstance(caller, AgencyKey):
        return f"Cơ quan nhận dữ liệu (khóa API {caller.prefix}): {caller.name}"
    return str(caller)


def suspension_page(caller, *, since: datetime | None, after_id: int, limit: int, active_on: date | None) -> dict:
    """One page of the feed, oldest change first, and the cursor of the next page."""
    qs = suspensions_for(caller).select_related("decision", "unit")
    if since is not None:
        qs = qs.filter(Q(updated_at__gt=since) | Q(updated_at=since, id__gt=after_id))
    if active_on is not None:
        qs = qs.filter(cancelled=False, starts_on__lte=active_on, ends_on__gte=active_on)
    rows = list(qs.order_by("updated_at", "id")[: limit + 1])
    more, rows = len(rows) > limit, rows[:limit]
    today = timezone.localdate()
    # An agency needs the holder's name to match its own register; an officer sees it in full
    # only with person.view (a supervisor gets it masked, as on the register page, and no
    # personal-data read is logged for it).
    full = _is_agency(caller) or can(caller, "person.view")
    from antt.violations.selectors import mask_name

    items = [
        {
            "id": s.id,
            "kind": s.kind,
            "kind_label": s.get_kind_display(),
            "licence_number": s.licence_number,
            "licence_class": s.licence_class,
            "holder_name": s.holder_name if full else mask_name(s.holder_name),
            "holder_id_masked": ("*" * 8 + s.holder_id_number[-4:]) if s.holder_id_number else "",
            "months": s.months,
            "starts_on": s.starts_on,
            "ends_on": s.ends_on,
            "cancelled": s.cancelled,
            "active": not s.cancelled and s.starts_on <= today <= s.ends_on,
            "decision_number": s.decision.number,
            "unit_name": s.unit.name,
            "updated_at": s.updated_at,
        }
        for s in rows
    ]
    if items and full:
        actor = caller if not _is_agency(caller) else None
        audit.record(
            AuditEvent.Action.READ_PERSONAL,
            object_type="violations.licencesuspension",
            object_id="feed",
            object_repr="Sổ theo dõi tước giấy phép (dữ liệu chia sẻ)",
            changes={"fields": SUSPENSION_FIELDS, "count": len(items), "first_id": items[0]["id"]},
            reason="Chia sẻ dữ liệu tước giấy phép",
            actor=actor,
            actor_name=_agency_name(caller) if actor is None else "",
        )
    last = rows[-1] if rows else None
    # The cursor keeps the microseconds (a JSON datetime would be cut to milliseconds and repeat rows).
    moment = last.updated_at if last else since
    cursor = {"since": moment.isoformat() if moment else None, "after_id": last.id if last else after_id}
    return {"count": len(items), "has_more": more, "next": cursor, "items": items}


class SuspensionFilters(Schema):
    since: datetime | None = Field(
        default=None, description="Chỉ lấy các dòng thay đổi sau thời điểm này (giá trị next.since của trang trước)."
    )
    after_id: int = Field(default=0, ge=0, description="Giá trị next.after_id của trang trước.")
    limit: int = Field(default=500, ge=1, le=FEED_MAX)
    active_on: date | None = Field(default=None, description="Chỉ các giấy phép đang bị tước vào ngày này.")

    @field_validator("since", "active_on", mode="before")
    @classmethod
    def _iso_only(cls, value):
        # pydantic would read "0.5" as a Unix timestamp; the documented format is ISO 8601 only.
        if value not in (None, "") and not (isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}.*", value)):
            raise ValueError("không đúng định dạng ISO 8601")
        return value


class SuspensionOut(Schema):
    id: int
    kind: str
    kind_label: str
    licence_number: str
    licence_class: str
    holder_name: str
    holder_id_masked: str
    months: int
    starts_on: date
    ends_on: date = Field(description="Ngày cuối cùng bị tước (đến hết ngày).")
    cancelled: bool
    active: bool
    decision_number: str
    unit_name: str
    updated_at: datetime


class CursorOut(Schema):
    since: str | None = Field(description="ISO 8601, với micro giây: gửi lại nguyên văn trong tham số since.")
    after_id: int


class SuspensionPage(Schema):
    count: int
    has_more: bool
    next: CursorOut
    items: list[SuspensionOut]


router = Router()


@router.get(
    "/suspensions",
    response={200: SuspensionPage, **STAFF_ERRORS, 429: ErrorOut},
    auth=[key_auth, feed_auth, staff_auth],
    summary="Danh sách giấy phép bị tước quyền sử dụng (chia sẻ cho Sở GTVT, đơn vị đăng kiểm)",
)
def suspensions(request, filters: Query[SuspensionFilters]):
    """The suspension register in change order, paged by the `next` cursor. Bearer token of an
    agency (whole province) or a staff session (own units). Same data as `/vi-pham/tuoc-giay-phep.csv`."""
    return suspension_page(
        request.auth,
        since=filters.since,
        after_id=filters.after_id,
        limit=filters.limit,
        active_on=filters.active_on,
    )


# --- One decision, for staff ------------------------------------------------------------------------


class LineOut(Schema):
    provision: str
    description: str
    fine_min: int
    fine_max: int
    mitigating: list[str]
    aggravating: list[str]
    warning: bool
    amount: int
    suspension_months: int | None


class PaymentOut(Schema):
    channel: str
    amount: int
    fine_part: int
    surcharge_part: int
    received_at: datetime
    receipt_number: str
    transaction_id: str


class DecisionDetailOut(Schema):
    number: str
    kind: str
    status: str
    status_label: str
    unit_id: int
    unit_name: str
    issuer_name: str
    issuer_title_name: str
    issued_on: date
    violated_at: datetime
    address: str
    plate: str
    violator_kind: str
    violator_name: str
    violator_id_number: str
    violator_tax_code: str
    violator_birth_date: date | None
    violator_address: str
    total_fine: int
    amount_paid: int
    surcharge_paid: int
    fine_due: int
    surcharge_due: int
    total_due: int
    delivered_on: date | None
    payment_due_on: date | None
    paid_on: date | None
    payment_reference: str
    lines: list[LineOut]
    payments: list[PaymentOut]


@router.get(
    "/decisions/{path:number}",
    response={200: DecisionDetailOut, **STAFF_ERRORS},
    auth=staff_auth,
    summary="Chi tiết một quyết định xử phạt (cán bộ; việc xem dữ liệu cá nhân được ghi nhật ký)",
)
def decision_detail(request, number: str):
    """One decision of the caller's units by its number (which contains "/": send it as is, or
    URL-encoded). 403 without `violation.view`; 404 for a number outside the caller's units."""
    from antt.violations import rules, selectors

    user = request.auth
    if not can(user, "violation.view"):
        raise HttpError(403, "Vai trò của bạn không được xem quyết định xử phạt.")
    number = (number or "").strip()
    if not number or len(number) > 40 or "\x00" in number:
        raise HttpError(404, NOT_FOUND)
    pk = selectors.visible_decisions(user).filter(number=number).values_list("pk", flat=True).first()
    if pk is None:
        raise HttpError(404, NOT_FOUND)
    decision: PenaltyDecision = selectors.decision_get(user, pk, log_read=True)
    fine_due, surcharge_due, total_due = rules.amount_due_on(decision, timezone.localdate())
    payable = decision.status in (DecisionStatus.UNPAID, DecisionStatus.PARTLY_PAID, DecisionStatus.LATE)
    # A role without person.view (a supervisor) gets the violator masked, as on the pages;
    # `decision_get` logs a personal-data read only for those who see it in full.
    shown = selectors.violator_display(decision, user)
    full = selectors.may_see_personal_data(user)
    return {
        **{
            f: getattr(decision, f)
            for f in (
                "number",
                "kind",
                "status",
                "issuer_name",
                "issuer_title_name",
                "issued_on",
                "violated_at",
                "address",
                "violator_kind",
                "violator_name",
                "violator_id_number",
                "violator_tax_code",
                "violator_birth_date",
                "violator_address",
                "total_fine",
                "amount_paid",
                "surcharge_paid",
                "delivered_on",
                "payment_due_on",
                "paid_on",
                "payment_reference",
                "unit_id",
            )
        },
        "violator_name": shown["name"],
        "violator_id_number": shown["id_number"],
        "violator_birth_date": decision.violator_birth_date if full else None,
        "violator_address": shown["address"],
        "status_label": decision.get_status_display(),
        "unit_name": decision.unit.name,
        "plate": decision.plate_display,
        "fine_due": fine_due if payable else 0,
        "surcharge_due": surcharge_due if payable else 0,
        "total_due": total_due if payable else 0,
        "lines": list(decision.lines.all()),
        "payments": list(decision.payments.order_by("received_at")),
    }
