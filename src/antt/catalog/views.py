"""Catalogue pages for the public and staff: /thu-tuc/ and /thu-tuc/<code>/."""

from __future__ import annotations

from django import forms
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render

from antt.catalog import rules, selectors
from antt.catalog.forms import ProcedureSearchForm
from antt.catalog.models import OnlineLevel
from antt.core.pagecache import public_page
from antt.core.text import fold
from antt.portal import selectors as portal_selectors

PAGE_SIZE = 20
SORTS = {
    "": "Theo lĩnh vực",
    "ten": "Theo tên (A–Z)",
    "ma": "Theo mã thủ tục",
}
SORT_KEYS = {
    "ten": lambda row: fold(row.procedure.name),
    "ma": lambda row: row.procedure.code,
}


class CatalogueForm(ProcedureSearchForm):
    """The catalogue's search form with the sort order and each field's number of procedures."""

    sort = forms.ChoiceField(label="Sắp xếp", required=False, choices=list(SORTS.items()))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sort"].error_messages["invalid_choice"] = "Cách sắp xếp không hợp lệ."
        field = self.fields["field"]
        field.queryset = selectors.fields_with_counts().order_by("appendix", "name")
        field.label_from_instance = lambda f: f"{f.name} ({f.n_procedures})"

    def add_error(self, field, error):
        super().add_error(field, error)
        if field and field in self.fields:  # the message is read with the field (id set by the template)
            self.fields[field].widget.attrs["aria-describedby"] = f"id_{field}_error"


@public_page
def procedure_list(request):
    form = CatalogueForm(request.GET or None)
    rows, status, sort = [], 200, ""
    params = request.GET.copy()
    params.pop("page", None)
    searched = any(v for k, v in params.items() if k != "sort")
    if not params:
        rows = selectors.procedure_search()
    elif form.is_valid():
        data = form.cleaned_data
        rows = selectors.procedure_search(
            q=data["q"],
            field=data["field"],
            level=data["level"] or None,
            online_level=data["online_level"] or None,
        )
        sort = data["sort"]
    else:
        status = 400
    if sort in SORT_KEYS:
        rows = sorted(rows, key=SORT_KEYS[sort])
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    items = [_row(row) for row in page.object_list]
    return render(
        request,
        "catalog/procedure_list.html",
        {
            "form": form,
            "items": items,
            "page": page,
            "total": page.paginator.count,
            "searched": searched,
            "query": params.urlencode(),
            "errors": status == 400,
        },
        status=status,
    )


@public_page
def procedure_detail(request, code: str):
    row = selectors.procedure_get(code=code)
    if row is None:
        raise Http404("Không tìm thấy thủ tục.")
    version = row.version
    context = {
        "row": row,
        "procedure": row.procedure,
        "version": version,
        "legal_time": rules.format_legal_time(version.legal_time_amount, version.legal_time_unit) if version else "",
        "max_internal": rules.max_internal_hours(version.legal_time_amount, version.legal_time_unit)
        if version
        else None,
        "versions": [
            (v, rules.format_legal_time(v.legal_time_amount, v.legal_time_unit)) for v in row.procedure.versions.all()
        ],
        "online": row.in_force and selectors.offered_online(version),
        "forms": selectors.forms_of(version) if version else [],
        "places": portal_selectors.where_to_go(version) if version and row.in_force else [],
    }
    return render(request, "catalog/procedure_detail.html", context)


def _row(row: selectors.ProcedureRow) -> dict:
    version = row.version
    return {
        "procedure": row.procedure,
        "version": version,
        "in_force": row.in_force,
        "levels": [lv.get_level_display() for lv in version.levels.all()] if version else [],
        "legal_time": rules.format_legal_time(version.legal_time_amount, version.legal_time_unit) if version else "",
        "online": row.in_force and version is not None and version.online_level != OnlineLevel.NONE,
    }
