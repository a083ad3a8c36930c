"""Org endpoints of /api/v1/: public reference data (units, administrative areas) and, for staff,
the officers they may see.

Staff endpoints authenticate with the Django session (the same cookie as the staff pages).
Because a cookie is sent by the browser on its own, unsafe methods (PATCH) also need the CSRF
token: send the `csrftoken` cookie's value in the `X-CSRFToken` header, as Django's own forms do.
Without it the answer is 403. Scripts that do not run in a browser should use API keys (api app).
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import get_object_or_404
from ninja import Field, Path, Query, Router, Schema
from ninja.errors import HttpError
from ninja.security import SessionAuth
from pydantic import model_validator

from antt.api.schemas import COMMON_ERRORS, STAFF_ERRORS
from antt.org import selectors, services
from antt.org.models import AdminArea, Role, Unit

router = Router()


class StaffSession(SessionAuth):
    """ninja's `django_auth`, plus the TOTP step when required, with Vietnamese errors."""

    def __call__(self, request):
        try:
            return super().__call__(request)
        except MultiPartParserError as exc:
            # The CSRF check reads the body; a multipart type without a boundary fails there.
            raise HttpError(400, "Nội dung gửi lên không đọc được (kiểu multipart không hợp lệ).") from exc
        except HttpError as exc:
            if exc.status_code == 403:
                raise HttpError(
                    403, "Thiếu hoặc sai mã CSRF: gửi giá trị cookie csrftoken trong header X-CSRFToken."
                ) from exc
            raise

    def authenticate(self, request, key):
        from antt.org.otp import second_factor_done

        user = super().authenticate(request, key)
        if user and user.is_active and second_factor_done(user):
            return user
        return None


staff_auth = StaffSession()


# --- Schemas ------------------------------------------------------------------------------


class UnitOut(Schema):
    id: int
    name: str
    short_name: str
    level: str
    parent_id: int | None
    path: str
    agency_code: str = Field(description="Mã định danh điện tử (QĐ 20/2020/QĐ-TTg); rỗng khi chưa xác định.")
    area_id: int | None
    area_code: str | None = None
    is_active: bool
    active_until: date | None

    @staticmethod
    def resolve_area_code(obj):
        return obj.area.code if obj.area_id else None


class AdminAreaOut(Schema):
    id: int
    scheme: str
    code: str
    name: str
    division_type: str
    level: str
    parent_id: int | None


class AdminAreaDetailOut(AdminAreaOut):
    successor_ids: list[int] = []


class AdminAreaPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[AdminAreaOut]


class OfficerOut(Schema):
    id: int
    username: str
    full_name: str
    title: str
    role: str
    role_label: str
    unit_id: int | None
    unit_name: str | None
    is_active: bool
    phone_masked: str

    @staticmethod
    def resolve_role_label(obj):
        return obj.get_role_display()

    @staticmethod
    def resolve_unit_name(obj):
        return obj.unit.name if obj.unit_id else None

    @staticmethod
    def resolve_phone_masked(obj):
        return selectors.mask_phone(obj.phone)


class OfficerPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[OfficerOut]


class OfficerPatch(Schema):
    full_name: str | None = Field(None, max_length=150)
    title: str | None = Field(None, max_length=120)
    phone: str | None = Field(None, max_length=20)
    email: str | None = Field(None, max_length=254)
    role: Role | None = None
    unit_id: int | None = Field(None, ge=1, le=2**62)

    @model_validator(mode="before")
    @classmethod
    def _an_object(cls, data):
        # ninja wraps the body for attribute access, and would then read a JSON list
        # (or a string, a number) as an object with every field unset.
        body = getattr(data, "_obj", data)
        if not isinstance(body, dict):
            raise ValueError("Nội dung phải là một đối tượng JSON.")
        return data


def _page(qs, page: int, page_size: int):
    count = qs.count()
    start = (page - 1) * page_size
    return {"count": count, "page": page, "page_size": page_size, "items": list(qs[start : start + page_size])}


def _validation_message(exc: ValidationError) -> str:
    if hasattr(exc, "message_dict"):
        return " ".join(m for messages in exc.message_dict.values() for m in messages)
    return " ".join(exc.messages)


# --- Public reference data ----------------------------------------------------------------


