"""The counter intake page: pick a procedure, type the applicant, tick documents, receive."""

import re

import pytest
from django.urls import reverse

from antt.core.models import AuditEvent
from antt.dossiers.models import Dossier, DossierDocument, Status
from antt.dossiers.tests.factories import make_procedure, one_stop_world, pdf_upload
from antt.org.models import AdminArea
from antt.org.otp import login_verified

pytestmark = pytest.mark.django_db
INTAKE = reverse("dossiers:intake")


@pytest.fixture
def w():
    return one_stop_world(days=3, fee=50000)


@pytest.fixture
def counter(client, w):
    login_verified(client, w.receptionist)
    return client


def intake_url(w) -> str:
    return f"{INTAKE}?procedure={w.procedure.code}"


def form_data(w, response, **overrides) -> dict:
    """What the officer would post: the page's own token and checklist, plus the applicant."""
    form = response.context["form"]
    data = {
        "idempotency_key": form.initial["idempotency_key"],
        "level": "commune",
        "unit": w.unit.pk,
        "kind": "person",
        "name": "Đặng Thị Ngọc Hường",
        "id_number": "038190000123",
        "birth_date": "17/02/1990",
        "sex": "female",
        "phone": "0912 345 678",
        "email": "huong@example.vn",
        "address": "Số 5 đường Lê Lợi",
        "fee_amount": "50.000",
        "fee_paid": "on",
        "fee_receipt_ref": "BL-0001",
        "delivery": "counter",
    }
    for doc in w.version.documents.all():
        data[f"doc_{doc.pk}_received"] = "on"
        data[f"doc_{doc.pk}_originals"] = "1"
        data[f"doc_{doc.pk}_certified"] = "0"
        data[f"doc_{doc.pk}_copies"] = "2"
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_search_finds_the_procedure_without_diacritics(counter, w):
    # when the officer types the name without accents
    response = counter.get(INTAKE, {"q": "dang ky tam tru"})
    # then the procedure is offered with a link that preselects it
    assert response.status_code == 200
    assert w.procedure in [row.procedure for row in response.context["rows"]]
    assert f"?procedure={w.procedure.code}" in response.content.decode()


def test_htmx_suggestions_are_a_fragment_and_find_a_code(counter, w):
    response = counter.get(reverse("dossiers:intake-procedures"), {"q": w.procedure.code}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    assert 'role="option"' in body and w.procedure.name in body


def test_the_form_is_prefilled_from_the_version_in_force(counter, w):
    # when opening the intake form for the procedure
    response = counter.get(intake_url(w))
    # then the checklist, the counter fee (formatted) and a one-time token are there
    assert response.status_code == 200
    body = response.content.decode()
    assert "Giấy tờ chứng minh chỗ ở hợp pháp" in body
    assert 'value="50.000"' in body
    form = response.context["form"]
    assert len(form.initial["idempotency_key"]) >= 20
    assert [c[0] for c in form.fields["level"].choices] == ["commune"]
    assert counter.get(intake_url(w)).context["form"].initial["idempotency_key"] != form.initial["idempotency_key"]


def test_intake_happy_path_creates_the_dossier_and_opens_its_page(counter, w):
    # given the filled form
    page = counter.get(intake_url(w))
    # when the officer submits it
    response = counter.post(intake_url(w), form_data(w, page))
    # then one dossier exists with the official code, documents, fee, and an audit entry
    dossier = Dossier.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("dossiers:detail", args=[dossier.pk]) + "?moi=1"
    assert re.fullmatch(r"H56\.14-\d{6}-\d{4}", dossier.code)
    assert dossier.status == Status.RECEIVED and dossier.received_by == w.receptionist
    assert dossier.applicant_phone == "0912345678"
    assert dossier.fee_amount == 50000 and dossier.fee_paid_at is not None and dossier.fee_receipt_ref == "BL-0001"
    docs = list(dossier.documents.order_by("id").values_list("originals", "certified_copies", "copies"))
    assert docs == [(1, 0, 2), (1, 0, 2)]
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.CREATE, object_type="dossiers.dossier", object_id=str(dossier.pk)
    ).exists()
    # and the detail page offers the receipt at once
    detail = counter.get(response["Location"])
    assert detail.status_code == 200
    assert dossier.code in detail.content.decode()
    assert detail.context["just_received"] is True
    receipt = reverse("dossiers:print-receipt", args=[dossier.pk])
    assert detail.context["receipt_url"] == receipt
    assert f'href="{receipt}"' in detail.content.decode()


