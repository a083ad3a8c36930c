"""Forms of the portal's pages (editors' announcement form, the figures' month picker)."""

from __future__ import annotations

from datetime import date

from django import forms

from antt.portal.selectors import EDITOR_STATES, MAX_QUERY_LENGTH

DATETIME_INPUT = "%Y-%m-%dT%H:%M"


class _LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format=DATETIME_INPUT, **kwargs)


def _datetime_field(label: str, help_text: str) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=False,
        help_text=help_text,
        input_formats=[DATETIME_INPUT, "%d/%m/%Y %H:%M", "%d/%m/%Y"],
        widget=_LocalDateTimeInput(),
        error_messages={"invalid": "Thời điểm không hợp lệ (ví dụ: 01/02/2026 07:30)."},
    )


class AnnouncementForm(forms.Form):
    title = forms.CharField(label="Tiêu đề", max_length=200, error_messages={"required": "Vui lòng nhập tiêu đề."})
    summary = forms.CharField(
        label="Tóm tắt", max_length=300, required=False, help_text="Một hai câu, hiện trong danh sách thông báo."
    )
    body = forms.CharField(
        label="Nội dung",
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text="Văn bản thường; để một dòng trống giữa các đoạn.",
        error_messages={"required": "Vui lòng nhập nội dung."},
    )
    publish_from = _datetime_field("Hiển thị từ", "Để trống: hiển thị ngay khi công khai.")
    publish_until = _datetime_field("Hiển thị đến", "Để trống: hiển thị không thời hạn.")
    pinned = forms.BooleanField(label="Ghim lên đầu trang chủ", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("title", "summary"):
            self.fields[name].error_messages["max_length"] = "Tối đa %(limit_value)d ký tự."

    def clean(self):
        data = super().clean()
        start, end = data.get("publish_from"), data.get("publish_until")
        if start and end and end <= start:
            self.add_error("publish_until", "Ngày kết thúc hiển thị phải sau ngày bắt đầu.")
        return data

    def add_error(self, field, error):
        super().add_error(field, error)
        # Screen readers read the message with the field (the template gives it this id).
        if field and field in self.fields:
            widget = self.fields[field].widget
            ids = [f"id_{field}_helptext"] if self.fields[field].help_text else []
            widget.attrs["aria-describedby"] = " ".join([f"id_{field}_error", *ids])


class EditorFilterForm(forms.Form):
    q = forms.CharField(label="Tìm theo tiêu đề", required=False, max_length=MAX_QUERY_LENGTH)
    state = forms.ChoiceField(label="Trạng thái", required=False, choices=list(EDITOR_STATES.items()))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].error_messages["max_length"] = "Nội dung tìm kiếm tối đa %(limit_value)d ký tự."
        self.fields["state"].error_messages["invalid_choice"] = "Trạng thái không hợp lệ."
        self.fields["q"].widget.input_type = "search"  # not attrs["type"]: that renders type twice


def parse_month(value: str | None) -> date | None:
    """ "2026-03" → date(2026, 3, 1); None for anything else (including years before 2000)."""
    value = (value or "").strip()
    if len(value) != 7 or value[4] != "-" or not (value[:4].isdigit() and value[5:].isdigit()):
        return None
    year, month = int(value[:4]), int(value[5:])
    if not (2000 <= year <= 9999 and 1 <= month <= 12):
        return None
    return date(year, month, 1)
