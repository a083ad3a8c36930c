"""Forms of the staff pages of administrative violations (records, decisions, registers).

Forms only parse and shape input (dates dd/mm/yyyy, times hh:mm, money "1.500.000", choices,
one row per seized item); the rules (ID numbers, tax codes, plates, fine ranges, authority,
deadlines, which state allows what) are `violations.rules` and `violations.services`. A
service's `ViolationError` is put back on the form as a non-field error.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime, time
from decimal import Decimal

from django import forms
from django.utils import timezone

from antt.dossiers.forms import MoneyField, VietnameseDateField
from antt.dossiers.schemas import FIRST_DAY, LAST_DAY
from antt.dossiers.selectors_staff import intake_areas
from antt.org.models import Unit
from antt.violations.models import (
    DecisionStatus,
    LicenceSuspension,
    SeizedItem,
    Subject,
    VehicleKind,
    ViolationRecord,
)

TIME_FORMATS = ["%H:%M", "%H.%M", "%Hh%M", "%H:%M:%S"]
MAX_SEIZED_ROWS = 20
MAX_WITNESSES = 5


def new_idempotency_key() -> str:
    return secrets.token_urlsafe(24)


class VietnameseTimeField(forms.TimeField):
    """A time typed as hh:mm (24 h)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("input_formats", TIME_FORMATS)
        kwargs.setdefault("error_messages", {"invalid": "Giờ không hợp lệ; nhập theo dạng giờ:phút, ví dụ 14:30."})
        kwargs.setdefault(
            "widget", forms.TimeInput(format="%H:%M", attrs={"placeholder": "hh:mm", "inputmode": "numeric"})
        )
        super().__init__(*args, **kwargs)


def _vi_messages(form: forms.Form) -> None:
    """Django's defaults are English; every message an officer can meet is Vietnamese."""
    for field in form.fields.values():
        field.error_messages["required"] = "Vui lòng nhập mục này."
        field.error_messages["invalid_choice"] = "Giá trị đã chọn không hợp lệ."
        if isinstance(field, forms.DecimalField):
            field.error_messages["invalid"] = "Tọa độ phải là số thập phân, ví dụ 19.807600."
            field.error_messages["max_value"] = "Tọa độ nằm ngoài phạm vi cho phép."
            field.error_messages["min_value"] = "Tọa độ nằm ngoài phạm vi cho phép."
            field.error_messages["max_decimal_places"] = "Tọa độ có tối đa 6 chữ số sau dấu chấm."
            field.error_messages["max_digits"] = "Tọa độ có quá nhiều chữ số."
            field.error_messages["max_whole_digits"] = "Tọa độ có quá nhiều chữ số."
        if isinstance(field, forms.IntegerField) and not isinstance(field, forms.DecimalField):
            field.error_messages["invalid"] = "Vui lòng nhập một số nguyên."
            field.error_messages["min_value"] = "Giá trị nhỏ hơn mức cho phép."
            field.error_messages["max_value"] = "Giá trị lớn hơn mức cho phép."
        if isinstance(field, forms.CharField) and field.max_length:
            field.error_messages["max_length"] = f"Tối đa {field.max_length} ký tự."


def _in_range(form: forms.Form, name: str, day) -> None:
    if day and not FIRST_DAY <= day <= LAST_DAY:
        form.add_error(name, f"Ngày phải trong khoảng {FIRST_DAY:%d/%m/%Y} – {LAST_DAY:%d/%m/%Y}.")


def _aware(day, at) -> datetime:
    return timezone.make_aware(datetime.combine(day, at or time(0, 0)))


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class AreaChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


# --- the violator ---------------------------------------------------------------------------


