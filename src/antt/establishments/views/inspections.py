"""Staff pages of inspections: the unit's monthly plan (and its Excel file), the list, planning
an inspection of an establishment, and the inspection's page with its record, notice, cancel,
and the findings' follow-up.

Thin, like the violations pages: reads through `selectors_inspections` (scoped to the
officer's unit subtree; out-of-unit objects are 404), writes through `inspections`; an
`EstablishmentError` becomes a 4xx page with its Vietnamese message and the form as typed,
nothing written.

Keyboard: Alt+D the planned day, Alt+K the inspection day, Alt+T adds a findings row (the new
row's first field takes the focus), Alt+S saves; a deadline may be typed "+30" (30 days after the
inspection day).
"""

from __future__ import annotations

import re
from datetime import date

from django.contrib import messages
from django.forms.utils import ErrorDict, ErrorList
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from antt.establishments import exports_inspections, forms_inspections, inspections
from antt.establishments import selectors_inspections as selectors
from antt.establishments.errors import EstablishmentError
from antt.establishments.models import Domain, Finding, FireProfile, Inspection
from antt.establishments.views.common import (
    PAGE_SIZE,
    error_status,
    id_param,
    optional_url,
    page_of,
    query_string,
    sort_links,
)
from antt.establishments.views.common import require as _require
from antt.org.otp import staff_required
from antt.org.roles import can
from antt.org.selectors import visible_units

MONTH = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$|^\s*(\d{1,2})/(\d{4})\s*$", re.ASCII)
SUBNAV = "establishments/_subnav.html"


def _optional_url(name: str, *args) -> str | None:
    return optional_url(f"establishments:{name}", *args)


def _base(request, section: str) -> dict:
    return {
        "subnav": SUBNAV,
        "section": section,
        "plan_url": reverse("establishments:plan"),
        "list_url": reverse("establishments:inspection-list"),
        "registry_url": _optional_url("list"),
    }


def parse_month(text: str | None, today: date) -> date:
    """ "2026-11" or "11/2026" → date(2026, 11, 1); empty → this month; else ValueError."""
    if not text:
        return today.replace(day=1)
    match = MONTH.match(text)
    if not match:
        raise ValueError(text)
    year, month = (match.group(1), match.group(2)) if match.group(1) else (match.group(4), match.group(3))
    year, month = int(year), int(month)
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        raise ValueError(text)
    return date(year, month, 1)


