"""Defects found in review of the one-stop shop's views and API, each pinned by a test.

Bad input never answers 500; an officer of another unit's desk cannot work on a dossier it
only received; the OpenAPI document describes each app's own schemas; the online receipt
(full personal data) is not served to whoever holds the link.
"""

from __future__ import annotations

import json
from datetime import timedelta
from unittest import mock

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from antt.dossiers import services
from antt.dossiers.models import Dossier, DossierEvent, Status
from antt.dossiers.tests.factories import applicant, one_stop_world, pdf_upload
from antt.dossiers.workflow import TransitionError
from antt.org.models import Role
from antt.org.otp import login_verified
from antt.org.tests.factories import make_officer

pytestmark = pytest.mark.django_db

API = "/api/v1/dossiers"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def w():
    return one_stop_world(days=3)


def staff(user) -> Client:
    client = Client(raise_request_exception=False)
    login_verified(client, user)
    return client


def receive(w, *, officer=None, unit=None, at=None) -> Dossier:
    officer = officer or w.receptionist
    if at is None:
        return services.dossier_receive(
            officer=officer, procedure=w.procedure, level="commune", applicant=applicant(), unit=unit
        ).dossier
    with mock.patch("django.utils.timezone.now", return_value=at):
        return services.dossier_receive(
            officer=officer, procedure=w.procedure, level="commune", applicant=applicant(), unit=unit, at=at
        ).dossier


# --- Out-of-range dates: 400/422, never 500 ---------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/ho-so/?received_to=9999-12-31",
        "/ho-so/?received_from=0001-01-01",
        "/ho-so/?received_from=31/12/9999",
        "/ho-so/xuat-excel/?received_to=9999-12-31",
        "/ho-so/so-theo-doi.pdf?received_from=0001-01-01",
    ],
)
def test_the_list_and_its_exports_refuse_dates_out_of_range_with_400(w, url):
    # given a receptionist (person.view: exports allowed)
    client = staff(w.receptionist)
    # when
    response = client.get(url)
    # then
    assert response.status_code == 400
    assert "Ngày" in response.content.decode()


@pytest.mark.parametrize("param", ["received_to=9999-12-31", "received_from=0001-01-01"])
def test_the_api_list_refuses_dates_out_of_range_with_422(w, param):
    response = staff(w.receptionist).get(f"{API}?{param}")
    assert response.status_code == 422


# --- The apology's new date must be a date the working calendar knows --------------------------


@pytest.fixture
def late(w):
    """A dossier received 30 days ago (3 working days): late now, in processing."""
    d = receive(w, at=timezone.now() - timedelta(days=30))
    services.dossier_start(officer=w.receptionist, dossier=d)
    d.refresh_from_db()
    return d


@pytest.mark.parametrize("day", ["31/12/9999", "02/01/2300"])
def test_an_apology_dated_beyond_the_calendar_is_a_400_on_the_page(w, late, day):
    # when the head issues the apology with a date the calendar cannot check
    response = staff(w.head).post(
        reverse("dossiers:action-apologise", args=[late.pk]),
        {"row_version": late.row_version, "reason": "Chờ xác minh", "new_due_date": day},
    )
    # then a 400 beside the field, and nothing changed
    assert response.status_code == 400
    late_after = Dossier.objects.get(pk=late.pk)
    assert late_after.due_at == late.due_at and not late_after.apologies.exists()


def test_an_apology_dated_beyond_the_calendar_is_a_422_in_the_api(w, late):
    response = staff(w.head).post(
        f"{API}/{late.code}/transitions",
        json.dumps({"action": "apologise", "reason": "Chờ xác minh", "new_due_date": "2300-01-02"}),
        content_type="application/json",
    )
    assert response.status_code == 422
    assert not Dossier.objects.get(pk=late.pk).apologies.exists()


# --- The OpenAPI document: one schema per name ---------------------------------------------------


