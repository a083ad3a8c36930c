"""Forms of the watchlist and alert pages: they parse input (dates dd/mm/yyyy, choices); the rules
(one of document number or name + birth date, dates, duplicates) are in `lodging.watch`."""

from __future__ import annotations

from django import forms

from antt.dossiers.forms import VietnameseDateField
from antt.establishments.forms import VietnameseForm
from antt.lodging.forms_police import clean_nationality
from antt.lodging.models import Alert, WatchEntry


def _choices(pairs, blank: str = "Tất cả") -> list[tuple[str, str]]:
    return [("", blank), *[(str(k), str(v)) for k, v in pairs]]


class EntryFilterForm(VietnameseForm):
    """The watchlist's filters (GET)."""

    q = forms.CharField(
        label="Tìm theo họ tên (có hoặc không dấu) hoặc số giấy tờ",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "accesskey": "t", "autocomplete": "off"}),
    )
    kind = forms.ChoiceField(label="Loại đối tượng", required=False, choices=_choices(WatchEntry.Kind.choices))
    active = forms.ChoiceField(
        label="Tình trạng",
        required=False,
        choices=[("", "Tất cả"), ("1", "Đang theo dõi"), ("0", "Đã gỡ")],
    )


class EntryForm(VietnameseForm):
    """A person put on the watchlist: a document number, or full name and date of birth."""

    kind = forms.ChoiceField(label="Loại đối tượng", choices=WatchEntry.Kind.choices, widget=forms.RadioSelect)
    doc_number = forms.CharField(
        label="Số giấy tờ (CCCD, hộ chiếu…)",
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
    )
    full_name = forms.CharField(
        label="Họ và tên", required=False, max_length=150, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    birth_date = VietnameseDateField(label="Ngày sinh", required=False)
    nationality = forms.CharField(
        label="Quốc tịch (mã 3 chữ, ví dụ VNM)",
        required=False,
        max_length=3,
        widget=forms.TextInput(attrs={"size": 4, "autocapitalize": "characters"}),
    )
    basis = forms.CharField(label="Căn cứ (số quyết định truy nã, thông báo tìm người…)", max_length=200)
    note = forms.CharField(
        label="Ghi chú nghiệp vụ", required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )
    valid_until = VietnameseDateField(label="Theo dõi đến ngày (để trống nếu không thời hạn)", required=False)

    def clean_nationality(self):
        return clean_nationality(self.cleaned_data.get("nationality"))

    def clean(self):
        data = super().clean()
        has_doc = bool((data.get("doc_number") or "").strip())
        has_name_birth = bool((data.get("full_name") or "").strip() and data.get("birth_date"))
        if not self.errors and not has_doc and not has_name_birth:
            raise forms.ValidationError("Cần nhập số giấy tờ, hoặc cả họ tên và ngày sinh của đối tượng.")
        return data


class CloseEntryForm(VietnameseForm):
    reason = forms.CharField(
        label="Lý do gỡ khỏi danh sách theo dõi", min_length=5, max_length=300, widget=forms.Textarea(attrs={"rows": 2})
    )


class AlertFilterForm(VietnameseForm):
    status = forms.ChoiceField(label="Tình trạng", required=False, choices=_choices(Alert.Status.choices))


class AlertActionForm(VietnameseForm):
    """Acknowledge (no field) or close (outcome) an alert."""

    action = forms.ChoiceField(choices=[("acknowledge", "Tiếp nhận"), ("close", "Đóng")], widget=forms.HiddenInput)
    outcome = forms.CharField(
        label="Kết quả xử lý", required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )
