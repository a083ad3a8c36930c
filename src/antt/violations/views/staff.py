"""Staff pages of administrative violations: records, decisions, the custody and licence registers.

Thin, like the one-stop pages: reads go through `violations.selectors` (already scoped to the
officer's unit subtree; out-of-unit objects are 404), writes through `violations.services`, the
legal rules through `violations.rules`. A `ViolationError` from them becomes a 4xx page with its
Vietnamese message and the form as the officer typed it; nothing is written.

Keyboard: every form has an access key on its first field (Alt+H: the violator's name) and on
its submit button (Alt+S); the behaviour search answers as one types (htmx, without
diacritics) and works without JavaScript through its "Tìm" button.
"""

from __future__ import annotations

from datetime import timedelta

from dateutil.relativedelta import relativedelta
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.forms.utils import ErrorDict, ErrorList
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from antt.core import audit
from antt.core.models import AuditEvent
from antt.core.money import NBSP, format_vnd, money_in_words
from antt.core.text import fold
from antt.org.models import Unit
from antt.org.otp import staff_required
from antt.org.roles import can
from antt.org.selectors import visible_units
from antt.violations import forms, rules, selectors, services
from antt.violations.models import (
    Circumstance,
    DecisionStatus,
    FinePayment,
    LicenceSuspension,
    PenaltyDecision,
    SeizedItem,
    Subject,
    ViolationRecord,
)
from antt.violations.rules import ViolationError

PAGE_SIZE = 25
SEARCH_LIMIT = 20
PAYABLE = {DecisionStatus.UNPAID, DecisionStatus.PARTLY_PAID, DecisionStatus.LATE}


# --- helpers --------------------------------------------------------------------------------


def _require(user, capability: str, message: str) -> None:
    if not can(user, capability):
        raise PermissionDenied(message)


def _optional_url(name: str, *arg_sets) -> str | None:
    for args in arg_sets or ((),):
        try:
            return reverse(f"violations:{name}", args=args)
        except NoReverseMatch:
            continue
    return None


def _today():
    return timezone.localdate()


def _due_soon_days(day) -> int:
    try:
        return rules.parameter("due_soon_days", day)
    except Exception:  # noqa: BLE001 - an unloaded catalogue must not take the lists down
        return 2


def _normal_plate(value: str) -> str:
    """The plate as stored (upper, no separators); a partial plate is searched as typed."""
    try:
        from antt.core.identifiers import parse_plate

        return parse_plate(value).normalised
    except Exception:  # noqa: BLE001 - partial input: search what was typed
        return "".join(ch for ch in value.upper() if ch.isalnum())


def _query(request, drop=("page",)) -> str:
    query = request.GET.copy()
    for key in drop:
        query.pop(key, None)
    return query.urlencode()


def _sort_links(request, sorts: dict[str, str], current: str) -> dict:
    base = _query(request, ("page", "sort"))
    links = {}
    for key in sorts:
        next_sort = f"-{key}" if current == key else key
        aria = "ascending" if current == key else "descending" if current == f"-{key}" else ""
        links[key] = {"href": f"?{base + '&' if base else ''}sort={next_sort}", "aria": aria}
    return links


def _personal(user) -> bool:
    return can(user, "person.view")


def _violator(obj, full: bool) -> dict:
    if full:
        return {
            "full": True,
            "kind": obj.get_violator_kind_display(),
            "name": obj.violator_name,
            "id_number": obj.violator_id_number,
            "tax_code": obj.violator_tax_code,
            "birth_date": obj.violator_birth_date,
            "nationality": obj.violator_nationality,
            "occupation": obj.violator_occupation,
            "address": obj.violator_address,
            "phone": obj.violator_phone,
            "representative": obj.violator_representative,
            "representative_title": obj.violator_representative_title,
        }
    organisation = obj.violator_kind == Subject.ORGANISATION
    return {
        "full": False,
        "kind": obj.get_violator_kind_display(),
        "name": obj.violator_name if organisation else selectors.mask_name(obj.violator_name),
        "id_number": selectors.mask_id(obj.violator_id_number, 4),
        "tax_code": obj.violator_tax_code,
        "phone": selectors.mask_id(obj.violator_phone, 3),
        "representative": selectors.mask_name(obj.violator_representative),
    }


def _error_page(request, exc: ViolationError, template: str, context: dict):
    messages.error(request, exc.message)
    return render(request, template, context, status=exc.status if 400 <= exc.status < 500 else 400)


def _circumstances(day) -> tuple[list[Circumstance], list[Circumstance]]:
    rows = list(Circumstance.objects.filter(Circumstance.valid_on(day)).order_by("kind", "order", "code"))
    return (
        [c for c in rows if c.kind == Circumstance.Kind.MITIGATING],
        [c for c in rows if c.kind == Circumstance.Kind.AGGRAVATING],
    )


def _behaviour_search(q: str, day, *, limit: int = SEARCH_LIMIT, spot_subject: str | None = None):
    """Behaviours in force on `day` matching the words of `q` without diacritics (or a code);
    with `spot_subject`, only those a fine without a record may cover for that subject."""
    qs = rules.behaviours_on(day) if spot_subject is None else _spot_catalogue(day, spot_subject)
    words = fold(q or "").split()[:8]
    if not words:
        return []
    cond = Q()
    for word in words:
        cond &= Q(description_folded__contains=word)
    raw = (q or "").strip()
    found = list(qs.filter(cond | Q(code__iexact=raw) | Q(code__istartswith=raw)).order_by("decree", "article")[:limit])
    for b in found:  # the range shown: the organisation's on the on-the-spot page for an organisation
        b.range_min, b.range_max = rules.fine_range(b, spot_subject or Subject.PERSON)
    return found


def _behaviour_label(b) -> str:
    return f"{b.short_name} — {b.provision} ({format_vnd(b.fine_min, sep=NBSP)} – {format_vnd(b.fine_max, sep=NBSP)})"


# --- records --------------------------------------------------------------------------------

RECORD_SORTS = {"made": "made_at", "due": "decision_due_on", "number": "seq"}