def test_openapi_components_keep_the_catalogue_and_the_dossier_schemas_apart(client, db):
    # given the document
    doc = client.get("/api/v1/openapi.json").json()
    components = doc["components"]["schemas"]

    def ref_of(path: str, method: str, *keys: str) -> dict:
        schema = doc["paths"][path][method]["responses"]["200"]["content"]["application/json"]["schema"]
        schema = components[schema["$ref"].rsplit("/", 1)[-1]]
        for key in keys:
            schema = schema["properties"][key]
            schema = schema.get("items", schema)
            schema = components[schema["$ref"].rsplit("/", 1)[-1]]
        return schema

    # then the catalogue's procedure documents and steps are described by the catalogue's schemas
    from antt.catalog.api import DocumentOut as CatalogDocumentOut
    from antt.catalog.api import StepOut as CatalogStepOut

    assert set(ref_of("/api/v1/procedures/{code}", "get", "documents")["properties"]) == set(
        CatalogDocumentOut.model_json_schema()["properties"]
    )
    assert set(ref_of("/api/v1/procedures/{code}", "get", "steps")["properties"]) == set(
        CatalogStepOut.model_json_schema()["properties"]
    )
    # and the dossier's by the dossier's
    assert "sha256" in ref_of("/api/v1/dossiers/{code}", "get", "documents")["properties"]
    assert "assignee_name" in ref_of("/api/v1/dossiers/{code}", "get", "steps")["properties"]


# --- A desk that only received a dossier does not work on it -------------------------------------


@pytest.fixture
def received_for_a(w):
    """Unit B's desk receives a dossier that unit A (w.unit) handles; A starts processing it."""
    d = receive(w, officer=w.other_receptionist, unit=w.unit)
    services.dossier_start(officer=w.receptionist, dossier=d)
    d.refresh_from_db()
    return d


def test_the_head_of_the_receiving_unit_cannot_stop_a_dossier_another_unit_handles_on_the_page(w, received_for_a):
    # given the head of unit B, whose desk received the dossier
    head_b = make_officer(w.other_unit, role=Role.HEAD)
    d = received_for_a
    # when
    response = staff(head_b).post(
        reverse("dossiers:action-stop", args=[d.pk]), {"row_version": d.row_version, "reasons": "Dừng thử"}
    )
    # then refused, and nothing changed
    assert response.status_code == 403
    assert Dossier.objects.get(pk=d.pk).status == Status.PROCESSING
    assert not DossierEvent.objects.filter(dossier=d, action="stop").exists()
    # and the page offers B's head no action on it
    page = staff(head_b).get(reverse("dossiers:detail", args=[d.pk]))
    assert page.status_code == 200
    assert reverse("dossiers:action-stop", args=[d.pk]) not in page.content.decode()


def test_a_processor_of_the_receiving_unit_cannot_forward_a_dossier_another_unit_handles_in_the_api(w, received_for_a):
    proc_b = make_officer(w.other_unit, role=Role.PROCESSOR)
    d = received_for_a
    client = staff(proc_b)
    response = client.post(
        f"{API}/{d.code}/transitions", json.dumps({"action": "forward"}), content_type="application/json"
    )
    assert response.status_code == 403
    assert Dossier.objects.get(pk=d.pk).row_version == d.row_version
    actions = client.get(f"{API}/{d.code}/actions").json()
    assert "forward" not in [a["action"] for a in actions]


def test_the_receiving_desk_still_does_its_own_work_on_a_dossier_another_unit_handles(w):
    # given B's desk received for A
    d = receive(w, officer=w.other_receptionist, unit=w.unit)
    # when B's desk records the applicant's withdrawal (a desk action)
    response = staff(w.other_receptionist).post(
        reverse("dossiers:action-withdraw", args=[d.pk]), {"row_version": d.row_version, "reasons": "Công dân rút"}
    )
    # then it is done
    assert response.status_code == 302
    assert Dossier.objects.get(pk=d.pk).status == Status.WITHDRAWN


