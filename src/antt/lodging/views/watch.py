"""The watchlist and its alerts (/luu-tru/theo-doi/, /luu-tru/canh-bao/).

Thin: reads through `lodging.selectors_watch` (without `watchlist.view` a 403; an entry or an
alert outside the officer's units a 404), writes through `lodging.watch` (a `LodgingError`
becomes a 4xx page with its Vietnamese message, nothing written). The watchlist is masked in the
list (initials, last three characters of the number); an entry's page and an alert's page show
the person in full and write a READ_PERSONAL audit entry. `alert-poll` answers the count of new
alerts for `static/lodging/alerts.js` (no personal data, never cached).

Keyboard: Alt+T the search box, Alt+N "Thêm đối tượng", Alt+S save; on an alert, the first
action button takes the focus.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_http_methods

from antt.core import audit
from antt.establishments.views.common import page_of, query_string
from antt.lodging import selectors_watch as selectors
from antt.lodging import watch
from antt.lodging.errors import LodgingError
from antt.lodging.forms_watch import AlertActionForm, AlertFilterForm, CloseEntryForm, EntryFilterForm, EntryForm
from antt.lodging.models import Country, Declaration
from antt.org.otp import staff_required
from antt.org.roles import can

PAGE_SIZE = 25
ENTRY_FIELDS_READ = ["full_name", "doc_number", "birth_date", "nationality"]
GUEST_FIELDS_READ = ["full_name", "birth_date", "doc_number", "nationality", "address", "phone", "room"]


def _status(exc: LodgingError) -> int:
    return exc.status if 400 <= exc.status < 500 else 400


def _put_error(form, exc: LodgingError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def _base(request, section: str, **extra) -> dict:
    user = request.user
    return {
        "section": section,
        "may_manage": can(user, "watchlist.manage"),
        "may_handle": can(user, "alert.handle"),
        **extra,
    }


def _country_name(code: str) -> str:
    if not code:
        return ""
    country = Country.objects.filter(code=code).only("name").first()
    return f"{country.name} ({code})" if country else code


# --- the watchlist ---------------------------------------------------------------------------


@staff_required
@require_GET
def watch_list(request):
    user = request.user
    selectors.require(user, "watchlist.view")
    form = EntryFilterForm(request.GET or None)
    status = 200
    if form.is_bound and not form.is_valid():
        status = 400
        messages.error(request, "Bộ lọc không hợp lệ; vui lòng kiểm tra lại.")
        qs = selectors.entries_for(user).none()
    else:
        data = form.cleaned_data if form.is_bound else {}
        filters = selectors.EntryFilters(kind=data.get("kind", ""), active=data.get("active", ""), q=data.get("q", ""))
        qs = selectors.entry_list(user, filters)
    page = page_of(qs, request.GET.get("page"), PAGE_SIZE)
    rows = [
        {
            "e": e,
            "name": selectors.mask_name(e.full_name),
            "doc": selectors.mask_doc(e.doc_number),
        }
        for e in page.object_list
    ]
    ctx = _base(request, "watch", form=form, page=page, rows=rows, query=query_string(request))
    return render(request, "lodging/watch_list.html", ctx, status=status)


@staff_required
@require_http_methods(["GET", "POST"])
def watch_add(request):
    user = request.user
    selectors.require(user, "watchlist.view")
    if not can(user, "watchlist.manage"):
        raise PermissionDenied("Vai trò của bạn không được thêm đối tượng vào danh sách theo dõi.")
    form = EntryForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                entry = watch.watch_add(user=user, **form.cleaned_data)
            except LodgingError as exc:
                _put_error(form, exc)
                status = _status(exc)
            else:
                raised = getattr(entry, "alerts_raised", 0)
                text = f"Đã thêm đối tượng #{entry.pk} vào danh sách theo dõi."
                if raised:
                    text += f" Có {raised} khách đang lưu trú trùng thông tin: đã phát cảnh báo."
                messages.success(request, text)
                return redirect("lodging:watch-detail", pk=entry.pk)
        else:
            status = 400
        messages.error(request, "Chưa thêm được: vui lòng sửa các mục được đánh dấu.")
    return render(request, "lodging/watch_add.html", _base(request, "watch-add", form=form), status=status)


@staff_required
@require_http_methods(["GET", "POST"])
def watch_detail(request, pk: int):
    """The entry in full (the read is logged), its alerts, and the form to take it off the list."""
    user = request.user
    entry = selectors.entry_get(user, pk)
    close_form = CloseEntryForm(request.POST or None, auto_id="id_close_%s")
    status = 200
    if request.method == "POST":
        if close_form.is_valid():
            try:
                watch.watch_close(user=user, entry=entry, reason=close_form.cleaned_data["reason"])
            except LodgingError as exc:
                _put_error(close_form, exc)
                status = _status(exc)
            else:
                messages.success(request, "Đã gỡ đối tượng khỏi danh sách theo dõi.")
                return redirect("lodging:watch-detail", pk=entry.pk)
        else:
            status = 400
        messages.error(request, "Chưa gỡ được: vui lòng kiểm tra lý do.")
        entry = selectors.entry_get(user, pk)
    audit.record_personal_read(entry, ENTRY_FIELDS_READ, reason="Xem đối tượng trong danh sách theo dõi")
    alerts = list(entry.alerts.select_related("establishment").order_by("-created_at")[:100])
    ctx = _base(
        request,
        "watch",
        entry=entry,
        nationality=_country_name(entry.nationality),
        alerts=alerts,
        close_form=close_form,
        close_open=request.method == "POST",
    )
    return render(request, "lodging/watch_detail.html", ctx, status=status)


# --- alerts ----------------------------------------------------------------------------------


@staff_required
@require_GET
def alert_list(request):
    user = request.user
    selectors.require(user, "watchlist.view")
    form = AlertFilterForm(request.GET or None)
    status = 200
    if form.is_bound and not form.is_valid():
        status = 400
        messages.error(request, "Bộ lọc không hợp lệ; vui lòng kiểm tra lại.")
        qs = selectors.alerts_for(user).none()
    else:
        qs = selectors.alert_list(user, status=(form.cleaned_data.get("status", "") if form.is_bound else ""))
    page = page_of(qs, request.GET.get("page"), PAGE_SIZE)
    rows = [{"a": a, "name": selectors.mask_name(a.watch_entry.full_name)} for a in page.object_list]
    ctx = _base(request, "alerts", form=form, page=page, rows=rows, query=query_string(request))
    return render(request, "lodging/watch_alert_list.html", ctx, status=status)


def _alert_context(request, alert, action_form=None) -> dict:
    decl = selectors.alert_declaration(alert)
    if decl is not None:
        audit.record(
            audit.Action.READ_PERSONAL,
            object_type="lodging.declaration",
            object_id=str(decl.stay_id),
            object_repr=f"Lượt lưu trú #{decl.stay_id}",
            changes={"fields": GUEST_FIELDS_READ, "alert_id": alert.pk},
            reason=f"Xử lý cảnh báo lưu trú #{alert.pk}",
        )
    return _base(
        request,
        "alerts",
        alert=alert,
        entry=alert.watch_entry,
        entry_visible=selectors.entry_is_visible(request.user, alert.watch_entry),
        decl=decl,
        nationality=_country_name(decl.nationality) if decl else "",
        departed=decl is not None and decl.state != Declaration.State.STAYING,
        est=alert.establishment,
        action_form=action_form or AlertActionForm(auto_id="id_alert_%s"),
    )


@staff_required
@require_http_methods(["GET", "POST"])
def alert_detail(request, pk: int):
    """The alert and the matched guest in full (the read is logged); acknowledge and close."""
    user = request.user
    alert = selectors.alert_get(user, pk)
    if request.method == "GET":
        return render(request, "lodging/watch_alert_detail.html", _alert_context(request, alert))
    form = AlertActionForm(request.POST, auto_id="id_alert_%s")
    status = 400
    if form.is_valid():
        action = form.cleaned_data["action"]
        try:
            if action == "acknowledge":
                watch.alert_acknowledge(user=user, alert=alert)
                messages.success(request, "Đã tiếp nhận cảnh báo.")
            else:
                watch.alert_close(user=user, alert=alert, outcome=form.cleaned_data.get("outcome", ""))
                messages.success(request, "Đã đóng cảnh báo.")
        except LodgingError as exc:
            _put_error(form, exc)
            status = _status(exc)
        else:
            return redirect("lodging:alert-detail", pk=alert.pk)
    messages.error(request, "Chưa thực hiện được: vui lòng kiểm tra lại.")
    alert = selectors.alert_get(user, pk)
    return render(request, "lodging/watch_alert_detail.html", _alert_context(request, alert, form), status=status)


@staff_required
@require_GET
def alert_poll(request):
    """{"new": n, "latest": [{id, created_at, establishment}]} for alerts.js; no personal data."""
    data = selectors.alert_poll(request.user)
    response = JsonResponse(data)
    response["Cache-Control"] = "no-store"
    return response


urlpatterns = [
    path("luu-tru/theo-doi/", watch_list, name="watch-list"),
    path("luu-tru/theo-doi/them/", watch_add, name="watch-add"),
    path("luu-tru/theo-doi/<int:pk>/", watch_detail, name="watch-detail"),
    path("luu-tru/canh-bao/", alert_list, name="alert-list"),
    path("luu-tru/canh-bao/moi.json", alert_poll, name="alert-poll"),
    path("luu-tru/canh-bao/<int:pk>/", alert_detail, name="alert-detail"),
]