@staff_required
def record_list(request):
    user = request.user
    _require(user, "violation.view", "Bạn không có quyền xem biên bản vi phạm hành chính.")
    form = forms.RecordListForm(request.GET or None, units=visible_units(user).filter(is_active=True))
    status = 200
    qs = selectors.visible_records(user)
    if form.is_bound and not form.is_valid():
        messages.error(request, "Bộ lọc không hợp lệ; vui lòng kiểm tra lại.")
        qs, status = qs.none(), 400
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    today = _today()
    if data.get("status"):
        qs = qs.filter(status=data["status"])
    if data.get("due") == "late":
        qs = qs.filter(status=ViolationRecord.Status.OPEN, decision_due_on__lt=today)
    elif data.get("due") == "due_soon":
        soon = today + timedelta(days=_due_soon_days(today))
        qs = qs.filter(status=ViolationRecord.Status.OPEN, decision_due_on__gte=today, decision_due_on__lte=soon)
    if data.get("plate"):
        qs = qs.filter(plate__contains=_normal_plate(data["plate"]))
    if data.get("q"):
        qs = qs.filter(number__icontains=data["q"].strip())
    if data.get("date_from"):
        qs = qs.filter(made_at__date__gte=data["date_from"])
    if data.get("date_to"):
        qs = qs.filter(made_at__date__lte=data["date_to"])
    if data.get("unit"):
        qs = qs.filter(unit__path__startswith=data["unit"].path)
    sort = data.get("sort") or ""
    key = RECORD_SORTS.get(sort.lstrip("-"))
    qs = qs.order_by(f"{'-' if sort.startswith('-') else ''}{key}", "-id") if key else qs.order_by("-made_at", "-id")
    qs = qs.select_related("unit", "officer")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    soon = today + timedelta(days=_due_soon_days(today))
    rows = []
    for r in page.object_list:
        badge = None
        if r.status == ViolationRecord.Status.OPEN:
            if r.decision_due_on < today:
                badge = {"state": "late", "text": "Quá hạn ra quyết định"}
            elif r.decision_due_on <= soon:
                badge = {"state": "due_soon", "text": "Sắp đến hạn"}
            else:
                badge = {"state": "on_time", "text": "Trong hạn"}
        rows.append({"r": r, "name": _violator(r, False)["name"], "badge": badge})
    return render(
        request,
        "violations/staff_record_list.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "query": _query(request),
            "sort_links": _sort_links(request, RECORD_SORTS, sort),
            "filters_open": bool(data) or status != 200,
            "may_record": can(user, "violation.record"),
            "may_decide": can(user, "violation.decide"),
        },
        status=status,
    )


def _record_day(request):
    """The violation day the form is about (what was typed, else today): the catalogue of that day."""
    try:
        day = forms.VietnameseDateField().clean(request.POST.get("violated_on") or "")
    except ValidationError:
        return _today()
    return day if forms.FIRST_DAY <= day <= forms.LAST_DAY else _today()


def _render_record_form(request, form, seized, *, results=(), q="", status=200):
    chosen_codes = form["behaviours"].value() or [] if form.is_bound else []
    chosen = {c: label for c, label in form.fields["behaviours"].choices if c in chosen_codes}
    results = [b for b in results if b.code not in chosen]
    return render(
        request,
        "violations/staff_record_form.html",
        {"form": form, "seized": seized, "chosen": chosen, "results": results, "q": q},
        status=status,
    )


@staff_required
def record_new(request):
    user = request.user
    _require(user, "violation.record", "Vai trò của bạn không được lập biên bản vi phạm hành chính.")
    if request.method != "POST":
        form = forms.RecordForm(officer=user)
        return _render_record_form(request, form, forms.SeizedFormSet(prefix="tv"))
    day = _record_day(request)
    catalogue = list(rules.behaviours_on(day))
    form = forms.RecordForm(
        request.POST, officer=user, behaviour_choices=[(b.code, _behaviour_label(b)) for b in catalogue]
    )
    seized = forms.SeizedFormSet(request.POST, prefix="tv")
    if "tim_hanh_vi" in request.POST:  # the search without JavaScript: show results, keep what was typed
        q = request.POST.get("q_hanh_vi", "")
        form._errors = ErrorDict()  # not submitted yet: no error marks
        seized._errors, seized._non_form_errors = [], ErrorList()
        return _render_record_form(request, form, seized, results=_behaviour_search(q, day), q=q)
    form_ok = form.is_valid()
    seized_ok = seized.is_valid()
    if form_ok and seized_ok:
        data = form.cleaned_data
        try:
            record = services.record_create(
                officer=user,
                violator=form.violator(),
                violated_at=data["violated_at"],
                area=data.get("area"),
                address=data["address"],
                latitude=data.get("latitude"),
                longitude=data.get("longitude"),
                vehicle_kind=data.get("vehicle_kind") or "",
                plate=data.get("plate") or "",
                behaviour_codes=list(data["behaviours"]),
                witnesses=data["witness_list"],
                statement=data.get("statement") or "",
                explanation_requested=bool(data.get("explanation_requested")),
                complex_case=bool(data.get("complex_case")),
                refused_to_sign=bool(data.get("refused_to_sign")),
                seized=forms.seized_rows(seized),
            )
        except ViolationError as exc:
            form.add_error(None, exc.message)
            messages.error(request, "Biên bản chưa được lập: " + exc.message)
            return _render_record_form(request, form, seized, status=_status(exc))
        messages.success(request, f"Đã lập biên bản số {record.number}.")
        return redirect(reverse("violations:record-detail", args=[record.pk]) + "?moi=1")
    messages.error(request, "Biên bản chưa được lập: vui lòng sửa các mục được đánh dấu.")
    return _render_record_form(request, form, seized, status=400)


def _status(exc: ViolationError) -> int:
    return exc.status if 400 <= exc.status < 500 else 400