@router.get("/units", response={200: list[UnitOut], **COMMON_ERRORS}, summary="Danh sách đơn vị công an (cây)")
def unit_list(
    request,
    level: Unit.Level | None = Query(None, description="Cấp đơn vị"),  # noqa: B008
    active: bool | None = Query(None, description="true: đang hoạt động; false: đã giải thể"),  # noqa: B008
):
    """Every unit as a flat list in tree order; `parent_id` rebuilds the tree."""
    return list(selectors.unit_tree(level=level, active=active))


@router.get("/units/{unit_id}", response={200: UnitOut, **COMMON_ERRORS}, summary="Một đơn vị")
def unit_detail(request, unit_id: int = Path(..., ge=1, le=2**62)):  # noqa: B008
    return get_object_or_404(selectors.unit_tree(), pk=unit_id)


@router.get(
    "/admin-areas", response={200: AdminAreaPage, **COMMON_ERRORS}, summary="Đơn vị hành chính (tỉnh, huyện cũ, xã)"
)
def admin_area_list(
    request,
    scheme: AdminArea.Scheme | None = Query(None, description="2025 (hiện hành) hoặc legacy (trước 01/07/2025)"),  # noqa: B008
    parent: int | None = Query(None, ge=1, le=2**62),  # noqa: B008
    q: str | None = Query(None, max_length=100, description="Tìm theo tên, không cần dấu"),  # noqa: B008
    page: int = Query(1, ge=1, le=100000),  # noqa: B008
    page_size: int = Query(50, ge=1, le=200),  # noqa: B008
):
    return _page(selectors.admin_area_list(scheme=scheme, parent=parent, q=q), page, page_size)


@router.get(
    "/admin-areas/{area_id}", response={200: AdminAreaDetailOut, **COMMON_ERRORS}, summary="Một đơn vị hành chính"
)
def admin_area_detail(request, area_id: int = Path(..., ge=1, le=2**62)):  # noqa: B008
    return selectors.admin_area_get(area_id)


# --- Staff: officers ----------------------------------------------------------------------


@router.get("/officers", auth=staff_auth, response={200: OfficerPage, **STAFF_ERRORS}, summary="Cán bộ (trong phạm vi)")
def officer_list(
    request,
    unit: int | None = Query(None, ge=1, le=2**62),  # noqa: B008
    role: Role | None = None,
    q: str | None = Query(None, max_length=100),  # noqa: B008
    order: str = Query("name", pattern=r"^-?(name|username|unit|role|joined)$"),  # noqa: B008
    page: int = Query(1, ge=1, le=100000),  # noqa: B008
    page_size: int = Query(50, ge=1, le=200),  # noqa: B008
):
    try:
        qs = selectors.officer_list(request.auth, unit=unit, role=role, q=q, order=order)
    except PermissionDenied as exc:
        raise HttpError(403, str(exc)) from exc
    return _page(qs, page, page_size)


@router.get("/officers/{officer_id}", auth=staff_auth, response={200: OfficerOut, **STAFF_ERRORS}, summary="Một cán bộ")
def officer_detail(request, officer_id: int = Path(..., ge=1, le=2**62)):  # noqa: B008
    try:
        return selectors.officer_get(request.auth, officer_id)
    except PermissionDenied as exc:
        raise HttpError(403, str(exc)) from exc


@router.patch(
    "/officers/{officer_id}",
    auth=staff_auth,
    response={200: OfficerOut, **STAFF_ERRORS},
    summary="Sửa thông tin cán bộ",
)
def officer_patch(request, payload: OfficerPatch, officer_id: int = Path(..., ge=1, le=2**62)):  # noqa: B008
    actor = request.auth
    try:
        officer = selectors.officer_get(actor, officer_id)
        changes = payload.model_dump(exclude_unset=True)
        if "unit_id" in changes:
            unit_id = changes.pop("unit_id")
            unit = selectors.visible_units(actor).filter(pk=unit_id).first() if unit_id else None
            if unit is None:
                raise HttpError(400, "Đơn vị không tồn tại hoặc nằm ngoài phạm vi quản lý của bạn.")
            changes["unit"] = unit
        changes = {k: (v.value if isinstance(v, Role) else v) for k, v in changes.items() if v is not None}
        officer = services.officer_update(actor=actor, officer=officer, **changes)
    except PermissionDenied as exc:
        raise HttpError(403, str(exc)) from exc
    except ValidationError as exc:
        raise HttpError(400, _validation_message(exc)) from exc
    return selectors.officer_get(actor, officer.pk)
