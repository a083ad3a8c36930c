"""Staff pages of the org app: officers and the unit tree. Thin: selectors read, services write."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from antt.org import selectors, services
from antt.org.forms import OfficerCreateForm, OfficerFilterForm, OfficerForm
from antt.org.otp import staff_required
from antt.org.roles import can

PAGE_SIZE = 25


def _apply_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@staff_required
def officer_list(request):
    form = OfficerFilterForm(request.GET or None, user=request.user)
    data = form.cleaned_data if form.is_valid() else {}
    officers = selectors.officer_list(
        request.user,
        unit=data.get("unit"),
        role=data.get("role") or None,
        q=data.get("q"),
        order=data.get("sort") or "name",
    )
    page = Paginator(officers, PAGE_SIZE).get_page(request.GET.get("page"))
    for officer in page.object_list:
        officer.phone_masked = selectors.mask_phone(officer.phone)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "org/officer_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "can_manage": can(request.user, "officer.manage"),
        },
    )


@staff_required
def officer_detail(request, pk):
    officer = selectors.officer_get(request.user, pk)
    if officer.phone:
        services.officer_personal_read(actor=request.user, officer=officer, fields=["phone"])
    return render(
        request,
        "org/officer_detail.html",
        {"officer": officer, "can_manage": can(request.user, "officer.manage") and officer.pk != request.user.pk},
    )


@staff_required
def officer_create(request):
    if not can(request.user, "officer.manage"):
        raise PermissionDenied("Bạn không có quyền thêm cán bộ.")
    form = OfficerCreateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            officer = services.officer_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, f"Đã thêm cán bộ {officer}.")
            return redirect("org:officer-detail", pk=officer.pk)
    return render(request, "org/officer_form.html", {"form": form, "title": "Thêm cán bộ"})


@staff_required
def officer_edit(request, pk):
    if not can(request.user, "officer.manage"):
        raise PermissionDenied("Bạn không có quyền sửa thông tin cán bộ.")
    officer = selectors.officer_get(request.user, pk)
    initial = {f: getattr(officer, f) for f in ("full_name", "title", "phone", "email", "unit", "role")}
    form = OfficerForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        changes = {k: v for k, v in form.cleaned_data.items() if v != initial[k]}
        try:
            services.officer_update(actor=request.user, officer=officer, **changes)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, "Đã lưu thông tin cán bộ.")
            return redirect("org:officer-detail", pk=officer.pk)
    return render(
        request, "org/officer_form.html", {"form": form, "title": f"Sửa thông tin: {officer}", "officer": officer}
    )


@require_POST
@staff_required
def officer_deactivate(request, pk):
    if not can(request.user, "officer.manage"):
        raise PermissionDenied("Bạn không có quyền khóa tài khoản cán bộ.")
    officer = selectors.officer_get(request.user, pk)
    try:
        services.officer_deactivate(actor=request.user, officer=officer, reason=request.POST.get("reason", "")[:255])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Đã khóa tài khoản {officer}.")
    return redirect("org:officer-detail", pk=officer.pk)


@staff_required
def unit_tree(request):
    show_old = request.GET.get("cu") == "1"
    units = selectors.visible_units(request.user).select_related("area")
    if not show_old:
        units = units.filter(is_active=True)
    units = units.annotate(officer_count=Count("officers", filter=Q(officers__is_active=True))).order_by("path")
    base_depth = request.user.unit.path.count("/")
    rows = [(unit, unit.path.count("/") - base_depth) for unit in units]
    return render(request, "org/unit_tree.html", {"rows": rows, "show_old": show_old})
