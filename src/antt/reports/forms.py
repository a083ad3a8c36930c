"""The statistics filter: period (month / quarter / year / custom), unit, field, procedure."""

from __future__ import annotations

from calendar import monthrange
from datetime import date

from django import forms
from django.utils import timezone

from antt.catalog.models import Field, Procedure
from antt.reports.selectors import VN, StatsFilters, unit_choices

PERIODS = [("month", "Tháng"), ("quarter", "Quý"), ("year", "Năm"), ("custom", "Khoảng thời gian")]
MAX_DAYS = 5 * 366
# The years of the `year` field: outside them a custom date overflows once turned into a local
# midnight (0001-01-01 in UTC, the day after 9999-12-31).
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)


class StatsFilterForm(forms.Form):
    period = forms.ChoiceField(label="Kỳ thống kê", choices=PERIODS, required=False)
    year = forms.IntegerField(label="Năm", min_value=2000, max_value=2100, required=False)
    month = forms.IntegerField(label="Tháng", min_value=1, max_value=12, required=False)
    quarter = forms.IntegerField(label="Quý", min_value=1, max_value=4, required=False)
    date_from = forms.DateField(label="Từ ngày", required=False, input_formats=["%d/%m/%Y", "%Y-%m-%d"])
    date_to = forms.DateField(label="Đến ngày", required=False, input_formats=["%d/%m/%Y", "%Y-%m-%d"])
    unit = forms.ModelChoiceField(label="Đơn vị", queryset=None, required=False, empty_label="Tất cả đơn vị được xem")
    field = forms.ModelChoiceField(
        label="Lĩnh vực", queryset=Field.objects.order_by("name"), required=False, empty_label="Tất cả lĩnh vực"
    )
    procedure = forms.ModelChoiceField(
        label="Thủ tục",
        queryset=Procedure.objects.order_by("name").only("pk", "name"),
        required=False,
        empty_label="Tất cả thủ tục",
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = unit_choices(user)
        for name in ("date_from", "date_to"):
            self.fields[name].widget.input_type = "date"
            self.fields[name].widget.format = "%Y-%m-%d"

    def clean(self):
        data = super().clean()
        today = timezone.now().astimezone(VN).date()
        period = data.get("period") or "month"
        year = data.get("year") or today.year
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
            label = f"Từ {start:%d/%m/%Y} đến {end:%d/%m/%Y}"
        elif period == "year":
            start, end, label = date(year, 1, 1), date(year, 12, 31), f"Năm {year}"
        elif period == "quarter":
            quarter = data.get("quarter") or (today.month - 1) // 3 + 1
            first = 3 * (quarter - 1) + 1
            start = date(year, first, 1)
            end = date(year, first + 2, monthrange(year, first + 2)[1])
            label = f"Quý {quarter} năm {year}"
        else:
            month = data.get("month") or today.month
            start, end = date(year, month, 1), date(year, month, monthrange(year, month)[1])
            label = f"Tháng {month:02d}/{year}"
        data["filters"] = StatsFilters(
            start=start,
            end=end,
            unit=data.get("unit"),
            field_id=data["field"].pk if data.get("field") else None,
            procedure_id=data["procedure"].pk if data.get("procedure") else None,
            label=label,
        )
        return data