def test_unticked_documents_are_not_recorded_and_scans_are_stored(counter, w):
    page = counter.get(intake_url(w))
    first, second = list(w.version.documents.all())
    data = form_data(w, page)
    data.pop(f"doc_{second.pk}_received")
    data[f"doc_{first.pk}_file"] = pdf_upload("ct01.pdf")
    response = counter.post(intake_url(w), data)
    assert response.status_code == 302
    dossier = Dossier.objects.get()
    names = list(dossier.documents.values_list("name", flat=True))
    assert names.count(second.name) == 0
    scan = DossierDocument.objects.filter(dossier=dossier).exclude(file="").get()
    assert scan.required_document_id == first.pk and scan.original_name == "ct01.pdf" and scan.size > 0


def test_invalid_personal_id_answers_400_with_the_message_next_to_the_field(counter, w):
    page = counter.get(intake_url(w))
    # when the ID has an unknown province-of-birth code
    response = counter.post(intake_url(w), form_data(w, page, id_number="999190000123"))
    # then the form comes back, the message sits on the field, nothing is saved
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "mã tỉnh" in errors["id_number"][0]
    body = response.content.decode()
    assert "mã tỉnh" in body and 'id="id_id_number_error"' in body
    assert Dossier.objects.count() == 0
    assert not AuditEvent.objects.filter(object_type="dossiers.dossier").exists()


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("birth_date", "1990-17-02x", "ngày/tháng/năm"),
        ("phone", "12345", "Số điện thoại"),
        ("fee_amount", "năm mươi", "số nguyên"),
        ("name", "", "họ và tên"),
    ],
)
def test_bad_fields_answer_400_in_vietnamese_and_save_nothing(counter, w, field, value, expected):
    page = counter.get(intake_url(w))
    response = counter.post(intake_url(w), form_data(w, page, **{field: value}))
    assert response.status_code == 400
    assert expected in " ".join(response.context["form"].errors[field])
    assert Dossier.objects.count() == 0


def test_an_area_outside_the_current_scheme_is_refused(counter, w):
    legacy = AdminArea.objects.create(scheme=AdminArea.Scheme.LEGACY, code="99999", name="Xã Cũ", level="commune")
    current = AdminArea.objects.create(
        scheme=AdminArea.Scheme.CURRENT, code="99998", name="Phường Mới", level="commune"
    )
    page = counter.get(intake_url(w))
    response = counter.post(intake_url(w), form_data(w, page, area=legacy.pk))
    assert response.status_code == 400 and "area" in response.context["form"].errors
    response = counter.post(intake_url(w), form_data(w, page, area=current.pk))
    assert response.status_code == 302
    assert Dossier.objects.get().applicant_area == current


def test_wrong_role_is_forbidden(client, w):
    login_verified(client, w.processor)
    assert client.get(INTAKE).status_code == 403
    assert client.get(intake_url(w)).status_code == 403
    response = client.post(intake_url(w), {"name": "x"})
    assert response.status_code == 403
    assert client.get(reverse("dossiers:intake-procedures"), {"q": "tam"}).status_code == 403
    assert Dossier.objects.count() == 0


def test_anonymous_is_sent_to_sign_in(client, w):
    response = client.get(intake_url(w))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_double_submit_with_the_same_token_makes_one_dossier(counter, w):
    page = counter.get(intake_url(w))
    data = form_data(w, page)
    first = counter.post(intake_url(w), data)
    second = counter.post(intake_url(w), data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Dossier.objects.count() == 1
    # a new page (new token) makes a new dossier
    again = counter.get(intake_url(w))
    counter.post(intake_url(w), form_data(w, again))
    assert Dossier.objects.count() == 2


def test_an_unknown_or_expired_procedure_is_not_found(counter, w):
    assert counter.get(f"{INTAKE}?procedure=KHONG-CO").status_code == 404
    old = make_procedure()
    old.valid_to = old.valid_from
    old.save(update_fields=["valid_to"])
    response = counter.get(f"{INTAKE}?procedure={old.procedure.code}")
    assert response.status_code == 404
    assert "không còn hiệu lực" in response.content.decode()


def test_an_organisation_with_a_tax_code_and_a_typed_fee(counter, w):
    # given a business as applicant, the fee typed with its unit and grouping dots
    page = counter.get(intake_url(w))
    data = form_data(
        w,
        page,
        kind="organisation",
        name="Công ty TNHH Bảo vệ Hạc Thành",
        id_number="2801234567",
        birth_date="",
        sex="",
        fee_amount="1.500.000 đ",
    )
    # when received
    response = counter.post(intake_url(w), data)
    # then the organisation and the amount in whole đồng are recorded
    assert response.status_code == 302
    dossier = Dossier.objects.get()
    assert dossier.applicant_kind == "organisation" and dossier.applicant_id_number == "2801234567"
    assert dossier.fee_amount == 1_500_000
