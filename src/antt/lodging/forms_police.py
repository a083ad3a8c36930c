"""Forms of the police's lodging pages: they parse and shape input (dates dd/mm/yyyy, months,
ids, document numbers); scope and the rules are in `lodging.selectors`. Every field name is the
query parameter the page uses (Vietnamese short names: `tu`/`den` for a date range)."""

from __future__ import annotations

import re
from datetime import date

from django import forms

from antt.dossiers.forms import VietnameseDateField
from antt.establishments.forms import VietnameseForm
from antt.lodging import selectors

_NATIONALITY = re.compile(r"[A-Za-z]{1,3}")
_MONTH = re.compile(r"(\d{4})-(\d{1,2})")
_DOC = re.compile(r"[A-Z0-9<]{3,20}")
MIN_DAY = date(2000, 1, 1)

STAYING_SORT_CHOICES = [
    ("-arrived", "Mới đến trước"),
    ("arrived", "Đến sớm nhất trước"),
    ("name", "Họ tên (A–Z)"),
    ("establishment", "Cơ sở lưu trú"),
    ("nationality", "Quốc tịch"),
    ("departure", "Ngày dự kiến đi"),
]


def _choices(pairs, blank: str = "Tất cả") -> list[tuple[str, str]]:
    return [("", blank), *[(str(k), v) for k, v in pairs]]


def clean_nationality(value: str) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    if not _NATIONALITY.fullmatch(value):
        raise forms.ValidationError("Mã quốc tịch gồm 3 chữ cái, ví dụ VNM, KOR, USA.")
    return value.upper()


class _ScopedChoices(VietnameseForm):
    """Establishment and commune choices from the user's area (one query each)."""

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if "establishment" in self.fields:
            ests = selectors.establishment_choices(user) if user is not None else []
            self.fields["establishment"].choices = _choices([(e["pk"], e["name"]) for e in ests])
            communes = selectors.commune_choices(user) if user is not None else []
            self.fields["commune"].choices = _choices([(a["pk"], a["name"]) for a in communes])

    def clean_nationality(self):
        return clean_nationality(self.cleaned_data.get("nationality"))


class StayingFilterForm(_ScopedChoices):
    """The filters of "guests staying now" and of the foreigners' list."""

    establishment = forms.TypedChoiceField(label="Cơ sở lưu trú", required=False, coerce=int, empty_value=None)
    commune = forms.TypedChoiceField(label="Xã, phường", required=False, coerce=int, empty_value=None)
    nationality = forms.CharField(
        label="Quốc tịch (mã 3 chữ)", required=False, max_length=3, widget=forms.TextInput(attrs={"size": 4})
    )
    foreign = forms.BooleanField(label="Chỉ người nước ngoài", required=False)
    sort = forms.ChoiceField(label="Sắp xếp", required=False, choices=STAYING_SORT_CHOICES)

    def filters(self) -> dict:
        data = self.cleaned_data
        return {
            "establishment": data.get("establishment"),
            "commune": data.get("commune"),
            "nationality": data.get("nationality") or "",
            "foreign_only": bool(data.get("foreign")),
            "sort": data.get("sort") or "-arrived",
        }


class ReasonField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", "Lý do tra cứu (số hồ sơ, vụ việc)")
        kwargs.setdefault("min_length", selectors.REASON_MIN)
        kwargs.setdefault("max_length", 300)
        kwargs.setdefault(
            "help_text", "Bắt buộc, ít nhất 10 ký tự; được ghi vào nhật ký tra cứu cùng tên người tra cứu."
        )
        kwargs.setdefault(
            "error_messages",
            {
                "required": "Vui lòng nhập lý do tra cứu (ví dụ số hồ sơ vụ việc).",
                "min_length": "Lý do tra cứu phải có ít nhất 10 ký tự (ví dụ số hồ sơ vụ việc).",
                "max_length": "Lý do tra cứu dài quá 300 ký tự.",
            },
        )
        super().__init__(**kwargs)

    def clean(self, value):
        value = (value or "").replace("\x00", "").strip()
        return super().clean(value)


