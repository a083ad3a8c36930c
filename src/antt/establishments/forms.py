"""Forms of the registry pages. They parse and shape input (dates dd/mm/yyyy, choices, numbers);
the rules (tax codes, ID numbers, scope, duplicates, which status follows which) are in
`establishments.services`, whose `EstablishmentError` is put back on the form's field."""

from __future__ import annotations

from datetime import date

from django import forms
from django.utils import timezone

from antt.dossiers.forms import VietnameseDateField
from antt.dossiers.selectors_staff import intake_areas
from antt.establishments.models import Establishment
from antt.establishments.selectors import lines_in_force
from antt.establishments.services import EstablishmentData
from antt.org.models import Unit
from antt.org.selectors import visible_units
from antt.violations.forms import AreaChoiceField, UnitChoiceField, _vi_messages

FIRST_REGISTRATION_DAY = date(1945, 9, 2)
# Every sort key of selectors.SORTS, with its label (test_registry_views checks they agree).
SORT_LABELS = {
    "name": "Tên cơ sở",
    "tax_code": "Mã số thuế",
    "unit": "Đơn vị quản lý",
    "status": "Tình trạng",
    "updated": "Ngày cập nhật",
    "due": "Hạn kiểm tra ANTT",
    "risk": "Điểm rủi ro",
}
FIRE_CHOICES = [
    ("", "Tất cả"),
    ("yes", "Thuộc diện quản lý về PCCC"),
    ("high_risk", "Nguy hiểm cháy, nổ cao"),
    ("no", "Không thuộc diện quản lý về PCCC"),
]
FIRE_VALUES = {"": None, "yes": True, "no": False, "high_risk": "high_risk"}


def vi_messages(form: forms.Form) -> None:
    """The house's Vietnamese error messages (`violations.forms._vi_messages`: Django's own
    Vietnamese reads "Nhập một số tổng thể."), keeping the messages a field was given by hand."""
    custom = {}
    for name, field in form.fields.items():
        defaults = {}
        for cls in reversed(type(field).__mro__):
            defaults.update(getattr(cls, "default_error_messages", {}))
        custom[name] = {k: v for k, v in field.error_messages.items() if defaults.get(k) != v}
    _vi_messages(form)
    for name, field in form.fields.items():
        field.error_messages.update(custom[name])


