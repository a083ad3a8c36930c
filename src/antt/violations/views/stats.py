"""Views: the statistics of administrative violations (/vi-pham/thong-ke/) and its exports.

Capability: `reports.view` (heads of unit, supervisors, system administrators), the same gate
as the one-stop shop's statistics: the table is a supervision report, while `violation.view`
(every officer on duty, receptionists included) is for working on files. What the figures
cover is decided by `selectors_stats` (the officer's unit subtree). Reads only.
"""

from __future__ import annotations

from calendar import monthrange
from datetime import date, timedelta

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.http import urlencode

from antt.dossiers.forms import VietnameseDateField
from antt.org.otp import staff_required
from antt.org.roles import can
from antt.reports import charts
from antt.reports.selectors import unit_choices
from antt.violations import exports, selectors_stats

PRESETS = [
    ("year", "Năm nay"),
    ("last_year", "Năm trước"),
    ("month", "Tháng này"),
    ("last_month", "Tháng trước"),
    ("custom", "Chọn từ ngày – đến ngày"),
]
MAX_DAYS = 5 * 366
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)
TOP = 10


def preset_period(preset: str, today: date) -> tuple[date, date]:
    """The [start, end] of a preset around `today` (local date)."""
    if preset == "last_year":
        return date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)
    if preset == "month":
        return today.replace(day=1), today.replace(day=monthrange(today.year, today.month)[1])
    if preset == "last_month":
        last = today.replace(day=1) - timedelta(days=1)
        return last.replace(day=1), last
    return date(today.year, 1, 1), date(today.year, 12, 31)


class StatsForm(forms.Form):
    period = forms.ChoiceField(label="Kỳ thống kê", choices=PRESETS, required=False)
    # dd/mm/yyyy text as on the other forms (a type=date picker shows mm/dd/yyyy in an English
    # browser); the export links pass ISO dates, which the field also reads
    date_from = VietnameseDateField(label="Từ ngày", required=False)
    date_to = VietnameseDateField(label="Đến ngày", required=False)
    unit = forms.ModelChoiceField(label="Đơn vị", queryset=None, required=False, empty_label="Toàn bộ đơn vị được xem")

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = unit_choices(user)
        self.fields["unit"].error_messages["invalid_choice"] = "Đơn vị không có trong phạm vi bạn được xem."
        for name in ("date_from", "date_to"):
            self.fields[name].error_messages["invalid"] = "Ngày không hợp lệ (ví dụ 31/12/2025)."
        self.fields["period"].error_messages["invalid_choice"] = "Kỳ thống kê không hợp lệ."

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        period = data.get("period") or "year"
        if period == "custom":
            start, end = data.get("date_from"), data.get("date_to")
            if not start or not end:
                raise forms.ValidationError("Vui lòng chọn cả ngày bắt đầu và ngày kết thúc.")
            if not (FIRST_DAY <= start <= LAST_DAY and FIRST_DAY <= end <= LAST_DAY):
                raise forms.ValidationError(
                    f"Ngày thống kê phải trong khoảng {FIRST_DAY:%d/%m/%Y} – {LAST_DAY:%d/%m/%Y}."
                )
            if end < start:
                raise forms.ValidationError("Ngày kết thúc phải sau hoặc trùng ngày bắt đầu.")
            if (end - start).days > MAX_DAYS:
                raise forms.ValidationError("Khoảng thời gian thống kê tối đa là 5 năm.")
        else:
            start, end = preset_period(period, timezone.localdate())
        data["start"], data["end"] = start, end
        return data


def _require(request) -> None:
    if not can(request.user, selectors_stats.CAPABILITY):
        raise PermissionDenied("Bạn không có quyền xem thống kê vi phạm hành chính.")


def _chart_rows(rows: list[dict], key: str) -> tuple[list[str], list[int]]:
    return [r["name"] for r in rows], [r[key] for r in rows]


def _charts(trend: dict) -> dict:
    months = trend["months"]
    out = {
        "months": charts.bar_chart(
            "Số quyết định xử phạt theo tháng",
            "Biểu đồ cột: số quyết định xử phạt ra trong từng tháng của kỳ. Số liệu chi tiết ở bảng bên cạnh.",
            [m["label"] for m in months],
            {"Số quyết định": [m["decisions"] for m in months]},
        )
    }
    for key, title, rows, value, series in (
        ("behaviours", "Hành vi vi phạm nhiều nhất", trend["behaviours"], "lines", "Số lượt vi phạm"),
        ("places", "Số quyết định theo địa bàn (xã, phường)", trend["places"], "decisions", "Số quyết định"),
        ("units", "Số quyết định theo đơn vị", trend["units"], "decisions", "Số quyết định"),
    ):
        labels, values = _chart_rows(rows, value)
        out[key] = charts.bar_chart(
            title,
            f"Biểu đồ cột: {title.lower()}, nhiều nhất trước. Số liệu chi tiết ở bảng bên cạnh.",
            labels,
            {series: values},
        )
    return out


@staff_required
def stats(request):
    _require(request)
    form = StatsForm(request.GET or None, user=request.user)
    if request.GET and not form.is_valid():
        return render(request, "violations/stats.html", {"form": form}, status=400)
    if request.GET:
        start, end, unit = form.cleaned_data["start"], form.cleaned_data["end"], form.cleaned_data["unit"]
    else:
        form = StatsForm(initial={"period": "year"}, user=request.user)
        (start, end), unit = preset_period("year", timezone.localdate()), None
    user = request.user
    table = selectors_stats.stats_table(user, start=start, end=end, unit=unit)
    trend = selectors_stats.trends(user, start=start, end=end, unit=unit, top=TOP)
    params = {"period": "custom", "date_from": start.isoformat(), "date_to": end.isoformat()}
    if unit is not None:
        params["unit"] = unit.pk
    context = {
        "form": form,
        "table": table,
        "scope": table["scope"],
        "columns": selectors_stats.COLUMNS,
        "lead_headings": selectors_stats.LEAD_HEADINGS,
        "totals_note": selectors_stats.TOTALS_NOTE,
        "trend": trend,
        "charts": _charts(trend),
        "query": urlencode(params),
        "top": TOP,
    }
    return render(request, "violations/stats.html", context)


@staff_required
def stats_export(request, fmt: str):
    _require(request)
    form = StatsForm(request.GET, user=request.user)
    if not form.is_valid():
        return render(request, "violations/stats.html", {"form": form}, status=400)
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    content = exports.stats_export(user=request.user, start=start, end=end, unit=form.cleaned_data["unit"], fmt=fmt)
    response = HttpResponse(content, content_type=exports.CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="thong-ke-vi-pham-{start:%Y%m%d}-{end:%Y%m%d}.{fmt}"'
    return response


urlpatterns = [
    path("vi-pham/thong-ke/", stats, name="stats"),
    path("vi-pham/thong-ke/xuat.xlsx", stats_export, {"fmt": "xlsx"}, name="stats-xlsx"),
    path("vi-pham/thong-ke/xuat.pdf", stats_export, {"fmt": "pdf"}, name="stats-pdf"),
]