class ViolatorForm(forms.Form):
    """The violator: a person (ID number) or an organisation (tax code, representative)."""

    violator_kind = forms.ChoiceField(
        label="Đối tượng vi phạm là", choices=Subject.choices, initial=Subject.PERSON, widget=forms.RadioSelect
    )
    violator_name = forms.CharField(label="Họ và tên / tên tổ chức", max_length=200)
    violator_id_number = forms.CharField(
        label="Số định danh cá nhân / hộ chiếu",
        max_length=20,
        required=False,
        help_text="Cá nhân: 12 chữ số trên thẻ căn cước.",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    violator_tax_code = forms.CharField(
        label="Mã số thuế / mã số doanh nghiệp",
        max_length=14,
        required=False,
        help_text="Tổ chức: 10 chữ số (chi nhánh: thêm -XXX).",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    violator_birth_date = VietnameseDateField(label="Ngày sinh", required=False)
    violator_nationality = forms.CharField(label="Quốc tịch", max_length=60, required=False, initial="Việt Nam")
    violator_occupation = forms.CharField(label="Nghề nghiệp", max_length=120, required=False)
    violator_address = forms.CharField(label="Nơi ở / trụ sở", max_length=300, required=False)
    violator_phone = forms.CharField(
        label="Số điện thoại", max_length=20, required=False, widget=forms.TextInput(attrs={"inputmode": "tel"})
    )
    violator_representative = forms.CharField(label="Người đại diện theo pháp luật", max_length=200, required=False)
    violator_representative_title = forms.CharField(label="Chức vụ người đại diện", max_length=120, required=False)

    VIOLATOR_FIELDS = (
        "violator_kind",
        "violator_name",
        "violator_id_number",
        "violator_tax_code",
        "violator_birth_date",
        "violator_nationality",
        "violator_occupation",
        "violator_address",
        "violator_phone",
        "violator_representative",
        "violator_representative_title",
    )

    def _violator_messages(self):
        self.fields["violator_name"].error_messages["required"] = (
            "Vui lòng nhập họ và tên người vi phạm (hoặc tên tổ chức)."
        )
        self.fields["violator_name"].widget.attrs.update({"autocomplete": "off"})

    def clean(self):
        # Whether an ID number or a tax code is needed, and whether it is valid, is the
        # service's rule (services.clean_violator): its message comes back as a form error.
        data = super().clean()
        born = data.get("violator_birth_date")
        if born and not date(1900, 1, 1) <= born <= timezone.localdate():
            self.add_error("violator_birth_date", "Ngày sinh không hợp lệ.")
        return data

    def violator(self) -> dict:
        """The violator as the services take it: the model's field names without `violator_`."""
        data = self.cleaned_data
        out = {name.removeprefix("violator_"): data.get(name) for name in self.VIOLATOR_FIELDS}
        out = {k: ("" if v is None and k != "birth_date" else v) for k, v in out.items()}
        for key in ("name", "id_number", "tax_code", "address", "phone", "representative"):
            out[key] = (out.get(key) or "").strip()
        if out["kind"] == Subject.PERSON:
            out["tax_code"] = ""
            out["representative"] = out["representative_title"] = ""
        else:
            out["id_number"] = ""
            out["birth_date"] = None
        return out


# --- records --------------------------------------------------------------------------------


class RecordForm(ViolatorForm):
    """A violation record (biên bản, Luật XLVPHC Art. 58) as the officer types it on the spot."""

    violated_on = VietnameseDateField(label="Ngày vi phạm")
    violated_time = VietnameseTimeField(label="Giờ vi phạm")
    area = AreaChoiceField(
        label="Xã, phường nơi vi phạm", queryset=None, required=False, empty_label="— Chọn xã, phường —"
    )
    address = forms.CharField(label="Địa điểm vi phạm (số nhà, đường, thôn, tổ)", max_length=300)
    latitude = forms.DecimalField(
        label="Vĩ độ",
        required=False,
        max_digits=9,
        decimal_places=6,
        min_value=Decimal("-90"),
        max_value=Decimal("90"),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    longitude = forms.DecimalField(
        label="Kinh độ",
        required=False,
        max_digits=9,
        decimal_places=6,
        min_value=Decimal("-180"),
        max_value=Decimal("180"),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    vehicle_kind = forms.ChoiceField(
        label="Loại phương tiện", required=False, choices=[("", "— Không có phương tiện —"), *VehicleKind.choices]
    )
    plate = forms.CharField(
        label="Biển số",
        max_length=20,
        required=False,
        help_text="Ví dụ 36A-123.45 hoặc 36-B1 123.45; gõ liền cũng được.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
    behaviours = forms.MultipleChoiceField(
        label="Hành vi vi phạm", choices=(), widget=forms.CheckboxSelectMultiple, required=True
    )
    witnesses = forms.CharField(
        label="Người chứng kiến",
        required=False,
        max_length=2000,
        help_text="Mỗi người một dòng: họ tên, địa chỉ (hoặc số định danh).",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    statement = forms.CharField(
        label="Ý kiến trình bày của người vi phạm",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    explanation_requested = forms.BooleanField(
        label="Người vi phạm yêu cầu giải trình (thời hạn ra quyết định 01 tháng)", required=False
    )
    complex_case = forms.BooleanField(label="Vụ việc phức tạp, cần xác minh thêm", required=False)
    refused_to_sign = forms.BooleanField(label="Người vi phạm không ký biên bản", required=False)

    def __init__(self, *args, officer, behaviour_choices=(), **kwargs):
        initial = kwargs.setdefault("initial", {})
        now = timezone.localtime()
        initial.setdefault("violated_on", now.date())
        initial.setdefault("violated_time", now.time().replace(second=0, microsecond=0))
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = intake_areas(officer)
        self.fields["behaviours"].choices = list(behaviour_choices)
        _vi_messages(self)
        self.fields["behaviours"].error_messages.update(
            {
                "required": "Chọn ít nhất một hành vi vi phạm (gõ vài chữ để tìm trong danh mục).",
                "invalid_choice": (
                    "Hành vi %(value)s không được xử phạt không lập biên bản đối với đối tượng đã chọn vào ngày "
                    "vi phạm (không có hiệu lực, hoặc mức phạt tối thiểu vượt giới hạn của Điều 56)."
                ),
            }
        )
        self._violator_messages()
        self.fields["violated_on"].error_messages["required"] = "Vui lòng nhập ngày vi phạm."
        self.fields["violated_time"].error_messages["required"] = "Vui lòng nhập giờ vi phạm."
        self.fields["address"].error_messages["required"] = "Vui lòng nhập địa điểm vi phạm."
        self.fields["area"].error_messages["invalid_choice"] = "Xã, phường không hợp lệ."
        self.fields["violator_name"].widget.attrs.update({"accesskey": "h", "autofocus": True})

    def clean(self):
        data = super().clean()
        _in_range(self, "violated_on", data.get("violated_on"))
        if data.get("violated_on") and data.get("violated_time") is not None:
            at = _aware(data["violated_on"], data["violated_time"])
            if at > timezone.now() + timezone.timedelta(minutes=5):
                self.add_error("violated_time", "Thời điểm vi phạm không thể ở tương lai.")
            data["violated_at"] = at
        if (data.get("latitude") is None) != (data.get("longitude") is None):
            self.add_error("longitude", "Nhập cả vĩ độ và kinh độ, hoặc để trống cả hai.")
        lines = [line.strip() for line in (data.get("witnesses") or "").splitlines() if line.strip()]
        if len(lines) > MAX_WITNESSES:
            self.add_error("witnesses", f"Tối đa {MAX_WITNESSES} người chứng kiến.")
        data["witness_list"] = [_witness(line) for line in lines[:MAX_WITNESSES]]
        return data


def _witness(line: str) -> dict:
    name, _, rest = line.partition(",")
    return {"name": name.strip()[:200], "address": rest.strip()[:300]}


class SeizedRowForm(forms.Form):
    """One seized item or document written in the record (Art. 125)."""

    kind = forms.ChoiceField(label="Loại", choices=[("", "— Chọn —"), *SeizedItem.Kind.choices], required=False)
    description = forms.CharField(label="Tên, đặc điểm", max_length=300, required=False)
    quantity = forms.IntegerField(
        label="Số lượng",
        min_value=1,
        max_value=100000,
        initial=1,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    measure = forms.CharField(label="Đơn vị tính", max_length=30, required=False, initial="chiếc")
    plate = forms.CharField(label="Biển số (nếu là phương tiện)", max_length=20, required=False)
    storage_place = forms.CharField(label="Nơi lưu giữ", max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _vi_messages(self)

    def clean(self):
        data = super().clean()
        filled = data.get("kind") or data.get("description") or data.get("plate")
        if not filled:
            data["empty"] = True
            return data
        if not data.get("kind"):
            self.add_error("kind", "Chọn loại tang vật, phương tiện.")
        if not data.get("description"):
            self.add_error("description", "Nhập tên, đặc điểm của tang vật, phương tiện.")
        if not data.get("storage_place"):
            self.add_error("storage_place", "Nhập nơi lưu giữ.")
        return data

    def has_changed(self):
        # The pre-filled defaults (1 chiếc) do not make a row: only what the officer typed does.
        return bool(self.data.get(self.add_prefix("kind")) or self.data.get(self.add_prefix("description")))


SeizedFormSet = forms.formset_factory(
    SeizedRowForm, extra=1, max_num=MAX_SEIZED_ROWS, validate_max=True, absolute_max=MAX_SEIZED_ROWS
)


def seized_rows(formset) -> list[dict]:
    rows = []
    for form in formset.forms:
        data = getattr(form, "cleaned_data", None) or {}
        if not data or data.get("empty"):
            continue
        rows.append(
            {
                "kind": data["kind"],
                "description": data["description"],
                "quantity": data.get("quantity") or 1,
                "measure": data.get("measure") or "chiếc",
                "plate": data.get("plate") or "",
                "storage_place": data["storage_place"],
            }
        )
    return rows


class TransferForm(forms.Form):
    """Hand the record to the official with the power to decide (Art. 58(5), 2 working days)."""

    to_unit = UnitChoiceField(label="Chuyển đến đơn vị", queryset=Unit.objects.none(), empty_label="— Chọn đơn vị —")
    reason = forms.CharField(label="Lý do chuyển", max_length=300, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        if units is not None:
            self.fields["to_unit"].queryset = units
        _vi_messages(self)
        self.fields["to_unit"].error_messages["required"] = "Chọn đơn vị nhận biên bản."
        self.fields["reason"].error_messages["required"] = "Vui lòng nhập lý do chuyển."


class ReasonForm(forms.Form):
    reason = forms.CharField(label="Lý do", max_length=300, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _vi_messages(self)
        self.fields["reason"].error_messages["required"] = "Vui lòng nhập lý do."


class NoteForm(forms.Form):
    note = forms.CharField(label="Nội dung", max_length=500, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _vi_messages(self)
        self.fields["note"].error_messages["required"] = "Vui lòng nhập nội dung."


# --- decisions ------------------------------------------------------------------------------


class LineForm(forms.Form):
    """The fine for one behaviour: circumstances, amount (empty = the legal default), warning,
    suspension months. Prefix `l<N>`; the behaviour code travels in a hidden field.

    The Behaviour itself is `self.rule`, not `self.behaviour`: in a template `lf.behaviour`
    resolves to the bound hidden field (a form's `__getitem__` wins over its attributes)."""

    behaviour = forms.CharField(widget=forms.HiddenInput, max_length=60)
    mitigating = forms.MultipleChoiceField(
        label="Tình tiết giảm nhẹ", required=False, choices=(), widget=forms.CheckboxSelectMultiple
    )
    aggravating = forms.MultipleChoiceField(
        label="Tình tiết tăng nặng", required=False, choices=(), widget=forms.CheckboxSelectMultiple
    )
    amount = MoneyField(
        label="Mức phạt (đồng)", required=False, help_text="Để trống: mức theo quy định và tình tiết đã chọn."
    )
    warning = forms.BooleanField(label="Phạt cảnh cáo (không phạt tiền)", required=False)
    suspension_months = forms.IntegerField(
        label="Tước quyền sử dụng giấy phép (tháng)",
        required=False,
        min_value=0,
        max_value=240,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    def __init__(self, *args, behaviour=None, mitigating=(), aggravating=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.rule = behaviour
        self.fields["mitigating"].choices = [(c.code, c.text) for c in mitigating]
        self.fields["aggravating"].choices = [(c.code, c.text) for c in aggravating]
        if behaviour is not None:
            self.fields["behaviour"].initial = behaviour.code
            if not behaviour.warning_allowed:
                del self.fields["warning"]
            if not behaviour.suspension_max_months:
                del self.fields["suspension_months"]
            else:
                self.fields["suspension_months"].min_value = behaviour.suspension_min_months or 0
                self.fields["suspension_months"].max_value = behaviour.suspension_max_months
                self.fields["suspension_months"].help_text = (
                    f"Từ {behaviour.suspension_min_months or 0} đến {behaviour.suspension_max_months} tháng; "
                    "để trống nếu không áp dụng."
                )
                self.fields["suspension_months"].widget.attrs.update(
                    {"min": behaviour.suspension_min_months or 0, "max": behaviour.suspension_max_months}
                )
        _vi_messages(self)
        self.fields["mitigating"].error_messages["invalid_choice"] = "Tình tiết giảm nhẹ %(value)s không hợp lệ."
        self.fields["aggravating"].error_messages["invalid_choice"] = "Tình tiết tăng nặng %(value)s không hợp lệ."
        if "suspension_months" in self.fields:
            sm = self.fields["suspension_months"]
            sm.error_messages["min_value"] = f"Số tháng tước tối thiểu là {behaviour.suspension_min_months or 0}."
            sm.error_messages["max_value"] = f"Số tháng tước tối đa là {behaviour.suspension_max_months}."

    def clean_behaviour(self):
        code = self.cleaned_data["behaviour"]
        if self.rule is not None and code != self.rule.code:
            raise forms.ValidationError("Hành vi không khớp với biên bản.")
        return code

    def line_values(self) -> dict:
        data = self.cleaned_data
        months = data.get("suspension_months") or None
        return {
            "behaviour_code": data["behaviour"],
            "mitigating": list(data.get("mitigating") or []),
            "aggravating": list(data.get("aggravating") or []),
            "amount": data.get("amount"),
            "warning": bool(data.get("warning")),
            "suspension_months": months,
        }


class DecisionForm(forms.Form):
    """The decision's own fields, next to its lines (see `LineForm`)."""

    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=100)
    delivered_on = VietnameseDateField(
        label="Ngày giao quyết định",
        required=False,
        help_text="Để trống nếu chưa giao; hạn nộp phạt (10 ngày) tính từ ngày giao.",
    )
    remedial_measures = forms.CharField(
        label="Biện pháp khắc phục hậu quả", required=False, max_length=3000, widget=forms.Textarea(attrs={"rows": 2})
    )
    instalments_allowed = forms.BooleanField(label="Cho phép nộp tiền phạt nhiều lần (Điều 79)", required=False)
    licence_kind = forms.ChoiceField(
        label="Loại giấy phép bị tước",
        required=False,
        choices=LicenceSuspension.Kind.choices,
        initial=LicenceSuspension.Kind.DRIVING,
    )
    licence_number = forms.CharField(label="Số giấy phép", max_length=40, required=False)
    licence_class = forms.CharField(label="Hạng", max_length=20, required=False)

    def __init__(self, *args, **kwargs):
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("idempotency_key", new_idempotency_key())
        super().__init__(*args, **kwargs)
        _vi_messages(self)

    def clean(self):
        data = super().clean()
        _in_range(self, "delivered_on", data.get("delivered_on"))
        if data.get("delivered_on") and data["delivered_on"] > timezone.localdate():
            self.add_error("delivered_on", "Ngày giao quyết định không thể ở tương lai.")
        return data

    def licence(self) -> dict | None:
        data = self.cleaned_data
        if not data.get("licence_number"):
            return None
        return {
            "kind": data.get("licence_kind") or LicenceSuspension.Kind.DRIVING,
            "number": data["licence_number"].strip(),
            "class": (data.get("licence_class") or "").strip(),
        }


class SpotDecisionForm(ViolatorForm):
    """An on-the-spot fine without a record (Luật XLVPHC Art. 56): one behaviour, a small fine."""

    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=100, required=False)
    violated_on = VietnameseDateField(label="Ngày vi phạm")
    violated_time = VietnameseTimeField(label="Giờ vi phạm")
    area = AreaChoiceField(
        label="Xã, phường nơi vi phạm", queryset=None, required=False, empty_label="— Chọn xã, phường —"
    )
    address = forms.CharField(label="Địa điểm vi phạm", max_length=300)
    vehicle_kind = forms.ChoiceField(
        label="Loại phương tiện", required=False, choices=[("", "— Không có phương tiện —"), *VehicleKind.choices]
    )
    plate = forms.CharField(
        label="Biển số", max_length=20, required=False, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    behaviour = forms.ChoiceField(label="Hành vi vi phạm", choices=(), widget=forms.RadioSelect)
    mitigating = forms.MultipleChoiceField(
        label="Tình tiết giảm nhẹ", required=False, choices=(), widget=forms.CheckboxSelectMultiple
    )
    aggravating = forms.MultipleChoiceField(
        label="Tình tiết tăng nặng", required=False, choices=(), widget=forms.CheckboxSelectMultiple
    )
    amount = MoneyField(
        label="Mức phạt (đồng)", required=False, help_text="Để trống: mức theo quy định và tình tiết đã chọn."
    )
    warning = forms.BooleanField(label="Phạt cảnh cáo (nếu hành vi cho phép)", required=False)

    def __init__(self, *args, officer, behaviour_choices=(), mitigating=(), aggravating=(), **kwargs):
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("idempotency_key", new_idempotency_key())
        now = timezone.localtime()
        initial.setdefault("violated_on", now.date())
        initial.setdefault("violated_time", now.time().replace(second=0, microsecond=0))
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = intake_areas(officer)
        self.fields["behaviour"].choices = list(behaviour_choices)
        self.fields["mitigating"].choices = [(c.code, c.text) for c in mitigating]
        self.fields["aggravating"].choices = [(c.code, c.text) for c in aggravating]
        _vi_messages(self)
        self._violator_messages()
        self.fields["behaviour"].error_messages.update(
            {
                "required": "Chọn hành vi vi phạm.",
                "invalid_choice": (
                    "Hành vi %(value)s không được xử phạt không lập biên bản đối với đối tượng đã chọn vào ngày "
                    "vi phạm (không có hiệu lực, hoặc mức phạt tối thiểu vượt giới hạn của Điều 56)."
                ),
            }
        )
        self.fields["address"].error_messages["required"] = "Vui lòng nhập địa điểm vi phạm."
        self.fields["violator_name"].widget.attrs.update({"accesskey": "h", "autofocus": True})

    def clean(self):
        data = super().clean()
        _in_range(self, "violated_on", data.get("violated_on"))
        if data.get("violated_on") and data.get("violated_time") is not None:
            at = _aware(data["violated_on"], data["violated_time"])
            if at > timezone.now() + timezone.timedelta(minutes=5):
                self.add_error("violated_time", "Thời điểm vi phạm không thể ở tương lai.")
            data["violated_at"] = at
        return data

    def line_values(self) -> dict:
        data = self.cleaned_data
        return {
            "behaviour_code": data["behaviour"],
            "mitigating": list(data.get("mitigating") or []),
            "aggravating": list(data.get("aggravating") or []),
            "amount": data.get("amount"),
            "warning": bool(data.get("warning")),
        }


class DeliverForm(forms.Form):
    delivered_on = VietnameseDateField(label="Ngày giao quyết định")

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("delivered_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        _vi_messages(self)
        self.fields["delivered_on"].error_messages["required"] = "Vui lòng nhập ngày giao quyết định."

    def clean_delivered_on(self):
        day = self.cleaned_data["delivered_on"]
        if not FIRST_DAY <= day <= LAST_DAY:
            raise forms.ValidationError("Ngày không hợp lệ.")
        if day > timezone.localdate():
            raise forms.ValidationError("Ngày giao quyết định không thể ở tương lai.")
        return day


class CounterPaymentForm(forms.Form):
    """Money taken at the counter: the amount must be what is due today (fine + surcharge)."""

    amount = MoneyField(label="Số tiền nộp (đồng)")
    payer_name = forms.CharField(label="Người nộp", max_length=200, required=False)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=100)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("idempotency_key", new_idempotency_key())
        super().__init__(*args, **kwargs)
        _vi_messages(self)
        self.fields["amount"].error_messages["required"] = "Vui lòng nhập số tiền nộp."

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if amount is None or amount <= 0:
            raise forms.ValidationError("Số tiền nộp phải lớn hơn 0.")
        return amount


class SeizedCloseForm(forms.Form):
    """Release (trả lại) or confiscate (tịch thu) a held item, with the reason."""

    status = forms.ChoiceField(
        label="Xử lý",
        choices=[
            (SeizedItem.Status.RELEASED, "Trả lại"),
            (SeizedItem.Status.CONFISCATED, "Tịch thu"),
            (SeizedItem.Status.HANDED_OVER, "Chuyển giao"),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(label="Lý do, căn cứ", max_length=300)
    receiver_name = forms.CharField(label="Người nhận lại", max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _vi_messages(self)
        self.fields["status"].error_messages["required"] = "Chọn trả lại, tịch thu hoặc chuyển giao."
        self.fields["reason"].error_messages["required"] = "Vui lòng nhập lý do, căn cứ."

    def clean(self):
        data = super().clean()
        if data.get("status") == SeizedItem.Status.RELEASED and not (data.get("receiver_name") or "").strip():
            self.add_error("receiver_name", "Trả lại tang vật, phương tiện: nhập tên người nhận lại.")
        return data


# --- list filters ---------------------------------------------------------------------------

DUE_CHOICES = [("", "Tất cả"), ("due_soon", "Sắp đến hạn"), ("late", "Quá hạn")]


def _sort_choices(sorts: dict[str, str]) -> list[tuple[str, str]]:
    return (
        [("", "Mặc định")]
        + [(k, f"{v} (tăng dần)") for k, v in sorts.items()]
        + [(f"-{k}", f"{v} (giảm dần)") for k, v in sorts.items()]
    )


class _ListForm(forms.Form):
    date_from = VietnameseDateField(label="Từ ngày", required=False)
    date_to = VietnameseDateField(label="Đến ngày", required=False)
    unit = UnitChoiceField(label="Đơn vị", queryset=Unit.objects.none(), required=False, empty_label="Tất cả đơn vị")

    SORTS: dict[str, str] = {}

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        if units is not None:
            self.fields["unit"].queryset = units
        self.fields["sort"] = forms.ChoiceField(label="Sắp xếp", required=False, choices=_sort_choices(self.SORTS))
        _vi_messages(self)
        for f in self.fields.values():
            if isinstance(f, forms.DateField):
                f.error_messages["invalid"] = "Ngày không hợp lệ (dd/mm/yyyy)."

    def clean(self):
        data = super().clean()
        _in_range(self, "date_from", data.get("date_from"))
        _in_range(self, "date_to", data.get("date_to"))
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", "Ngày kết thúc phải sau hoặc bằng ngày bắt đầu.")
        return data


class RecordListForm(_ListForm):
    status = forms.ChoiceField(
        label="Trạng thái", required=False, choices=[("", "Tất cả"), *ViolationRecord.Status.choices]
    )
    due = forms.ChoiceField(label="Hạn ra quyết định", required=False, choices=DUE_CHOICES)
    plate = forms.CharField(label="Biển số", required=False, max_length=20)
    q = forms.CharField(label="Số biên bản", required=False, max_length=40)
    field_order = ["status", "due", "plate", "q", "date_from", "date_to", "unit"]
    SORTS = {"made": "Ngày lập", "due": "Hạn ra quyết định", "number": "Số biên bản"}


class DecisionListForm(_ListForm):
    status = forms.ChoiceField(label="Trạng thái", required=False, choices=[("", "Tất cả"), *DecisionStatus.choices])
    due = forms.ChoiceField(label="Hạn nộp phạt", required=False, choices=DUE_CHOICES)
    plate = forms.CharField(label="Biển số", required=False, max_length=20)
    number = forms.CharField(label="Số quyết định", required=False, max_length=40)
    field_order = ["status", "due", "plate", "number", "date_from", "date_to", "unit"]
    SORTS = {"issued": "Ngày ra quyết định", "due": "Hạn nộp", "amount": "Số tiền", "number": "Số quyết định"}


class SeizedListForm(forms.Form):
    status = forms.ChoiceField(
        label="Trạng thái",
        required=False,
        choices=[("", "Đang tạm giữ"), ("overdue", "Quá hạn tạm giữ"), ("closed", "Đã xử lý"), ("all", "Tất cả")],
    )
    plate = forms.CharField(label="Biển số", required=False, max_length=20)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _vi_messages(self)


class SuspensionListForm(forms.Form):
    state = forms.ChoiceField(
        label="Tình trạng",
        required=False,
        choices=[("", "Đang bị tước"), ("ended", "Đã hết thời hạn"), ("all", "Tất cả")],
    )
    q = forms.CharField(label="Số giấy phép", required=False, max_length=40)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _vi_messages(self)
