"""Staff pages of the registry of establishments: list (filter, sort, page, search, Excel),
the establishment's page (with the certificates, fire-safety and inspections sections), new,
edit, status, and the logged read of personal data.

Thin: reads through `establishments.selectors` (already scoped: an establishment of another
unit is a 404), writes through `establishments.services`; an `EstablishmentError` becomes a 4xx
page with its Vietnamese message on the field, nothing written.

Keyboard: Alt+T the search box, Alt+N "Thêm cơ sở", Alt+H the first field of the form,
Alt+S save, Alt+E edit from the establishment's page.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from antt.establishments import (
    exports,
    forms,
    selectors,
    selectors_certificates,
    selectors_fire,
    selectors_inspections,
    services,
)
from antt.establishments.errors import EstablishmentError
from antt.establishments.views.common import (
    PAGE_SIZE,
    error_status,
    page_of,
    put_error,
    query_string,
    require,
    sort_links,
)
from antt.org.otp import staff_required
from antt.org.roles import can

LIST_COLUMNS = {"name": "Tên cơ sở", "tax_code": "Mã số thuế", "unit": "Đơn vị quản lý", "due": "Hạn kiểm tra ANTT"}


def _require_view(user) -> None:
    require(user, "establishment.view", "Bạn không có quyền xem sổ quản lý cơ sở.")


# --- list and export ----------------------------------------------------------------------


def _render_list(request, *, error: str | None = None):
    user = request.user
    form = forms.EstablishmentListForm(request.GET or None, user=user)
    status = 400 if error else 200
    if form.is_bound and not form.is_valid():
        error, status = "Bộ lọc không hợp lệ; vui lòng kiểm tra lại.", 400
        qs, sort = selectors.visible_establishments(user).none(), "name"
    else:
        filters = form.filters() if form.is_bound else {"sort": "name"}
        qs, sort = selectors.establishment_list(user, **filters), filters["sort"]
    if error:
        messages.error(request, error)
    page = page_of(selectors.for_list_page(qs), request.GET.get("page"), PAGE_SIZE)
    rows = selectors.list_rows(page.object_list)
    filtered = form.is_bound and any(v for k, v in request.GET.items() if k not in ("page", "sort", "q"))
    return render(
        request,
        "establishments/registry_list.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "query": query_string(request),
            "export_query": query_string(request),
            "sort_links": sort_links(request, sort, LIST_COLUMNS),
            "filters_open": filtered or status != 200,
            "may_manage": can(user, "establishment.manage"),
            "section": "registry",
        },
        status=status,
    )


@staff_required
def establishment_list(request):
    _require_view(request.user)
    return _render_list(request)


@staff_required
def establishment_export(request):
    user = request.user
    _require_view(user)
    form = forms.EstablishmentListForm(request.GET or None, user=user)
    if form.is_bound and not form.is_valid():
        return _render_list(request)
    filters = form.filters() if form.is_bound else {"sort": "name"}
    try:
        result = exports.export_xlsx(user, filters)
    except exports.ExportTooLarge as exc:
        return _render_list(request, error=str(exc))
    response = FileResponse(
        result.file, as_attachment=True, filename=result.filename, content_type=exports.CONTENT_TYPE
    )
    response["X-Row-Count"] = str(result.count)
    response["Cache-Control"] = "no-store"
    return response


# --- the establishment's page ---------------------------------------------------------------


def _detail_context(request, e, *, personal: dict | None = None, status_form=None, status_code_open=False) -> dict:
    user = request.user
    context = {
        "e": e,
        "lines": list(e.lines.all()),
        "people": personal or selectors.masked_people(e),
        "people_full": personal is not None,
        "may_see_personal": selectors.may_see_personal(user),
        "personal_form": forms.PersonalReadForm(auto_id="id_personal_%s"),
        "may_manage": can(user, "establishment.manage"),
        "status_form": status_form or forms.StatusForm(initial={"row_version": e.row_version}, auto_id="id_status_%s"),
        "status_open": status_code_open,
        "section": "registry",
    }
    # The three sections own their context keys ("certificates_section", "fire", "insp_*").
    for part in (selectors_certificates, selectors_fire, selectors_inspections):
        context.update(part.detail_context(user, e))
    return context


@staff_required
def establishment_detail(request, pk: int):
    _require_view(request.user)
    e = selectors.establishment_get(request.user, pk)
    return render(request, "establishments/registry_detail.html", _detail_context(request, e))


@require_POST
@staff_required
def establishment_personal(request, pk: int):
    """The page again with the people's full data; the read is written to the audit trail."""
    user = request.user
    _require_view(user)
    e = selectors.establishment_get(user, pk)
    form = forms.PersonalReadForm(request.POST, auto_id="id_personal_%s")
    reason = form.cleaned_data.get("reason", "") if form.is_valid() else ""
    personal = selectors.establishment_personal(user, e, reason=reason or "Xem dữ liệu cá nhân của cơ sở")
    return render(request, "establishments/registry_detail.html", _detail_context(request, e, personal=personal))