class VietnameseForm(forms.Form):
    """A form whose every error message is the house's Vietnamese (`vi_messages`)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        vi_messages(self)


def _line_choices(day) -> list[tuple[str, str]]:
    return [(line.code, f"{line.order}. {line.name}") for line in lines_in_force(day)]


class EstablishmentListForm(forms.Form):
    """Filters, search and sort of the registry list (GET)."""

    q = forms.CharField(
        label="Tìm theo tên, tên biển hiệu hoặc mã số thuế",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "accesskey": "t", "autocomplete": "off"}),
    )
    status = forms.ChoiceField(
        label="Tình trạng", required=False, choices=[("", "Tất cả"), *Establishment.Status.choices]
    )
    line = forms.ChoiceField(label="Ngành, nghề", required=False)
    fire = forms.ChoiceField(label="Phòng cháy, chữa cháy", required=False, choices=FIRE_CHOICES)
    unit = UnitChoiceField(label="Đơn vị quản lý", queryset=Unit.objects.none(), required=False, empty_label="Tất cả")
    area = AreaChoiceField(label="Xã, phường", queryset=None, required=False, empty_label="Tất cả")
    sort = forms.ChoiceField(label="Sắp xếp", required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["line"].choices = [("", "Tất cả"), *_line_choices(today)]
        self.fields["unit"].queryset = visible_units(user).filter(is_active=True).order_by("path")
        self.fields["area"].queryset = intake_areas(user)
        self.fields["sort"].choices = (
            [("", "Mặc định (tên cơ sở)")]
            + [(k, f"{v} (tăng dần)") for k, v in SORT_LABELS.items()]
            + [(f"-{k}", f"{v} (giảm dần)") for k, v in SORT_LABELS.items()]
        )
        _vi_messages(self)

    def filters(self) -> dict:
        """Keyword arguments of `selectors.establishment_list` (call after is_valid())."""
        data = self.cleaned_data
        return {
            "q": data.get("q") or "",
            "status": data.get("status") or None,
            "line": data.get("line") or None,
            "fire": FIRE_VALUES[data.get("fire") or ""],
            "unit": data.get("unit"),
            "area": data.get("area"),
            "sort": data.get("sort") or "name",
        }


class EstablishmentForm(forms.Form):
    """An establishment's data (create and edit)."""

    name = forms.CharField(label="Tên cơ sở (theo đăng ký kinh doanh)", max_length=300)
    trade_name = forms.CharField(label="Tên giao dịch, biển hiệu", max_length=300, required=False)
    kind = forms.ChoiceField(label="Loại hình", choices=Establishment.Kind.choices)
    tax_code = forms.CharField(
        label="Mã số thuế / mã số doanh nghiệp",
        max_length=20,
        help_text="10 chữ số; chi nhánh, địa điểm kinh doanh: 10 chữ số-3 chữ số; hộ kinh doanh: số định danh 12 chữ số.",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    registration_number = forms.CharField(label="Số giấy chứng nhận đăng ký kinh doanh", max_length=40, required=False)
    registration_date = VietnameseDateField(label="Ngày đăng ký kinh doanh", required=False)
    line_codes = forms.MultipleChoiceField(
        label="Ngành, nghề kinh doanh có điều kiện về ANTT",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Điều 3 Nghị định 96/2016/NĐ-CP. Bỏ trống nếu chỉ quản lý về phòng cháy, chữa cháy.",
    )
    unit = UnitChoiceField(label="Đơn vị công an quản lý", queryset=Unit.objects.none())
    area = AreaChoiceField(label="Xã, phường", queryset=None)
    address = forms.CharField(label="Địa chỉ (số nhà, đường, thôn, tổ dân phố)", max_length=300)
    latitude = forms.DecimalField(
        label="Vĩ độ", required=False, max_digits=9, decimal_places=6, min_value=-90, max_value=90,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "19.807600"}),
    )  # fmt: skip
    longitude = forms.DecimalField(
        label="Kinh độ", required=False, max_digits=9, decimal_places=6, min_value=-180, max_value=180,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "105.776800"}),
    )  # fmt: skip
    phone = forms.CharField(
        label="Điện thoại cơ sở", max_length=20, required=False, widget=forms.TextInput(attrs={"inputmode": "tel"})
    )
    email = forms.CharField(
        label="Thư điện tử cơ sở", max_length=254, required=False, widget=forms.EmailInput(attrs={"inputmode": "email"})
    )
    lodging_kind = forms.CharField(
        label="Loại cơ sở lưu trú",
        max_length=40,
        required=False,
        help_text="Ví dụ: khách sạn, nhà nghỉ, homestay (chỉ với cơ sở lưu trú).",
    )
    rooms = forms.IntegerField(label="Số phòng", required=False, min_value=0, max_value=100000)
    owner_name = forms.CharField(label="Chủ sở hữu", max_length=200, required=False)
    representative_name = forms.CharField(label="Người đại diện theo pháp luật", max_length=200, required=False)
    representative_id_number = forms.CharField(
        label="Số định danh người đại diện",
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    representative_phone = forms.CharField(
        label="Điện thoại người đại diện",
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    security_person_name = forms.CharField(label="Người chịu trách nhiệm về ANTT", max_length=200, required=False)
    security_person_id_number = forms.CharField(
        label="Số định danh người chịu trách nhiệm về ANTT",
        max_length=20,
        required=False,
        help_text="12 chữ số; người nước ngoài: số hộ chiếu.",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    security_person_phone = forms.CharField(
        label="Điện thoại người chịu trách nhiệm về ANTT",
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    row_version = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, officer=None, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["line_codes"].choices = _line_choices(today)
        self.fields["unit"].queryset = visible_units(officer).filter(is_active=True).order_by("path")
        self.fields["area"].queryset = intake_areas(officer)
        self.fields["name"].widget.attrs.update({"accesskey": "h", "autofocus": True})
        _vi_messages(self)
        self.fields["registration_date"].error_messages["invalid"] = "Ngày không hợp lệ (dd/mm/yyyy)."
        self.fields["line_codes"].error_messages["invalid_choice"] = "Ngành, nghề đã chọn không có trong danh mục."

    def clean_registration_date(self):
        day = self.cleaned_data.get("registration_date")
        if day and not FIRST_REGISTRATION_DAY <= day <= timezone.localdate():
            raise forms.ValidationError("Ngày đăng ký kinh doanh phải từ 02/09/1945 đến hôm nay.")
        return day

    def to_data(self) -> EstablishmentData:
        d = self.cleaned_data
        return EstablishmentData(
            name=d["name"],
            trade_name=d.get("trade_name") or "",
            kind=d["kind"],
            tax_code=d["tax_code"],
            registration_number=d.get("registration_number") or "",
            registration_date=d.get("registration_date"),
            line_codes=list(d.get("line_codes") or []),
            unit_id=d["unit"].pk,
            area_id=d["area"].pk,
            address=d["address"],
            latitude=d.get("latitude"),
            longitude=d.get("longitude"),
            phone=d.get("phone") or "",
            email=d.get("email") or "",
            lodging_kind=d.get("lodging_kind") or "",
            rooms=d.get("rooms"),
            owner_name=d.get("owner_name") or "",
            representative_name=d.get("representative_name") or "",
            representative_id_number=d.get("representative_id_number") or "",
            representative_phone=d.get("representative_phone") or "",
            security_person_name=d.get("security_person_name") or "",
            security_person_id_number=d.get("security_person_id_number") or "",
            security_person_phone=d.get("security_person_phone") or "",
        )

    @staticmethod
    def initial_from(data: EstablishmentData, row_version: int) -> dict:
        values = {k: v for k, v in vars(data).items() if k not in ("unit_id", "area_id")}
        return {**values, "unit": data.unit_id, "area": data.area_id, "row_version": row_version}


class StatusForm(forms.Form):
    status = forms.ChoiceField(label="Tình trạng mới", choices=Establishment.Status.choices)
    reason = forms.CharField(label="Lý do (thông báo của cơ sở, quyết định…)", max_length=255, widget=forms.TextInput)
    row_version = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _vi_messages(self)


class PersonalReadForm(forms.Form):
    reason = forms.CharField(
        label="Mục đích xem (ghi vào nhật ký)", max_length=200, required=False, initial="Quản lý cơ sở"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _vi_messages(self)
