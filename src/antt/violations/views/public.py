"""Public pages of fines: the lookup `/tra-cuu-vi-pham/` and the QR image of a decision.

No account. The lookup is a form POST (the plate, or the decision number plus the last four
digits of the violator's ID number), so nothing personal ends up in a URL, a log or a browser
history. It shows each fine with today's amount (fine plus surcharge), the deadline, the
VietQR code to pay with a banking app and the account and transfer note to type by hand;
once paid, "Đã nộp phạt". Only the masked name appears. Rate limited like the API.

The QR image is served by the decision's unguessable token (`/tra-cuu-vi-pham/qr/<token>.png`
or `.svg`); it carries the amount due today and the payment reference, nothing personal, and
is never cached (the amount grows with the surcharge).
"""

from __future__ import annotations

from django import forms
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import path, re_path
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from antt.core.money import NBSP, format_vnd
from antt.core.pdf import qr_png, qr_svg
from antt.dossiers import ratelimit
from antt.violations.api_public import (
    NO_UNPAID,
    NOT_FOUND,
    PAYABLE,
    RATE_LIMITED,
    find_by_number,
    find_by_plate,
    lookup_rate,
    qr_payload,
    summaries,
    summary,
)
from antt.violations.models import PenaltyDecision

TEMPLATE = "violations/public_lookup.html"


class PlateForm(forms.Form):
    plate = forms.CharField(
        label="Biển số xe",
        max_length=20,
        help_text="Ví dụ 36A-123.45 hoặc 36B1 12345; không phân biệt dấu chấm, gạch, khoảng trắng.",
        error_messages={"required": "Vui lòng nhập biển số xe.", "max_length": "Biển số tối đa 20 ký tự."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="bien-so", **kwargs)
        self.fields["plate"].widget.attrs.update(
            {"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}
        )


class NumberForm(forms.Form):
    decision_number = forms.CharField(
        label="Số quyết định xử phạt",
        max_length=40,
        help_text="Ghi đủ số in ở đầu quyết định, ví dụ 15/QĐ-XPHC/CAX14797/2026.",
        error_messages={"required": "Vui lòng nhập số quyết định.", "max_length": "Số quyết định tối đa 40 ký tự."},
    )
    id_last_digits = forms.RegexField(
        label="4 chữ số cuối số định danh cá nhân (hoặc mã số thuế)",
        regex=r"^[0-9]{4}$",
        help_text="Của người (tổ chức) bị xử phạt, như ghi trên quyết định.",
        error_messages={
            "required": "Vui lòng nhập 4 chữ số cuối số định danh.",
            "invalid": "Vui lòng nhập đúng 4 chữ số.",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="quyet-dinh", **kwargs)
        self.fields["decision_number"].widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})
        self.fields["id_last_digits"].widget.attrs.update(
            {"inputmode": "numeric", "autocomplete": "off", "maxlength": "4", "pattern": "[0-9]{4}"}
        )


def _context(**extra) -> dict:
    return {"plate_form": PlateForm(), "number_form": NumberForm(), **extra}


def _with_money(item: dict) -> dict:
    """The public summary plus its amounts as Vietnamese text for the template."""
    money = {
        k: format_vnd(item[k], sep=NBSP)
        for k in ("total_fine", "amount_paid", "fine_due", "surcharge_due", "total_due")
    }
    return {**item, "money": money}


@never_cache
@require_http_methods(["GET", "POST"])
def lookup(request):
    """/tra-cuu-vi-pham/: the two forms; on POST the fines (200), 404 unknown number, 400 bad input, 429."""
    if request.method == "GET":
        return render(request, TEMPLATE, _context())
    if not ratelimit.allow(request, "fine-lookup", lookup_rate()):
        response = render(request, TEMPLATE, _context(error=RATE_LIMITED), status=429)
        response["Retry-After"] = str(ratelimit.retry_after(lookup_rate()))
        return response
    today = timezone.localdate()
    if request.POST.get("mode") == "number":
        form = NumberForm(request.POST)
        if not form.is_valid():
            return render(request, TEMPLATE, _context(number_form=form, mode="number"), status=400)
        decision = find_by_number(form.cleaned_data["decision_number"], form.cleaned_data["id_last_digits"])
        if decision is None:
            blank = NumberForm(initial={"decision_number": form.cleaned_data["decision_number"]})
            return render(request, TEMPLATE, _context(number_form=blank, mode="number", error=NOT_FOUND), status=404)
        items = [_with_money(summary(decision, today))]
        return render(request, TEMPLATE, _context(mode="number", results=items, searched=True))
    form = PlateForm(request.POST)
    if not form.is_valid():
        return render(request, TEMPLATE, _context(plate_form=form, mode="plate"), status=400)
    try:
        decisions = find_by_plate(form.cleaned_data["plate"])
    except ValueError as exc:  # a malformed plate, in Vietnamese
        form.add_error("plate", str(exc))
        return render(request, TEMPLATE, _context(plate_form=form, mode="plate"), status=400)
    items = [_with_money(item) for item in summaries(decisions, today)]
    context = _context(
        plate_form=PlateForm(initial={"plate": form.cleaned_data["plate"]}),
        mode="plate",
        results=items,
        searched=True,
        empty_message=NO_UNPAID,
    )
    return render(request, TEMPLATE, context)


@never_cache
@require_GET
def qr_image(request, token: str, fmt: str):
    """The VietQR code of a payable decision, as PNG or SVG; 404 when nothing is due."""
    from antt.violations import rules

    if "\x00" in token or len(token) > 40:
        raise Http404
    decision = PenaltyDecision.objects.filter(token=token).first()
    if decision is None or decision.status not in PAYABLE:
        raise Http404
    total = rules.amount_due_on(decision, timezone.localdate())[2]
    if total <= 0:
        raise Http404
    payload = qr_payload(decision, total)
    if fmt == "png":
        return HttpResponse(qr_png(payload, scale=6), content_type="image/png")
    svg = qr_svg(payload, scale=6)
    return HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")


urlpatterns = [
    path("tra-cuu-vi-pham/", lookup, name="lookup"),
    re_path(r"^tra-cuu-vi-pham/qr/(?P<token>[A-Za-z0-9_-]{1,40})\.(?P<fmt>png|svg)$", qr_image, name="lookup-qr"),
]
