"""Files for other agencies: the shared registry as CSV, Excel or JSON (no personal data).

    /chia-se/co-so.csv | .xlsx | .json               establishments
    /chia-se/giay-chung-nhan.csv | .xlsx | .json     security certificates

The same rows, filters and access as `/api/v1/establishments/` (see `selectors_sharing`): an
agency's `Authorization: Bearer <token>` or a signed-in officer with `establishment.view`.
A wrong token is 401; a signed-in user without the capability (a business account) 403.

The whole filtered set is written as it is read (`iterator()` in chunks, prefetching the lines
per chunk): CSV and JSON are generated row by row into a `StreamingHttpResponse`; the workbook
is written by openpyxl in write-only mode to a temporary file that `FileResponse` streams back.
Memory stays flat at any size. Text cells are never formulas (a name starting with "=" stays
text), so a file opened in Excel runs nothing. Each file leaves an EXPORT entry in the audit
trail naming the agency or officer and the filter.
"""

from __future__ import annotations

import csv
import json
import tempfile
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from pydantic import ValidationError

from antt.api.agency import file_view_key
from antt.api.models import AgencyKey
from antt.core import audit
from antt.core.models import AuditEvent
from antt.establishments import feed
from antt.establishments import selectors_sharing as sharing
from antt.establishments.api import CertificateFilters, EstablishmentFilters
from antt.establishments.exports import sheet_cell
from antt.org.otp import staff_gate, staff_required

CHUNK = 1000
TEXT = "text/plain; charset=utf-8"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Dataset:
    title: str
    filters: type
    rows: Any  # (caller, filter) -> QuerySet
    shape: Any  # obj -> dict
    columns: tuple[tuple[str, str], ...]


DATASETS = {
    "co-so": Dataset(
        title="Cơ sở kinh doanh có điều kiện về ANTT, cơ sở PCCC",
        filters=EstablishmentFilters,
        rows=sharing.shared_establishments,
        shape=feed.establishment_public,
        columns=(
            ("id", "Mã cơ sở (ANTT)"),
            ("name", "Tên cơ sở"),
            ("trade_name", "Tên giao dịch, biển hiệu"),
            ("tax_code", "Mã số thuế"),
            ("registration_number", "Số giấy chứng nhận đăng ký kinh doanh"),
            ("kind", "Loại hình"),
            ("lines", "Ngành, nghề có điều kiện về ANTT"),
            ("area_code", "Mã xã, phường"),
            ("area_name", "Xã, phường"),
            ("address", "Địa chỉ"),
            ("latitude", "Vĩ độ"),
            ("longitude", "Kinh độ"),
            ("unit", "Đơn vị Công an quản lý"),
            ("status", "Tình trạng"),
            ("lodging_kind", "Loại cơ sở lưu trú"),
            ("rooms", "Số phòng"),
            ("updated_at", "Cập nhật lúc"),
        ),
    ),
    "giay-chung-nhan": Dataset(
        title="Giấy chứng nhận đủ điều kiện về an ninh, trật tự",
        filters=CertificateFilters,
        rows=sharing.shared_certificates,
        shape=feed.certificate_public,
        columns=(
            ("id", "Mã giấy chứng nhận (ANTT)"),
            ("number", "Số giấy chứng nhận"),
            ("establishment_id", "Mã cơ sở (ANTT)"),
            ("tax_code", "Mã số thuế"),
            ("unit", "Đơn vị cấp"),
            ("kind", "Hình thức cấp"),
            ("lines", "Ngành, nghề"),
            ("issued_on", "Ngày cấp"),
            ("valid_until", "Có giá trị đến"),
            ("status", "Tình trạng"),
            ("suspended_until", "Thu hồi có thời hạn đến"),
            ("replaces", "Thay cho giấy chứng nhận số"),
            ("updated_at", "Cập nhật lúc"),
        ),
    ),
}
FORMATS = ("csv", "xlsx", "json")


# --- Access and parameters ---------------------------------------------------------------------


def _text(message: str, status: int) -> HttpResponse:
    return HttpResponse(message, status=status, content_type=TEXT)


def _caller(request):
    """(caller, None) or (None, the response to give): an agency's token, else a staff session."""
    header = request.headers.get("Authorization", "")
    if header:
        token = header[7:].strip() if header.lower().startswith("bearer ") else ""
        key, refusal = file_view_key(request, token, "establishments.read") if token else (None, None)
        if refusal is not None:
            return None, refusal
        if key is not None:
            return key, None
        client = sharing.sharing_client(token)
        if client is None:
            response = _text("Mã truy cập không hợp lệ.", 401)
            response["WWW-Authenticate"] = "Bearer"
            return None, response
        return client, None
    gate = staff_gate(request, officer=True)
    if gate is not None:
        return None, gate
    return request.user, None


