"""Lodging statistics pages (police, `lodging.stats`): guests and guest-nights by month and
nationality / establishment type / commune, with a chart and CSV / Excel exports, and occupancy.

    /luu-tru/thong-ke/              stats          (?tu=mm/yyyy&den=mm/yyyy&theo=nationality|type|commune)
    /luu-tru/thong-ke/xuat.csv|xlsx stats-export   the same table, one line per month × category
    /luu-tru/cong-suat/             occupancy      occupancy per month and type, establishments

The figures are `selectors_stats`' (the officer's units; no personal data, no suppression: the
police see their own figures whole; the small-cell suppression is for the outside API). Each
export leaves an EXPORT entry in the audit trail. Reads only.
"""

from __future__ import annotations

import re
from datetime import date

from django import forms
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.http import urlencode

from antt.core import audit
from antt.core.models import AuditEvent
from antt.lodging import exports_stats
from antt.lodging import selectors_stats as stats
from antt.org.otp import staff_required
from antt.org.roles import can
from antt.reports import charts

BREAKDOWNS = [("nationality", "Quốc tịch"), ("type", "Loại cơ sở lưu trú"), ("commune", "Xã, phường")]
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
CHART_TOP = 12
MONTH_RE = re.compile(r"^\s*(?:(0?[1-9]|1[0-2])[/.-]([0-9]{4})|([0-9]{4})-(0[1-9]|1[0-2]))\s*$")


class MonthField(forms.Field):
    """A month typed as mm/yyyy (also yyyy-mm, as the export links pass it)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"placeholder": "mm/yyyy", "inputmode": "numeric", "maxlength": 10})
        )
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        value = (value or "").strip() if isinstance(value, str) else ""
        if not value:
            return None
        m = MONTH_RE.match(value) if len(value) <= 10 else None
        if not m:
            raise forms.ValidationError("Tháng không hợp lệ; nhập theo dạng tháng/năm, ví dụ 03/2026.")
        month, year = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
        year = int(year)
        if not 2000 <= year <= 2100:
            raise forms.ValidationError("Năm phải trong khoảng 2000 – 2100.")
        return date(year, int(month), 1)


class StatsForm(forms.Form):
    tu = MonthField(label="Từ tháng")
    den = MonthField(label="Đến tháng")
    theo = forms.ChoiceField(label="Phân tổ theo", choices=BREAKDOWNS, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["theo"].error_messages["invalid_choice"] = "Cách phân tổ không hợp lệ."

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        this_month = timezone.now().astimezone(stats.VN).date().replace(day=1)
        last = data.get("den") or this_month
        first = data.get("tu") or last.replace(month=1)
        try:
            data["period"] = stats.Period.of(first, last)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc
        data["theo"] = data.get("theo") or "nationality"
        return data


class OccupancyForm(StatsForm):
    """The months only (the occupancy page has no breakdown)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["theo"]


def _require(request) -> stats.Scope:
    if not can(request.user, stats.CAPABILITY):
        raise PermissionDenied("Bạn không có quyền xem thống kê lưu trú.")
    return stats.scope_for(request.user)


def _form(request, form_class=StatsForm) -> tuple[StatsForm, bool]:
    form = form_class(request.GET or {})
    return form, form.is_valid()


def _query(period: stats.Period, by: str | None = None) -> str:
    params = {"tu": f"{period.first:%m/%Y}", "den": f"{period.last:%m/%Y}"}
    if by:
        params["theo"] = by
    return urlencode(params)


def _month_labels(period: stats.Period) -> list[str]:
    return [f"{m:%m/%Y}" for m in period.months]


def _occupancy_chart(trend: dict, period: stats.Period):
    return charts.line_chart(
        "Công suất phòng theo tháng",
        "Biểu đồ đường: tỷ lệ phòng-đêm có khách trên tổng phòng-đêm của các cơ sở lưu trú trong từng tháng. "
        "Số liệu chi tiết ở bảng công suất.",
        _month_labels(period),
        [c["rate"] for c in trend["month_totals"]],
        "Công suất phòng",
    )


