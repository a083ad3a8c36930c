"""Forms of the fire-safety pages: the premises' profile, a record of its fire-safety file, the
list's filters. They only parse input (dates dd/mm/yyyy, money "1.500.000", whole numbers); the
rules (category in force, dates in the past, incident summary) are `establishments.fire`'s, whose
`EstablishmentError` is put back next to its field."""

from __future__ import annotations

from django import forms

from antt.dossiers.forms import MoneyField, VietnameseDateField
from antt.establishments import fire
from antt.establishments.models import FireCategory, FireRecord
from antt.establishments.selectors_fire import MISSING_CHOICES

APPENDIX_LABELS = dict(FireCategory.Appendix.choices)


def _vi_messages(form: forms.Form) -> None:
    """Django's defaults are English; every message an officer can meet is Vietnamese."""
    for f in form.fields.values():
        f.error_messages["required"] = "Vui lòng nhập mục này."
        f.error_messages["invalid_choice"] = "Giá trị đã chọn không hợp lệ."
        if isinstance(f, forms.IntegerField):
            f.error_messages["invalid"] = "Phải là số nguyên, ví dụ 3."
            f.error_messages["min_value"] = "Không được là số âm."
            f.error_messages["max_value"] = "Số quá lớn."
        if isinstance(f, forms.CharField) and f.max_length:
            f.error_messages["max_length"] = f"Không quá {f.max_length} ký tự."


def category_choices(day) -> list:
    """Categories in force on `day`, grouped by appendix (an <optgroup> each)."""
    groups: dict[str, list] = {}
    for cat in fire.categories_in_force(day):
        label = f"{cat.item}. {cat.name}" if cat.item else cat.name
        groups.setdefault(cat.appendix, []).append((cat.code, label))
    return [("", "— Chọn nhóm —")] + [(APPENDIX_LABELS.get(a, a), rows) for a, rows in groups.items()]


def _size_field(label: str, maximum: int, help_text: str = "") -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=0,
        max_value=maximum,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0}),
    )


class FireProfileForm(forms.Form):
    """The category and sizes; `action` = "suggest" recomputes the suggestion without saving."""

    kind = forms.ChoiceField(label="Loại cơ sở (để gợi ý nhóm)", required=False)
    floors = _size_field("Số tầng", 200)
    floor_area_m2 = _size_field("Tổng diện tích sàn (m²)", 10_000_000)
    volume_m3 = _size_field("Khối tích (m³)", 100_000_000)
    capacity = _size_field(
        "Sức chứa (người, giường, chỗ ngồi)", 1_000_000, "Bệnh viện: số giường; trường mầm non: số cháu."
    )
    category = forms.ChoiceField(label="Nhóm cơ sở về PCCC", required=False)
    note = forms.CharField(
        label="Ghi chú", required=False, max_length=fire.NOTE_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, day, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "— Chọn loại —")] + fire.kind_choices()
        self.fields["category"].choices = category_choices(day)
        _vi_messages(self)


class FireRecordForm(forms.Form):
    """One item of the fire-safety file; the incident fields count only for kind = incident."""

    kind = forms.ChoiceField(label="Loại tài liệu", choices=[("", "— Chọn loại —")] + list(FireRecord.Kind.choices))
    number = forms.CharField(label="Số văn bản", required=False, max_length=60)
    issued_on = VietnameseDateField(label="Ngày cấp / ngày xảy ra")
    valid_until = VietnameseDateField(
        label="Có giá trị đến",
        required=False,
        help_text="Để trống với chứng nhận huấn luyện: hệ thống tính 05 năm (khoản 4 Điều 29 Nghị định 105/2025/NĐ-CP).",
    )
    issuer = forms.CharField(label="Cơ quan, đơn vị cấp / thực hiện", required=False, max_length=200)
    result = forms.ChoiceField(
        label="Kết quả",
        required=False,
        choices=[("", "— Không ghi —"), *[(value, label) for value, label in FireRecord.Result.choices if value]],
    )
    summary = forms.CharField(
        label="Nội dung",
        required=False,
        max_length=fire.SUMMARY_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Bắt buộc với vụ cháy, nổ, sự cố: diễn biến, nguyên nhân (nếu đã xác định).",
    )
    deaths = _size_field("Số người chết", 100_000)
    injuries = _size_field("Số người bị thương", 100_000)
    damage_vnd = MoneyField(label="Thiệt hại ước tính (đồng)", required=False)

    INCIDENT = ("deaths", "injuries", "damage_vnd")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _vi_messages(self)

    def details(self) -> dict:
        data = self.cleaned_data
        if data.get("kind") != FireRecord.Kind.INCIDENT:
            return {}
        return {key: data[key] for key in self.INCIDENT if data.get(key) is not None}


class FireListForm(forms.Form):
    q = forms.CharField(label="Tên cơ sở hoặc mã số thuế", required=False, max_length=100)
    category = forms.ChoiceField(label="Nhóm", required=False)
    appendix = forms.ChoiceField(
        label="Phụ lục", required=False, choices=[("", "Tất cả")] + list(FireCategory.Appendix.choices)
    )
    high_risk = forms.ChoiceField(
        label="Nguy hiểm cháy, nổ cao (nhóm 1)",
        required=False,
        choices=[("", "Tất cả"), ("1", "Có"), ("0", "Không")],
    )
    missing = forms.ChoiceField(label="Hồ sơ còn thiếu", required=False, choices=[("", "Tất cả")] + MISSING_CHOICES)
    unit = forms.ModelChoiceField(label="Đơn vị quản lý", required=False, queryset=None, empty_label="Tất cả")

    def __init__(self, *args, day, units, **kwargs):
        super().__init__(*args, **kwargs)
        choices = category_choices(day)
        choices[0] = ("", "Tất cả")
        self.fields["category"].choices = choices
        self.fields["unit"].queryset = units
        _vi_messages(self)