def _filters(dataset: Dataset, request):
    params = {key: value for key, value in request.GET.items() if key in dataset.filters.model_fields and value != ""}
    try:
        return dataset.filters.model_validate(params), None
    except ValidationError as exc:
        fields = sorted({str(err["loc"][0]) for err in exc.errors() if err.get("loc")})
        return None, _text(f"Tham số không hợp lệ: {', '.join(fields) or 'bộ lọc'}.", 400)


# --- Cells -------------------------------------------------------------------------------------


def _plain(value) -> Any:
    """A shared value as one cell: lists joined, None empty, control characters dropped."""
    if value is None:
        return ""
    if isinstance(value, list):
        value = "; ".join(str(v) for v in value)
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def _csv_cell(value) -> Any:
    value = _plain(value)
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value  # OWASP: a spreadsheet must not read a cell as a formula
    return value


class _Echo:
    def write(self, value):
        return value


def _batches(qs, render_row):
    """The rendered rows of the queryset, joined in batches (fewer, larger chunks on the wire)."""
    batch = []
    for obj in qs.iterator(chunk_size=CHUNK):
        batch.append(render_row(obj))
        if len(batch) >= CHUNK:
            yield "".join(batch)
            batch = []
    if batch:
        yield "".join(batch)


def _csv_stream(dataset: Dataset, qs):
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow([label for _, label in dataset.columns])  # BOM: Excel reads UTF-8
    yield from _batches(qs, lambda obj: writer.writerow([_csv_cell(v) for v in _values(dataset, obj)]))


def _values(dataset: Dataset, obj) -> list:
    row = dataset.shape(obj)
    return [row[key] for key, _ in dataset.columns]


def _json_stream(dataset: Dataset, qs):
    first = True

    def render_row(obj):
        nonlocal first
        text = json.dumps(dataset.shape(obj), cls=DjangoJSONEncoder, ensure_ascii=False)
        if first:
            first = False
            return text
        return ",\n" + text

    yield "["
    yield from _batches(qs, render_row)
    yield "]\n"


def _xlsx_file(dataset: Dataset, qs):
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(dataset.title[:31])
    header = []
    for _, label in dataset.columns:
        cell = WriteOnlyCell(ws, value=label)
        cell.font = Font(bold=True)
        header.append(cell)
    ws.append(header)
    ws.freeze_panes = "A2"
    for obj in qs.iterator(chunk_size=CHUNK):
        ws.append([sheet_cell(ws, _plain(value)) for value in _values(dataset, obj)])
    fh = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 (FileResponse closes it, which deletes it)
    wb.save(fh)
    fh.seek(0)
    return fh


# --- The view ----------------------------------------------------------------------------------


@never_cache
@require_GET
def share_export(request, dataset: str, fmt: str):
    """One dataset in one format, filtered like the API (tax_code, area_code, line, status, updated_since)."""
    spec = DATASETS.get(dataset)
    if spec is None or fmt not in FORMATS:
        raise Http404("Không có tệp dữ liệu này.")
    caller, refusal = _caller(request)
    if refusal is not None:
        return refusal
    filters, refusal = _filters(spec, request)
    if refusal is not None:
        return refusal
    try:
        qs = spec.rows(caller, filters.as_filter())
    except sharing.SharingDenied as exc:
        raise PermissionDenied(exc.message) from exc
    agency = isinstance(caller, sharing.SharingClient | AgencyKey)
    audit.record(
        AuditEvent.Action.EXPORT,
        object_type="establishments.sharing",
        object_id=dataset,
        object_repr=f"Dữ liệu chia sẻ: {spec.title} ({fmt})",
        changes={"dataset": dataset, "format": fmt, "filter": filters.model_dump(mode="json", exclude_none=True)},
        reason="Chia sẻ dữ liệu cơ sở kinh doanh cho cơ quan, đơn vị",
        actor=None if agency else caller,
        actor_name=str(caller) if agency else "",
    )
    stamp = f"{timezone.localtime():%Y%m%d-%H%M}"
    filename = f"{dataset}-{stamp}.{fmt}"
    if fmt == "xlsx":
        return FileResponse(
            _xlsx_file(spec, qs),
            as_attachment=True,
            filename=filename,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    if fmt == "csv":
        response = StreamingHttpResponse(_csv_stream(spec, qs), content_type="text/csv; charset=utf-8")
    else:
        response = StreamingHttpResponse(_json_stream(spec, qs), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@staff_required
@require_GET
def share_home(request):
    """For officers: what is shared, the file links and how an agency is given access."""
    if not sharing.may_read(request.user):
        raise PermissionDenied(sharing.SharingDenied.message)
    files = [
        {
            "title": spec.title,
            "links": [
                (fmt.upper(), reverse("establishments:share-export", kwargs={"dataset": slug, "fmt": fmt}))
                for fmt in FORMATS
            ],
        }
        for slug, spec in DATASETS.items()
    ]
    return render(request, "establishments/sharing_home.html", {"files": files})


urlpatterns = [
    path("chia-se/", share_home, name="share-home"),
    path("chia-se/<slug:dataset>.<slug:fmt>", share_export, name="share-export"),
]
