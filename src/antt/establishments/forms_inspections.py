"""Forms of the inspection pages. They only parse what was typed (dates as dd/mm/yyyy, choices);
the rules are checked by `establishments.inspections`, whose Vietnamese refusals the views put
back on the form.

Keyboard: the findings rows accept a deadline as a date or as "+N" (N days after the inspection
day, e.g. "+30"), so an officer types a row without leaving the keyboard.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from django import forms

from antt.dossiers.forms import DATE_FORMATS, VietnameseDateField
from antt.establishments.forms import VietnameseForm
from antt.establishments.inspections import MAX_FINDINGS, FindingData
from antt.establishments.models import Domain, Inspection

PLUS_DAYS = re.compile(r"^\+\s*(\d{1,4})$")


def _textarea(rows: int = 2, **attrs) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows, **attrs})


class PlanForm(VietnameseForm):
    domain = forms.ChoiceField(label="Lĩnh vực kiểm tra", choices=Domain.choices, widget=forms.RadioSelect)
    kind = forms.ChoiceField(label="Hình thức kiểm tra", choices=Inspection.Kind.choices)
    planned_on = VietnameseDateField(label="Ngày kiểm tra dự kiến")
    ground = forms.CharField(
        label="Căn cứ kiểm tra (bắt buộc với kiểm tra đột xuất)",
        required=False,
        max_length=400,
        widget=_textarea(2),
        help_text="Cơ sở có vi phạm hoặc dấu hiệu vi phạm; đơn thư khiếu nại, tố cáo; chỉ đạo của cấp có thẩm quyền.",
    )
    team = forms.CharField(label="Thành phần đoàn kiểm tra", required=False, max_length=2000, widget=_textarea(2))

    def __init__(self, *args, domains: list[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if domains is not None:
            self.fields["domain"].choices = [(c, label) for c, label in Domain.choices if c in domains]
        self.fields["planned_on"].widget.attrs.update({"accesskey": "d", "autofocus": True})


class NotifyForm(VietnameseForm):
    notified_on = VietnameseDateField(label="Ngày gửi thông báo cho cơ sở")


class CancelForm(VietnameseForm):
    reason = forms.CharField(label="Lý do hủy", max_length=400, widget=_textarea(2))


class ResolveForm(VietnameseForm):
    resolved_on = VietnameseDateField(label="Ngày khắc phục")
    follow_up = forms.CharField(label="Kết quả theo dõi, kiểm tra lại", max_length=2000, widget=_textarea(2))


class EscalateForm(VietnameseForm):
    record_number = forms.CharField(
        label="Số biên bản vi phạm hành chính",
        max_length=40,
        help_text="Ví dụ 12/BB-VPHC/H56.14.01/2026; biên bản phải thuộc đơn vị của bạn.",
    )
    note = forms.CharField(label="Ghi chú", required=False, max_length=2000, widget=_textarea(2))


class RecordForm(VietnameseForm):
    inspected_on = VietnameseDateField(label="Ngày kiểm tra")
    outcome = forms.ChoiceField(label="Kết luận", choices=Inspection.Outcome.choices, widget=forms.RadioSelect)
    record_number = forms.CharField(label="Số biên bản kiểm tra", required=False, max_length=40)
    summary = forms.CharField(label="Nội dung kết luận", required=False, max_length=2000, widget=_textarea(3))
    violation_records = forms.MultipleChoiceField(
        label="Biên bản vi phạm hành chính của cơ sở", required=False, widget=forms.CheckboxSelectMultiple
    )
    violation_numbers = forms.CharField(
        label="Hoặc nhập số biên bản vi phạm (mỗi số một dòng)",
        required=False,
        max_length=1000,
        widget=_textarea(2),
    )

    def __init__(self, *args, record_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["violation_records"].choices = list(record_choices)
        self.fields["inspected_on"].widget.attrs.update({"accesskey": "k"})

    def numbers(self) -> list[str]:
        text = self.cleaned_data.get("violation_numbers") or ""
        return [n.strip() for n in re.split(r"[\n,;]+", text) if n.strip()][:20]


class DueField(forms.Field):
    """A deadline typed as a date (dd/mm/yyyy) or "+N" days after the inspection day; cleaned
    to a date, or to ("+", N) when the inspection day is not known yet (resolved by
    `finding_rows`)."""

    widget = forms.TextInput
    error = "Hạn không hợp lệ; nhập ngày/tháng/năm (ví dụ 15/01/2027) hoặc +số ngày (ví dụ +30)."

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.widget.attrs.update(
            {"placeholder": "dd/mm/yyyy hoặc +30", "autocomplete": "off", "maxlength": 12, "size": 12}
        )

    def to_python(self, value):
        text = str(value or "").strip()
        if not text:
            return None
        if len(text) > 12:
            raise forms.ValidationError(self.error)
        match = PLUS_DAYS.match(text)
        if match:
            return ("+", int(match.group(1)))
        for fmt in DATE_FORMATS:
            try:
                return datetime.strptime(text, fmt).date()
            except ValueError:
                continue
        raise forms.ValidationError(self.error)


class FindingRowForm(VietnameseForm):
    description = forms.CharField(label="Tồn tại, thiếu sót", required=False, max_length=2000, widget=_textarea(2))
    requirement = forms.CharField(label="Yêu cầu khắc phục", required=False, max_length=2000, widget=_textarea(2))
    due = DueField(label="Hạn khắc phục", required=False)


FindingFormSet = forms.formset_factory(
    FindingRowForm, extra=3, max_num=MAX_FINDINGS, validate_max=True, absolute_max=MAX_FINDINGS
)


def finding_rows(formset, inspected_on: date | None) -> list[FindingData]:
    """The rows typed (empty ones left out by the service), "+N" resolved from the inspection day."""
    rows = []
    for form in formset.forms:
        data = getattr(form, "cleaned_data", None) or {}
        due = data.get("due")
        if isinstance(due, tuple):
            due = inspected_on + timedelta(days=due[1]) if inspected_on else None
        rows.append(FindingData(data.get("description") or "", data.get("requirement") or "", due))
    return rows


class ListForm(VietnameseForm):
    q = forms.CharField(label="Tên cơ sở, mã số thuế, số biên bản", required=False, max_length=100)
    status = forms.ChoiceField(label="Tình trạng", required=False, choices=[("", "Tất cả"), *Inspection.Status.choices])
    domain = forms.ChoiceField(label="Lĩnh vực", required=False, choices=[("", "Tất cả"), *Domain.choices])
    kind = forms.ChoiceField(label="Hình thức", required=False, choices=[("", "Tất cả"), *Inspection.Kind.choices])
    outcome = forms.ChoiceField(label="Kết luận", required=False, choices=[("", "Tất cả"), *Inspection.Outcome.choices])
    unit = forms.ModelChoiceField(label="Đơn vị", required=False, queryset=None, empty_label="Tất cả đơn vị")
    date_from = VietnameseDateField(label="Dự kiến từ ngày", required=False)
    date_to = VietnameseDateField(label="Đến ngày", required=False)
    sort = forms.CharField(required=False, widget=forms.HiddenInput, max_length=20)

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