def _shift(month: date, delta: int) -> date:
    n = month.year * 12 + month.month - 1 + delta
    return date(n // 12, n % 12 + 1, 1)


# --- the monthly plan ------------------------------------------------------------------------

SECTIONS = (
    ("due", "Đến hạn kiểm tra trong tháng", "den-han", selectors.establishment_rows),
    ("overdue", "Quá hạn kiểm tra", "qua-han", selectors.establishment_rows),
    ("planned", "Đã lên kế hoạch trong tháng", "ke-hoach", selectors.planned_rows),
    ("overdue_findings", "Tồn tại quá hạn khắc phục", "ton-tai", selectors.finding_rows),
)


def _plan_input(request):
    """(month, unit id or None, error message) from ?thang=&don-vi=."""
    today = timezone.localdate()
    error = ""
    try:
        month = parse_month(request.GET.get("thang"), today)
    except ValueError:
        month, error = today.replace(day=1), "Tháng không hợp lệ; chọn tháng theo dạng năm-tháng, ví dụ 2026-11."
    raw_unit = request.GET.get("don-vi") or None
    unit_id = id_param(raw_unit) if raw_unit is not None else None
    if raw_unit is not None and unit_id is None:
        raise Http404("Không tìm thấy đơn vị.")
    return month, unit_id, error


@staff_required
def plan(request):
    user = request.user
    _require(user, "establishment.view", "Bạn không có quyền xem kế hoạch kiểm tra cơ sở.")
    month, unit_id, error = _plan_input(request)
    the_plan = selectors.monthly_plan(user, unit_id, month)
    sections = []
    for key, title, param, shape in SECTIONS:
        page = page_of(getattr(the_plan, key), request.GET.get(param), PAGE_SIZE)
        sections.append(
            {
                "key": key,
                "title": title,
                "param": param,
                "page": page,
                "rows": shape(list(page.object_list), the_plan),
                "query": query_string(request, (param,)),
            }
        )
    base_query = query_string(request, ("thang", *[s[2] for s in SECTIONS]))
    if error:
        messages.error(request, error)
    context = {
        **_base(request, "plan"),
        "plan": the_plan,
        "sections": sections,
        "units": visible_units(user).filter(is_active=True).order_by("path"),
        "month_value": f"{month:%Y-%m}",
        "prev_url": f"?{base_query + '&' if base_query else ''}thang={_shift(month, -1):%Y-%m}",
        "next_url": f"?{base_query + '&' if base_query else ''}thang={_shift(month, 1):%Y-%m}",
        "export_url": reverse("establishments:plan-export") + f"?thang={month:%Y-%m}&don-vi={the_plan.unit.pk}",
        "may_inspect": can(user, "establishment.inspect"),
        "detail_name": "detail",
    }
    return render(request, "establishments/insp_plan.html", context, status=400 if error else 200)


@staff_required
def plan_export(request):
    user = request.user
    _require(user, "establishment.view", "Bạn không có quyền xuất kế hoạch kiểm tra cơ sở.")
    month, unit_id, error = _plan_input(request)
    if error:
        messages.error(request, error)
        return redirect("establishments:plan")
    the_plan = selectors.monthly_plan(user, unit_id, month)
    content = exports_inspections.plan_xlsx(the_plan, user=user)
    name = f"ke-hoach-kiem-tra-{month:%Y-%m}-{the_plan.unit.pk}.xlsx"
    return FileResponse(content, as_attachment=True, filename=name, content_type=exports_inspections.XLSX_CONTENT_TYPE)


# --- the list ---------------------------------------------------------------------------------


@staff_required
def inspection_list(request):
    user = request.user
    _require(user, "establishment.view", "Bạn không có quyền xem các cuộc kiểm tra cơ sở.")
    form = forms_inspections.ListForm(request.GET or None, units=visible_units(user).filter(is_active=True))
    status = 200
    data = {}
    if form.is_bound:
        if form.is_valid():
            data = form.cleaned_data
        else:
            messages.error(request, "Bộ lọc không hợp lệ; vui lòng kiểm tra lại.")
            status = 400
    sort = data.get("sort") or "-planned"
    qs = selectors.inspection_list(
        user,
        q=data.get("q") or "",
        status=data.get("status") or None,
        domain=data.get("domain") or None,
        kind=data.get("kind") or None,
        outcome=data.get("outcome") or None,
        unit=data.get("unit"),
        date_from=data.get("date_from"),
        date_to=data.get("date_to"),
        sort=sort,
    )
    if status != 200:
        qs = qs.none()
    page = page_of(qs, request.GET.get("page"), PAGE_SIZE)
    return render(
        request,
        "establishments/insp_list.html",
        {
            **_base(request, "inspections"),
            "form": form,
            "page": page,
            "query": query_string(request, ("page",)),
            "sort_links": sort_links(request, sort, ("planned", "inspected", "name")),
            "filters_open": bool(data) or status != 200,
        },
        status=status,
    )


# --- planning --------------------------------------------------------------------------------


def _domains(establishment) -> list[str]:
    out = []
    if establishment.lines.exists():
        out.append(Domain.SECURITY)
    if FireProfile.objects.filter(establishment_id=establishment.pk).exists():
        out.append(Domain.FIRE)
    return out


@staff_required
def inspection_new(request, pk: int):
    user = request.user
    _require(user, "establishment.inspect", "Vai trò của bạn không được lập kế hoạch kiểm tra.")
    establishment = selectors.establishment_for_inspection(user, pk)
    domains = _domains(establishment)
    context = {
        **_base(request, "inspections"),
        "establishment": establishment,
        "establishment_url": _optional_url("detail", establishment.pk),
        "domains": domains,
    }
    if request.method != "POST":
        initial = {"domain": request.GET.get("linh-vuc") or (domains[0] if len(domains) == 1 else None)}
        if request.GET.get("hinh-thuc") in Inspection.Kind.values:
            initial["kind"] = request.GET["hinh-thuc"]
        form = forms_inspections.PlanForm(initial=initial, domains=domains or None)
        return render(request, "establishments/insp_new.html", {**context, "form": form})
    form = forms_inspections.PlanForm(request.POST, domains=domains or None)
    if form.is_valid():
        data = form.cleaned_data
        try:
            inspection = inspections.inspection_plan(
                officer=user,
                establishment=establishment,
                domain=data["domain"],
                kind=data["kind"],
                planned_on=data["planned_on"],
                ground=data.get("ground") or "",
                team=data.get("team") or "",
            )
        except EstablishmentError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            messages.error(request, "Chưa lập được kế hoạch: " + exc.message)
            return render(request, "establishments/insp_new.html", {**context, "form": form}, status=error_status(exc))
        messages.success(request, f"Đã lập kế hoạch kiểm tra ngày {inspection.planned_on:%d/%m/%Y}.")
        notice = inspections.notice_status(
            inspection, selectors.rule_for(inspections.RuleBook(inspection.planned_on), inspection)
        )
        if notice.state == "missed":
            messages.warning(
                request,
                f"Lưu ý: phải thông báo cho cơ sở {notice.required_days} ngày làm việc trước ngày kiểm tra "
                f"(hạn {notice.deadline:%d/%m/%Y}, Điều 8 Thông tư 42/2017/TT-BCA); hạn này đã qua.",
            )
        return redirect("establishments:inspection-detail", pk=inspection.pk)
    messages.error(request, "Chưa lập được kế hoạch: vui lòng sửa các mục được đánh dấu.")
    return render(request, "establishments/insp_new.html", {**context, "form": form}, status=400)


# --- the inspection's page -------------------------------------------------------------------


def _record_choices(user, inspection) -> list[tuple[str, str]]:
    rows = selectors.violation_record_candidates(user, inspection.establishment)
    return [(str(r.pk), f"{r.number} — {r.made_at:%d/%m/%Y}") for r in rows]


def _detail_context(request, inspection, *, bound: dict | None = None) -> dict:
    user = request.user
    bound = bound or {}
    may_inspect = can(user, "establishment.inspect")
    planned = inspection.status == Inspection.Status.PLANNED
    book = inspections.RuleBook(inspection.planned_on)
    notice = inspections.notice_status(inspection, selectors.rule_for(book, inspection))
    actions = []
    if may_inspect and planned:
        if notice.required_days:
            actions.append(
                {
                    "key": "notify",
                    "label": "Ghi ngày thông báo kiểm tra cho cơ sở",
                    "button": "Lưu ngày thông báo",
                    "url": reverse("establishments:inspection-notify", args=[inspection.pk]),
                    "form": bound.get("notify") or forms_inspections.NotifyForm(auto_id="id_notify_%s"),
                    "open": "notify" in bound or notice.state in ("pending", "missed"),
                }
            )
        actions.append(
            {
                "key": "cancel",
                "label": "Hủy kế hoạch kiểm tra",
                "button": "Hủy kế hoạch",
                "url": reverse("establishments:inspection-cancel", args=[inspection.pk]),
                "form": bound.get("cancel") or forms_inspections.CancelForm(auto_id="id_cancel_%s"),
                "open": "cancel" in bound,
            }
        )
    record_form = findings_formset = None
    if may_inspect and planned:
        record_form = bound.get("record") or forms_inspections.RecordForm(
            record_choices=_record_choices(user, inspection),
            initial={"inspected_on": min(timezone.localdate(), inspection.planned_on)},
        )
        findings_formset = bound.get("findings") or forms_inspections.FindingFormSet(prefix="tt")
    findings = []
    today = timezone.localdate()
    for f in inspection.findings.all():
        item = {"f": f, "overdue": f.status == Finding.Status.OPEN and f.due_on < today, "actions": []}
        if may_inspect and f.status == Finding.Status.OPEN:
            item["actions"] = [
                {
                    "key": f"resolve-{f.pk}",
                    "label": "Ghi nhận đã khắc phục",
                    "button": "Đã khắc phục",
                    "url": reverse("establishments:finding-resolve", args=[f.pk]),
                    "form": bound.get(f"resolve-{f.pk}")
                    or forms_inspections.ResolveForm(auto_id=f"id_resolve{f.pk}_%s", initial={"resolved_on": today}),
                    "open": f"resolve-{f.pk}" in bound,
                },
                {
                    "key": f"escalate-{f.pk}",
                    "label": "Không khắc phục: gắn biên bản vi phạm",
                    "button": "Gắn biên bản",
                    "url": reverse("establishments:finding-escalate", args=[f.pk]),
                    "form": bound.get(f"escalate-{f.pk}")
                    or forms_inspections.EscalateForm(auto_id=f"id_escalate{f.pk}_%s"),
                    "open": f"escalate-{f.pk}" in bound,
                },
            ]
        findings.append(item)
    return {
        **_base(request, "inspections"),
        "inspection": inspection,
        "establishment": inspection.establishment,
        "establishment_url": _optional_url("detail", inspection.establishment_id),
        "notice": notice,
        "actions": actions,
        "record_form": record_form,
        "findings_formset": findings_formset,
        "findings": findings,
        "linked_records": list(inspection.violation_records.all()),
        "record_url": reverse("establishments:inspection-record", args=[inspection.pk]),
        "violations_url_name": "violations:record-detail" if can(user, "violation.view") else "",
        "may_inspect": may_inspect,
    }


@staff_required
def inspection_detail(request, pk: int):
    _require(request.user, "establishment.view", "Bạn không có quyền xem cuộc kiểm tra.")
    inspection = selectors.inspection_get(request.user, pk)
    return render(request, "establishments/insp_detail.html", _detail_context(request, inspection))


def _error(request, inspection, key: str, form, exc: EstablishmentError | None):
    if exc is not None:
        target = exc.field if exc.field in getattr(form, "fields", {}) else None
        form.add_error(target, exc.message)
        messages.error(request, exc.message)
        status = error_status(exc)
    else:
        messages.error(request, "Vui lòng sửa các mục được đánh dấu.")
        status = 400
    inspection = selectors.inspection_get(request.user, inspection.pk)
    return render(
        request,
        "establishments/insp_detail.html",
        _detail_context(request, inspection, bound={key: form}),
        status=status,
    )


@require_POST
@staff_required
def inspection_record(request, pk: int):
    user = request.user
    _require(user, "establishment.inspect", "Vai trò của bạn không được ghi kết quả kiểm tra.")
    inspection = selectors.inspection_get(user, pk)
    form = forms_inspections.RecordForm(request.POST, record_choices=_record_choices(user, inspection))
    formset = forms_inspections.FindingFormSet(request.POST, prefix="tt")
    bound = {"record": form, "findings": formset}
    if "them_dong" in request.POST:  # add rows without JavaScript: show the form again, 3 more rows
        data = request.POST.copy()
        total = id_param(data.get("tt-TOTAL_FORMS")) or 0
        data["tt-TOTAL_FORMS"] = str(min(total + 3, inspections.MAX_FINDINGS))
        form = forms_inspections.RecordForm(data, record_choices=_record_choices(user, inspection))
        form._errors = ErrorDict()
        formset = forms_inspections.FindingFormSet(data, prefix="tt")
        formset._errors, formset._non_form_errors = [], ErrorList()
        context = _detail_context(request, inspection, bound={"record": form, "findings": formset})
        return render(request, "establishments/insp_detail.html", context)
    form_ok, formset_ok = form.is_valid(), formset.is_valid()
    if not (form_ok and formset_ok):
        messages.error(request, "Chưa ghi được kết quả: vui lòng sửa các mục được đánh dấu.")
        context = _detail_context(request, inspection, bound=bound)
        return render(request, "establishments/insp_detail.html", context, status=400)
    data = form.cleaned_data
    ids = list(data.get("violation_records") or [])
    found, missing = selectors.violation_records_by_number(user, form.numbers())
    if missing:
        form.add_error("violation_numbers", "Không tìm thấy biên bản số: " + ", ".join(missing) + ".")
        messages.error(request, "Chưa ghi được kết quả: có số biên bản vi phạm không tìm thấy.")
        context = _detail_context(request, inspection, bound=bound)
        return render(request, "establishments/insp_detail.html", context, status=422)
    ids += [r.pk for r in found]
    try:
        inspections.inspection_record(
            officer=user,
            inspection=inspection,
            inspected_on=data["inspected_on"],
            outcome=data["outcome"],
            summary=data.get("summary") or "",
            record_number=data.get("record_number") or "",
            findings=forms_inspections.finding_rows(formset, data["inspected_on"]),
            violation_record_ids=ids,
        )
    except EstablishmentError as exc:
        target = exc.field if exc.field in form.fields else None
        if exc.field == "findings":
            formset._non_form_errors = ErrorList([exc.message])
        else:
            form.add_error(target, exc.message)
        messages.error(request, "Chưa ghi được kết quả: " + exc.message)
        inspection = selectors.inspection_get(user, pk)
        context = _detail_context(request, inspection, bound=bound)
        return render(request, "establishments/insp_detail.html", context, status=error_status(exc))
    messages.success(request, "Đã ghi kết quả kiểm tra.")
    return redirect("establishments:inspection-detail", pk=inspection.pk)


def _inspection_action(key: str):
    form_class = {"notify": forms_inspections.NotifyForm, "cancel": forms_inspections.CancelForm}[key]

    @require_POST
    @staff_required
    def view(request, pk: int):
        user = request.user
        _require(user, "establishment.inspect", "Vai trò của bạn không được thay đổi cuộc kiểm tra.")
        inspection = selectors.inspection_get(user, pk)
        form = form_class(request.POST, auto_id=f"id_{key}_%s")
        if not form.is_valid():
            return _error(request, inspection, key, form, None)
        try:
            if key == "notify":
                inspections.inspection_notify(
                    officer=user, inspection=inspection, notified_on=form.cleaned_data["notified_on"]
                )
                messages.success(request, "Đã ghi ngày thông báo kiểm tra.")
            else:
                inspections.inspection_cancel(officer=user, inspection=inspection, reason=form.cleaned_data["reason"])
                messages.success(request, "Đã hủy kế hoạch kiểm tra.")
        except EstablishmentError as exc:
            return _error(request, inspection, key, form, exc)
        return redirect("establishments:inspection-detail", pk=inspection.pk)

    view.__name__ = f"inspection_{key}"
    return view


def _finding_action(key: str):
    form_class = {"resolve": forms_inspections.ResolveForm, "escalate": forms_inspections.EscalateForm}[key]

    @require_POST
    @staff_required
    def view(request, pk: int):
        user = request.user
        _require(user, "establishment.inspect", "Vai trò của bạn không được theo dõi khắc phục tồn tại.")
        finding = selectors.finding_get(user, pk)
        inspection = selectors.inspection_get(user, finding.inspection_id)
        form_key = f"{key}-{finding.pk}"
        form = form_class(request.POST, auto_id=f"id_{key}{finding.pk}_%s")
        if not form.is_valid():
            return _error(request, inspection, form_key, form, None)
        data = form.cleaned_data
        try:
            if key == "resolve":
                inspections.finding_resolve(
                    officer=user, finding=finding, resolved_on=data["resolved_on"], follow_up=data["follow_up"]
                )
                messages.success(request, "Đã ghi nhận tồn tại đã được khắc phục.")
            else:
                found, missing = selectors.violation_records_by_number(user, [data["record_number"]])
                if missing:
                    raise EstablishmentError(
                        f"Không tìm thấy biên bản vi phạm số {data['record_number']} trong phạm vi đơn vị của bạn.",
                        "record_number",
                        422,
                    )
                inspections.finding_escalate(
                    officer=user, finding=finding, violation_record=found[0], note=data.get("note") or ""
                )
                messages.success(request, f"Đã gắn biên bản vi phạm số {found[0].number}.")
        except EstablishmentError as exc:
            return _error(request, inspection, form_key, form, exc)
        return redirect(reverse("establishments:inspection-detail", args=[inspection.pk]) + f"#ton-tai-{finding.pk}")

    view.__name__ = f"finding_{key}"
    return view


urlpatterns = [
    path("kiem-tra/", inspection_list, name="inspection-list"),
    path("kiem-tra/ke-hoach/", plan, name="plan"),
    path("kiem-tra/ke-hoach/excel/", plan_export, name="plan-export"),
    path("kiem-tra/<int:pk>/", inspection_detail, name="inspection-detail"),
    path("kiem-tra/<int:pk>/ket-qua/", inspection_record, name="inspection-record"),
    path("kiem-tra/<int:pk>/thong-bao/", _inspection_action("notify"), name="inspection-notify"),
    path("kiem-tra/<int:pk>/huy/", _inspection_action("cancel"), name="inspection-cancel"),
    path("kiem-tra/ton-tai/<int:pk>/khac-phuc/", _finding_action("resolve"), name="finding-resolve"),
    path("kiem-tra/ton-tai/<int:pk>/xu-ly/", _finding_action("escalate"), name="finding-escalate"),
    path("co-so/<int:pk>/kiem-tra/moi/", inspection_new, name="inspection-new"),
]
