"""Pages of the public portal and the editors' announcement pages. Thin: selectors read,
services write; every page works without JavaScript and on a 360 px phone."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_http_methods, require_POST

from antt.catalog import selectors as catalog_selectors
from antt.core.pagecache import public_page
from antt.org.otp import staff_required
from antt.org.roles import can
from antt.portal import selectors, services
from antt.portal.forms import AnnouncementForm, EditorFilterForm, parse_month
from antt.portal.navigation import CATALOG_URLS, actions_for, optional_url
from antt.portal.services import AnnouncementData, AnnouncementError
from antt.reports import charts
from antt.reports import selectors_public as figures_selectors

PAGE_SIZE = 10
EDITOR_PAGE_SIZE = 20
HOME_ANNOUNCEMENTS = 3
POPULAR_FIELDS = 6
OPENDATA_DATASET = "ho-so-theo-thang"


def _optional_reverse(name: str, *args) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _page(request, rows, size: int):
    """A page of `rows`; a junk page number gives the first page, one past the end the last."""
    return Paginator(rows, size).get_page(request.GET.get("page"))


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


# --- Public pages ---------------------------------------------------------------------------


@public_page
def home(request):
    """Public home: find a procedure, submit online, look up a dossier or a fine; news, hotlines."""
    fields = list(catalog_selectors.fields_with_counts()[:POPULAR_FIELDS])
    return render(
        request,
        "portal/home.html",
        {
            "catalog_url": optional_url(*CATALOG_URLS),
            "fields": fields,
            "announcements": list(selectors.announcements_public()[:HOME_ANNOUNCEMENTS]),
            "hotlines": selectors.hotlines(),
            "feedback_url": optional_url("feedback:public-home"),
            "opendata_url": optional_url("api:opendata-list"),
        },
    )


def announcement_list(request):
    page = _page(request, selectors.announcements_public(), PAGE_SIZE)
    return render(request, "portal/announcement_list.html", {"page": page, "query": ""})


def announcement_detail(request, slug: str):
    row = selectors.announcement_public_get(slug)
    if row is None:
        raise Http404("Không tìm thấy thông báo.")
    paragraphs = [p.strip() for p in row.body.replace("\r\n", "\n").split("\n\n") if p.strip()]
    return render(request, "portal/announcement_detail.html", {"item": row, "paragraphs": paragraphs})


@public_page
def contacts(request):
    return render(
        request,
        "portal/contacts.html",
        {
            "points": selectors.contact_points(),
            "centre": selectors.service_centre(),
            "units": selectors.reception_units(),
            "office_hours": selectors.office_hours_text(),
            "feedback_url": optional_url("feedback:public-home"),
        },
    )


def figures(request):
    raw = request.GET.get("thang")
    if raw is None or raw == "":
        month = figures_selectors.current_month()
    else:
        month = parse_month(raw)
        if month is None or month > figures_selectors.current_month():
            message = (
                "Tháng không hợp lệ: nhập theo dạng năm-tháng, ví dụ 2026-03."
                if month is None
                else "Chưa có số liệu của tháng trong tương lai."
            )
            return render(
                request,
                "portal/figures.html",
                {"error": message, "month_value": raw.replace("\x00", "")[:20], "months": _recent_months()},
                status=400,
            )
    data = figures_selectors.monthly_by_unit(month)
    trend = figures_selectors.monthly_totals(month, 12)
    labels = [f"{m['month']:%m/%Y}" for m in trend]
    chart = charts.bar_chart(
        "Hồ sơ tiếp nhận và giải quyết xong 12 tháng",
        f"Số hồ sơ tiếp nhận và số hồ sơ giải quyết xong mỗi tháng, từ {labels[0]} đến {labels[-1]}, toàn tỉnh.",
        labels,
        {"Tiếp nhận": [m["received"] for m in trend], "Giải quyết xong": [m["completed"] for m in trend]},
    )
    return render(
        request,
        "portal/figures.html",
        {
            "data": data,
            "trend": trend,
            "chart": chart,
            "month": month,
            "month_value": f"{month:%Y-%m}",
            "months": _recent_months(),
            "satisfaction_doc": figures_selectors.SATISFACTION_RATE_DOC,
            "opendata_url": _optional_reverse("api:opendata-detail", OPENDATA_DATASET)
            or optional_url("api:opendata-list"),
        },
    )


def _recent_months(n: int = 12) -> list[str]:
    month = figures_selectors.current_month()
    out = []
    for _ in range(n):
        out.append(f"{month:%Y-%m}")
        month = (month - timedelta(days=1)).replace(day=1)
    return out


def procedure_checklist(request, code: str):
    """The printable guide to preparing a dossier of one procedure (PDF), linked from its page."""
    from antt.portal.checklist import checklist_pdf

    row = catalog_selectors.procedure_get(code=code)
    if row is None:
        raise Http404("Không tìm thấy thủ tục.")
    response = HttpResponse(checklist_pdf(row), content_type="application/pdf")
    safe = "".join(ch if ch.isalnum() or ch in ".-" else "-" for ch in row.procedure.code)
    response["Content-Disposition"] = f'inline; filename="huong-dan-ho-so-{safe}.pdf"'
    return response


# --- Staff home -----------------------------------------------------------------------------


def staff_home(request):
    """The officer's next steps, as cards of what their role allows; a business account (the
    same sign-in page) goes to its own page instead."""
    user = request.user
    if user.is_authenticated and not getattr(user, "is_officer", False) and hasattr(user, "establishment_account"):
        return redirect("establishments:business-home")
    return _staff_home(request)


@staff_required
def _staff_home(request):
    return render(request, "portal/staff_home.html", {"actions": actions_for(request.user)})


# --- Editors' announcement pages ------------------------------------------------------------


def _require_editor(request) -> None:
    if not can(request.user, "portal.edit"):
        raise PermissionDenied("Bạn không có quyền quản lý thông báo.")


@staff_required
def announcement_manage(request):
    _require_editor(request)
    form = EditorFilterForm(request.GET or None)
    status = 200
    if request.GET and not form.is_valid():
        rows, status = selectors.announcements_for_editor(request.user).none(), 400
    else:
        data = form.cleaned_data if request.GET else {}
        rows = selectors.announcements_for_editor(request.user, q=data.get("q", ""), state=data.get("state", ""))
    page = _page(request, rows, EDITOR_PAGE_SIZE)
    items = [(row, selectors.state_of(row)) for row in page.object_list]
    return render(
        request,
        "portal/announcement_manage.html",
        {
            "form": form,
            "page": page,
            "items": items,
            "states": selectors.EDITOR_STATES,
            "query": _query_without_page(request),
        },
        status=status,
    )


def _data(form: AnnouncementForm) -> AnnouncementData:
    d = form.cleaned_data
    return AnnouncementData(
        title=d["title"],
        summary=d["summary"],
        body=d["body"],
        publish_from=d["publish_from"],
        publish_until=d["publish_until"],
        pinned=d["pinned"],
    )


@staff_required
@require_http_methods(["GET", "POST"])
def announcement_new(request):
    _require_editor(request)
    form = AnnouncementForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            row = services.announcement_create(
                editor=request.user, data=_data(form), publish=request.POST.get("publish") == "1"
            )
        except AnnouncementError as exc:
            form.add_error(exc.field, exc.message)
        else:
            messages.success(request, "Đã tạo thông báo." + (" Thông báo đã được công khai." if row.published else ""))
            return redirect("portal:announcement-edit", pk=row.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "portal/announcement_form.html", {"form": form, "item": None}, status=status)


@staff_required
@require_http_methods(["GET", "POST"])
def announcement_edit(request, pk: int):
    _require_editor(request)
    row = selectors.announcement_for_editor(request.user, pk)
    if row is None:
        raise Http404("Không tìm thấy thông báo.")
    if request.method == "POST":
        form = AnnouncementForm(request.POST)
        if form.is_valid():
            try:
                services.announcement_update(editor=request.user, pk=row.pk, data=_data(form))
            except AnnouncementError as exc:
                form.add_error(exc.field, exc.message)
            else:
                messages.success(request, "Đã lưu thay đổi.")
                return redirect("portal:announcement-edit", pk=row.pk)
        status = 400
    else:
        form = AnnouncementForm(
            initial={
                "title": row.title,
                "summary": row.summary,
                "body": row.body,
                "publish_from": row.publish_from,
                "publish_until": row.publish_until,
                "pinned": row.pinned,
            }
        )
        status = 200
    return render(
        request,
        "portal/announcement_form.html",
        {"form": form, "item": row, "state": selectors.EDITOR_STATES[selectors.state_of(row)]},
        status=status,
    )


ACTIONS = {
    "cong-khai": (services.announcement_publish, {}, "Đã công khai thông báo."),
    "thoi-cong-khai": (services.announcement_unpublish, {}, "Đã thôi công khai thông báo."),
    "ghim": (services.announcement_pin, {"pinned": True}, "Đã ghim thông báo lên đầu."),
    "bo-ghim": (services.announcement_pin, {"pinned": False}, "Đã bỏ ghim thông báo."),
}


@staff_required
@require_POST
def announcement_action(request, pk: int, action: str):
    _require_editor(request)
    if action not in ACTIONS:
        raise Http404("Thao tác không hợp lệ.")
    service, extra, done = ACTIONS[action]
    try:
        service(editor=request.user, pk=pk, **extra)
    except services.Announcement.DoesNotExist as exc:
        raise Http404("Không tìm thấy thông báo.") from exc
    messages.success(request, done)
    return redirect("portal:announcement-edit", pk=pk)
