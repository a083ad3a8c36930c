"""Catalogue pages for the public and staff: /thu-tuc/ and /thu-tuc/<code>/."""

from django.http import Http404
from django.shortcuts import render

from antt.catalog import rules, selectors
from antt.catalog.forms import ProcedureSearchForm


def procedure_list(request):
    form = ProcedureSearchForm(request.GET or None)
    rows, status = [], 200
    if not request.GET:
        rows = selectors.procedure_search()
    elif form.is_valid():
        data = form.cleaned_data
        rows = selectors.procedure_search(
            q=data["q"],
            field=data["field"],
            level=data["level"] or None,
            online_level=data["online_level"] or None,
        )
    else:
        status = 400
    items = [_row(row) for row in rows]
    return render(
        request,
        "catalog/procedure_list.html",
        {"form": form, "items": items, "searched": bool(request.GET)},
        status=status,
    )


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
    }