@staff_required
def behaviour_search(request):
    """htmx fragment: behaviours in force on the violation day matching what the officer types."""
    _require(request.user, "violation.view", "Bạn không có quyền tra cứu danh mục hành vi.")
    q = (request.GET.get("q_hanh_vi") or request.GET.get("q") or "")[:100]
    day_text = request.GET.get("violated_on") or request.GET.get("ngay") or ""
    day = _today()
    if day_text:
        try:
            day = forms.VietnameseDateField().clean(day_text)
        except ValidationError:
            day = _today()
        if not forms.FIRST_DAY <= day <= forms.LAST_DAY:
            day = _today()
    chosen = set(request.GET.getlist("behaviours"))
    field = request.GET.get("field") or "behaviours"
    kind = "radio" if field == "behaviour" else "checkbox"
    spot_subject = _subject(request.GET.get("violator_kind")) if request.GET.get("spot") == "1" else None
    results = [b for b in _behaviour_search(q, day, spot_subject=spot_subject) if b.code not in chosen]
    return render(
        request,
        "violations/staff_behaviour_results.html",
        {"results": results, "q": q, "field": field, "kind": kind, "day": day},
    )


def _record_or_404(user, pk, *, log_read: bool = False) -> ViolationRecord:
    """The record if the user may see it (selectors: 404 otherwise); the read of the violator's
    full data is logged by the selector when `log_read`."""
    record = selectors.record_get(user, pk, log_read=log_read)
    if record is None:
        raise Http404("Không tìm thấy biên bản.")
    return record


def _record_context(request, record, *, bound: dict | None = None) -> dict:
    user = request.user
    full = _personal(user)
    bound = bound or {}
    actions = []
    open_ = record.status == ViolationRecord.Status.OPEN
    if open_ and (can(user, "violation.record") or can(user, "violation.decide")):
        units = Unit.objects.filter(is_active=True).exclude(pk=record.unit_id).order_by("path")
        actions.append(
            {
                "key": "transfer",
                "label": "Chuyển biên bản cho người có thẩm quyền",
                "button": "Chuyển",
                "url": reverse("violations:record-transfer", args=[record.pk]),
                "form": bound.get("transfer") or forms.TransferForm(units=units, auto_id="id_transfer_%s"),
                "open": "transfer" in bound,
            }
        )
        actions.append(
            {
                "key": "close",
                "label": "Không ra quyết định xử phạt (kết thúc biên bản)",
                "button": "Kết thúc",
                "url": reverse("violations:record-close", args=[record.pk]),
                "form": bound.get("close") or forms.ReasonForm(auto_id="id_close_%s"),
                "open": "close" in bound,
            }
        )
    behaviours = list(record.record_behaviours.select_related("behaviour", "behaviour__decree"))
    return {
        "record": record,
        "violator": _violator(record, full),
        "behaviours": behaviours,
        "seized_items": list(record.seized_items.all()),
        "decisions": list(record.decisions.all()),
        "actions": actions,
        "may_decide": open_ and can(user, "violation.decide"),
        "decide_url": reverse("violations:decision-new") + f"?bien_ban={record.pk}",
        "pdf_url": _optional_url("record-pdf", (record.pk,)),
        "just_made": request.GET.get("moi") == "1",
        "late": open_ and record.decision_due_on < _today(),
    }


@staff_required
def record_detail(request, pk: int):
    _require(request.user, "violation.view", "Bạn không có quyền xem biên bản vi phạm hành chính.")
    record = _record_or_404(request.user, pk, log_read=True)
    return render(request, "violations/staff_record_detail.html", _record_context(request, record))


def _record_action(key: str):
    @require_POST
    @staff_required
    def view(request, pk: int):
        user = request.user
        _require(user, "violation.view", "Bạn không có quyền xem biên bản vi phạm hành chính.")
        if not (can(user, "violation.record") or can(user, "violation.decide")):
            raise PermissionDenied("Vai trò của bạn không được xử lý biên bản.")
        record = _record_or_404(user, pk)
        if key == "transfer":
            units = Unit.objects.filter(is_active=True).exclude(pk=record.unit_id)
            form = forms.TransferForm(request.POST, units=units, auto_id="id_transfer_%s")
        else:
            form = forms.ReasonForm(request.POST, auto_id="id_close_%s")
        if form.is_valid():
            try:
                if key == "transfer":
                    services.record_transfer(
                        officer=user,
                        record=record,
                        to_unit=form.cleaned_data["to_unit"],
                        reason=form.cleaned_data["reason"],
                    )
                    messages.success(request, f"Đã chuyển biên bản đến {form.cleaned_data['to_unit'].name}.")
                else:
                    services.record_close(officer=user, record=record, reason=form.cleaned_data["reason"])
                    messages.success(request, "Đã kết thúc biên bản, không ra quyết định xử phạt.")
                return redirect("violations:record-detail", pk=record.pk)
            except ViolationError as exc:
                form.add_error(None, exc.message)
                messages.error(request, exc.message)
                record.refresh_from_db()
                context = _record_context(request, record, bound={key: form})
                return render(request, "violations/staff_record_detail.html", context, status=_status(exc))
        messages.error(request, "Vui lòng sửa các mục được đánh dấu.")
        context = _record_context(request, record, bound={key: form})
        return render(request, "violations/staff_record_detail.html", context, status=400)

    return view


# --- decisions: issue -----------------------------------------------------------------------


def _records_from(request, user) -> list[ViolationRecord]:
    ids = request.POST.getlist("bien_ban") if request.method == "POST" else request.GET.getlist("bien_ban")
    pks = []
    for value in ids[:10]:
        if not str(value).isdigit():
            raise Http404("Biên bản không hợp lệ.")
        pks.append(int(value))
    if not pks:
        raise Http404("Chưa chọn biên bản để ra quyết định.")
    return [_record_or_404(user, pk) for pk in dict.fromkeys(pks)]


def _decision_lines(records) -> list:
    seen, out = set(), []
    for record in records:
        for rb in record.record_behaviours.select_related("behaviour", "behaviour__decree").order_by("id"):
            if rb.behaviour.code not in seen:
                seen.add(rb.behaviour.code)
                out.append(rb.behaviour)
    return out


def _line_forms(request, behaviours, mitigating, aggravating, *, bound: bool):
    out = []
    for i, b in enumerate(behaviours):
        kwargs = {"behaviour": b, "mitigating": mitigating, "aggravating": aggravating, "prefix": f"l{i}"}
        out.append(forms.LineForm(request.POST if bound else None, **kwargs))
    return out


