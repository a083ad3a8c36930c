"""Work lists of the one-stop shop and their exports (Excel, the PDF register). Thin: the
selectors in `selectors_lists` read (already scoped), `exports` writes the files and the audit."""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import FileResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone

from antt.catalog.models import Field, Procedure
from antt.core import audit
from antt.core.models import AuditEvent
from antt.dossiers import deadlines, exports
from antt.dossiers.models import Channel, Dossier, Status
from antt.dossiers.schemas import FIRST_DAY, LAST_DAY  # outside: overflow as local midnights
from antt.dossiers.selectors import mask_name
from antt.dossiers.selectors_lists import (
    DEADLINE_FILTERS,
    PAGE_SIZE,
    SORTS,
    CappedPaginator,
    ListFilters,
    Scope,
    Tab,
    deadline_badge,
    deadline_banner,
    default_scope,
    dossier_worklist,
    worklist_rows,
)
from antt.org.models import Unit
from antt.org.otp import staff_required
from antt.org.roles import can
from antt.org.selectors import visible_units

DATE_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]


class _UnitChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class _ProcedureChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.code} – {obj.name[:90]}"


class DossierListForm(forms.Form):
    """The list's filters, from the query string; invalid values answer 400 with the message."""

    tab = forms.ChoiceField(label="Danh sách", required=False, choices=list(Tab.LABELS.items()))
    scope = forms.ChoiceField(label="Phạm vi", required=False, choices=list(Scope.LABELS.items()))
    q = forms.CharField(
        label="Mã hồ sơ hoặc tên chủ hồ sơ",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off", "accesskey": "t"}),
    )
    procedure = _ProcedureChoice(label="Thủ tục", queryset=Procedure.objects.none(), required=False)
    field = forms.ModelChoiceField(label="Lĩnh vực", queryset=Field.objects.none(), required=False)
    status = forms.ChoiceField(label="Trạng thái", required=False, choices=[("", "Tất cả trạng thái"), *Status.choices])
    channel = forms.ChoiceField(
        label="Hình thức nộp", required=False, choices=[("", "Tất cả hình thức"), *Channel.choices]
    )
    unit = _UnitChoice(label="Đơn vị", queryset=Unit.objects.none(), required=False, empty_label="Tất cả đơn vị")
    received_from = forms.DateField(
        label="Nộp từ ngày",
        required=False,
        input_formats=DATE_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    received_to = forms.DateField(
        label="Đến ngày",
        required=False,
        input_formats=DATE_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    deadline = forms.ChoiceField(
        label="Tình trạng hạn", required=False, choices=[("", "Tất cả"), *DEADLINE_FILTERS.items()]
    )
    sort = forms.ChoiceField(
        label="Sắp xếp",
        required=False,
        choices=[("", "Mặc định")]
        + [(k, f"{v} (tăng dần)") for k, v in SORTS.items()]
        + [(f"-{k}", f"{v} (giảm dần)") for k, v in SORTS.items()],
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["procedure"].queryset = Procedure.objects.only("id", "code", "name").order_by("code")
        self.fields["procedure"].empty_label = "Tất cả thủ tục"
        self.fields["field"].queryset = Field.objects.only("id", "name").order_by("name")
        self.fields["field"].empty_label = "Tất cả lĩnh vực"
        self.fields["unit"].queryset = visible_units(user).filter(is_active=True).only("id", "name", "path")
        self.error_messages_vi()

    def error_messages_vi(self):
        for f in self.fields.values():
            f.error_messages["invalid_choice"] = "Giá trị đã chọn không hợp lệ."
            f.error_messages["invalid"] = "Giá trị không hợp lệ (ngày theo dạng dd/mm/yyyy)."

    def clean(self):
        data = super().clean()
        start, end = data.get("received_from"), data.get("received_to")
        for name, value in (("received_from", start), ("received_to", end)):
            if value and not FIRST_DAY <= value <= LAST_DAY:
                self.add_error(name, f"Ngày phải trong khoảng {FIRST_DAY:%d/%m/%Y} – {LAST_DAY:%d/%m/%Y}.")
                return data
        if start and end and start > end:
            self.add_error("received_to", "Ngày kết thúc phải sau hoặc bằng ngày bắt đầu.")
        return data


def _filters(form: DossierListForm, user) -> ListFilters:
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    tab = data.get("tab") or Tab.ALL
    return ListFilters(
        tab=tab,
        scope=data.get("scope") or default_scope(user),
        q=data.get("q") or "",
        procedure_id=data["procedure"].pk if data.get("procedure") else None,
        field_id=data["field"].pk if data.get("field") else None,
        status=data.get("status") or "",
        channel=data.get("channel") or "",
        unit_id=data["unit"].pk if data.get("unit") else None,
        received_from=data.get("received_from"),
        received_to=data.get("received_to"),
        deadline=data.get("deadline") or "",
        sort=data.get("sort") or "",
    )


def _require_view(user) -> None:
    if not can(user, "dossier.view"):
        raise PermissionDenied("Bạn không có quyền xem danh sách hồ sơ.")


def _detail_url(pk: int) -> str | None:
    try:
        return reverse("dossiers:detail", args=[pk])
    except NoReverseMatch:
        return None


def _query(request, drop: tuple[str, ...]) -> str:
    query = request.GET.copy()
    for key in drop:
        query.pop(key, None)
    return query.urlencode()


def _render_list(request, form: DossierListForm, *, status: int = 200, error: str = ""):
    user = request.user
    now = timezone.now()
    cutoff = deadlines.due_soon_cutoff(now)
    valid = not form.is_bound or form.is_valid()
    filters = _filters(form, user)
    qs = worklist_rows(dossier_worklist(user, filters, now=now, cutoff=cutoff)) if valid else Dossier.objects.none()
    page = CappedPaginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    personal = can(user, "person.view")
    rows = []
    for d in page.object_list:
        name = d.applicant_name if personal else mask_name(d.applicant_name)
        rows.append({"d": d, "name": name, "badge": deadline_badge(d, now, cutoff), "url": _detail_url(d.pk)})
    if personal and rows:
        # Full names are personal data: one audit entry per page shown, naming the dossiers.
        audit.record(
            AuditEvent.Action.READ_PERSONAL,
            object_type="dossiers.dossier",
            object_repr="Danh sách hồ sơ",
            changes={"fields": ["applicant_name"], "dossiers": [r["d"].pk for r in rows]},
            reason="Xem danh sách hồ sơ",
        )
    tabs = [
        {"key": key, "label": label, "current": key == filters.tab}
        for key, label in Tab.LABELS.items()
        if key != Tab.APPROVE or can(user, "dossier.approve") or can(user, "reports.view")
    ]
    current_sort = filters.sort
    sort_links = {}
    for key in SORTS:
        next_sort = f"-{key}" if current_sort == key else key
        aria = "ascending" if current_sort == key else "descending" if current_sort == f"-{key}" else ""
        sort_links[key] = {"sort": next_sort, "aria": aria}
    can_export = personal
    return render(
        request,
        "dossiers/list.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "tabs": tabs,
            "tab_label": Tab.LABELS.get(filters.tab, ""),
            "filters": filters,
            "scopes": Scope.LABELS,
            "personal_tab": filters.tab in Tab.PERSONAL,
            "banner": deadline_banner(user, now=now, cutoff=cutoff),
            "query": _query(request, ("page",)),
            "query_no_tab": _query(request, ("page", "tab")),
            "query_no_scope": _query(request, ("page", "scope")),
            "query_no_sort": _query(request, ("page", "sort")),
            "sort_links": sort_links,
            "can_export": can_export,
            "export_query": _query(request, ("page",)),
            "error": error,
            "filters_open": bool(error) or any(k not in ("tab", "scope", "page") and v for k, v in request.GET.items()),
        },
        status=status,
    )


@staff_required
def dossier_list(request):
    _require_view(request.user)
    form = DossierListForm(request.GET or None, user=request.user)
    if form.is_bound and not form.is_valid():
        return _render_list(request, form, status=400, error="Bộ lọc không hợp lệ; vui lòng kiểm tra lại.")
    return _render_list(request, form)


def _export(request, fmt: str):
    _require_view(request.user)
    exports.require_export(request.user)
    form = DossierListForm(request.GET or None, user=request.user)
    if form.is_bound and not form.is_valid():
        return _render_list(request, form, status=400, error="Bộ lọc không hợp lệ; vui lòng kiểm tra lại.")
    filters = _filters(form, request.user)
    try:
        if fmt == "xlsx":
            result = exports.export_xlsx(request.user, filters)
        else:
            unit = form.cleaned_data.get("unit") if form.is_bound else None
            result = exports.export_register_pdf(request.user, filters, unit=unit)
    except exports.ExportTooLarge as exc:
        return _render_list(request, form, status=400, error=str(exc))
    content_type = (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" if fmt == "xlsx" else "application/pdf"
    )
    response = FileResponse(
        result.file, as_attachment=fmt == "xlsx", filename=result.filename, content_type=content_type
    )
    response["X-Row-Count"] = str(result.count)
    response["Cache-Control"] = "no-store"
    return response


@staff_required
def dossier_list_xlsx(request):
    return _export(request, "xlsx")


@staff_required
def dossier_register_pdf(request):
    return _export(request, "pdf")


urlpatterns = [
    path("ho-so/", dossier_list, name="list"),
    path("ho-so/xuat-excel/", dossier_list_xlsx, name="list-export-xlsx"),
    path("ho-so/so-theo-doi.pdf", dossier_register_pdf, name="register-pdf"),
]