@staff_required
def stats_page(request):
    scope = _require(request)
    form, ok = _form(request)
    if not ok:
        return render(request, "lodging/stats_guests.html", {"form": form}, status=400)
    period, by = form.cleaned_data["period"], form.cleaned_data["theo"]
    table = stats.guests_by(scope, period, by)
    trend = stats.occupancy_trend(scope, period)
    top = table["rows"][:CHART_TOP]
    chart = charts.bar_chart(
        f"Lượt khách và ngày khách theo {table['title'].lower()}",
        f"Biểu đồ cột: {len(top)} nhóm nhiều khách nhất theo {table['title'].lower()}, mỗi nhóm hai cột: "
        "lượt khách và ngày khách của cả kỳ. Số liệu chi tiết ở bảng bên dưới.",
        [r["name"] for r in top],
        {"Lượt khách": [r["total"]["guests"] for r in top], "Ngày khách": [r["total"]["nights"] for r in top]},
    )
    context = {
        "form": form,
        "period": period,
        "scope": scope,
        "table": table,
        "month_rows": list(zip(_month_labels(period), table["month_totals"], strict=True)),
        "month_labels": _month_labels(period),
        "chart": chart,
        "chart_rows": top,
        "occupancy_chart": _occupancy_chart(trend, period),
        "occupancy_months": list(zip(_month_labels(period), trend["month_totals"], strict=True)),
        "query": _query(period, by),
        "nav_query": _query(period),
        "definitions": stats.DEFINITIONS,
    }
    return render(request, "lodging/stats_guests.html", context)


@staff_required
def stats_export(request, fmt: str):
    if fmt not in CONTENT_TYPES:
        raise Http404("Định dạng tệp không hỗ trợ.")
    scope = _require(request)
    form, ok = _form(request)
    if not ok:
        return render(request, "lodging/stats_guests.html", {"form": form}, status=400)
    period, by = form.cleaned_data["period"], form.cleaned_data["theo"]
    table = stats.guests_by(scope, period, by)
    rows = exports_stats.export_rows(table)
    title = f"Thống kê lưu trú theo {table['title'].lower()}"
    content = (
        exports_stats.csv_bytes(rows)
        if fmt == "csv"
        else exports_stats.xlsx_bytes(rows, title, f"{period.label} — {scope.label}")
    )
    with transaction.atomic():
        audit.record(
            AuditEvent.Action.EXPORT,
            object_type="lodging.stats",
            object_repr=title,
            changes={
                "format": fmt,
                "by": by,
                "from": f"{period.first:%Y-%m}",
                "to": f"{period.last:%Y-%m}",
                "rows": len(rows),
            },
        )
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = (
        f'attachment; filename="thong-ke-luu-tru-{by}-{period.first:%Y%m}-{period.last:%Y%m}.{fmt}"'
    )
    return response


@staff_required
def occupancy_page(request):
    scope = _require(request)
    form, ok = _form(request, OccupancyForm)
    if not ok:
        return render(request, "lodging/stats_occupancy.html", {"form": form}, status=400)
    period = form.cleaned_data["period"]
    trend = stats.occupancy_trend(scope, period)
    context = {
        "form": form,
        "period": period,
        "scope": scope,
        "trend": trend,
        "month_labels": _month_labels(period),
        "months": list(zip(_month_labels(period), trend["month_totals"], strict=True)),
        "chart": _occupancy_chart(trend, period),
        "establishments": stats.establishments_occupancy(scope, period),
        "nav_query": _query(period),
    }
    return render(request, "lodging/stats_occupancy.html", context)


urlpatterns = [
    path("luu-tru/thong-ke/", stats_page, name="stats"),
    path("luu-tru/thong-ke/xuat.<str:fmt>", stats_export, name="stats-export"),
    path("luu-tru/cong-suat/", occupancy_page, name="occupancy"),
]