def _power(user, day):
    try:
        return rules.officer_power(user, day), ""
    except ViolationError as exc:
        return None, exc.message


def preview(user, behaviours, values: list[dict], subject: str, day, on) -> dict:
    """What the decision would be: per line the range, the band the circumstances allow and the
    amount (`rules.fine_for`), the issuer's limit; the total in figures and words; the refusal
    the service would give, if any. Nothing is written."""
    power, power_error = _power(user, on)
    lines, total, errors = [], 0, []
    by_code = {b.code: b for b in behaviours}
    for v in values:
        b = by_code.get(v.get("behaviour_code"))
        if b is None:
            continue
        row = {"behaviour": b, "fine": None, "error": "", "limit": None, "suspension": None}
        months = v.get("suspension_months")
        if months:
            # the period as the service sets it: from the day of the decision (Art. 25)
            end = on + relativedelta(months=months) - timedelta(days=1)
            row["suspension"] = {"months": months, "start": on, "end": end}
        try:
            row["fine"] = rules.fine_for(
                b,
                subject=subject,
                mitigating=v.get("mitigating") or [],
                aggravating=v.get("aggravating") or [],
                amount=v.get("amount"),
                warning=bool(v.get("warning")),
            )
            total += row["fine"].amount
        except ViolationError as exc:
            row["error"] = exc.message
            errors.append(exc.message)
        if power is not None:
            try:
                row["limit"] = rules.power_limit(power, b.fine_field_code, subject, on)
            except Exception:  # noqa: BLE001 - a field without its maximum: the service refuses
                row["limit"] = None
        lines.append(row)
    authority_error = power_error
    if power is not None and lines:

        class _L:  # what check_authority reads of a line
            def __init__(self, b, v):
                self.behaviour, self.warning, self.suspension_months = (
                    b,
                    bool(v.get("warning")),
                    v.get("suspension_months"),
                )

        try:
            rules.check_authority(
                power,
                [_L(by_code[v["behaviour_code"]], v) for v in values if v.get("behaviour_code") in by_code],
                subject,
                on,
            )
        except ViolationError as exc:
            authority_error = exc.message
    return {
        "lines": lines,
        "total": total,
        "total_words": money_in_words(total),
        "power": power,
        "authority_error": authority_error,
        "errors": errors,
    }


def _line_values_loose(line_forms) -> list[dict]:
    """Line values from a bound form even when part of it is invalid (for the live preview)."""
    out = []
    for f in line_forms:
        f.is_valid()
        data = getattr(f, "cleaned_data", {}) or {}
        out.append(
            {
                "behaviour_code": f.rule.code,
                "mitigating": data.get("mitigating") or [],
                "aggravating": data.get("aggravating") or [],
                "amount": data.get("amount"),
                "warning": bool(data.get("warning")),
                "suspension_months": data.get("suspension_months"),
            }
        )
    return out


def _decision_setup(request):
    user = request.user
    _require(user, "violation.view", "Bạn không có quyền xem biên bản vi phạm hành chính.")
    _require(user, "violation.decide", "Vai trò của bạn không được ra quyết định xử phạt.")
    records = _records_from(request, user)
    behaviours = _decision_lines(records)
    first = min(records, key=lambda r: r.violated_at)
    day = timezone.localtime(first.violated_at).date()
    mitigating, aggravating = _circumstances(day)
    return records, behaviours, first, day, mitigating, aggravating


def _line_rows(line_forms, pv) -> list[tuple]:
    """Each line form with its preview row, matched by behaviour code: every line form is shown,
    with or without a row (the preview leaves out a line whose behaviour it does not know)."""
    by_code = {row["behaviour"].code: row for row in (pv or {}).get("lines", [])}
    return [(f, by_code.get(f.rule.code)) for f in line_forms]


def _render_decision_form(request, records, behaviours, first, day, line_forms, form, pv, *, status=200):
    suspension = any("suspension_months" in f.fields for f in line_forms)
    return render(
        request,
        "violations/staff_decision_form.html",
        {
            "records": records,
            "violator": _violator(first, _personal(request.user)),
            "subject": first.violator_kind,
            "day": day,
            "rows": _line_rows(line_forms, pv),
            "line_forms": line_forms,
            "form": form,
            "pv": pv,
            "suspension": suspension,
        },
        status=status,
    )


@staff_required
def decision_new(request):
    user = request.user
    records, behaviours, first, day, mitigating, aggravating = _decision_setup(request)
    today = _today()
    if request.method != "POST":
        line_forms = _line_forms(request, behaviours, mitigating, aggravating, bound=False)
        values = [{"behaviour_code": b.code} for b in behaviours]
        pv = preview(user, behaviours, values, first.violator_kind, day, today)
        return _render_decision_form(request, records, behaviours, first, day, line_forms, forms.DecisionForm(), pv)
    line_forms = _line_forms(request, behaviours, mitigating, aggravating, bound=True)
    form = forms.DecisionForm(request.POST)
    pv = preview(user, behaviours, _line_values_loose(line_forms), first.violator_kind, day, today)
    if "xem_truoc" in request.POST:  # recalculate without JavaScript
        return _render_decision_form(request, records, behaviours, first, day, line_forms, form, pv)
    if form.is_valid() and all(f.is_valid() for f in line_forms):
        data = form.cleaned_data
        try:
            decision = services.decision_issue(
                officer=user,
                records=records,
                lines=[services.LineInput(**f.line_values()) for f in line_forms],
                delivered_on=data.get("delivered_on"),
                remedial_measures=data.get("remedial_measures") or "",
                licence=form.licence(),
                instalments_allowed=bool(data.get("instalments_allowed")),
                idempotency_key=data["idempotency_key"],
            )
        except ViolationError as exc:
            form.add_error(None, exc.message)
            messages.error(request, "Chưa ra quyết định: " + exc.message)
            return _render_decision_form(
                request, records, behaviours, first, day, line_forms, form, pv, status=_status(exc)
            )
        messages.success(request, f"Đã ra quyết định xử phạt số {decision.number}.")
        return redirect(reverse("violations:decision-detail", args=[decision.pk]) + "?moi=1")
    messages.error(request, "Chưa ra quyết định: vui lòng sửa các mục được đánh dấu.")
    return _render_decision_form(request, records, behaviours, first, day, line_forms, form, pv, status=400)


