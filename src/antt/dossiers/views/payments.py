"""Online fee payment pages: start (from the dossier's token page), the demo bank, the return."""

from __future__ import annotations

import secrets
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods, require_POST

from antt.core.money import format_vnd
from antt.dossiers import payments
from antt.dossiers.models import Payment
from antt.dossiers.selectors import public_by_token
from antt.dossiers.services import DossierInputError
from antt.dossiers.workflow import TransitionError


def _has_nul(*values: str) -> bool:
    """PostgreSQL refuses NUL in text; no token, reference or signature contains one."""
    return any("\x00" in (v or "") for v in values)


@require_POST
def pay_start(request, token):
    dossier = None if _has_nul(token) else public_by_token(token)
    if dossier is None:
        raise Http404
    try:
        _payment, url = payments.payment_start(dossier=dossier)
    except TransitionError as exc:
        messages.error(request, exc.message)
        return redirect("dossiers:public-token", token=token)
    return redirect(url)


@require_http_methods(["GET", "POST"])
def demo_gateway(request, reference):
    """A stand-in for the bank's page (demo gateway only): shows the amount and signs a confirmation."""
    if payments.gateway_name() != "demo" or _has_nul(reference):
        raise Http404
    payment = Payment.objects.select_related("dossier").filter(reference=reference[:40]).first()
    if payment is None or payment.state != Payment.State.PENDING:
        raise Http404
    if request.method == "POST":
        if request.POST.get("decision") != "pay":
            messages.warning(request, "Bạn đã hủy thanh toán. Có thể thanh toán lại bất cứ lúc nào.")
            return redirect("dossiers:public-token", token=payment.dossier.token)
        transaction_id = "DEMO" + secrets.token_hex(6).upper()
        query = {
            "reference": payment.reference,
            "amount": str(payment.amount),
            "transaction_id": transaction_id,
            "signature": payments.sign(payment.reference, payment.amount, transaction_id),
        }
        return redirect(reverse("dossiers:pay-return") + "?" + urlencode(query))
    return render(
        request,
        "dossiers/pay_demo_gateway.html",
        {"payment": payment, "amount": format_vnd(payment.amount), "code": payment.dossier.code},
    )


def pay_return(request):
    """Where the gateway sends the applicant back, with its signed confirmation."""
    fields = ("reference", "amount", "transaction_id", "signature")
    if _has_nul(*(request.GET.get(f, "") for f in fields)):
        return render(request, "dossiers/pay_error.html", {"message": "Xác nhận thanh toán không hợp lệ."}, status=400)
    try:
        payment = payments.payment_confirm(
            reference=request.GET.get("reference", ""),
            amount=request.GET.get("amount", ""),
            transaction_id=request.GET.get("transaction_id", ""),
            signature=request.GET.get("signature", ""),
        )
    except DossierInputError as exc:
        return render(request, "dossiers/pay_error.html", {"message": exc.message}, status=400)
    except TransitionError as exc:
        return render(request, "dossiers/pay_error.html", {"message": exc.message}, status=exc.status)
    messages.success(request, f"Đã thanh toán {format_vnd(payment.amount)} cho hồ sơ {payment.dossier.code}.")
    return redirect("dossiers:public-token", token=payment.dossier.token)


urlpatterns = [
    path("tra-cuu/ho-so/<str:token>/thanh-toan/", pay_start, name="pay-start"),
    path("thanh-toan/demo/<str:reference>/", demo_gateway, name="pay-demo-gateway"),
    path("thanh-toan/ket-qua/", pay_return, name="pay-return"),
]
