"""Staff pages of the import of historical decisions (issue 4 item 9).

`/vi-pham/nhap-du-lieu/` (import-new): the upload form, the template downloads and the
recent imports of the officer's units. `/vi-pham/nhap-du-lieu/<id>/` (import-detail): the
progress while the background task runs (htmx polls every second, an accessible progress bar)
and then the report row by row. Thin: `imports.import_start` does the checks and queues the
work; the batch is read through the scoping gate (another unit's import is a 404).
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse

from antt.org.otp import staff_required
from antt.org.roles import can
from antt.org.selectors import get_scoped_or_404, scope
from antt.violations import imports
from antt.violations.models import ViolationImport
from antt.violations.rules import ViolationError

CAPABILITY = "violation.import"
RECENT = 20
REPORT_ROWS = 200


class ImportForm(forms.Form):
    file = forms.FileField(
        label="Tệp dữ liệu (CSV hoặc Excel)",
        error_messages={"required": "Vui lòng chọn tệp cần nhập.", "empty": "Tệp đã chọn rỗng."},
    )
    mode = forms.ChoiceField(
        label="Cách nhập",
        choices=ViolationImport.Mode.choices,
        initial=ViolationImport.Mode.ALL_OR_NOTHING,
        widget=forms.RadioSelect,
        error_messages={"required": "Vui lòng chọn cách nhập.", "invalid_choice": "Cách nhập không hợp lệ."},
    )


def _require(user) -> None:
    if not can(user, CAPABILITY):
        raise PermissionDenied("Vai trò của bạn không được nhập dữ liệu vi phạm hành chính.")


def _new_page(request, form, *, status=200, error=""):
    recent = scope(request.user, ViolationImport.objects.select_related("unit", "created_by"))[:RECENT]
    return render(
        request,
        "violations/import_new.html",
        {"form": form, "error": error, "recent": recent, "columns": imports.COLUMNS},
        status=status,
    )


@staff_required
def import_new(request):
    _require(request.user)
    if request.method != "POST":
        return _new_page(request, ImportForm())
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _new_page(request, form, status=400)
    try:
        batch = imports.import_start(
            officer=request.user, file=form.cleaned_data["file"], mode=form.cleaned_data["mode"]
        )
    except ViolationError as exc:
        return _new_page(request, form, status=exc.status, error=exc.message)
    return redirect("violations:import-detail", pk=batch.pk)


def _progress(batch: ViolationImport) -> int:
    if batch.state in (ViolationImport.State.DONE, ViolationImport.State.REJECTED):
        return 100
    if not batch.total_rows:
        return 0
    return min(99, batch.processed_rows * 100 // batch.total_rows)


@staff_required
def import_detail(request, pk: int):
    _require(request.user)
    batch = get_scoped_or_404(request.user, ViolationImport.objects.select_related("unit", "created_by"), pk=pk)
    running = batch.state in (ViolationImport.State.PENDING, ViolationImport.State.RUNNING)
    context = {
        "batch": batch,
        "running": running,
        "percent": _progress(batch),
        "errors": batch.errors[:REPORT_ROWS],
        "more_errors": max(len(batch.errors) - REPORT_ROWS, 0),
        "unreported": max(batch.error_rows - len(batch.errors), 0),
        "poll_url": reverse("violations:import-detail", args=[batch.pk]),
    }
    template = "violations/import_status.html" if request.headers.get("HX-Request") else "violations/import_detail.html"
    return render(request, template, context)


@staff_required
def import_template(request, fmt: str):
    _require(request.user)
    if fmt == "csv":
        response = HttpResponse(imports.template_csv(), content_type="text/csv; charset=utf-8")
    elif fmt == "xlsx":
        response = HttpResponse(
            imports.template_xlsx(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        return HttpResponse("Chỉ có mẫu CSV hoặc Excel (.xlsx).", status=404, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="mau-nhap-vi-pham.{fmt}"'
    return response


urlpatterns = [
    path("vi-pham/nhap-du-lieu/", import_new, name="import-new"),
    path("vi-pham/nhap-du-lieu/<int:pk>/", import_detail, name="import-detail"),
    path("vi-pham/nhap-du-lieu/mau.<str:fmt>", import_template, name="import-template"),
]