def test_services_refuse_processing_actions_by_an_officer_who_only_sees_the_receiving_unit(w, received_for_a):
    head_b = make_officer(w.other_unit, role=Role.HEAD)
    with pytest.raises(TransitionError):
        services.dossier_stop(officer=head_b, dossier=received_for_a, reasons="Dừng thử")


# --- The online receipt carries full personal data: only for the session that submitted --------


def _submit_online(client, w) -> Dossier:
    data = {
        "unit": str(w.unit.pk),
        "kind": "person",
        "name": "Đặng Thị Ngọc Hường",
        "id_number": "038190000123",
        "birth_date": "17/02/1990",
        "sex": "female",
        "phone": "0912345678",
        "address": "Số 5 đường Lê Lợi",
        "delivery": "counter",
        "consent": "on",
    }
    for doc in w.version.documents.all():
        data[f"doc_{doc.pk}"] = pdf_upload(f"giay-{doc.pk}.pdf")
    response = client.post(reverse("dossiers:online-submit", args=[w.procedure.code]), data)
    assert response.status_code == 302, response.content.decode()[:500]
    return Dossier.objects.get()


def test_the_online_receipt_is_not_served_to_another_browser_holding_the_link(w):
    from antt.dossiers.loaders import load_forms

    # given the forms and a dossier submitted from one browser
    load_forms()
    applicant_browser = Client()
    d = _submit_online(applicant_browser, w)
    url = reverse("dossiers:online-receipt", args=[d.token])
    assert applicant_browser.get(url).status_code == 200
    # when someone else opens the link (a forwarded message, a shared screen)
    other = Client()
    response = other.get(url)
    # then no PDF with the ID number, birth date and address
    assert response.status_code == 404
    assert url not in other.get(reverse("dossiers:online-done", args=[d.token])).content.decode()


# --- NUL bytes in public paths and parameters (PostgreSQL refuses them in text) ------------------


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/nop-ho-so/da-nop/%00/giay-tiep-nhan.pdf"),
        ("post", "/tra-cuu/ho-so/%00/thanh-toan/"),
        ("get", "/thanh-toan/ket-qua/?reference=%00&amount=1&transaction_id=x&signature=y"),
        ("get", "/thanh-toan/demo/%00/"),
    ],
)
def test_a_nul_byte_in_a_public_token_or_reference_is_a_4xx(db, settings, method, url):
    settings.ANTT_PAYMENT_GATEWAY = "demo"
    response = getattr(Client(raise_request_exception=False), method)(url)
    assert 400 <= response.status_code < 500


# --- A fee cannot be recorded on a closed dossier --------------------------------------------------


@pytest.fixture
def withdrawn_with_fee(w):
    d = services.dossier_receive(
        officer=w.receptionist, procedure=w.procedure, level="commune", applicant=applicant(), fee_amount=50_000
    ).dossier
    services.dossier_withdraw(officer=w.receptionist, dossier=d, reasons="Công dân rút")
    d.refresh_from_db()
    return d


def test_the_api_refuses_to_record_a_fee_on_a_withdrawn_dossier(w, withdrawn_with_fee):
    d = withdrawn_with_fee
    response = staff(w.receptionist).post(
        f"{API}/{d.code}/transitions",
        json.dumps({"action": "record_payment", "reference": "BL-001"}),
        content_type="application/json",
    )
    assert response.status_code == 409
    d.refresh_from_db()
    assert d.fee_paid_at is None and not d.events.filter(action="fee_paid").exists()


def test_the_service_refuses_to_record_a_fee_on_a_withdrawn_dossier(w, withdrawn_with_fee):
    with pytest.raises(TransitionError):
        services.dossier_record_payment(
            officer=w.receptionist, dossier=withdrawn_with_fee, online=False, reference="BL-001"
        )