@require_POST
@staff_required
def decision_preview(request):
    """htmx fragment: the allowed band of each line, the total in figures and words, the limit."""
    records, behaviours, first, day, mitigating, aggravating = _decision_setup(request)
    line_forms = _line_forms(request, behaviours, mitigating, aggravating, bound=True)
    pv = preview(request.user, behaviours, _line_values_loose(line_forms), first.violator_kind, day, _today())
    return render(request, "violations/staff_decision_preview.html", {"pv": pv})


def _subject(value) -> str:
    return Subject.ORGANISATION if value == Subject.ORGANISATION else Subject.PERSON


def _spot_limit(subject: str, day) -> int | None:
    try:
        return rules.spot_fine_limit(subject, day)
    except Exception:  # noqa: BLE001 - no dated limit: the page says "mức luật định"
        return None


def _spot_catalogue(day, subject: str):
    """What a fine without a record may cover for `subject` on `day` (`rules.spot_behaviours`);
    without a dated limit the whole catalogue (the service then refuses what is over the limit)."""
    if _spot_limit(subject, day) is None:
        return rules.behaviours_on(day)
    return rules.spot_behaviours(day, subject)


def _spot_context(form, *, subject, day, results=(), q="") -> dict:
    """The page: the limit of the chosen subject on the violation day, the picked behaviour
    (kept across a refused submit or a search without JavaScript) and the search results."""
    code = form["behaviour"].value() if form.is_bound else None
    picked = [(c, label) for c, label in form.fields["behaviour"].choices if c == code]
    return {
        "form": form,
        "limit": _spot_limit(subject, day),
        "subject": subject,
        "picked": picked,
        "results": [b for b in results if b.code != code],
        "q": q,
        "day": day,
    }


@staff_required
def decision_spot(request):
    """An on-the-spot fine without a record (Luật XLVPHC Art. 56), within its legal limit.

    Only behaviours that allow a warning or whose minimum fine for the chosen subject (person or
    organisation) is within that subject's limit on the violation day are offered and accepted
    (`rules.spot_behaviours`); they are found with the record form's search (words without
    diacritics)."""
    user = request.user
    _require(user, "violation.decide", "Vai trò của bạn không được ra quyết định xử phạt.")
    day = _record_day(request) if request.method == "POST" else _today()
    subject = _subject(request.POST.get("violator_kind")) if request.method == "POST" else Subject.PERSON
    mitigating, aggravating = _circumstances(day)
    catalogue = _spot_catalogue(day, subject).order_by("decree", "article", "clause", "point")
    choices = [(b.code, _behaviour_label(b)) for b in catalogue]
    kwargs = {"officer": user, "behaviour_choices": choices, "mitigating": mitigating, "aggravating": aggravating}
    template = "violations/staff_decision_spot.html"
    if request.method != "POST":
        form = forms.SpotDecisionForm(**kwargs)
        return render(request, template, _spot_context(form, subject=subject, day=day))
    form = forms.SpotDecisionForm(request.POST, **kwargs)
    if "tim_hanh_vi" in request.POST:  # the search without JavaScript: show results, keep what was typed
        q = request.POST.get("q_hanh_vi", "")[:100]
        form._errors = ErrorDict()  # not submitted yet: no error marks
        results = _behaviour_search(q, day, spot_subject=subject)
        return render(request, template, _spot_context(form, subject=subject, day=day, results=results, q=q))
    if form.is_valid():
        data = form.cleaned_data
        try:
            decision = services.decision_issue_on_the_spot(
                officer=user,
                violator=form.violator(),
                violated_at=data["violated_at"],
                address=data["address"],
                area=data.get("area"),
                plate=data.get("plate") or "",
                vehicle_kind=data.get("vehicle_kind") or "",
                line=services.LineInput(**form.line_values()),
            )
        except ViolationError as exc:
            form.add_error(None, exc.message)
            messages.error(request, "Chưa ra quyết định: " + exc.message)
            context = _spot_context(form, subject=subject, day=day)
            return render(request, template, context, status=_status(exc))
        messages.success(request, f"Đã ra quyết định xử phạt không lập biên bản số {decision.number}.")
        return redirect(reverse("violations:decision-detail", args=[decision.pk]) + "?moi=1")
    messages.error(request, "Chưa ra quyết định: vui lòng sửa các mục được đánh dấu.")
    return render(request, template, _spot_context(form, subject=subject, day=day), status=400)


# --- decisions: list and detail -------------------------------------------------------------

DECISION_SORTS = {"issued": "issued_at", "due": "payment_due_on", "amount": "total_fine", "number": "seq"}


