"""Forms of the certificate pages. They only parse input (dates dd/mm/yyyy, choices); the rules
(lines in force and registered, one certificate per location, the 3–6 months bounds) are the
services' (`establishments.certificates`), whose `EstablishmentError` is put back on the form
next to its field."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from antt.dossiers.forms import VietnameseDateField
from antt.establishments.forms import vi_messages
from antt.establishments.models import BusinessLine, Certificate, RevocationGround

STATUS_CHOICES = [("", "Mọi tình trạng"), *Certificate.Status.choices]
SORT_CHOICES = [
    ("-issued", "Ngày cấp (mới nhất trước)"),
    ("issued", "Ngày cấp (cũ nhất trước)"),
    ("number", "Số giấy chứng nhận"),
    ("name", "Tên cơ sở"),
]
KIND_HELP = {
    Certificate.Kind.NEW: "Cơ sở chưa có giấy chứng nhận còn hiệu lực.",
    Certificate.Kind.CHANGE: "Thay cho giấy chứng nhận đang có (Điều 21 khoản 1).",
    Certificate.Kind.REISSUE: "Giấy chứng nhận bị mất (Điều 21 khoản 2).",
}


def _line_choices(day=None):
    day = day or timezone.localdate()
    seen, out = set(), []
    for line in BusinessLine.objects.filter(BusinessLine.valid_on(day)).order_by("order", "code"):
        if line.code not in seen:
            seen.add(line.code)
            out.append((line.code, line.name))
    return out


class CertificateListForm(forms.Form):
    q = forms.CharField(
        label="Số giấy, tên cơ sở hoặc mã số thuế",
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"type": "search", "autocomplete": "off", "spellcheck": "false", "accesskey": "t"}
        ),
    )
    status = forms.ChoiceField(label="Tình trạng", choices=STATUS_CHOICES, required=False)
    unit = forms.ModelChoiceField(label="Đơn vị", queryset=None, required=False, empty_label="Mọi đơn vị")
    line = forms.ChoiceField(label="Ngành, nghề", required=False)
    sort = forms.ChoiceField(label="Sắp xếp", choices=SORT_CHOICES, required=False)

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["line"].choices = [("", "Mọi ngành, nghề"), *_line_choices()]
        vi_messages(self)


class _DecisionForm(forms.Form):
    """What a suspension and a revocation share: the ground, the ĐK6 decision, the reason, the lines."""

    row_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    ground = forms.ChoiceField(label="Căn cứ thu hồi (Điều 18 Nghị định 96/2016/NĐ-CP)")
    decision_number = forms.CharField(
        label="Số quyết định thu hồi (Mẫu ĐK6)",
        max_length=40,
        error_messages={"required": "Vui lòng nhập số quyết định thu hồi."},
    )
    reason = forms.CharField(
        label="Lý do",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Vui lòng nêu lý do thu hồi."},
    )
    lines = forms.MultipleChoiceField(
        label="Chỉ thu hồi các ngành, nghề (để trống: thu hồi cả giấy chứng nhận)",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Thông tư 42/2017/TT-BCA Điều 4: vi phạm chỉ liên quan một số ngành, nghề thì chỉ thu hồi các "
        "ngành, nghề đó.",
    )
    temporary = False

    def __init__(self, *args, line_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        day = timezone.localdate()
        grounds = RevocationGround.objects.filter(RevocationGround.valid_on(day), temporary=self.temporary)
        self.fields["ground"].choices = [("", "— Chọn căn cứ —")] + [
            (g.code, f"{g.legal_basis}: {g.text}" if g.legal_basis else g.text)
            for g in grounds.order_by("code", "-valid_from")
        ]
        self.fields["lines"].choices = list(line_choices)
        vi_messages(self)
        self.fields["lines"].error_messages["invalid_choice"] = (
            "Ngành, nghề đã chọn không có trên giấy chứng nhận hoặc đã bị thu hồi."
        )


class SuspendForm(_DecisionForm):
    temporary = True
    until = VietnameseDateField(
        label="Thu hồi đến hết ngày",
        help_text="Từ 03 đến 06 tháng kể từ hôm nay (Điều 18 khoản 2).",
        error_messages={"required": "Vui lòng nhập ngày hết thời hạn thu hồi."},
    )
    field_order = ["row_version", "ground", "until", "decision_number", "reason", "lines"]


class RevokeForm(_DecisionForm):
    temporary = False


class IssueForm(forms.Form):
    """Direct issue (outside the one-stop flow): mostly the data entry of paper certificates."""

    kind = forms.ChoiceField(
        label="Hình thức cấp",
        choices=Certificate.Kind.choices,
        initial=Certificate.Kind.NEW,
        widget=forms.RadioSelect,
    )
    number = forms.CharField(
        label="Số giấy chứng nhận đã in (nếu nhập giấy đã cấp)",
        max_length=40,
        required=False,
        help_text="Để trống để hệ thống cấp số mới theo đơn vị và năm.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    unit = forms.ModelChoiceField(label="Đơn vị cấp", queryset=None, empty_label=None)
    issued_on = VietnameseDateField(label="Ngày cấp", error_messages={"required": "Vui lòng nhập ngày cấp."})
    valid_until = VietnameseDateField(
        label="Có giá trị đến (nếu có)",
        required=False,
        help_text="Để trống: không có thời hạn (Điều 15 Nghị định 96/2016/NĐ-CP).",
    )
    lines = forms.MultipleChoiceField(
        label="Ngành, nghề được chứng nhận",
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Chỉ các ngành, nghề cơ sở đã đăng ký. Cấp đổi, cấp lại: để trống để giữ các ngành, nghề của giấy cũ.",
    )
    reason = forms.CharField(
        label="Ghi chú (nguồn dữ liệu, lý do cấp đổi)",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, units, line_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["lines"].choices = list(line_choices)
        vi_messages(self)
        self.fields["lines"].error_messages["invalid_choice"] = (
            "Ngành, nghề đã chọn không có trong các ngành, nghề cơ sở đã đăng ký."
        )


class LinkForm(forms.Form):
    """The establishment and lines a dossier is about."""

    establishment = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    lines = forms.MultipleChoiceField(
        label="Ngành, nghề đề nghị cấp giấy chứng nhận",
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args, line_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lines"].choices = list(line_choices)
        vi_messages(self)
        self.fields["lines"].error_messages["invalid_choice"] = (
            "Ngành, nghề đã chọn không có trong các ngành, nghề cơ sở đã đăng ký."
        )
