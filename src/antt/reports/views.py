"""The statistics page (/thong-ke/) and its exports. Reads through `reports.selectors` only."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.http import urlencode

from antt.feedback.selectors import SATISFACTION_RATE_DOC
from antt.org.otp import staff_required
from antt.org.roles import can
from antt.reports import charts, selectors, services
from antt.reports.exports import TABLE_KEYS
from antt.reports.forms import StatsFilterForm

SORT_KEYS = {"name", *TABLE_KEYS}
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def _require(request) -> None:
    if not can(request.user, "reports.view"):
        raise PermissionDenied("Bạn không có quyền xem thống kê.")


def _sorted(rows: list[dict], sort: str) -> list[dict]:
    key = sort.lstrip("-")
    if key not in SORT_KEYS:
        return rows
    desc = sort.startswith("-")
    present = [r for r in rows if r.get(key) is not None]
    missing = [r for r in rows if r.get(key) is None]
    return sorted(present, key=lambda r: r[key], reverse=desc) + missing


def _charts(months: list[dict], by_group: list[dict], group_title: str) -> dict:
    labels = [m["month"].strftime("%m/%Y") for m in months]
    top = by_group[:12]
    return {
        "months": charts.bar_chart(
            "Hồ sơ tiếp nhận và đã giải quyết theo tháng",
            "Biểu đồ cột: mỗi tháng có hai cột, số hồ sơ tiếp nhận mới và số hồ sơ đã giải quyết. "
            "Số liệu chi tiết ở bảng bên cạnh.",
            labels,
            {"Tiếp nhận": [m["received"] for m in months], "Đã giải quyết": [m["resolved"] for m in months]},
        ),
        "timeliness": charts.stacked_chart(
            f"Kết quả giải quyết trước hạn, đúng hạn, quá hạn {group_title.lower()}",
            "Biểu đồ cột chồng: mỗi cột là tổng số hồ sơ đã giải quyết, chia thành trước hạn, đúng hạn và quá hạn. "
            "Số liệu chi tiết ở bảng bên cạnh.",
            [r["name"] for r in top],
            {
                "Trước hạn": [r["early"] for r in top],
                "Đúng hạn": [r["on_time"] for r in top],
                "Quá hạn": [r["late"] for r in top],
            },
        ),
        "online": charts.line_chart(
            "Tỷ lệ hồ sơ nộp trực tuyến theo tháng",
            "Biểu đồ đường: tỷ lệ phần trăm hồ sơ tiếp nhận mới được nộp trực tuyến trong từng tháng.",
            labels,
            [m["online_rate"] for m in months],
            "Tỷ lệ trực tuyến",
        ),
        "group_rows": top,
    }


@staff_required
def statistics(request):
    _require(request)
    form = StatsFilterForm(request.GET, user=request.user)
    if not form.is_valid():
        return render(request, "reports/statistics.html", {"form": form}, status=400)
    f = form.cleaned_data["filters"]
    user = request.user
    summary = selectors.stats_summary(user, f)
    sort = request.GET.get("sort", "")
    tables = {dim: _sorted(selectors.stats_by(user, f, dim), sort) for dim in ("field", "procedure", "unit")}
    months = selectors.stats_by_month(user, f)
    chart_dim, chart_title = ("unit", "Theo đơn vị") if len(tables["unit"]) > 1 else ("field", "Theo lĩnh vực")
    params = {k: v for k, v in request.GET.items() if k != "sort"}
    context = {
        "form": form,
        "filters": f,
        "summary": summary,
        "satisfaction": summary["satisfaction"],
        "satisfaction_doc": SATISFACTION_RATE_DOC,
        "groups": selectors.quality_groups(summary),
        "tables": [
            ("field", "Theo lĩnh vực", tables["field"]),
            ("procedure", "Theo thủ tục", tables["procedure"]),
            ("unit", "Theo đơn vị", tables["unit"]),
        ],
        "months": months,
        "charts": _charts(months, tables[chart_dim], chart_title),
        "chart_title": chart_title,
        "sort": sort,
        "query": urlencode(params),
        "processing_target": selectors.PROCESSING_TARGET,
        "ratings": _rating_tables(user, f),
    }
    return render(request, "reports/statistics.html", context)


def _rating_tables(user, f) -> dict:
    """Satisfaction per unit, procedure and officer, and per criterion (feedback selectors)."""
    from antt.feedback import selectors as feedback

    filters = {"start": f.start_at, "end": f.end_at, "unit": f.unit, "field_id": f.field_id}
    filters["procedure_id"] = f.procedure_id
    return {
        "groups": [
            ("unit", "Theo đơn vị", feedback.rating_by(user, "unit", **filters)[:50]),
            ("procedure", "Theo thủ tục", feedback.rating_by(user, "procedure", **filters)[:50]),
            ("officer", "Theo cán bộ tiếp nhận", feedback.rating_by(user, "officer", **filters)[:50]),
        ],
        "criteria": feedback.rating_by_criterion(user, **filters),
    }


@staff_required
def statistics_export(request, fmt: str):
    _require(request)
    form = StatsFilterForm(request.GET, user=request.user)
    if not form.is_valid():
        return render(request, "reports/statistics.html", {"form": form}, status=400)
    f = form.cleaned_data["filters"]
    content = services.stats_export(user=request.user, filters=f, fmt=fmt)
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="thong-ke-{f.start:%Y%m%d}-{f.end:%Y%m%d}.{fmt}"'
    return response