@staff_required
def decision_list(request):
    user = request.user
    _require(user, "violation.view", "Bạn không có quyền xem quyết định xử phạt.")
    form = forms.DecisionListForm(request.GET or None, units=visible_units(user).filter(is_active=True))
    qs = selectors.visible_decisions(user)
    status = 200
    if form.is_bound and not form.is_valid():
        messages.error(request, "Bộ lọc không hợp lệ; vui lòng kiểm tra lại.")
        qs, status = qs.none(), 400
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    today = _today()
    soon = today + timedelta(days=_due_soon_days(today))
    open_statuses = [DecisionStatus.UNPAID, DecisionStatus.PARTLY_PAID]
    if data.get("status") == DecisionStatus.LATE:
        qs = qs.filter(Q(status=DecisionStatus.LATE) | Q(status__in=open_statuses, payment_due_on__lt=today))
    elif data.get("status"):
        qs = qs.filter(status=data["status"])
    if data.get("due") == "late":
        qs = qs.filter(Q(status=DecisionStatus.LATE) | Q(status__in=open_statuses, payment_due_on__lt=today))
    elif data.get("due") == "due_soon":
        qs = qs.filter(status__in=open_statuses, payment_due_on__gte=today, payment_due_on__lte=soon)
    if data.get("plate"):
        qs = qs.filter(plate__contains=_normal_plate(data["plate"]))
    if data.get("number"):
        qs = qs.filter(number__icontains=data["number"].strip())
    if data.get("date_from"):
        qs = qs.filter(issued_on__gte=data["date_from"])
    if data.get("date_to"):
        qs = qs.filter(issued_on__lte=data["date_to"])
    if data.get("unit"):
        qs = qs.filter(unit_path__startswith=data["unit"].path)
    sort = data.get("sort") or ""
    key = DECISION_SORTS.get(sort.lstrip("-"))
    qs = qs.order_by(f"{'-' if sort.startswith('-') else ''}{key}", "-id") if key else qs.order_by("-issued_at", "-id")
    page = Paginator(qs.select_related("unit"), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = []
    for d in page.object_list:
        badge = None
        if d.status in PAYABLE and d.payment_due_on:
            if d.payment_due_on < today or d.status == DecisionStatus.LATE:
                badge = {"state": "late", "text": "Quá hạn nộp"}
            elif d.payment_due_on <= soon:
                badge = {"state": "due_soon", "text": "Sắp đến hạn nộp"}
            else:
                badge = {"state": "on_time", "text": "Trong hạn"}
        elif d.status in PAYABLE:
            badge = {"state": "none", "text": "Chưa giao quyết định"}
        rows.append({"d": d, "name": _violator(d, False)["name"], "badge": badge})
    return render(
        request,
        "violations/staff_decision_list.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "query": _query(request),
            "sort_links": _sort_links(request, DECISION_SORTS, sort),
            "filters_open": bool(data) or status != 200,
            "may_decide": can(user, "violation.decide"),
        },
        status=status,
    )


def _decision_or_404(user, pk, *, log_read=True) -> PenaltyDecision:
    decision = selectors.decision_get(user, pk, log_read=log_read)
    if decision is None:
        raise Http404("Không tìm thấy quyết định.")
    return decision


def _qr(decision, fine_due: int, total_due: int) -> dict | None:
    if decision.status not in PAYABLE or total_due <= 0:
        return None
    try:
        import segno

        from antt.core import vietqr

        payload = vietqr.fine_payload(amount=total_due, reference=decision.payment_reference)
        return {
            "payload": payload,
            "image": segno.make(payload, error="m").png_data_uri(scale=5, border=2),
            "bank_bin": vietqr.fine_bank_bin(),
            "bank_name": vietqr.fine_bank_name(),
            "account": vietqr.fine_account(),
            "account_name": vietqr.fine_account_name(),
            "demo": vietqr.is_demo_account(),
            "note": decision.payment_reference,
            "amount": total_due,
        }
    except Exception:  # noqa: BLE001 - the QR is a convenience; the account text is shown anyway
        return None


# A label for every action a `DecisionEvent` may carry: the workflow's actions
# (`violations.workflow.TRANSITIONS`), "issue" and "seize" written by `services`, and the
# status names older demo data wrote as actions (`demo.py` now writes the workflow's actions).
EVENT_LABELS = {
    "issue": "Ra quyết định",
    "issued": "Ra quyết định",
    "deliver": "Giao quyết định",
    "delivered": "Giao quyết định",
    "pay": "Nộp tiền phạt",
    "payment": "Nộp tiền phạt",
    "paid": "Nộp tiền phạt",
    "partly_paid": "Nộp một phần tiền phạt",
    "appeal": "Khiếu nại, khởi kiện",
    "appealed": "Khiếu nại, khởi kiện",
    "close_appeal": "Kết thúc khiếu nại, khởi kiện",
    "enforce": "Cưỡng chế thi hành",
    "enforced": "Cưỡng chế thi hành",
    "cancel": "Hủy quyết định",
    "cancelled": "Hủy quyết định",
    "mark_late": "Quá hạn nộp phạt",
    "late": "Quá hạn nộp phạt",
    "seize": "Tạm giữ tang vật, phương tiện",
}


def _status_label(value: str) -> str:
    try:
        return str(DecisionStatus(value).label)
    except ValueError:
        return value or "—"


DECISION_ACTIONS = {
    "deliver": ("Ghi nhận ngày giao quyết định", "Ghi nhận", forms.DeliverForm),
    "pay": ("Thu tiền phạt tại quầy (in biên lai)", "Thu tiền và in biên lai", forms.CounterPaymentForm),
    "appeal": ("Ghi nhận khiếu nại, khởi kiện", "Ghi nhận", forms.NoteForm),
    "appeal_close": ("Kết thúc khiếu nại, khởi kiện (quyết định tiếp tục thi hành)", "Ghi nhận", forms.NoteForm),
    "enforce": ("Cưỡng chế thi hành quyết định", "Cưỡng chế", forms.NoteForm),
    "cancel": ("Hủy quyết định", "Hủy quyết định", forms.ReasonForm),
}


def _decision_actions_allowed(user, d: PenaltyDecision) -> list[str]:
    out = []
    decide = can(user, "violation.decide")
    if decide and d.delivered_on is None and d.status not in {DecisionStatus.CANCELLED}:
        out.append("deliver")
    if can(user, "violation.pay") and d.status in PAYABLE:
        out.append("pay")
    if decide and d.status in PAYABLE | {DecisionStatus.WARNING}:
        out.append("appeal")
    if decide and d.status == DecisionStatus.APPEALED:
        out.append("appeal_close")
    if (
        decide
        and d.status in {DecisionStatus.LATE, DecisionStatus.UNPAID, DecisionStatus.PARTLY_PAID}
        and d.payment_due_on
        and d.payment_due_on < _today()
    ):
        out.append("enforce")
    if decide and d.status not in {DecisionStatus.CANCELLED, DecisionStatus.PAID} and d.amount_paid == 0:
        out.append("cancel")
    return out


