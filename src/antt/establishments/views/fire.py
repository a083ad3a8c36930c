"""Staff pages of fire-safety premises: the profile (category with the suggestion), a new item of
the fire-safety file, and the list of the unit's premises with what their files lack.

Thin: reads through `selectors_fire` (scoped; out-of-unit establishments are 404, no capability
403), writes through `establishments.fire`, whose `EstablishmentError` becomes a 4xx page with
the Vietnamese message next to its field and nothing written.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from antt.establishments import fire, forms_fire, selectors_fire
from antt.establishments.errors import EstablishmentError
from antt.establishments.models import FireRecord
from antt.establishments.views.common import error_status, optional_url, page_of, put_error, query_string, sort_links
from antt.org.otp import staff_required
from antt.org.roles import can
from antt.org.selectors import visible_units

LIST_SORTS = {"name": "Tên cơ sở", "category": "Nhóm", "risk": "Nguy hiểm cao", "due": "Hạn kiểm tra PCCC"}


def _detail_url(pk: int) -> str:
    """The establishment page (registry's), else this app's fire page."""
    return optional_url("establishments:detail", pk) or reverse("establishments:fire-profile", args=[pk])


@staff_required
@require_http_methods(["GET", "POST"])
def fire_profile(request, pk: int):
    """The premises' category (with the suggestion from its kind and sizes) and its sizes."""
    user = request.user
    establishment = selectors_fire.fire_establishment_get(user, pk)
    profile = selectors_fire.fire_profile_of(establishment)
    today = timezone.localdate()
    may_edit = can(user, "establishment.manage")
    status = 200
    if request.method == "POST":
        if not may_edit:
            raise PermissionDenied("Bạn không có quyền cập nhật hồ sơ PCCC của cơ sở.")
        form = forms_fire.FireProfileForm(request.POST, day=today)
        if not form.is_valid():
            messages.error(request, "Vui lòng sửa các mục được đánh dấu.")
            status = 400
        elif request.POST.get("action") != "suggest":
            data = form.cleaned_data
            try:
                fire.fire_profile_set(
                    officer=user,
                    establishment=establishment,
                    category_code=data["category"],
                    floors=data["floors"],
                    floor_area_m2=data["floor_area_m2"],
                    volume_m3=data["volume_m3"],
                    capacity=data["capacity"],
                    note=data["note"],
                    kind_hint=data["kind"],
                )
            except EstablishmentError as exc:
                put_error(form, exc)
                messages.error(request, exc.message)
                status = error_status(exc)
            else:
                messages.success(request, f"Đã lưu hồ sơ PCCC của {establishment.name}.")
                return redirect(_detail_url(establishment.pk))
    else:
        initial = {"kind": fire.kind_for_establishment(establishment)}
        if profile is not None:
            initial.update(
                category=profile.category.code,
                floors=profile.floors,
                floor_area_m2=profile.floor_area_m2,
                volume_m3=profile.volume_m3,
                capacity=profile.capacity,
                note=profile.note,
            )
        form = forms_fire.FireProfileForm(initial=initial, day=today)
    values = form.cleaned_data if form.is_bound and hasattr(form, "cleaned_data") else form.initial
    suggestion = fire.suggest_category(
        values.get("kind") or "",
        values.get("floors"),
        values.get("floor_area_m2"),
        values.get("volume_m3"),
        values.get("capacity"),
        day=today,
    )
    return render(
        request,
        "establishments/fire_profile.html",
        {
            "establishment": establishment,
            "profile": profile,
            "form": form,
            "suggestion": suggestion,
            "may_edit": may_edit,
            "detail_url": _detail_url(establishment.pk),
        },
        status=status,
    )


@staff_required
@require_http_methods(["GET", "POST"])
def fire_record_new(request, pk: int):
    """Add an item (plan, training, equipment inspection, incident…) to the fire-safety file."""
    user = request.user
    establishment = selectors_fire.fire_establishment_get(user, pk)
    if not can(user, "establishment.manage"):
        raise PermissionDenied("Bạn không có quyền cập nhật hồ sơ PCCC của cơ sở.")
    status = 200
    if request.method == "POST":
        form = forms_fire.FireRecordForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                record = fire.fire_record_add(
                    officer=user,
                    establishment=establishment,
                    kind=data["kind"],
                    issued_on=data["issued_on"],
                    number=data["number"],
                    valid_until=data["valid_until"],
                    issuer=data["issuer"],
                    result=data["result"],
                    summary=data["summary"],
                    details=form.details(),
                )
            except EstablishmentError as exc:
                put_error(form, exc)
                messages.error(request, exc.message)
                status = error_status(exc)
            else:
                messages.success(request, f"Đã thêm vào hồ sơ PCCC: {record.get_kind_display()}.")
                return redirect(_detail_url(establishment.pk))
        else:
            messages.error(request, "Vui lòng sửa các mục được đánh dấu.")
            status = 400
    else:
        kind = request.GET.get("loai", "")
        form = forms_fire.FireRecordForm(initial={"kind": kind if kind in FireRecord.Kind.values else ""})
    return render(
        request,
        "establishments/fire_record_form.html",
        {"establishment": establishment, "form": form, "detail_url": _detail_url(establishment.pk)},
        status=status,
    )


@staff_required
def fire_list(request):
    """Fire-safety premises of my unit (and below): category, high risk, what the file lacks."""
    user = request.user
    if not can(user, "establishment.view"):
        raise PermissionDenied("Bạn không có quyền xem danh sách cơ sở về PCCC.")
    today = timezone.localdate()
    form = forms_fire.FireListForm(request.GET or None, day=today, units=visible_units(user).order_by("path"))
    status = 200
    data = {}
    if form.is_bound:
        if form.is_valid():
            data = form.cleaned_data
        else:
            messages.error(request, "Bộ lọc không hợp lệ; vui lòng kiểm tra lại.")
            status = 400
    sort = request.GET.get("sort", "name")
    if sort not in selectors_fire.SORTS:
        sort = "name"
    high_risk = {"1": True, "0": False}.get(data.get("high_risk") or "")
    qs = selectors_fire.fire_premises(
        user,
        q=data.get("q") or "",
        category=data.get("category") or "",
        appendix=data.get("appendix") or "",
        high_risk=high_risk,
        missing=data.get("missing") or "",
        unit=data.get("unit"),
        sort=sort,
        today=today,
    )
    if status == 400:
        qs = qs.none()
    page = page_of(qs, request.GET.get("page"))
    gaps = selectors_fire.page_gaps(page.object_list, today)
    rows = [
        {"p": p, "gaps": gaps.get(p.establishment_id, []), "url": _detail_url(p.establishment_id)}
        for p in page.object_list
    ]
    links = sort_links(request, sort, LIST_SORTS)
    sorts = [{"label": label, **links[key]} for key, label in LIST_SORTS.items()]
    return render(
        request,
        "establishments/fire_list.html",
        {"form": form, "page": page, "rows": rows, "query": query_string(request), "sorts": sorts, "today": today},
        status=status,
    )


urlpatterns = [
    path("co-so/<int:pk>/pccc/", fire_profile, name="fire-profile"),
    path("co-so/<int:pk>/pccc/them/", fire_record_new, name="fire-record-new"),
    path("pccc/", fire_list, name="fire-list"),
]