@require_POST
@staff_required
def establishment_status(request, pk: int):
    user = request.user
    _require_view(user)
    require(user, "establishment.manage", "Vai trò của bạn không được thay đổi tình trạng cơ sở.")
    e = selectors.establishment_get(user, pk)
    form = forms.StatusForm(request.POST, auto_id="id_status_%s")
    if form.is_valid():
        try:
            services.establishment_set_status(
                officer=user,
                establishment=e,
                status=form.cleaned_data["status"],
                reason=form.cleaned_data["reason"],
                row_version=form.cleaned_data.get("row_version"),
            )
        except EstablishmentError as exc:
            form.add_error("status" if exc.field == "status" else None, exc.message)
            messages.error(request, exc.message)
            e = selectors.establishment_get(user, pk)
            context = _detail_context(request, e, status_form=form, status_code_open=True)
            return render(request, "establishments/registry_detail.html", context, status=error_status(exc))
        messages.success(request, "Đã cập nhật tình trạng của cơ sở.")
        return redirect("establishments:detail", pk=e.pk)
    messages.error(request, "Chưa đổi tình trạng: vui lòng sửa các mục được đánh dấu.")
    context = _detail_context(request, e, status_form=form, status_code_open=True)
    return render(request, "establishments/registry_detail.html", context, status=400)


# --- new and edit ---------------------------------------------------------------------------


def _render_form(request, form, *, e=None, status=200):
    return render(
        request,
        "establishments/registry_form.html",
        {"form": form, "e": e, "section": "registry"},
        status=status,
    )


@staff_required
def establishment_new(request):
    user = request.user
    _require_view(user)
    require(user, "establishment.manage", "Vai trò của bạn không được thêm cơ sở vào sổ.")
    if request.method != "POST":
        initial = {"unit": user.unit_id, "kind": "enterprise"}
        if user.unit and user.unit.area_id:
            initial["area"] = user.unit.area_id
        return _render_form(request, forms.EstablishmentForm(officer=user, initial=initial))
    form = forms.EstablishmentForm(request.POST, officer=user)
    if form.is_valid():
        try:
            e = services.establishment_create(officer=user, data=form.to_data())
        except EstablishmentError as exc:
            put_error(form, exc)
            messages.error(request, "Cơ sở chưa được thêm: " + exc.message)
            return _render_form(request, form, status=error_status(exc))
        messages.success(request, f"Đã thêm cơ sở “{e.name}” vào sổ.")
        return redirect("establishments:detail", pk=e.pk)
    messages.error(request, "Cơ sở chưa được thêm: vui lòng sửa các mục được đánh dấu.")
    return _render_form(request, form, status=400)


@staff_required
def establishment_edit(request, pk: int):
    user = request.user
    _require_view(user)
    require(user, "establishment.manage", "Vai trò của bạn không được sửa thông tin cơ sở.")
    e = selectors.establishment_get(user, pk)
    if request.method != "POST":
        # The form shows the people in full: a logged personal read (403 without person.view).
        selectors.establishment_personal(user, e, reason="Mở trang sửa thông tin cơ sở")
        initial = forms.EstablishmentForm.initial_from(services.data_from(e), e.row_version)
        return _render_form(request, forms.EstablishmentForm(officer=user, initial=initial), e=e)
    form = forms.EstablishmentForm(request.POST, officer=user)
    if form.is_valid():
        try:
            services.establishment_update(
                officer=user, establishment=e, data=form.to_data(), row_version=form.cleaned_data.get("row_version")
            )
        except EstablishmentError as exc:
            put_error(form, exc)
            messages.error(request, "Chưa lưu: " + exc.message)
            return _render_form(request, form, e=e, status=error_status(exc))
        messages.success(request, "Đã lưu thông tin cơ sở.")
        return redirect("establishments:detail", pk=e.pk)
    messages.error(request, "Chưa lưu: vui lòng sửa các mục được đánh dấu.")
    return _render_form(request, form, e=e, status=400)


urlpatterns = [
    path("co-so/", establishment_list, name="list"),
    path("co-so/xuat-excel/", establishment_export, name="export"),
    path("co-so/moi/", establishment_new, name="new"),
    path("co-so/<int:pk>/", establishment_detail, name="detail"),
    path("co-so/<int:pk>/sua/", establishment_edit, name="edit"),
    path("co-so/<int:pk>/tinh-trang/", establishment_status, name="status"),
    path("co-so/<int:pk>/ca-nhan/", establishment_personal, name="personal"),
]
