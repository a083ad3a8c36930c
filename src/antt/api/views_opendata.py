"""Open data pages and downloads (issue 7 point 3).

- `/du-lieu-mo/` and `/du-lieu-mo/<slug>/`: the list and a dataset's page (description, licence,
  frequency, last update, columns, the first rows, download links, how to use the catalogue);
- `/data/<slug>.<csv|json|xlsx>`: the downloads, streamed (CSV and JSON are generated row by row
  while they are sent; the Excel file is written by openpyxl in write-only mode to an anonymous
  temporary file, then sent with FileResponse), so memory stays flat as the data grows;
- `/data/catalog.json`: the DCAT JSON-LD catalogue.

Every download has an ETag (dataset, format, period, the metadata that changes the rows and the
time of the last change of the data) and Last-Modified; a conditional GET that matches answers
304 without reading the rows. Downloads and the catalogue are rate-limited per client address
(`ANTT_OPENDATA_RATE`, 429 in Vietnamese). Nothing here needs a session: the data is public.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import tempfile
from datetime import date

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.http import FileResponse, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date, quote_etag
from django.views.decorators.http import require_GET

from antt.api import dcat
from antt.api.models import Dataset
from antt.api.opendata import BUILDERS, Period, last_modified, preview, published_datasets, published_rows
from antt.dossiers import ratelimit

CACHE_SECONDS = 900
CHUNK_BYTES = 32 * 1024
RATE_PURPOSE = "opendata"
RATE_LIMITED = "Bạn tải dữ liệu quá nhiều lần trong thời gian ngắn. Vui lòng thử lại sau ít phút."
NOT_FOUND_DATASET = "Không có bộ dữ liệu mở này."
NOT_FOUND_FORMAT = "Định dạng không được hỗ trợ. Các định dạng có sẵn: CSV, JSON, XLSX."
MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")
XLSX_SHEET_TITLE = "Dữ liệu"
XLSX_MAX_ROWS = 1_048_576  # rows of one Excel sheet, the header included


class BadPeriod(ValueError):
    pass


def parse_period(params, *, periodic: bool) -> Period:
    """?tu=YYYY-MM&den=YYYY-MM → Period; BadPeriod with a Vietnamese message on junk."""
    values = {}
    for name, label in (("tu", "tu (từ tháng)"), ("den", "den (đến tháng)")):
        raw = params.get(name)
        if raw is None or raw == "":
            values[name] = None
            continue
        match = MONTH_RE.match(raw.strip()) if len(raw) <= 7 else None
        if not match or not (1 <= int(match.group(2)) <= 12) or int(match.group(1)) < 1900:
            raise BadPeriod(f"Tham số {label} phải có dạng YYYY-MM, ví dụ 2026-01.")
        values[name] = date(int(match.group(1)), int(match.group(2)), 1)
    if (values["tu"] or values["den"]) and not periodic:
        raise BadPeriod("Bộ dữ liệu này không có chiều thời gian: không dùng được tham số tu, den.")
    if values["tu"] and values["den"] and values["den"] < values["tu"]:
        raise BadPeriod("Tháng kết thúc (den) phải sau hoặc trùng tháng bắt đầu (tu).")
    return Period(values["tu"], values["den"])


def _error(message: str, status: int, *, as_json: bool = True) -> HttpResponse:
    if as_json:
        return JsonResponse({"detail": message}, status=status, json_dumps_params={"ensure_ascii": False})
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


def _too_many() -> HttpResponse:
    response = _error(RATE_LIMITED, 429)
    response["Retry-After"] = str(ratelimit.retry_after(settings.ANTT_OPENDATA_RATE))
    return response


def _dataset_or_none(slug: str) -> Dataset | None:
    if slug not in BUILDERS:
        return None
    return Dataset.objects.filter(slug=slug, is_published=True).first()


def _etag(dataset: Dataset, fmt: str, period: Period, modified) -> str:
    parts = [
        dataset.slug,
        fmt,
        str(period.first or ""),
        str(period.last or ""),
        str(dataset.min_cell),
        dataset.title,
        modified.isoformat() if modified else "-",
    ]
    return quote_etag(hashlib.sha256("|".join(parts).encode()).hexdigest()[:32])


def _cache_headers(response, etag: str, modified) -> None:
    response["ETag"] = etag
    if modified is not None:
        response["Last-Modified"] = http_date(modified.timestamp())
    patch_cache_control(response, public=True, max_age=CACHE_SECONDS)


# --- the three formats ---------------------------------------------------------------------------------


def _chunked(first: str, pieces, size: int = CHUNK_BYTES):
    """Join small pieces into chunks of about `size` characters: one chunk per row would cost a
    trip through the response machinery (and a write to the socket) for every few dozen bytes."""
    buffer, length = [first], len(first)
    for piece in pieces:
        buffer.append(piece)
        length += len(piece)
        if length >= size:
            yield "".join(buffer)
            buffer, length = [], 0
    if buffer:
        yield "".join(buffer)


def _csv_stream(builder, rows):
    class Echo:
        def write(self, value):
            return value

    writer = csv.writer(Echo())
    lines = (
        writer.writerow(["" if v is None else ("1" if v is True else "0" if v is False else v) for v in row])
        for row in rows
    )
    yield from _chunked("\ufeff" + writer.writerow([c.key for c in builder.all_columns]), lines)


def _json_stream(dataset, builder, rows, period: Period):
    keys = [c.key for c in builder.all_columns]
    head = {
        "dataset": {
            "identifier": dataset.slug,
            "title": dataset.title,
            "license": dataset.licence_url or dataset.licence_name,
            "min_cell": dataset.min_cell,
            "period": {
                "tu": f"{period.first:%Y-%m}" if period.first else None,
                "den": f"{period.last:%Y-%m}" if period.last else None,
            },
        },
        "columns": [{"key": c.key, "title": c.title, "type": c.type} for c in builder.all_columns],
    }
    opening = json.dumps(head, ensure_ascii=False, cls=DjangoJSONEncoder)[:-1] + ', "rows": [\n'
    encode = json.JSONEncoder(ensure_ascii=False).encode  # rows hold plain scalars only
    items = ((",\n" if i else "") + encode(dict(zip(keys, row, strict=True))) for i, row in enumerate(rows))
    yield from _chunked(opening, items)
    yield "\n]}\n"


def _xlsx_file(dataset, builder, rows):
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    header = [c.title for c in builder.all_columns]
    sheet, sheets, used = None, 0, XLSX_MAX_ROWS
    for row in rows:
        if used >= XLSX_MAX_ROWS:  # Excel's limit: the next rows go on a new sheet, with the header
            sheets += 1
            sheet = workbook.create_sheet(XLSX_SHEET_TITLE if sheets == 1 else f"{XLSX_SHEET_TITLE} ({sheets})")
            sheet.append(header)
            used = 1
        sheet.append(row)
        used += 1
    if sheet is None:
        workbook.create_sheet(XLSX_SHEET_TITLE).append(header)
    # Anonymous, removed when FileResponse closes it after sending (no context manager: it outlives this call).
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115
    workbook.save(handle)
    handle.seek(0)
    return handle


CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json; charset=utf-8",
    "xlsx": dcat.FORMATS["xlsx"][0],
}


@require_GET
def download(request, slug: str, fmt: str):
    """One dataset in one format, streamed; conditional GET, rate limit, Vietnamese errors."""
    if not ratelimit.allow(request, RATE_PURPOSE, settings.ANTT_OPENDATA_RATE):
        return _too_many()
    dataset = _dataset_or_none(slug)
    if dataset is None:
        return _error(NOT_FOUND_DATASET, 404)
    if fmt not in CONTENT_TYPES:
        return _error(NOT_FOUND_FORMAT, 404)
    builder = BUILDERS[slug]
    try:
        period = parse_period(request.GET, periodic=builder.periodic)
    except BadPeriod as exc:
        return _error(str(exc), 400)
    modified = last_modified(slug)
    etag = _etag(dataset, fmt, period, modified)
    last = int(modified.timestamp()) if modified is not None else None
    not_modified = get_conditional_response(request, etag=etag, last_modified=last)
    if not_modified is not None:
        _cache_headers(not_modified, etag, modified)
        return not_modified
    rows = published_rows(builder, min_cell=dataset.min_cell, period=period)
    filename = slug
    if not period.is_open:
        filename += f"_{period.first:%Y-%m}" if period.first else "_"
        filename += f"_{period.last:%Y-%m}" if period.last else ""
    if fmt == "csv":
        response = StreamingHttpResponse(_csv_stream(builder, rows), content_type=CONTENT_TYPES["csv"])
    elif fmt == "json":
        response = StreamingHttpResponse(_json_stream(dataset, builder, rows, period), content_type=CONTENT_TYPES[fmt])
    else:
        response = FileResponse(_xlsx_file(dataset, builder, rows), content_type=CONTENT_TYPES["xlsx"])
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    response["Access-Control-Allow-Origin"] = "*"
    _cache_headers(response, etag, modified)
    return response


@require_GET
def catalog(request):
    """The DCAT JSON-LD catalogue of the published datasets."""
    if not ratelimit.allow(request, RATE_PURPOSE, settings.ANTT_OPENDATA_RATE):
        return _too_many()
    datasets = list(published_datasets())
    modified = {d.slug: last_modified(d) for d in datasets}
    document = dcat.catalog(request, datasets, modified)
    response = HttpResponse(
        json.dumps(document, ensure_ascii=False, indent=2, cls=DjangoJSONEncoder),
        content_type="application/ld+json; charset=utf-8",
    )
    response["Access-Control-Allow-Origin"] = "*"
    patch_cache_control(response, public=True, max_age=CACHE_SECONDS)
    return response


# --- pages ---------------------------------------------------------------------------------------------


def _formats(dataset) -> list[dict]:
    return [
        {"code": fmt, "label": label, "url": reverse("api:opendata-download", args=[dataset.slug, fmt])}
        for fmt, (_, _, label) in dcat.FORMATS.items()
    ]


def _list_items() -> list[dict]:
    return [
        {
            "dataset": d,
            "modified": last_modified(d),
            "frequency": dcat.FREQUENCY_LABELS.get(d.frequency, d.frequency),
            "formats": _formats(d),
        }
        for d in published_datasets()
    ]


@require_GET
def dataset_list(request):
    return render(request, "api/opendata_list.html", {"items": _list_items()})


@require_GET
def dataset_detail(request, slug: str):
    dataset = _dataset_or_none(slug)
    if dataset is None:
        context = {"items": _list_items(), "error": NOT_FOUND_DATASET}
        return render(request, "api/opendata_list.html", context, status=404)
    builder = BUILDERS[slug]
    context = {
        "dataset": dataset,
        "builder": builder,
        "columns": builder.all_columns,
        "rows": preview(dataset),
        "modified": last_modified(slug),
        "frequency": dcat.FREQUENCY_LABELS.get(dataset.frequency, dataset.frequency),
        "formats": _formats(dataset),
        "catalog_url": request.build_absolute_uri(reverse("api:dcat-catalog")),
        "example_url": request.build_absolute_uri(reverse("api:opendata-download", args=[slug, "json"])),
        "has_flag": not builder.rule.empty,
    }
    return render(request, "api/opendata_detail.html", context)


urlpatterns = [
    path("du-lieu-mo/", dataset_list, name="opendata-list"),
    path("du-lieu-mo/<slug:slug>/", dataset_detail, name="opendata-detail"),
    path("data/catalog.json", catalog, name="dcat-catalog"),
    path("data/<slug:slug>.<str:fmt>", download, name="opendata-download"),
]
