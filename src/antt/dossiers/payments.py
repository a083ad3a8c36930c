"""Online fee payment for full-online procedures: start, the gateway, the signed confirmation.

A real deployment connects the national portal's payment platform or a bank; each is a
gateway class here, chosen by `ANTT_PAYMENT_GATEWAY`:

- `demo` (the default with DEBUG on): a page of this site plays the bank, then comes back
  with a confirmation signed the same way a bank signs it (HMAC-SHA256 over the reference,
  amount and transaction id, with a key only the two sides know). Everything after the
  signature check is the production code path.
- `disabled` (the default otherwise): no online payment is offered; fees are paid at the counter.

A confirmation is accepted once: the amount must match, the signature must verify, and a
repeated callback for a paid reference changes nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from antt.core import audit
from antt.core.models import AuditEvent
from antt.dossiers.models import CLOSED_STATUSES, Dossier, Payment
from antt.dossiers.services import DossierInputError, dossier_record_payment
from antt.dossiers.workflow import TransitionError


def gateway_name() -> str:
    default = "demo" if settings.DEBUG else "disabled"
    return getattr(settings, "ANTT_PAYMENT_GATEWAY", "") or default


def online_payment_enabled() -> bool:
    return gateway_name() != "disabled"


def _key() -> bytes:
    secret = getattr(settings, "ANTT_PAYMENT_SECRET", "") or settings.SECRET_KEY
    return hashlib.sha256(("payment:" + secret).encode()).digest()


def sign(reference: str, amount: int, transaction_id: str) -> str:
    message = f"{reference}|{amount}|{transaction_id}".encode()
    return hmac.new(_key(), message, hashlib.sha256).hexdigest()


def payable(dossier: Dossier) -> bool:
    """The applicant may pay online now: a fee is due, unpaid, and the dossier is still open."""
    return (
        online_payment_enabled()
        and dossier.fee_amount > 0
        and dossier.fee_paid_at is None
        and dossier.status not in CLOSED_STATUSES
    )


def payment_start(*, dossier: Dossier) -> tuple[Payment, str]:
    """Create the pending payment and return the URL of the gateway page to send the applicant to."""
    if not payable(dossier):
        raise TransitionError("Hồ sơ này hiện không có khoản phí, lệ phí cần thanh toán trực tuyến.", 409)
    with transaction.atomic():
        payment = Payment.objects.create(
            dossier=dossier,
            reference="TT" + secrets.token_hex(10).upper(),
            amount=dossier.fee_amount,
            gateway=gateway_name(),
        )
        audit.record(
            AuditEvent.Action.CREATE,
            payment,
            changes={"dossier": dossier.code, "amount": payment.amount, "gateway": payment.gateway},
            actor_name="Công dân (trực tuyến)",
        )
    if payment.gateway == "demo":
        return payment, reverse("dossiers:pay-demo-gateway", args=[payment.reference])
    raise TransitionError("Cổng thanh toán chưa được cấu hình.", 409)


def payment_confirm(*, reference: str, amount: str, transaction_id: str, signature: str) -> Payment:
    """The gateway's confirmation: verify, then record the fee as paid online (once)."""
    if "\x00" in (reference or ""):
        raise DossierInputError("Không tìm thấy giao dịch thanh toán.", "reference")
    payment = Payment.objects.select_related("dossier").filter(reference=(reference or "")[:40]).first()
    if payment is None:
        raise DossierInputError("Không tìm thấy giao dịch thanh toán.", "reference")
    try:
        amount_value = int(amount)
    except (TypeError, ValueError):
        raise DossierInputError("Số tiền thanh toán không hợp lệ.", "amount") from None
    transaction_id = (transaction_id or "")[:100]
    expected = sign(payment.reference, amount_value, transaction_id)
    if not transaction_id or not hmac.compare_digest(expected, signature or ""):
        raise DossierInputError("Chữ ký xác nhận thanh toán không hợp lệ.", "signature")
    if amount_value != payment.amount:
        raise DossierInputError("Số tiền thanh toán không khớp với khoản phí của hồ sơ.", "amount")
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        if payment.state == Payment.State.PAID:
            return payment
        dossier_record_payment(dossier=payment.dossier, online=True, reference=transaction_id)
        payment.state, payment.gateway_transaction, payment.finished_at = (
            Payment.State.PAID,
            transaction_id,
            timezone.now(),
        )
        payment.save(update_fields=["state", "gateway_transaction", "finished_at"])
        audit.record(
            AuditEvent.Action.UPDATE,
            payment,
            changes={"state": ["pending", "paid"], "transaction": transaction_id},
            actor_name="Cổng thanh toán",
        )
    return payment