def _decision_context(request, d: PenaltyDecision, *, bound: dict | None = None) -> dict:
    user = request.user
    today = _today()
    try:
        fine_due, surcharge_due, total_due = rules.amount_due_on(d, today)
    except Exception:  # noqa: BLE001
        fine_due, surcharge_due, total_due = d.amount_due, 0, d.amount_due
    bound = bound or {}
    actions = []
    for key in _decision_actions_allowed(user, d):
        label, button, form_class = DECISION_ACTIONS[key]
        initial = {"amount": total_due} if key == "pay" else {}
        form = bound.get(key) or form_class(initial=initial, auto_id=f"id_{key}_%s")
        actions.append(
            {
                "key": key,
                "label": label,
                "button": button,
                "form": form,
                "open": key in bound,
                "url": reverse(f"violations:decision-{key.replace('_', '-')}", args=[d.pk]),
            }
        )
    payments = list(d.payments.all().order_by("received_at"))
    for p in payments:
        p.receipt_url = _optional_url("receipt-pdf", (p.pk,), (d.pk, p.pk)) if p.receipt_number else None
    receipt_pk = request.GET.get("bien_lai")
    receipt_url = None
    if receipt_pk and receipt_pk.isdigit():
        receipt_url = next((p.receipt_url for p in payments if p.pk == int(receipt_pk)), None)
    events = list(d.events.select_related("actor").all())
    for e in events:
        e.label = EVENT_LABELS.get(e.action, e.action)
        e.from_label, e.to_label = _status_label(e.from_status), _status_label(e.to_status)
    return {
        "d": d,
        "violator": _violator(d, _personal(user)),
        "lines": list(d.lines.all()),
        "records": list(d.records.all()),
        "events": events,
        "payments": payments,
        "suspensions": list(d.suspensions.all()),
        "seized_items": list(d.seized_items.all()),
        "fine_due": fine_due,
        "surcharge_due": surcharge_due,
        "total_due": total_due,
        "total_words": money_in_words(d.total_fine),
        "qr": _qr(d, fine_due, total_due),
        "actions": actions,
        "pdf_url": _optional_url("decision-pdf", (d.pk,)),
        "receipt_url": receipt_url,
        "just_issued": request.GET.get("moi") == "1",
        "late": d.status in PAYABLE and d.payment_due_on is not None and d.payment_due_on < today,
    }


@staff_required
def decision_detail(request, pk: int):
    _require(request.user, "violation.view", "Bạn không có quyền xem quyết định xử phạt.")
    d = _decision_or_404(request.user, pk)
    return render(request, "violations/staff_decision_detail.html", _decision_context(request, d))


def _decision_action(key: str):
    label, _button, form_class = DECISION_ACTIONS[key]

    @require_POST
    @staff_required
    def view(request, pk: int):
        user = request.user
        _require(user, "violation.view", "Bạn không có quyền xem quyết định xử phạt.")
        if key == "pay":
            _require(user, "violation.pay", "Vai trò của bạn không được thu tiền phạt.")
        else:
            _require(user, "violation.decide", "Vai trò của bạn không được thực hiện thao tác này.")
        d = _decision_or_404(user, pk, log_read=False)
        form = form_class(request.POST, auto_id=f"id_{key}_%s")
        if not form.is_valid():
            messages.error(request, "Vui lòng sửa các mục được đánh dấu.")
            return render(
                request,
                "violations/staff_decision_detail.html",
                _decision_context(request, d, bound={key: form}),
                status=400,
            )
        data = form.cleaned_data
        suffix = ""
        try:
            if key == "deliver":
                services.decision_deliver(officer=user, decision=d, delivered_on=data["delivered_on"])
                done = "Đã ghi nhận ngày giao quyết định; hạn nộp phạt đã được tính."
            elif key == "pay":
                payment, created = services.payment_record(
                    decision=d,
                    amount=data["amount"],
                    channel=FinePayment.Channel.COUNTER,
                    received_at=timezone.now(),
                    transaction_id=f"QUAY-{data['idempotency_key']}"[:80],
                    payer_name=(data.get("payer_name") or "").strip(),
                    officer=user,
                )
                done = (
                    f"Đã thu {format_vnd(payment.amount, sep=NBSP)}; biên lai số {payment.receipt_number}."
                    if created
                    else "Khoản nộp này đã được ghi nhận trước đó."
                )
                suffix = f"?bien_lai={payment.pk}"
            elif key == "appeal_close":
                services.decision_appeal_close(officer=user, decision=d, note=data["note"])
                done = "Đã ghi nhận kết thúc khiếu nại, khởi kiện."
            elif key == "appeal":
                services.decision_appeal(officer=user, decision=d, note=data["note"])
                done = "Đã ghi nhận khiếu nại, khởi kiện."
            elif key == "enforce":
                services.decision_enforce(officer=user, decision=d, note=data["note"])
                done = "Đã chuyển sang cưỡng chế thi hành."
            else:
                services.decision_cancel(officer=user, decision=d, reason=data["reason"])
                done = "Đã hủy quyết định."
        except ViolationError as exc:
            form.add_error(None, exc.message)
            messages.error(request, exc.message)
            d.refresh_from_db()
            return render(
                request,
                "violations/staff_decision_detail.html",
                _decision_context(request, d, bound={key: form}),
                status=_status(exc),
            )
        messages.success(request, done)
        return redirect(reverse("violations:decision-detail", args=[d.pk]) + suffix)

    view.__name__ = f"decision_{key}"
    return view


# --- registers ------------------------------------------------------------------------------


