"""Forms of the staff pages of the one-stop shop: counter intake and the actions on a dossier.

Forms only parse and shape input (dates dd/mm/yyyy, money "1.500.000", choices); the rules
(personal ID, phone, deadlines, what may happen in which status) are the services'. A
service's `DossierInputError` is put back on the form next to its field.
"""

from __future__ import annotations

import re
import secrets

from django import forms
from django.utils.translation import gettext_lazy as _

from antt.catalog.models import Level, ProcedureVersion
from antt.core.money import format_vnd
from antt.dossiers.models import ApplicantKind, Delivery
from antt.dossiers.schemas import FIRST_DAY, LAST_DAY
from antt.dossiers.selectors_staff import intake_areas, intake_units

DATE_FORMATS = ["%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d"]
MAX_COPIES = 99


def new_idempotency_key() -> str:
    """A one-time token for a form: a double click or a re-POST makes one dossier only."""
    return secrets.token_urlsafe(24)


class VietnameseDateField(forms.DateField):
    """A date typed as dd/mm/yyyy (also dd-mm-yyyy, dd.mm.yyyy, or ISO from a date picker)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("input_formats", DATE_FORMATS)
        kwargs.setdefault(
            "error_messages", {"invalid": _("Ngày không hợp lệ; nhập theo dạng ngày/tháng/năm, ví dụ 17/02/1990.")}
        )
        kwargs.setdefault(
            "widget",
            forms.DateInput(format="%d/%m/%Y", attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric"}),
        )
        super().__init__(*args, **kwargs)


class MoneyField(forms.Field):
    """Whole đồng typed as "1.500.000", "1500000" or "1.500.000 đ"."""

    widget = forms.TextInput
    default_error_messages = {
        "invalid": _("Số tiền phải là số nguyên (đồng), ví dụ 1.500.000."),
        "too_big": _("Số tiền quá lớn."),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.widget.attrs.update({"inputmode": "numeric", "autocomplete": "off", "class": "money", "maxlength": 30})

    def to_python(self, value):
        text = str(value or "").strip()
        if not text:
            return None
        if len(text) > 30:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        digits = re.sub(r"\s*(đồng|vnđ|vnd|đ)$", "", text.lower())
        digits = re.sub(r"[\s.,]", "", digits)
        if not re.fullmatch(r"[0-9]+", digits):  # str.isdigit() accepts "²", which int() refuses
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        amount = int(digits)
        if amount > 10**13:
            raise forms.ValidationError(self.error_messages["too_big"], code="too_big")
        return amount

    def prepare_value(self, value):
        if isinstance(value, int):
            return format_vnd(value).removesuffix(" đ")
        return value


class OfficerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        role = obj.get_role_display()
        return f"{obj} — {role} ({obj.unit})" if obj.unit_id else f"{obj} — {role}"


# --- Intake -------------------------------------------------------------------------------

SEX_CHOICES = [("", _("— Không ghi —")), ("male", _("Nam")), ("female", _("Nữ"))]


class IntakeForm(forms.Form):
    """The counter intake form for one procedure version (its levels, documents and fee).

    Document rows are fields named `doc_<id>_received`, `doc_<id>_originals`,
    `doc_<id>_certified`, `doc_<id>_copies` and `doc_<id>_file`; `document_rows()` groups them.
    Field names of the applicant match `DossierInputError.field` of the service.
    """

    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=100)
    level = forms.ChoiceField(label=_("Cấp thực hiện"))
    unit = forms.ModelChoiceField(label=_("Đơn vị giải quyết"), queryset=None, empty_label=None)

    kind = forms.ChoiceField(
        label=_("Chủ hồ sơ là"), choices=ApplicantKind.choices, initial=ApplicantKind.PERSON, widget=forms.RadioSelect
    )
    name = forms.CharField(label=_("Họ và tên / tên tổ chức"), max_length=200)
    id_number = forms.CharField(
        label=_("Số định danh cá nhân / mã số doanh nghiệp"),
        max_length=20,
        required=False,
        help_text=_("Cá nhân: 12 chữ số trên thẻ căn cước."),
    )
    birth_date = VietnameseDateField(label=_("Ngày sinh"), required=False)
    sex = forms.ChoiceField(label=_("Giới tính"), choices=SEX_CHOICES, required=False)
    phone = forms.CharField(label=_("Số điện thoại"), max_length=20)
    email = forms.CharField(label=_("Thư điện tử"), max_length=254, required=False)
    area = forms.ModelChoiceField(
        label=_("Xã, phường (nơi cư trú / trụ sở)"), queryset=None, required=False, empty_label=_("— Chọn xã, phường —")
    )
    address = forms.CharField(label=_("Địa chỉ chi tiết (số nhà, đường, thôn, tổ)"), max_length=255, required=False)
    representative_name = forms.CharField(
        label=_("Người đại diện / người nộp thay (nếu có)"), max_length=200, required=False
    )

    fee_amount = MoneyField(label=_("Phí, lệ phí (đồng)"), required=False)
    fee_paid = forms.BooleanField(label=_("Đã thu phí, lệ phí"), required=False)
    fee_receipt_ref = forms.CharField(label=_("Số biên lai"), max_length=100, required=False)
    delivery = forms.ChoiceField(label=_("Hình thức nhận kết quả"), choices=Delivery.choices, initial=Delivery.COUNTER)

    def __init__(self, *args, version: ProcedureVersion, officer, fee: int = 0, **kwargs):
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("idempotency_key", new_idempotency_key())
        initial.setdefault("fee_amount", fee)
        initial.setdefault("unit", getattr(officer, "unit_id", None))
        super().__init__(*args, **kwargs)
        self.version = version
        levels = [lv.level for lv in version.levels.all()]
        self.fields["level"].choices = [(lv, Level(lv).label) for lv in levels] or list(Level.choices)
        if len(self.fields["level"].choices) == 1:
            self.fields["level"].initial = self.fields["level"].choices[0][0]
        self.fields["unit"].queryset = intake_units(officer)
        self.fields["area"].queryset = intake_areas(officer)
        self.fields["name"].error_messages["required"] = _("Vui lòng nhập họ và tên (hoặc tên tổ chức) của chủ hồ sơ.")
        self.fields["phone"].error_messages["required"] = _("Vui lòng nhập số điện thoại của chủ hồ sơ.")
        self.fields["level"].error_messages["invalid_choice"] = _("Thủ tục này không thực hiện ở cấp đã chọn.")
        self.fields["unit"].error_messages["invalid_choice"] = _("Đơn vị giải quyết không hợp lệ.")
        self.fields["area"].error_messages["invalid_choice"] = _("Xã, phường không hợp lệ.")
        self.fields["delivery"].error_messages["invalid_choice"] = _("Hình thức nhận kết quả không hợp lệ.")
        self.fields["name"].widget.attrs.update({"accesskey": "h", "autofocus": True})
        self.fields["fee_amount"].widget.attrs.update({"accesskey": "p"})
        self.fields["id_number"].widget.attrs.update({"inputmode": "numeric", "autocomplete": "off"})
        self.fields["phone"].widget.attrs.update({"inputmode": "tel", "autocomplete": "off"})
        self.fields["email"].widget.input_type = "email"
        self.documents = list(version.documents.all())
        for doc in self.documents:
            prefix = f"doc_{doc.pk}"
            self.fields[f"{prefix}_received"] = forms.BooleanField(label=doc.name, required=False, initial=True)
            for suffix, label, start in (
                ("originals", _("Bản chính"), doc.originals),
                ("certified", _("Bản chứng thực"), doc.copies),
                ("copies", _("Bản photo"), 0),
            ):
                self.fields[f"{prefix}_{suffix}"] = forms.IntegerField(
                    label=label,
                    min_value=0,
                    max_value=MAX_COPIES,
                    initial=start,
                    required=False,
                    error_messages={
                        "invalid": _("Số bản phải là số nguyên."),
                        "min_value": _("Số bản không được âm."),
                        "max_value": _("Tối đa %(limit_value)s bản.") % {"limit_value": MAX_COPIES},
                    },
                    widget=forms.NumberInput(attrs={"class": "count", "min": 0, "max": MAX_COPIES}),
                )
            self.fields[f"{prefix}_file"] = forms.FileField(
                label=_("Bản quét (PDF, JPG, PNG)"),
                required=False,
                widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/jpeg,image/png"}),
            )
        for name, bound in self.fields.items():
            if name not in ("idempotency_key",) and isinstance(bound.widget, forms.Select | forms.TextInput):
                bound.widget.attrs.setdefault("autocomplete", "off")

    def document_rows(self) -> list[dict]:
        """Bound fields of each document row, for the template."""
        return [
            {
                "doc": doc,
                "received": self[f"doc_{doc.pk}_received"],
                "originals": self[f"doc_{doc.pk}_originals"],
                "certified": self[f"doc_{doc.pk}_certified"],
                "copies": self[f"doc_{doc.pk}_copies"],
                "file": self[f"doc_{doc.pk}_file"],
            }
            for doc in self.documents
        ]

    def clean(self):
        data = super().clean()
        if data.get("fee_paid") and not (data.get("fee_receipt_ref") or "").strip():
            self.add_error("fee_receipt_ref", _("Vui lòng nhập số biên lai thu phí, lệ phí."))
        if data.get("kind") == ApplicantKind.PERSON and not (data.get("id_number") or "").strip():
            self.add_error("id_number", _("Vui lòng nhập số định danh cá nhân (12 chữ số)."))
        return data

    def applicant_values(self) -> dict:
        """Keyword arguments of `services.ApplicantData`."""
        d = self.cleaned_data
        sex = d.get("sex") or ""
        return {
            "kind": d["kind"],
            "name": d["name"],
            "id_number": d.get("id_number") or "",
            "birth_date": d.get("birth_date"),
            "female": {"male": False, "female": True}.get(sex),
            "phone": d["phone"],
            "email": d.get("email") or "",
            "area_id": d["area"].pk if d.get("area") else None,
            "address": d.get("address") or "",
            "representative_name": d.get("representative_name") or "",
        }

    def document_receipts(self) -> list[dict]:
        """One dict per ticked document: required_document_id and the counts (`services.DocumentReceipt`)."""
        d = self.cleaned_data
        rows = []
        for doc in self.documents:
            p = f"doc_{doc.pk}"
            if not d.get(f"{p}_received"):
                continue
            rows.append(
                {
                    "required_document_id": doc.pk,
                    "originals": d.get(f"{p}_originals") or 0,
                    "certified_copies": d.get(f"{p}_certified") or 0,
                    "copies": d.get(f"{p}_copies") or 0,
                }
            )
        return rows

    def uploads(self) -> list[tuple[int, object]]:
        """(required_document_id, uploaded file) for each scan attached."""
        return [
            (doc.pk, self.cleaned_data[f"doc_{doc.pk}_file"])
            for doc in self.documents
            if self.cleaned_data.get(f"doc_{doc.pk}_file")
        ]


# --- Actions on a dossier -----------------------------------------------------------------


class ActionForm(forms.Form):
    """Every action carries the row version the officer saw: a stale page conflicts (409)."""

    row_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, dossier=None, officers=None, documents=None, **kwargs):
        initial = kwargs.setdefault("initial", {})
        if dossier is not None:
            initial.setdefault("row_version", dossier.row_version)
        super().__init__(*args, **kwargs)
        self.fields["row_version"].error_messages.update(
            {
                "required": _("Thiếu phiên bản hồ sơ; vui lòng tải lại trang."),
                "invalid": _("Phiên bản hồ sơ không hợp lệ."),
            }
        )


class NoteForm(ActionForm):
    note = forms.CharField(
        label=_("Ghi chú"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReasonsForm(ActionForm):
    reasons = forms.CharField(label=_("Lý do"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reasons"].error_messages["required"] = _("Vui lòng nêu lý do.")


class OptionalReasonsForm(ActionForm):
    reasons = forms.CharField(
        label=_("Lý do (theo đề nghị của công dân)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AssignForm(ActionForm):
    """Start or forward: the officer of the next step (optional: the unit picks it up)."""

    assignee = OfficerChoiceField(
        label=_("Giao cho cán bộ"), queryset=None, required=False, empty_label=_("— Chuyển cho đơn vị (chưa giao) —")
    )
    note = forms.CharField(
        label=_("Ghi chú"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, officers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = officers if officers is not None else self.fields["assignee"].queryset
        self.fields["assignee"].error_messages["invalid_choice"] = _("Cán bộ được chọn không hợp lệ cho bước này.")


class AssignRequiredForm(AssignForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].required = True
        self.fields["assignee"].empty_label = None
        self.fields["assignee"].error_messages["required"] = _("Vui lòng chọn cán bộ.")
        del self.fields["note"]


class SendBackForm(AssignForm):
    reasons = forms.CharField(label=_("Lý do trả lại"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["note"]
        self.fields["assignee"].empty_label = _("— Cán bộ đã xử lý bước trước —")
        self.fields["reasons"].error_messages["required"] = _("Vui lòng nêu lý do trả lại.")


class SupplementForm(ActionForm):
    """Mẫu 02: every missing item at once, the catalogue's documents ticked and free lines."""

    items = forms.MultipleChoiceField(
        label=_("Giấy tờ cần bổ sung, hoàn thiện"), required=False, widget=forms.CheckboxSelectMultiple
    )
    other_items = forms.CharField(
        label=_("Giấy tờ khác (mỗi dòng một giấy tờ)"),
        required=False,
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    reasons = forms.CharField(label=_("Lý do"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, documents=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["items"].choices = [(doc.name, doc.name) for doc in (documents or [])]
        self.fields["items"].error_messages["invalid_choice"] = _("Giấy tờ được chọn không thuộc thủ tục này.")
        self.fields["reasons"].error_messages["required"] = _("Vui lòng nêu lý do yêu cầu bổ sung.")

    def clean(self):
        data = super().clean()
        lines = [line.strip() for line in (data.get("other_items") or "").splitlines() if line.strip()]
        data["all_items"] = [*data.get("items", []), *lines]
        if not data["all_items"] and "items" not in self.errors:
            self.add_error("items", _("Vui lòng chọn hoặc ghi các giấy tờ cần bổ sung, hoàn thiện."))
        return data


class ResultForm(ActionForm):
    name = forms.CharField(label=_("Tên kết quả"), max_length=300)
    file = forms.FileField(
        label=_("Tệp kết quả (PDF, JPG, PNG)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/jpeg,image/png"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].error_messages["required"] = _("Vui lòng nhập tên kết quả (ví dụ: Hộ chiếu phổ thông).")


class FeeRequestForm(ActionForm):
    amount = MoneyField(label=_("Số tiền (đồng)"))
    note = forms.CharField(label=_("Ghi chú"), required=False, max_length=1000)

    def __init__(self, *args, dossier=None, **kwargs):
        if dossier is not None and dossier.fee_amount:
            kwargs.setdefault("initial", {}).setdefault("amount", dossier.fee_amount)
        super().__init__(*args, dossier=dossier, **kwargs)
        self.fields["amount"].error_messages["required"] = _("Vui lòng nhập số tiền.")


class PaymentForm(ActionForm):
    reference = forms.CharField(label=_("Số biên lai / mã giao dịch"), max_length=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reference"].error_messages["required"] = _("Vui lòng nhập số biên lai hoặc mã giao dịch.")


class ApologyForm(ActionForm):
    reason = forms.CharField(
        label=_("Lý do chậm trả kết quả"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    new_due_date = VietnameseDateField(label=_("Ngày hẹn trả mới"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].error_messages["required"] = _("Vui lòng nêu lý do chậm trả kết quả.")
        self.fields["new_due_date"].error_messages["required"] = _("Vui lòng nhập ngày hẹn trả mới.")

    def clean_new_due_date(self):
        # The working calendar knows these years only; a later date cannot be checked (and 9999 overflows).
        day = self.cleaned_data["new_due_date"]
        if not FIRST_DAY <= day <= LAST_DAY:
            raise forms.ValidationError(
                _("Ngày hẹn trả mới phải trong khoảng %(first)s – %(last)s.")
                % {"first": f"{FIRST_DAY:%d/%m/%Y}", "last": f"{LAST_DAY:%d/%m/%Y}"}
            )
        return day
