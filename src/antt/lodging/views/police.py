"""The police's lodging pages (/luu-tru/): home figures, guests staying now, the foreigners'
temporary-residence declarations, late declarations per establishment, one stay, the search by
person, a person's stay history and the exports.

Thin: every read goes through `lodging.selectors` (`declarations_for` is the gate: a stay
outside the officer's area is a 404; without `lodging.view` a 403). Lists mask names and
document numbers. Full personal data only with `lodging.search` and a typed reason (≥ 10
characters): searches and history are POSTed (personal data stays out of URLs and server logs),
each one writing a SearchLog row and a READ_PERSONAL audit entry. Bad filters answer 400 with
the form's Vietnamese message, never a 500.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from antt.core import audit
from antt.establishments.views.common import optional_url, query_string
from antt.lodging import exports, selectors
from antt.lodging.codes import codes_on
from antt.lodging.errors import LodgingError
from antt.lodging.forms_police import HistoryForm, MonthForm, ReasonForm, SearchForm, StayingFilterForm
from antt.lodging.models import PortOfEntry
from antt.org.otp import staff_required
from antt.org.roles import can

PERSONAL_FIELDS = ["full_name", "birth_date", "doc_number", "address", "phone"]


def _require_view(user) -> None:
    if not can(user, "lodging.view"):
        raise PermissionDenied("Bạn không có quyền xem thông tin lưu trú.")


def _require_search(user) -> None:
    _require_view(user)
    if not can(user, "lodging.search"):
        raise PermissionDenied("Bạn không có quyền tra cứu thông tin lưu trú.")


def _base(request, section: str, **extra) -> dict:
    return {
        "section": section,
        "may_search": selectors.may_search(request.user),
        "is_exit_entry": selectors.is_exit_entry_officer(request.user),
        **extra,
    }


# --- home ------------------------------------------------------------------------------------


@staff_required
def police_home(request):
    _require_view(request.user)
    counts = selectors.home_counts(request.user)
    ctx = _base(request, "home", counts=counts, alerts_url=optional_url("lodging:alert-list"))
    return render(request, "lodging/police_home.html", ctx)


# --- staying now and foreigners ----------------------------------------------------------------


def _staying_page(request, *, foreigners: bool, error: str = ""):
    user = request.user
    _require_view(user)
    form = StayingFilterForm(request.GET or None, user=user)
    status = 400 if error else 200
    if error:
        messages.error(request, error)
    if form.is_bound and not form.is_valid():
        status = 400
        filters = None
    else:
        filters = form.filters() if form.is_bound else {"sort": "-arrived"}
    if filters is None:
        page = selectors.Page(rows=[], number=1, has_next=False)
    else:
        qs = selectors.staying_now(user, **({**filters, "foreign_only": True} if foreigners else filters))
        page = selectors.page_of(qs, request.GET.get("page"))
    ports = dict(PortOfEntry.objects.values_list("code", "name")) if foreigners and page.rows else {}
    ctx = _base(
        request,
        "foreigners" if foreigners else "staying",
        form=form,
        page=page,
        rows=selectors.staying_rows(page.rows),
        ports=ports,
        query=query_string(request),
        export_query=query_string(request),
        foreigners=foreigners,
    )
    template = "lodging/police_foreigners.html" if foreigners else "lodging/police_staying.html"
    return render(request, template, ctx, status=status)


@staff_required
def police_staying(request):
    return _staying_page(request, foreigners=False)


@staff_required
def police_foreigners(request):
    return _staying_page(request, foreigners=True)


# --- late declarations ---------------------------------------------------------------------------


@staff_required
def police_late(request):
    user = request.user
    _require_view(user)
    form = MonthForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        month, status, rows = selectors.this_month(), 400, []
    else:
        month = form.cleaned_data["thang"] if form.is_bound else selectors.this_month()
        status, rows = 200, selectors.late_counts(user, month)
    ctx = _base(request, "late", form=form, month=month, rows=rows)
    return render(request, "lodging/police_late.html", ctx, status=status)


# --- one stay ------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@staff_required
def police_stay(request, stay_id: int):
    user = request.user
    _require_view(user)
    ledger = selectors.stay_ledger(user, stay_id)  # 404 outside the area
    current = next((d for d in reversed(ledger) if d.is_current), ledger[-1])
    form, full, status = ReasonForm(), False, 200
    if request.method == "POST":
        _require_search(user)
        form = ReasonForm(request.POST)
        if form.is_valid():
            full = True
            audit.record(
                audit.Action.READ_PERSONAL,
                object_type="lodging.declaration",
                object_id=str(current.stay_id),
                object_repr=f"Lượt lưu trú #{current.stay_id}",
                changes={"fields": PERSONAL_FIELDS, "rows": len(ledger)},
                reason=form.cleaned_data["reason"],
                actor=user,
            )
        else:
            status = 400
    names = selectors.establishment_names(ledger)
    codes = codes_on(timezone.localdate())
    ctx = _base(
        request,
        "stay",
        ledger=[
            {
                "d": d,
                "name": d.full_name if full else selectors.mask_name(d.full_name),
                "doc": d.doc_number if full else selectors.mask_doc(d.doc_number),
            }
            for d in ledger
        ],
        current=current,
        establishment=names.get(current.establishment_id, ""),
        establishment_url=optional_url("establishments:detail", current.establishment_id),
        full=full,
        form=form,
        country=codes.countries.get(current.nationality),
        port=codes.ports.get(current.port_of_entry),
    )
    return render(request, "lodging/police_stay.html", ctx, status=status)


# --- search and history ----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@staff_required
def police_search(request):
    user = request.user
    _require_search(user)
    if request.method == "GET":
        form = SearchForm(user=user)
        return render(request, "lodging/police_search.html", _base(request, "search", form=form, searched=False))
    form = SearchForm(request.POST, user=user)
    if not form.is_valid():
        ctx = _base(request, "search", form=form, searched=False)
        return render(request, "lodging/police_search.html", ctx, status=400)
    criteria = form.criteria()
    page = selectors.page_of(selectors.search_queryset(user, criteria), request.POST.get("page"))
    try:
        selectors.log_search(
            user, kind="search", criteria=criteria, reason=form.cleaned_data["reason"], results=len(page.rows)
        )
    except LodgingError as exc:
        form.add_error("reason", exc.message)
        return render(request, "lodging/police_search.html", _base(request, "search", form=form), status=400)
    rows = selectors.search_rows(page.rows, full_doc=bool(criteria["doc_number"]))
    ctx = _base(request, "search", form=form, searched=True, page=page, rows=rows)
    return render(request, "lodging/police_search.html", ctx)


@require_http_methods(["GET", "POST"])
@staff_required
def police_history(request):
    user = request.user
    _require_search(user)
    if request.method == "GET":
        return render(request, "lodging/police_history.html", _base(request, "history", form=HistoryForm()))
    form = HistoryForm(request.POST)
    if not form.is_valid():
        return render(request, "lodging/police_history.html", _base(request, "history", form=form), status=400)
    number = form.cleaned_data["doc_number"]
    stays = selectors.person_history(user, number)
    ledgers = selectors.stay_ledgers(user, [d.stay_id for d in stays])
    selectors.log_search(
        user,
        kind="history",
        criteria={"doc_number": number},
        reason=form.cleaned_data["reason"],
        results=len(stays),
    )
    names = selectors.establishment_names(stays)
    rows = [
        {"d": d, "establishment": names.get(d.establishment_id, ""), "ledger": ledgers.get(d.stay_id, [])}
        for d in stays
    ]
    ctx = _base(request, "history", form=form, searched=True, rows=rows, person=stays[-1] if stays else None)
    return render(request, "lodging/police_history.html", ctx)


# --- exports -------------------------------------------------------------------------------------


def _file(result) -> FileResponse:
    response = FileResponse(
        result.file, as_attachment=True, filename=result.filename, content_type=exports.CONTENT_TYPE
    )
    response["X-Row-Count"] = str(result.count)
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
@staff_required
def police_export(request):
    """GET `?loai=dang-luu-tru|nuoc-ngoai&<filters>`: a staying list, masked (`lodging.view`).
    POST the search form with `loai=tra-cuu`: the search results in full (`lodging.search`)."""
    user = request.user
    _require_view(user)
    if request.method == "POST":
        _require_search(user)
        form = SearchForm(request.POST, user=user)
        if not form.is_valid():
            ctx = _base(request, "search", form=form, searched=False)
            return render(request, "lodging/police_search.html", ctx, status=400)
        try:
            return _file(exports.export_search(user, form.criteria(), form.cleaned_data["reason"]))
        except exports.ExportTooLarge as exc:
            form.add_error(None, str(exc))
            ctx = _base(request, "search", form=form, searched=False)
            return render(request, "lodging/police_search.html", ctx, status=400)
    foreigners = request.GET.get("loai") == "nuoc-ngoai"
    form = StayingFilterForm(request.GET, user=user)
    if not form.is_valid():
        return _staying_page(request, foreigners=foreigners)
    try:
        return _file(exports.export_staying(user, form.filters(), foreigners=foreigners))
    except exports.ExportTooLarge as exc:
        return _staying_page(request, foreigners=foreigners, error=str(exc))


urlpatterns = [
    path("luu-tru/", police_home, name="police-home"),
    path("luu-tru/dang-luu-tru/", police_staying, name="police-staying"),
    path("luu-tru/nguoi-nuoc-ngoai/", police_foreigners, name="police-foreigners"),
    path("luu-tru/khai-bao-muon/", police_late, name="police-late"),
    path("luu-tru/luot/<int:stay_id>/", police_stay, name="police-stay"),
    path("luu-tru/tra-cuu/", police_search, name="police-search"),
    path("luu-tru/lich-su/", police_history, name="police-history"),
    path("luu-tru/xuat/", police_export, name="police-export"),
]