@staff_required
def seized_list(request):
    """The custody register: held now (overdue first and highlighted), or closed."""
    user = request.user
    _require(user, "violation.view", "Bạn không có quyền xem sổ tang vật, phương tiện tạm giữ.")
    form = forms.SeizedListForm(request.GET or None)
    qs = selectors.visible_seized(user)
    status = 200
    if form.is_bound and not form.is_valid():
        messages.error(request, "Bộ lọc không hợp lệ; vui lòng kiểm tra lại.")
        qs, status = qs.none(), 400
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    today = _today()
    state = data.get("status") or ""
    if state == "":
        qs = qs.filter(status=SeizedItem.Status.HELD).order_by("hold_until", "id")
    elif state == "overdue":
        qs = qs.filter(status=SeizedItem.Status.HELD, hold_until__lt=today).order_by("hold_until", "id")
    elif state == "closed":
        qs = qs.exclude(status=SeizedItem.Status.HELD).order_by("-closed_at", "-id")
    else:
        qs = qs.order_by("-seized_at", "-id")
    if data.get("plate"):
        qs = qs.filter(plate__contains=_normal_plate(data["plate"]))
    qs = qs.select_related("unit", "record", "seized_by")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    may_close = can(user, "violation.seize")
    rows = [
        {
            "item": item,
            "overdue": item.status == SeizedItem.Status.HELD and item.hold_until < today,
            "form": forms.SeizedCloseForm(auto_id=f"id_tv{item.pk}_%s")
            if may_close and item.status == SeizedItem.Status.HELD
            else None,
        }
        for item in page.object_list
    ]
    return render(
        request,
        "violations/staff_seized_list.html",
        {"form": form, "page": page, "rows": rows, "query": _query(request), "today": today},
        status=status,
    )


@require_POST
@staff_required
def seized_close(request, pk: int):
    user = request.user
    _require(user, "violation.seize", "Vai trò của bạn không được xử lý tang vật, phương tiện tạm giữ.")
    item = selectors.visible_seized(user).filter(pk=pk).first()
    if item is None:
        raise Http404("Không tìm thấy tang vật, phương tiện.")
    form = forms.SeizedCloseForm(request.POST, auto_id=f"id_tv{item.pk}_%s")
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.seized_item_close(
                officer=user,
                item=item,
                status=data["status"],
                reason=data["reason"],
                receiver_name=(data.get("receiver_name") or "").strip(),
            )
        except ViolationError as exc:
            messages.error(request, exc.message)
            return render(
                request, "violations/staff_seized_close.html", {"item": item, "form": form}, status=_status(exc)
            )
        messages.success(request, f"Đã cập nhật: {item.description} — {SeizedItem.Status(data['status']).label}.")
        return redirect("violations:seized-list")
    messages.error(request, "Vui lòng sửa các mục được đánh dấu.")
    return render(request, "violations/staff_seized_close.html", {"item": item, "form": form}, status=400)


@staff_required
def suspension_list(request):
    """The register of suspended licences and permits, with the CSV feed link."""
    user = request.user
    _require(user, "violation.view", "Bạn không có quyền xem sổ tước quyền sử dụng giấy phép.")
    form = forms.SuspensionListForm(request.GET or None)
    qs = selectors.visible_suspensions(user)
    status = 200
    if form.is_bound and not form.is_valid():
        messages.error(request, "Bộ lọc không hợp lệ; vui lòng kiểm tra lại.")
        qs, status = qs.none(), 400
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    today = _today()
    state = data.get("state") or ""
    if state == "":
        qs = qs.filter(cancelled=False, starts_on__lte=today, ends_on__gte=today)
    elif state == "ended":
        qs = qs.filter(Q(ends_on__lt=today) | Q(cancelled=True))
    if data.get("q"):
        qs = qs.filter(licence_number__icontains=data["q"].strip())
    qs = qs.select_related("unit", "decision").order_by("-starts_on", "-id")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    full = _personal(user)
    rows = [
        {
            "s": s,
            "holder": s.holder_name if full else selectors.mask_name(s.holder_name),
            "active": not s.cancelled and s.starts_on <= today <= s.ends_on,
        }
        for s in page.object_list
    ]
    if full and rows:
        audit.record(
            AuditEvent.Action.READ_PERSONAL,
            object_type="violations.licencesuspension",
            object_repr="Sổ tước quyền sử dụng giấy phép",
            changes={"fields": ["holder_name"], "suspensions": [r["s"].pk for r in rows]},
            reason="Xem sổ tước quyền sử dụng giấy phép",
        )
    return render(
        request,
        "violations/staff_suspension_list.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "query": _query(request),
            "csv_url": _optional_url("suspension-csv") or _optional_url("suspensions-csv"),
            "kinds": LicenceSuspension.Kind,
        },
        status=status,
    )


urlpatterns = [
    path("vi-pham/bien-ban/", record_list, name="record-list"),
    path("vi-pham/bien-ban/moi/", record_new, name="record-new"),
    path("vi-pham/bien-ban/<int:pk>/", record_detail, name="record-detail"),
    path("vi-pham/bien-ban/<int:pk>/chuyen/", _record_action("transfer"), name="record-transfer"),
    path("vi-pham/bien-ban/<int:pk>/ket-thuc/", _record_action("close"), name="record-close"),
    path("vi-pham/hanh-vi/", behaviour_search, name="behaviour-search"),
    path("vi-pham/quyet-dinh/", decision_list, name="decision-list"),
    path("vi-pham/quyet-dinh/moi/", decision_new, name="decision-new"),
    path("vi-pham/quyet-dinh/moi/tinh-tien/", decision_preview, name="decision-preview"),
    path("vi-pham/quyet-dinh/tai-cho/", decision_spot, name="decision-spot"),
    path("vi-pham/quyet-dinh/<int:pk>/", decision_detail, name="decision-detail"),
    path("vi-pham/quyet-dinh/<int:pk>/giao/", _decision_action("deliver"), name="decision-deliver"),
    path("vi-pham/quyet-dinh/<int:pk>/nop-tien/", _decision_action("pay"), name="decision-pay"),
    path("vi-pham/quyet-dinh/<int:pk>/khieu-nai/", _decision_action("appeal"), name="decision-appeal"),
    path(
        "vi-pham/quyet-dinh/<int:pk>/ket-thuc-khieu-nai/",
        _decision_action("appeal_close"),
        name="decision-appeal-close",
    ),
    path("vi-pham/quyet-dinh/<int:pk>/cuong-che/", _decision_action("enforce"), name="decision-enforce"),
    path("vi-pham/quyet-dinh/<int:pk>/huy/", _decision_action("cancel"), name="decision-cancel"),
    path("vi-pham/tang-vat/", seized_list, name="seized-list"),
    path("vi-pham/tang-vat/<int:pk>/xu-ly/", seized_close, name="seized-close"),
    path("vi-pham/tuoc-giay-phep/", suspension_list, name="suspension-list"),
]
