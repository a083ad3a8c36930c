"""Public API of the procedure catalogue: /api/v1/procedures.

The list is paginated with limit/offset (default 50, at most 200 per page;
the whole catalogue is 120 procedures) and includes procedures no longer in
force, with their validity. The detail gives every version.
"""

from datetime import date
from typing import Literal

from django.http import HttpRequest
from ninja import Field as SchemaField
from ninja import Query, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import LimitOffsetPagination, paginate

from antt.api.schemas import COMMON_ERRORS, IsoDate
from antt.catalog import rules, selectors
from antt.catalog.models import OnlineLevel, ProcedureVersion

router = Router()


class CatalogPagination(LimitOffsetPagination):
    class Input(Schema):
        limit: int = SchemaField(50, ge=1, le=200, description="Số thủ tục mỗi trang (tối đa 200).")
        offset: int = SchemaField(0, ge=0, le=1_000_000, description="Bỏ qua bao nhiêu thủ tục đầu.")


class ProcedureFilters(Schema):
    q: str | None = SchemaField(None, max_length=200, description="Tìm theo tên, không phân biệt dấu.")
    field: str | None = SchemaField(None, max_length=60, description="Mã lĩnh vực, ví dụ cu-tru.")
    level: Literal["province", "district", "commune"] | None = SchemaField(None, description="Cấp thực hiện.")
    online_level: Literal["full", "partial", "none"] | None = SchemaField(None, description="Mức độ trực tuyến.")
    on: IsoDate | None = SchemaField(None, description="Ngày xét hiệu lực, dạng YYYY-MM-DD (mặc định hôm nay).")


class FieldOut(Schema):
    slug: str
    name: str


class LegalTimeOut(Schema):
    amount: float | None
    unit: str | None
    text: str
    note: str = ""


class ProcedureItemOut(Schema):
    code: str
    code_verified: bool
    name: str
    seed_name: str
    field: FieldOut
    levels: list[str]
    legal_time: LegalTimeOut
    online_level: str
    online_level_label: str
    valid_from: date | None
    valid_to: date | None
    in_force: bool
    verified: bool


class DocumentOut(Schema):
    order: int
    name: str
    form_code: str
    originals: int
    copies: int
    note: str


class FeeOut(Schema):
    channel: str
    channel_label: str
    amount: int
    description: str
    exemptions: str


class StepOut(Schema):
    order: int
    name: str
    role: str
    unit_level: str
    budget_hours: float


class VersionSummaryOut(Schema):
    valid_from: date
    valid_to: date | None
    in_force: bool
    legal_time: LegalTimeOut
    verified: bool


class ProcedureDetailOut(ProcedureItemOut):
    seed_ref: str
    legal_basis: str
    result: str
    documents: list[DocumentOut]
    fees: list[FeeOut]
    steps: list[StepOut]
    internal_target_hours: float | None
    max_internal_hours: float | None
    sources: str
    versions: list[VersionSummaryOut]


def _legal_time(version: ProcedureVersion | None) -> dict:
    if version is None:
        return {"amount": None, "unit": None, "text": "Chưa xác định", "note": ""}
    amount = version.legal_time_amount
    return {
        "amount": float(amount) if amount is not None else None,
        "unit": version.legal_time_unit or None,
        "text": rules.format_legal_time(amount, version.legal_time_unit),
        "note": version.legal_time_note,
    }


def _item(row: selectors.ProcedureRow) -> dict:
    procedure, version = row.procedure, row.version
    return {
        "code": procedure.code,
        "code_verified": procedure.code_verified,
        "name": procedure.name,
        "seed_name": procedure.seed_name,
        "field": {"slug": procedure.field.slug, "name": procedure.field.name},
        "levels": [lv.level for lv in version.levels.all()] if version else [],
        "legal_time": _legal_time(version),
        "online_level": version.online_level if version else OnlineLevel.NONE,
        "online_level_label": str(OnlineLevel(version.online_level).label) if version else "",
        "valid_from": version.valid_from if version else None,
        "valid_to": version.valid_to if version else None,
        "in_force": row.in_force,
        "verified": bool(version and version.verified),
    }


@router.get(
    "",
    response={200: list[ProcedureItemOut], **COMMON_ERRORS},
    summary="Danh mục thủ tục hành chính",
    auth=None,
)
@paginate(CatalogPagination)
def procedure_list(request: HttpRequest, filters: Query[ProcedureFilters]):
    field = filters.field
    if field and not selectors.field_exists(field):
        raise HttpError(422, "Lĩnh vực không tồn tại.")
    rows = selectors.procedure_search(
        q=filters.q, field=field, level=filters.level, online_level=filters.online_level, on=filters.on
    )
    return [_item(row) for row in rows]


@router.get(
    "/{code}",
    response={200: ProcedureDetailOut, **COMMON_ERRORS},
    summary="Chi tiết thủ tục hành chính",
    auth=None,
)
def procedure_detail(request: HttpRequest, code: str, on: IsoDate | None = None):
    if len(code) > 40:
        raise HttpError(404, "Không tìm thấy thủ tục.")
    row = selectors.procedure_get(code=code, on=on)
    if row is None:
        raise HttpError(404, "Không tìm thấy thủ tục.")
    version = row.version
    today = on or selectors.today()
    data = _item(row)
    data.update(
        seed_ref=row.procedure.seed_ref,
        legal_basis=version.legal_basis if version else "",
        result=version.result if version else "",
        documents=list(version.documents.all()) if version else [],
        fees=[
            {
                "channel": fee.channel,
                "channel_label": str(fee.get_channel_display()),
                "amount": fee.amount,
                "description": fee.description,
                "exemptions": fee.exemptions,
            }
            for fee in (version.fees.all() if version else [])
        ],
        steps=[
            {
                "order": s.order,
                "name": s.name,
                "role": s.role,
                "unit_level": s.unit_level,
                "budget_hours": float(s.budget_hours),
            }
            for s in (version.steps.all() if version else [])
        ],
        internal_target_hours=float(version.internal_target_hours)
        if version and version.internal_target_hours is not None
        else None,
        max_internal_hours=_float(rules.max_internal_hours(version.legal_time_amount, version.legal_time_unit))
        if version
        else None,
        sources=version.sources if version else "",
        versions=[
            {
                "valid_from": v.valid_from,
                "valid_to": v.valid_to,
                "in_force": v.is_in_force(today),
                "legal_time": _legal_time(v),
                "verified": v.verified,
            }
            for v in row.procedure.versions.all()
        ],
    )
    return data


def _float(value) -> float | None:
    return None if value is None else float(value)
