"""Staff views that print a violation file's official documents as PDF (opened inline, ready to print).

Thin: the record or decision is read through the violations selectors (`record_get`,
`decision_get`: 404 when the officer's unit may not see it, 403 without `violation.view`), the
document is drawn by `violations.printing`, and every print, which shows the violator's personal
data, is logged as a personal-data read (`selectors.log_personal_read`, with the print as the
reason) once the PDF is made: a refused print logs nothing. Roles without `person.view` (a
supervisor) get 403. A document that cannot be printed (no form in force, an imported decision,
a payment that is not a counter payment) answers 404 with the reason, never 500.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.urls import path
from django.views.decorators.http import require_GET

from antt.core.text import fold
from antt.org.otp import staff_required
from antt.violations import printing, selectors
from antt.violations.models import FinePayment


def _personal(user, obj):
    """The object, once the user may also see the violator's full data (else 403)."""
    if not selectors.may_see_personal_data(user):
        raise PermissionDenied("Vai trò của bạn không được in văn bản có thông tin cá nhân của người vi phạm.")
    return obj


def _pdf(subject, render, *, reason: str, filename: str) -> HttpResponse:
    try:
        content = render()
    except printing.PrintError as exc:
        raise Http404(exc.message) from exc
    selectors.log_personal_read(subject, reason=reason)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}.pdf"'
    response["Cache-Control"] = "no-store"  # personal data: never kept by a shared cache
    return response


def _safe(number: str) -> str:
    """An ASCII file name part: "27/QĐ-XPHC" -> "27-qd-xphc" (headers stay plain Latin-1)."""
    return "".join(c if c.isascii() and (c.isalnum() or c in "-_") else "-" for c in fold(number))


@require_GET
@staff_required
def record_pdf(request, pk: int):
    record = _personal(request.user, selectors.record_get(request.user, pk, log_read=False))
    return _pdf(
        record,
        lambda: printing.record_pdf(record),
        reason="In biên bản vi phạm hành chính",
        filename=f"bien-ban-{_safe(record.number)}",
    )


@require_GET
@staff_required
def decision_pdf(request, pk: int):
    decision = _personal(request.user, selectors.decision_get(request.user, pk, log_read=False))
    return _pdf(
        decision,
        lambda: printing.decision_pdf(decision),
        reason="In quyết định xử phạt vi phạm hành chính",
        filename=f"quyet-dinh-{_safe(decision.number)}",
    )


@require_GET
@staff_required
def receipt_pdf(request, pk: int, payment_pk: int):
    decision = _personal(request.user, selectors.decision_get(request.user, pk, log_read=False))
    payment = FinePayment.objects.select_related("officer").filter(pk=payment_pk, decision_id=decision.pk).first()
    if payment is None:
        raise Http404("Không tìm thấy khoản nộp phạt.")
    payment.decision = decision
    return _pdf(
        decision,
        lambda: printing.receipt_pdf(payment),
        reason=f"In biên lai thu tiền phạt số {payment.receipt_number}",
        filename=f"bien-lai-{_safe(payment.receipt_number)}",
    )


urlpatterns = [
    path("vi-pham/bien-ban/<int:pk>/in/", record_pdf, name="record-pdf"),
    path("vi-pham/quyet-dinh/<int:pk>/in/", decision_pdf, name="decision-pdf"),
    path("vi-pham/quyet-dinh/<int:pk>/bien-lai/<int:payment_pk>/in/", receipt_pdf, name="receipt-pdf"),
]
