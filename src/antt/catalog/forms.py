from django import forms
from django.utils.translation import gettext_lazy as _

from antt.catalog.models import Field, Level, OnlineLevel
from antt.catalog.selectors import MAX_QUERY_LENGTH


class ProcedureSearchForm(forms.Form):
    """The GET form of the catalogue page; works without JavaScript."""

    q = forms.CharField(label=_("Tìm thủ tục"), required=False, max_length=MAX_QUERY_LENGTH)
    field = forms.ModelChoiceField(
        label=_("Lĩnh vực"),
        queryset=Field.objects.all(),
        required=False,
        to_field_name="slug",
        empty_label=_("Tất cả lĩnh vực"),
    )
    level = forms.ChoiceField(
        label=_("Cấp thực hiện"), required=False, choices=[("", _("Tất cả các cấp")), *Level.choices]
    )
    online_level = forms.ChoiceField(
        label=_("Mức độ trực tuyến"), required=False, choices=[("", _("Tất cả")), *OnlineLevel.choices]
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # input_type, not attrs["type"]: a later attrs update renders a second type attribute.
        self.fields["q"].widget.input_type = "search"
        self.fields["q"].widget.attrs.update({"placeholder": "ví dụ: cấp hộ chiếu", "autocomplete": "off"})
        self.fields["q"].error_messages["max_length"] = _("Nội dung tìm kiếm tối đa %(limit_value)d ký tự.")
        self.fields["field"].error_messages["invalid_choice"] = _("Lĩnh vực không tồn tại.")
        self.fields["level"].error_messages["invalid_choice"] = _("Cấp thực hiện không hợp lệ.")
        self.fields["online_level"].error_messages["invalid_choice"] = _("Mức độ trực tuyến không hợp lệ.")
