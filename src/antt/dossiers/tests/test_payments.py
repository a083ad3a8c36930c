"""Online fee payment: the signed confirmation is the only way a fee becomes paid online."""

import pytest
from django.urls import reverse

from antt.core.models import AuditEvent
from antt.dossiers import payments
from antt.dossiers.models import Payment, Status
from antt.dossiers.services import DossierInputError, UploadIn, dossier_accept, dossier_submit_online
from antt.dossiers.tests.factories import applicant, one_stop_world, pdf_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def dossier(settings):
    settings.ANTT_PAYMENT_GATEWAY = "demo"
    w = one_stop_world(fee=50000)
    d = dossier_submit_online(
        procedure=w.procedure, level="commune", unit=w.unit, applicant=applicant(), uploads=[UploadIn(pdf_upload())]
    )
    return dossier_accept(officer=w.receptionist, dossier=d)


def test_demo_gateway_round_trip_records_the_fee_once(client, dossier):
    # given the applicant starts paying from the token page
    response = client.post(reverse("dossiers:pay-start", args=[dossier.token]))
    assert response.status_code == 302
    payment = Payment.objects.get(dossier=dossier)
    assert payment.amount == 25000  # the online fee of the version
    # when the (demo) bank confirms
    page = client.get(response["Location"])
    assert page.status_code == 200 and "25.000 đ" in page.content.decode()
    back = client.post(response["Location"], {"decision": "pay"})
    confirm_url = back["Location"]
    done = client.get(confirm_url)
    # then the dossier's fee is paid online, and a replayed confirmation changes nothing
    assert done.status_code == 302 and done["Location"] == reverse("dossiers:public-token", args=[dossier.token])
    dossier.refresh_from_db()
    assert dossier.fee_paid_at is not None and dossier.fee_paid_online
    assert client.get(confirm_url).status_code == 302
    assert dossier.events.filter(action="fee_paid").count() == 1
    assert AuditEvent.objects.filter(object_type="dossiers.payment").count() == 2


def test_a_forged_or_altered_confirmation_is_refused(client, dossier):
    payment, _url = payments.payment_start(dossier=dossier)
    good = payments.sign(payment.reference, payment.amount, "TX1")
    forged = {"reference": payment.reference, "amount": "1", "transaction_id": "TX1", "signature": good}
    response = client.get(reverse("dossiers:pay-return"), forged)
    assert response.status_code == 400
    assert "Chữ ký" in response.content.decode()
    with pytest.raises(DossierInputError):
        payments.payment_confirm(reference=payment.reference, amount="25000", transaction_id="TX1", signature="0" * 64)
    dossier.refresh_from_db()
    assert dossier.fee_paid_at is None


def test_fee_requested_dossier_resumes_after_online_payment(dossier):
    from antt.dossiers.services import dossier_request_fee
    from antt.org.models import User

    officer = User.objects.get(full_name="Lê Thị Thu Trang")
    dossier_request_fee(officer=officer, dossier=dossier, amount=25000)
    dossier.refresh_from_db()
    payment, _ = payments.payment_start(dossier=dossier)
    payments.payment_confirm(
        reference=payment.reference,
        amount=str(payment.amount),
        transaction_id="TX9",
        signature=payments.sign(payment.reference, payment.amount, "TX9"),
    )
    dossier.refresh_from_db()
    assert dossier.status == Status.RECEIVED


def test_no_online_payment_when_the_gateway_is_disabled(client, dossier, settings):
    settings.ANTT_PAYMENT_GATEWAY = "disabled"
    assert not payments.payable(dossier)
    response = client.post(reverse("dossiers:pay-start", args=[dossier.token]))
    assert response.status_code == 302
    assert not Payment.objects.exists()
