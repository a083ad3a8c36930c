"""Forms of the establishment's lodging pages. The guest form carries the raw strings as typed:
`validation.clean_guest` (through `services`) is the one cleaner of the form, the file and the API,
so these forms only give labels, choices from the code tables in force, and browser hints."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from django import forms

from antt.establishments.forms import VietnameseForm
from antt.lodging.models import DeclarationBatch
from antt.lodging.spreadsheets import VISA_KINDS

GUEST_KEYS = (
    "full_name",
    "birth_date",
    "sex",
    "nationality",
    "doc_type",
    "doc_number",
    "address",
    "phone",
    "room",
    "arrived_at",
    "expected_departure",
    "reason",
    "mrz",
    "visa_kind",
    "visa_number",
    "visa_expiry",
    "entry_date",
    "port_of_entry",
)
FOREIGN_KEYS = ("mrz", "visa_kind", "visa_number", "visa_expiry", "entry_date", "port_of_entry")
REQUIRED_KEYS = {"full_name", "birth_date", "sex", "nationality", "doc_type", "doc_number", "arrived_at", "reason"}
# What the desk keeps from one guest to the next (a family, a tour group arriving together).
REMEMBERED_KEYS = ("nationality", "doc_type", "arrived_at", "expected_departure", "reason")
DATE_HINT = "dd/mm/yyyy"
DATETIME_HINT = "dd/mm/yyyy HH:MM"


def _text(label, max_length, *, help_text="", **attrs) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=False,
        help_text=help_text,
        widget=forms.TextInput(attrs={"autocomplete": "off", **attrs}),
    )


def _date(label, *, help_text=DATE_HINT) -> forms.CharField:
    return _text(label, 20, help_text=help_text, inputmode="numeric", placeholder=DATE_HINT, pattern=r"[0-9/\-]*")


class GuestForm(VietnameseForm):
    """One guest as the desk types it (raw keys of `validation.clean_guest`)."""

    full_name = _text("Họ và tên", 150, autocapitalize="characters", spellcheck="false")
    birth_date = _date("Ngày sinh")
    sex = forms.ChoiceField(
        label="Giới tính", required=False, choices=[("", "— chọn —"), ("M", "Nam"), ("F", "Nữ"), ("X", "Khác")]
    )
    nationality = forms.ChoiceField(label="Quốc tịch", required=False)
    doc_type = forms.ChoiceField(label="Loại giấy tờ", required=False)
    doc_number = _text("Số giấy tờ", 20, autocapitalize="characters", spellcheck="false")
    address = _text("Nơi thường trú / địa chỉ", 300)
    phone = _text("Số điện thoại", 20, inputmode="tel")
    room = _text("Phòng", 20, list="lodging-rooms")
    arrived_at = _text(
        "Thời điểm đến", 20, help_text=f"{DATETIME_HINT}, giờ Việt Nam", inputmode="numeric", placeholder=DATETIME_HINT
    )
    expected_departure = _date("Ngày dự kiến đi")
    reason = forms.ChoiceField(label="Lý do lưu trú", required=False)
    mrz = forms.CharField(
        label="Dán MRZ (hai dòng mã ở trang thông tin hộ chiếu)",
        required=False,
        max_length=300,
        help_text="Dán hoặc quét hai dòng mã; các ô còn trống được điền từ MRZ và chữ số kiểm tra được đối chiếu.",
        widget=forms.Textarea(
            attrs={"rows": 3, "cols": 46, "spellcheck": "false", "autocapitalize": "characters", "class": "mrz-input"}
        ),
    )
    visa_kind = forms.ChoiceField(
        label="Loại thị thực, thẻ", required=False, choices=[("", "— chọn —"), *VISA_KINDS.items()]
    )
    visa_number = _text("Số thị thực, thẻ", 20, autocapitalize="characters")
    visa_expiry = _date("Thời hạn thị thực, thẻ")
    entry_date = _date("Ngày nhập cảnh")
    port_of_entry = forms.ChoiceField(label="Cửa khẩu nhập cảnh", required=False)

    def __init__(self, *args, codes=None, **kwargs):
        super().__init__(*args, **kwargs)
        if codes is not None:
            countries = sorted(codes.countries.values(), key=lambda c: (c.code != "VNM", c.name_folded))
            self.fields["nationality"].choices = [("", "— chọn —")] + [
                (c.code, f"{c.name} ({c.code})") for c in countries
            ]
            self.fields["doc_type"].choices = [("", "— chọn —")] + [
                (d.code, d.name) for d in sorted(codes.doc_types.values(), key=lambda d: (d.order, d.code))
            ]
            self.fields["reason"].choices = [("", "— chọn —")] + [
                (r.code, r.name) for r in sorted(codes.reasons.values(), key=lambda r: (r.order, r.code))
            ]
            self.fields["port_of_entry"].choices = [("", "— chọn —")] + [
                (p.code, p.name) for p in sorted(codes.ports.values(), key=lambda p: (p.order, p.name))
            ]
        for name in REQUIRED_KEYS:
            self.fields[name].widget.attrs["aria-required"] = "true"
            self.fields[name].lt_required = True  # the asterisk of `biz__field.html`
        self.fields["full_name"].widget.attrs["autofocus"] = True

    def raw(self) -> dict:
        """The row for `services` (strings as typed; unknown choices are left to the cleaner)."""
        data = self.data
        return {key: str(data.get(key, "") or "").strip() for key in GUEST_KEYS}

    @property
    def guest_fields(self):
        return [self[k] for k in GUEST_KEYS if k not in FOREIGN_KEYS]

    @property
    def foreign_fields(self):
        return [self[k] for k in FOREIGN_KEYS]


class CorrectForm(GuestForm):
    note = forms.CharField(
        label="Lý do sửa",
        required=False,
        max_length=300,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        help_text="Ví dụ: nhập sai số giấy tờ.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["full_name"].widget.attrs.pop("autofocus", None)
        self.fields["note"].widget.attrs["aria-required"] = "true"
        self.fields["note"].lt_required = True


class DepartForm(VietnameseForm):
    departed_at = forms.CharField(
        label="Thời điểm rời đi",
        required=False,
        max_length=20,
        help_text=f"{DATETIME_HINT}; để trống là bây giờ.",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "placeholder": DATETIME_HINT, "autocomplete": "off"}),
    )


class CancelForm(VietnameseForm):
    note = forms.CharField(
        label="Lý do hủy",
        max_length=300,
        help_text="Ví dụ: khách không nhận phòng, khai báo nhầm hai lần.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        error_messages={"required": "Ghi lý do hủy khai báo."},
    )


def parse_local_datetime(text: str) -> datetime | None:
    """`dd/mm/yyyy HH:MM` (or ISO) as typed, naive (Vietnam time); None when blank; ValueError."""
    text = " ".join((text or "").split())
    if not text:
        return None
    for fmt in ("%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"):
        try:
            return datetime.strptime(text, fmt)  # noqa: DTZ007 (Vietnam time, made aware by the caller)
        except ValueError:
            continue
    raise ValueError(text)


STATE_CHOICES = [("staying", "Đang lưu trú"), ("departed", "Đã rời đi"), ("cancelled", "Đã hủy"), ("all", "Tất cả")]
SORT_CHOICES = [
    ("-arrived", "Mới đến trước"),
    ("arrived", "Đến sớm trước"),
    ("name", "Họ tên A–Z"),
    ("room", "Phòng"),
    ("-stay", "Mã lượt giảm dần"),
]


class GuestFilterForm(VietnameseForm):
    """Filters of the guest list (GET)."""

    state = forms.ChoiceField(label="Tình trạng", required=False, choices=STATE_CHOICES)
    ngay = forms.DateField(
        label="Ngày đến",
        required=False,
        input_formats=["%d/%m/%Y", "%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    q = forms.CharField(
        label="Họ tên",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    phong = forms.CharField(
        label="Phòng", required=False, max_length=20, widget=forms.TextInput(attrs={"list": "lodging-rooms"})
    )
    sort = forms.ChoiceField(label="Sắp xếp", required=False, choices=SORT_CHOICES)


class RoomForm(VietnameseForm):
    number = forms.CharField(label="Số phòng", max_length=20, error_messages={"required": "Nhập số phòng."})
    floor = forms.CharField(label="Tầng", max_length=10, required=False)
    beds = forms.IntegerField(label="Số giường", min_value=1, max_value=50, initial=1)
    note = forms.CharField(label="Ghi chú", max_length=200, required=False)


class KeyForm(VietnameseForm):
    name = forms.CharField(
        label="Tên gợi nhớ của khóa",
        max_length=100,
        help_text="Ví dụ: Phần mềm quản lý khách sạn (máy lễ tân).",
        error_messages={"required": "Đặt tên gợi nhớ cho khóa."},
    )


class UploadForm(VietnameseForm):
    file = forms.FileField(
        label="Tệp danh sách khách (.xlsx hoặc .csv)",
        error_messages={"required": "Chọn tệp để gửi.", "empty": "Tệp rỗng (0 byte)."},
        widget=forms.ClearableFileInput(
            attrs={"accept": ".xlsx,.csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,text/csv"}
        ),
    )
    mode = forms.ChoiceField(
        label="Khi có dòng lỗi",
        choices=[
            (DeclarationBatch.Mode.ALL_OR_NOTHING, "Không ghi nhận dòng nào (sửa tệp rồi gửi lại cả tệp)"),
            (DeclarationBatch.Mode.KEEP_VALID, "Ghi nhận các dòng hợp lệ, trả lại các dòng lỗi để sửa"),
        ],
        initial=DeclarationBatch.Mode.ALL_OR_NOTHING,
        widget=forms.RadioSelect,
        error_messages={"required": "Chọn cách ghi nhận khi có dòng lỗi."},
    )
    key = forms.UUIDField(widget=forms.HiddenInput, error_messages={"required": "Thiếu mã lần gửi; tải lại trang."})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("key", str(uuid.uuid4()))


def receipt_day(text: str | None, today: date) -> date:
    """The `?ngay=yyyy-mm-dd` of the receipt (today when absent); ValueError when bad or future."""
    if not text:
        return today
    day = datetime.strptime(text.strip(), "%Y-%m-%d").date()  # noqa: DTZ007 (a calendar day)
    if day > today:
        raise ValueError("future")
    return day
