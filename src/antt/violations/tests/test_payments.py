"""The payment provider's signed confirmation and the demo bank app: money lands once, for the
right amount, with a valid signature; every callback is logged."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from antt.violations import payments, rules, services
from antt.violations.models import DecisionStatus, FinePayment, PaymentCallback, PenaltyDecision
from antt.violations.tests.factories import make_decision, violations_world

CONFIRM = "/api/v1/violations/payments/confirm"


@pytest.fixture
def w(db, settings):
    settings.ANTT_FINE_PAYMENT_GATEWAY = "demo"
    settings.ANTT_FINE_PAYMENT_SECRET = "shared-secret-for-tests"
    settings.ANTT_REQUIRE_2FA = False
    return violations_world()


def delivered_decision(w, *, delivered_on=None, **kwargs) -> PenaltyDecision:
    """A helmet decision (500.000 đ) delivered on `delivered_on` (default today)."""
    decision = make_decision(w, **kwargs)
    services.decision_deliver(officer=w.officer, decision=decision, delivered_on=delivered_on or timezone.localdate())
    decision.refresh_from_db()
    return decision


def callback_body(decision, amount=None, transaction_id="FT26001", **extra) -> bytes:
    data = {
        "payment_reference": decision.payment_reference,
        "amount": decision.total_fine if amount is None else amount,
        "transaction_id": transaction_id,
        **extra,
    }
    return json.dumps(data).encode()


def post_callback(client: Client, body: bytes, signature: str | None = None):
    return client.post(
        CONFIRM,
        data=body,
        content_type="application/json",
        headers={"X-Signature": payments.sign(body) if signature is None else signature},
    )


def test_signed_confirmation_pays_the_decision_and_is_logged(w):
    # given a delivered decision of 500.000 đ
    decision = delivered_decision(w)
    # when the provider confirms a transfer of exactly that amount
    response = post_callback(Client(enforce_csrf_checks=True), callback_body(decision))
    # then 200, the decision is paid by transfer, and the callback is in the evidence trail
    assert response.status_code == 200, response.content
    assert response.json()["decision_number"] == decision.number
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.PAID
    payment = FinePayment.objects.get(decision=decision)
    assert (payment.channel, payment.amount, payment.transaction_id) == ("transfer", 500_000, "FT26001")
    log = PaymentCallback.objects.get()
    assert (log.result, log.signature_ok, log.payment_id, log.amount) == ("accepted", True, payment.pk, 500_000)


def test_repeated_confirmation_gives_the_same_answer_and_records_nothing_new(w):
    # given a confirmation already accepted
    decision = delivered_decision(w)
    client = Client()
    first = post_callback(client, callback_body(decision))
    # when the provider sends the same one again
    second = post_callback(client, callback_body(decision))
    # then the same answer, still one payment, and the repeat is logged as such
    assert second.status_code == first.status_code == 200
    assert second.json() == first.json()
    assert FinePayment.objects.filter(decision=decision).count() == 1
    assert list(PaymentCallback.objects.order_by("id").values_list("result", flat=True)) == ["accepted", "duplicate"]


def test_forged_signature_is_refused_logged_and_pays_nothing(w):
    # given a body signed with another key
    decision = delivered_decision(w)
    body = callback_body(decision)
    # when posted
    response = post_callback(Client(), body, signature="0" * 64)
    # then 403 in Vietnamese, nothing paid, and the attempt logged with its claimed fields
    assert response.status_code == 403
    assert response.json()["detail"] == "Chữ ký xác nhận thanh toán không hợp lệ."
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.UNPAID and not FinePayment.objects.exists()
    log = PaymentCallback.objects.get()
    assert (log.result, log.signature_ok, log.transaction_id) == ("forged", False, "FT26001")


def test_a_missing_signature_is_refused(w):
    decision = delivered_decision(w)
    response = post_callback(Client(), callback_body(decision), signature="")
    assert response.status_code == 403
    assert not FinePayment.objects.exists()


def test_a_signed_body_changed_in_transit_is_refused(w):
    # given the signature of 500.000 đ on a body claiming 5.000.000 đ
    decision = delivered_decision(w)
    signature = payments.sign(callback_body(decision))
    response = post_callback(Client(), callback_body(decision, amount=5_000_000), signature=signature)
    assert response.status_code == 403
    assert not FinePayment.objects.exists()


def test_wrong_amount_is_422_and_nothing_is_paid(w):
    # given a decision of 500.000 đ
    decision = delivered_decision(w)
    # when the provider confirms 400.000 đ (instalments not allowed)
    response = post_callback(Client(), callback_body(decision, amount=400_000))
    # then 422 with the reason, the decision unchanged, the attempt logged
    assert response.status_code == 422
    assert response.json()["detail"]
    decision.refresh_from_db()
    assert (decision.status, decision.amount_paid) == (DecisionStatus.UNPAID, 0)
    assert not FinePayment.objects.exists()
    assert PaymentCallback.objects.get().result == "mismatch"


def test_unknown_reference_is_404(w):
    decision = delivered_decision(w)
    body = json.dumps({"payment_reference": "VPNOSUCHREF1", "amount": 500_000, "transaction_id": "X1"}).encode()
    response = post_callback(Client(), body)
    assert response.status_code == 404
    assert PaymentCallback.objects.get().result == "unknown"
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.UNPAID


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[1, 2]",
        b'{"payment_reference": "VP1", "amount": "500000", "transaction_id": "T1"}',
        b'{"payment_reference": "VP1", "amount": -5, "transaction_id": "T1"}',
        b'{"payment_reference": "VP1", "amount": 5, "transaction_id": ""}',
        b'{"payment_reference": "VP1", "amount": 5, "transaction_id": "T1", "paid_at": "yesterday"}',
    ],
)
def test_malformed_signed_body_is_422_in_vietnamese(w, body):
    response = post_callback(Client(), body)
    assert response.status_code == 422
    assert response.json()["detail"]
    assert PaymentCallback.objects.get().result == "malformed"
    assert not FinePayment.objects.exists()


def test_a_transaction_id_reused_for_another_decision_is_409(w):
    # given a transfer accepted for one decision
    first = delivered_decision(w)
    second = delivered_decision(w)
    assert post_callback(Client(), callback_body(first, transaction_id="FT-SAME")).status_code == 200
    # when the same transaction id is claimed for another decision
    response = post_callback(Client(), callback_body(second, transaction_id="FT-SAME"))
    # then refused, and the second decision stays unpaid
    assert response.status_code == 409
    second.refresh_from_db()
    assert second.status == DecisionStatus.UNPAID


def test_late_transfer_must_include_the_surcharge_of_its_day(w):
    # given a decision whose payment deadline passed 20 days before the transfer
    today = timezone.localdate()
    decision = delivered_decision(w, delivered_on=today - timedelta(days=30))
    paid_at = timezone.now()
    fine, surcharge, total = rules.amount_due_on(decision, today)
    assert surcharge > 0
    # when the payer sends the fine only, then refused
    assert post_callback(Client(), callback_body(decision, amount=fine, transaction_id="T-LOW")).status_code == 422
    # when the payer sends fine plus surcharge, then accepted
    body = callback_body(decision, amount=total, transaction_id="T-OK", paid_at=paid_at.isoformat())
    response = post_callback(Client(), body)
    assert response.status_code == 200, response.content
    assert (response.json()["fine_part"], response.json()["surcharge_part"]) == (fine, surcharge)


def test_callbacks_are_refused_when_transfers_are_disabled(w, settings):
    settings.ANTT_FINE_PAYMENT_GATEWAY = "disabled"
    decision = delivered_decision(w)
    response = post_callback(Client(), callback_body(decision))
    assert response.status_code == 404
    assert not FinePayment.objects.exists()


def test_an_unsigned_callback_is_refused_before_anything_else_even_when_disabled(w, settings):
    # given transfers switched off (the production default until configured)
    settings.ANTT_FINE_PAYMENT_GATEWAY = "disabled"
    decision = delivered_decision(w)
    # when the callback comes without its X-Signature header
    response = Client().post(
        "/api/v1/violations/payments/confirm", data=callback_body(decision), content_type="application/json"
    )
    # then it is refused as unauthenticated (403), not answered with what is switched on
    assert response.status_code == 403
    assert not FinePayment.objects.exists()


def test_signature_key_comes_from_the_setting(w, settings):
    # given a body signed with the configured secret, when the secret changes, then it no longer verifies
    body = b'{"a": 1}'
    signature = payments.sign(body)
    assert payments.signature_ok(body, signature)
    settings.ANTT_FINE_PAYMENT_SECRET = "another"
    assert not payments.signature_ok(body, signature)


# --- The demo bank app ----------------------------------------------------------------------------


def test_demo_bank_shows_what_the_qr_says_and_pays_it(w):
    # given an unpaid decision
    decision = delivered_decision(w)
    client = Client()
    url = reverse("violations:demo-bank", args=[decision.token])
    # when the payer opens the demo bank app, then it shows the amount and the note read from the QR
    page = client.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "500.000\u00a0đ" in text and decision.payment_reference in text
    # when the payer confirms the transfer
    done = client.post(url, {"decision": "pay"})
    # then the signed confirmation went through the provider path and the decision is paid
    assert done.status_code == 200, done.content.decode()
    assert "Chuyển khoản thành công" in done.content.decode()
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.PAID
    assert PaymentCallback.objects.get().result == "accepted"
    # and a second visit has nothing left to pay
    assert client.get(url).status_code == 409


def test_demo_bank_cancel_pays_nothing(w):
    decision = delivered_decision(w)
    response = Client().post(reverse("violations:demo-bank", args=[decision.token]), {"decision": "cancel"})
    assert response.status_code == 200
    assert not FinePayment.objects.exists()


def test_demo_bank_is_absent_unless_the_demo_gateway_is_on(w, settings):
    decision = delivered_decision(w)
    settings.ANTT_FINE_PAYMENT_GATEWAY = "provider"
    assert Client().get(reverse("violations:demo-bank", args=[decision.token])).status_code == 404


def test_openapi_documents_the_confirmation(w):
    schema = Client().get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/violations/payments/confirm"]["post"]
    assert {"200", "403", "404", "409", "422"} <= set(operation["responses"])
    assert any(p["name"] == "X-Signature" for p in operation["parameters"])
    assert "example" in operation["requestBody"]["content"]["application/json"]
