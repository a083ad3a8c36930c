"""Forms of the business-account pages (the services check everything that matters; these
forms give the labels, the browser hints and the first, simple checks)."""

from __future__ import annotations

from django import forms

from antt.establishments.accounts import CONSENT_TEXT
from antt.establishments.forms import VietnameseForm
from antt.establishments.models import EstablishmentAccount


class _PersonForm(VietnameseForm):
    full_name = forms.CharField(
        label="Họ và tên người sử dụng tài khoản",
        max_length=150,
        error_messages={"required": "Vui lòng nhập họ và tên."},
    )
    phone = forms.CharField(
        label="Số điện thoại di động",
        max_length=20,
        error_messages={"required": "Vui lòng nhập số điện thoại di động."},
    )
    email = forms.CharField(
        label="Thư điện tử", max_length=254, error_messages={"required": "Vui lòng nhập thư điện tử."}
    )
    username = forms.CharField(
        label="Tên đăng nhập",
        max_length=150,
        help_text="Chữ không dấu, chữ số và các ký tự @ . + - _ (không có dấu cách).",
        error_messages={"required": "Vui lòng nhập tên đăng nhập."},
    )
    password1 = forms.CharField(
        label="Mật khẩu",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="Ít nhất 12 ký tự, có ít nhất 3 trong 4 loại: chữ thường, chữ hoa, chữ số, ký hiệu.",
        error_messages={"required": "Vui lòng nhập mật khẩu."},
    )
    password2 = forms.CharField(
        label="Nhập lại mật khẩu",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": "Vui lòng nhập lại mật khẩu."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["full_name"].widget.attrs.update({"autocomplete": "name"})
        self.fields["phone"].widget.attrs.update({"inputmode": "tel", "autocomplete": "tel"})
        self.fields["email"].widget.input_type = "email"
        self.fields["email"].widget.attrs.update({"autocomplete": "email"})
        self.fields["username"].widget.attrs.update(
            {"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}
        )

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password2") and data["password1"] != data["password2"]:
            self.add_error("password2", "Hai lần nhập mật khẩu không giống nhau.")
        return data

    def person(self) -> dict:
        d = self.cleaned_data
        return {
            "full_name": d["full_name"],
            "phone": d["phone"],
            "email": d["email"],
            "username": d["username"],
            "password": d["password1"],
        }


class SignupForm(_PersonForm):
    tax_code = forms.CharField(
        label="Mã số thuế của cơ sở",
        max_length=20,
        help_text="10 chữ số; chi nhánh, địa điểm kinh doanh: 10 chữ số - 3 chữ số; hộ kinh doanh: 12 chữ số.",
        error_messages={"required": "Vui lòng nhập mã số thuế của cơ sở."},
    )
    consent = forms.BooleanField(
        label=CONSENT_TEXT,
        error_messages={"required": "Cần đồng ý cho xử lý dữ liệu cá nhân để đăng ký tài khoản."},
    )

    field_order = ["tax_code", "full_name", "phone", "email", "username", "password1", "password2", "consent"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tax_code"].widget.attrs.update({"inputmode": "numeric", "autocomplete": "off", "autofocus": True})


class StaffAccountForm(_PersonForm):
    pass


class DecisionForm(VietnameseForm):
    decision = forms.ChoiceField(
        label="Quyết định",
        choices=[("approve", "Duyệt: cho phép sử dụng"), ("refuse", "Từ chối")],
        widget=forms.RadioSelect,
        error_messages={"required": "Vui lòng chọn duyệt hoặc từ chối.", "invalid_choice": "Quyết định không hợp lệ."},
    )
    reason = forms.CharField(
        label="Lý do từ chối (gửi cho doanh nghiệp)",
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class AccountFilterForm(VietnameseForm):
    q = forms.CharField(label="Tên cơ sở hoặc mã số thuế", max_length=100, required=False)
    status = forms.ChoiceField(
        label="Tình trạng",
        required=False,
        choices=[("", "Tất cả"), *EstablishmentAccount.Status.choices],
        initial=EstablishmentAccount.Status.PENDING,
    )
    sort = forms.ChoiceField(
        label="Sắp xếp",
        required=False,
        choices=[
            ("created", "Đăng ký trước"),
            ("-created", "Đăng ký sau"),
            ("name", "Tên cơ sở A→Z"),
            ("-name", "Tên cơ sở Z→A"),
        ],
    )