def clean_doc_number(value: str) -> str:
    number = selectors.normalise_doc(value)
    if value and not _DOC.fullmatch(number):
        raise forms.ValidationError("Số giấy tờ chỉ gồm chữ cái và chữ số (3–20 ký tự).")
    return number


class SearchForm(_ScopedChoices):
    """Search by person. At least one criterion besides the reason."""

    name = forms.CharField(
        label="Họ và tên (có hoặc không dấu)",
        required=False,
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autofocus": True}),
    )
    birth_date = VietnameseDateField(label="Ngày sinh", required=False)
    doc_number = forms.CharField(
        label="Số giấy tờ (CCCD, hộ chiếu…)",
        required=False,
        max_length=24,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    nationality = forms.CharField(label="Quốc tịch (mã 3 chữ)", required=False, max_length=3)
    establishment = forms.TypedChoiceField(label="Cơ sở lưu trú", required=False, coerce=int, empty_value=None)
    commune = forms.TypedChoiceField(label="Xã, phường", required=False, coerce=int, empty_value=None)
    tu = VietnameseDateField(label="Đến lưu trú từ ngày", required=False)
    den = VietnameseDateField(label="đến ngày", required=False)
    reason = ReasonField()

    def clean_doc_number(self):
        return clean_doc_number(self.cleaned_data.get("doc_number"))

    def clean_name(self):
        name = (self.cleaned_data.get("name") or "").replace("\x00", "").strip()
        if name and not selectors.name_words(name):
            raise forms.ValidationError("Họ tên cần có ít nhất một chữ cái hoặc chữ số.")
        return name

    def clean(self):
        data = super().clean()
        for key in ("tu", "den", "birth_date"):
            day = data.get(key)
            if day and not (date(1900, 1, 1) <= day <= date(2100, 12, 31)):
                self.add_error(key, "Ngày nằm ngoài khoảng cho phép.")
        if data.get("tu") and data.get("den") and data["tu"] > data["den"]:
            self.add_error("den", "Ngày cuối phải sau ngày đầu.")
        if not self.errors and not selectors.has_search_criteria(self.criteria()):
            raise forms.ValidationError("Vui lòng nhập ít nhất một điều kiện tra cứu (họ tên, số giấy tờ…).")
        return data

    def criteria(self) -> dict:
        data = self.cleaned_data
        return {
            "name": data.get("name") or "",
            "birth_date": data.get("birth_date"),
            "doc_number": data.get("doc_number") or "",
            "nationality": data.get("nationality") or "",
            "establishment": data.get("establishment"),
            "commune": data.get("commune"),
            "arrived_from": data.get("tu"),
            "arrived_to": data.get("den"),
        }


class HistoryForm(VietnameseForm):
    """A person's stay history: a document number and the reason."""

    doc_number = forms.CharField(label="Số giấy tờ (CCCD, hộ chiếu…)", max_length=24)
    reason = ReasonField()

    def clean_doc_number(self):
        number = clean_doc_number(self.cleaned_data.get("doc_number"))
        if not number:
            raise forms.ValidationError("Vui lòng nhập số giấy tờ.")
        return number


class ReasonForm(VietnameseForm):
    """The reason of a full read of one stay."""

    reason = ReasonField()


class MonthForm(VietnameseForm):
    """`thang=yyyy-mm` (the late-declarations page); blank = this month."""

    thang = forms.CharField(label="Tháng (năm-tháng)", required=False)

    def clean_thang(self) -> date:
        raw = (self.cleaned_data.get("thang") or "").strip()
        if not raw:
            return selectors.this_month()
        m = _MONTH.fullmatch(raw)
        if not m or not 1 <= int(m.group(2)) <= 12 or not 2000 <= int(m.group(1)) <= 2100:
            raise forms.ValidationError("Tháng không hợp lệ; chọn theo dạng năm-tháng, ví dụ 2026-05.")
        return date(int(m.group(1)), int(m.group(2)), 1)
