"""/api/v1/establishments/: sharing with other agencies (no personal data) and the change feed.

Seed II.2(2)b asks that the registry of security-conditional businesses and fire-safety premises
be shared with the tax office, the department of culture, sports and tourism and planning. Who
may call (see `selectors_sharing`): an agency with `Authorization: Bearer <token>` (whole
province; tokens hashed in `ANTT_SHARING_TOKENS`), an agency API key with `establishments.read`
(the key's units) or a signed-in officer with
`establishment.view` (own units). Anonymous → 401; a signed-in user of another role, a business
account included → 403.

* `GET /` establishments, filtered, paged by the `after` cursor (id order);
* `GET /{tax_code}` one establishment;
* `GET /certificates`, `GET /certificates/{number}` security certificates;
* `GET /changes?after=<id>` the change feed: every change of shared data, in id order. An agency
  loads the list once, remembers the last feed id (`GET /changes?limit=1` right before it, or 0),
  then polls `/changes` with `next`.

Rows are `feed.establishment_public` / `feed.certificate_public`: business data only, never the
owner, the representative or the person responsible for security (no names, ID numbers or
phones). The same data as files: `/chia-se/co-so.csv|xlsx|json`, `/chia-se/giay-chung-nhan.*`.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from django.utils import timezone
from ninja import Query, Router, Schema
from ninja.errors import HttpError
from ninja.security import HttpBearer
from pydantic import AfterValidator, BeforeValidator, Field

from antt.api.agency import AgencyKeyAuth
from antt.api.schemas import STAFF_ERRORS, ErrorOut
from antt.establishments import feed
from antt.establishments import selectors_sharing as sharing
from antt.establishments.models import Certificate, Establishment
from antt.org.api import staff_auth

MAX_ID = 9_223_372_036_854_775_807  # a 64-bit id: larger values would overflow the database
TAX_CODE_PATTERN = r"^([0-9]{10}(-?[0-9]{3})?|[0-9]{12})$"
CODE_PATTERN = r"^[A-Za-z0-9_.-]{1,40}$"
NOT_FOUND_ESTABLISHMENT = "Không tìm thấy cơ sở có mã số thuế này."
NOT_FOUND_CERTIFICATE = "Không tìm thấy giấy chứng nhận có số này."


# --- Access ----------------------------------------------------------------------------------------


class SharingToken(HttpBearer):
    def authenticate(self, request, token):
        return sharing.sharing_client(token)


sharing_auth = SharingToken()
# An agency API key with `establishments.read` first (it ignores other tokens), then the
# setting-based tokens, then a staff session.
AUTH = [AgencyKeyAuth("establishments.read"), sharing_auth, staff_auth]


def _checked(call, *args, **kwargs):
    try:
        return call(*args, **kwargs)
    except sharing.SharingDenied as exc:
        raise HttpError(403, exc.message) from exc


# --- Parameters ------------------------------------------------------------------------------------


def _iso_only(value):
    # pydantic would read "0.5" as a Unix timestamp; the documented format is ISO 8601 only.
    if value not in (None, "") and not (isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}.*", value)):
        raise ValueError("không đúng định dạng ISO 8601")
    return value


def _aware_utc(value: datetime | None) -> datetime | None:
    # A naive time is Vietnam time; year 1 with a positive offset would overflow in UTC: refuse it.
    if value is None:
        return None
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    try:
        return value.astimezone(UTC)
    except OverflowError as exc:
        raise ValueError("thời điểm nằm ngoài khoảng cho phép") from exc


IsoDateTime = Annotated[datetime, BeforeValidator(_iso_only), AfterValidator(_aware_utc)]
EstablishmentStatus = Literal[tuple(Establishment.Status.values)]
CertificateStatus = Literal[tuple(Certificate.Status.values)]


class EstablishmentFilters(Schema):
    tax_code: str | None = Field(
        None,
        pattern=TAX_CODE_PATTERN,
        description="Mã số thuế: 10 chữ số, 10 chữ số - 3 chữ số (chi nhánh), hoặc 12 chữ số (hộ kinh doanh).",
    )
    area_code: str | None = Field(
        None, pattern=CODE_PATTERN, description="Mã xã, phường (mã đơn vị hành chính của Tổng cục Thống kê)."
    )
    line: str | None = Field(
        None, pattern=CODE_PATTERN, description="Mã ngành, nghề kinh doanh có điều kiện về ANTT (ví dụ karaoke)."
    )
    status: EstablishmentStatus | None = Field(
        None, description="Tình trạng: active (đang hoạt động), paused (tạm ngừng), ceased (đã chấm dứt)."
    )
    updated_since: IsoDateTime | None = Field(
        None, description="Chỉ các cơ sở thay đổi sau thời điểm này (ISO 8601, ví dụ 2026-04-23T09:30:00+07:00)."
    )

    def as_filter(self) -> sharing.EstablishmentFilter:
        return sharing.EstablishmentFilter(
            tax_code=sharing.normal_tax_code(self.tax_code or ""),
            area_code=self.area_code or "",
            line=self.line or "",
            status=self.status or "",
            updated_since=self.updated_since,
        )


class CertificateFilters(Schema):
    tax_code: str | None = Field(None, pattern=TAX_CODE_PATTERN, description="Mã số thuế của cơ sở.")
    line: str | None = Field(None, pattern=CODE_PATTERN, description="Mã ngành, nghề ghi trên giấy chứng nhận.")
    status: CertificateStatus | None = Field(
        None,
        description=(
            "Tình trạng: valid (còn hiệu lực), suspended (bị thu hồi có thời hạn), revoked (bị thu hồi), "
            "replaced (đã được cấp đổi), void (hết giá trị, đã cấp lại), ceased (hết hiệu lực do cơ sở chấm dứt "
            "hoạt động)."
        ),
    )
    updated_since: IsoDateTime | None = Field(
        None, description="Chỉ các giấy chứng nhận thay đổi sau thời điểm này (ISO 8601)."
    )

    def as_filter(self) -> sharing.CertificateFilter:
        return sharing.CertificateFilter(
            tax_code=sharing.normal_tax_code(self.tax_code or ""),
            line=self.line or "",
            status=self.status or "",
            updated_since=self.updated_since,
        )


class Paging(Schema):
    after: int = Field(0, ge=0, le=MAX_ID, description="Giá trị next của trang trước (0: từ đầu).")
    limit: int = Field(sharing.PAGE_DEFAULT, ge=1, le=sharing.PAGE_MAX, description="Số dòng mỗi trang (tối đa 1000).")


class EstablishmentQuery(Paging, EstablishmentFilters):
    pass


class CertificateQuery(Paging, CertificateFilters):
    pass


class ChangeQuery(Paging):
    entity: Literal["establishment", "certificate"] | None = Field(
        None, description="Chỉ một loại dữ liệu: establishment (cơ sở) hoặc certificate (giấy chứng nhận)."
    )


# --- Responses -------------------------------------------------------------------------------------


class EstablishmentOut(Schema):
    """A business location as shared with other agencies (no personal data)."""

    id: int = Field(description="Mã cơ sở trong hệ thống ANTT (không đổi).")
    name: str = Field(description="Tên cơ sở.")
    trade_name: str = Field(description="Tên giao dịch, biển hiệu.")
    tax_code: str = Field(description="Mã số thuế / mã số doanh nghiệp.")
    registration_number: str = Field(description="Số giấy chứng nhận đăng ký kinh doanh.")
    kind: str = Field(
        description="Loại hình: enterprise, branch, cooperative, public_unit, household (hộ kinh doanh), other."
    )
    lines: list[str] = Field(description="Mã các ngành, nghề kinh doanh có điều kiện về ANTT đã đăng ký.")
    area_code: str | None = Field(description="Mã xã, phường.")
    area_name: str | None = Field(description="Tên xã, phường.")
    address: str = Field(description="Địa chỉ.")
    latitude: float | None = Field(description="Vĩ độ (WGS 84).")
    longitude: float | None = Field(description="Kinh độ (WGS 84).")
    unit: str | None = Field(description="Đơn vị Công an quản lý.")
    status: str = Field(description="Tình trạng: active, paused, ceased.")
    lodging_kind: str = Field(description="Loại cơ sở lưu trú (nếu kinh doanh lưu trú).")
    rooms: int | None = Field(description="Số phòng (cơ sở lưu trú).")
    updated_at: str | None = Field(description="Thời điểm thay đổi gần nhất (ISO 8601, micro giây).")


class CertificateOut(Schema):
    """A security certificate as shared (no holder name or ID number)."""

    id: int = Field(description="Mã giấy chứng nhận trong hệ thống ANTT.")
    number: str = Field(description="Số giấy chứng nhận.")
    establishment_id: int = Field(description="Mã cơ sở (trường id của cơ sở).")
    tax_code: str = Field(description="Mã số thuế của cơ sở.")
    unit: str | None = Field(description="Đơn vị cấp.")
    kind: str = Field(description="Hình thức cấp: new (cấp mới), change (cấp đổi), reissue (cấp lại).")
    lines: list[str] = Field(description="Mã các ngành, nghề ghi trên giấy chứng nhận.")
    lines_revoked: list[str] = Field(
        default_factory=list,
        description="Ngành, nghề đã bị thu hồi (thu hồi một phần, Thông tư 42/2017/TT-BCA Điều 4).",
    )
    lines_suspended: list[str] = Field(
        default_factory=list, description="Ngành, nghề đang bị thu hồi có thời hạn (thu hồi một phần)."
    )
    issued_on: str = Field(description="Ngày cấp (YYYY-MM-DD).")
    valid_until: str | None = Field(description="Có giá trị đến (YYYY-MM-DD); null: không thời hạn.")
    status: str = Field(
        description="Tình trạng: valid, suspended, revoked, replaced, void, ceased (cơ sở chấm dứt hoạt động)."
    )
    suspended_until: str | None = Field(description="Thu hồi có thời hạn đến ngày (YYYY-MM-DD).")
    replaces: str | None = Field(description="Số giấy chứng nhận được thay thế (cấp đổi, cấp lại).")
    updated_at: str | None = Field(description="Thời điểm thay đổi gần nhất (ISO 8601).")


class EstablishmentPage(Schema):
    count: int = Field(description="Số dòng trong trang này.")
    has_more: bool = Field(description="Còn trang sau.")
    next: int | None = Field(description="Gửi lại trong tham số after để lấy trang sau; null khi đã hết.")
    items: list[EstablishmentOut]


class CertificatePage(Schema):
    count: int = Field(description="Số dòng trong trang này.")
    has_more: bool = Field(description="Còn trang sau.")
    next: int | None = Field(description="Gửi lại trong tham số after để lấy trang sau; null khi đã hết.")
    items: list[CertificateOut]


class ChangeOut(Schema):
    id: int = Field(description="Số thứ tự của thay đổi (tăng dần).")
    entity: str = Field(description="establishment (cơ sở) hoặc certificate (giấy chứng nhận).")
    object_id: int = Field(description="Mã cơ sở hoặc mã giấy chứng nhận.")
    action: str = Field(description="Loại thay đổi (create, update, status, issue, revoke…).")
    at: datetime = Field(description="Thời điểm thay đổi.")
    data: dict[str, Any] = Field(
        description="Dữ liệu chia sẻ của đối tượng tại thời điểm đó (cùng dạng với danh sách cơ sở, giấy chứng nhận)."
    )


class ChangePage(Schema):
    count: int = Field(description="Số thay đổi trong trang này.")
    has_more: bool = Field(description="Còn thay đổi chưa lấy: gọi lại ngay với after = next.")
    next: int = Field(description="Gửi lại trong tham số after (lần gọi sau chỉ nhận các thay đổi mới hơn).")
    items: list[ChangeOut]


# --- Endpoints -------------------------------------------------------------------------------------

router = Router()


def _page(qs, paging: Paging, shape) -> dict:
    rows, more = sharing.after_page(qs, after=paging.after, limit=paging.limit)
    return {
        "count": len(rows),
        "has_more": more,
        "next": rows[-1].pk if more else None,
        "items": [shape(row) for row in rows],
    }


@router.get(
    "/",
    response={200: EstablishmentPage, **STAFF_ERRORS, 429: ErrorOut},
    auth=AUTH,
    summary="Danh sách cơ sở kinh doanh có điều kiện về ANTT, cơ sở PCCC (không có dữ liệu cá nhân)",
)
def establishment_list(request, query: Query[EstablishmentQuery]):
    """Establishments in id order, `limit` per page; pass `next` back as `after`. An agency's
    token sees the whole province, an officer their units."""
    qs = _checked(sharing.shared_establishments, request.auth, query.as_filter())
    return _page(qs, query, feed.establishment_public)


@router.get(
    "/certificates",
    response={200: CertificatePage, **STAFF_ERRORS, 429: ErrorOut},
    auth=AUTH,
    summary="Danh sách giấy chứng nhận đủ điều kiện về ANTT (không có người đứng tên)",
)
def certificate_list(request, query: Query[CertificateQuery]):
    """Certificates in id order, paged like the establishments."""
    qs = _checked(sharing.shared_certificates, request.auth, query.as_filter())
    return _page(qs, query, feed.certificate_public)


@router.get(
    "/certificates/{path:number}",
    response={200: CertificateOut, **STAFF_ERRORS, 429: ErrorOut},
    auth=AUTH,
    summary="Một giấy chứng nhận theo số",
)
def certificate_detail(request, number: str):
    """One certificate by its number (send it as printed, URL-encoded if it has "/")."""
    certificate = _checked(sharing.shared_certificate, request.auth, number)
    if certificate is None:
        raise HttpError(404, NOT_FOUND_CERTIFICATE)
    return feed.certificate_public(certificate)


@router.get(
    "/changes",
    response={200: ChangePage, **STAFF_ERRORS, 429: ErrorOut},
    auth=AUTH,
    summary="Nhật ký thay đổi dữ liệu chia sẻ (cơ sở, giấy chứng nhận), theo thứ tự",
)
def change_feed(request, query: Query[ChangeQuery]):
    """Every change after `after`, oldest first. `next` is always set: keep it and call again
    later to receive only what changed since."""
    qs = _checked(sharing.changes, request.auth, after=query.after, entity=query.entity or "")
    rows = list(qs.only("id", "entity", "object_id", "action", "at", "data")[: query.limit + 1])
    more, rows = len(rows) > query.limit, rows[: query.limit]
    return {
        "count": len(rows),
        "has_more": more,
        "next": rows[-1].pk if rows else query.after,
        "items": [
            {"id": c.pk, "entity": c.entity, "object_id": c.object_id, "action": c.action, "at": c.at, "data": c.data}
            for c in rows
        ],
    }


@router.get(
    "/{tax_code}",
    response={200: EstablishmentOut, **STAFF_ERRORS, 429: ErrorOut},
    auth=AUTH,
    summary="Một cơ sở theo mã số thuế",
)
def establishment_detail(request, tax_code: str):
    """One establishment by its tax code (10 digits, 10-3 or 12 digits)."""
    establishment = _checked(sharing.shared_establishment, request.auth, tax_code)
    if establishment is None:
        raise HttpError(404, NOT_FOUND_ESTABLISHMENT)
    return feed.establishment_public(establishment)
