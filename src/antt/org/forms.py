"""Forms of the org pages. They check the shape of the input; the rules are in services."""

from django import forms

from antt.org.models import Role
from antt.org.selectors import visible_units

ORDER_CHOICES = [
    ("name", "Họ tên (A→Z)"),
    ("-name", "Họ tên (Z→A)"),
    ("username", "Tên đăng nhập"),
    ("unit", "Đơn vị"),
    ("role", "Vai trò"),
    ("-joined", "Mới tạo trước"),
]


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        depth = max(obj.path.count("/") - 2, 0)
        return f"{'— ' * depth}{obj.name}"


class OfficerFilterForm(forms.Form):
    q = forms.CharField(label="Tìm theo tên", required=False, max_length=100)
    unit = UnitChoiceField(label="Đơn vị", queryset=None, required=False, empty_label="Tất cả đơn vị")
    role = forms.ChoiceField(label="Vai trò", required=False, choices=[("", "Tất cả vai trò"), *Role.choices])
    sort = forms.ChoiceField(label="Sắp xếp", required=False, choices=ORDER_CHOICES)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = visible_units(user).filter(is_active=True)


class OfficerForm(forms.Form):
    full_name = forms.CharField(label="Họ và tên", max_length=150)
    title = forms.CharField(label="Chức vụ", max_length=120, required=False)
    phone = forms.CharField(label="Số điện thoại", max_length=20, required=False)
    email = forms.EmailField(label="Thư điện tử", required=False)
    unit = UnitChoiceField(label="Đơn vị", queryset=None)
    role = forms.ChoiceField(label="Vai trò", choices=Role.choices)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = visible_units(user).filter(is_active=True)


class OfficerCreateForm(OfficerForm):
    username = forms.CharField(label="Tên đăng nhập", max_length=150)
    password = forms.CharField(
        label="Mật khẩu ban đầu",
        widget=forms.PasswordInput(render_value=False),
        help_text="Ít nhất 12 ký tự, có ít nhất 3 trong 4 loại: chữ thường, chữ hoa, chữ số, ký hiệu.",
    )

    field_order = ["username", "password", "full_name", "title", "phone", "email", "unit", "role"]
