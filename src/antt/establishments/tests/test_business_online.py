"""Online submission by a signed-in business account (dossiers.views.online): the form is
prefilled from its establishment, the lines are chosen among its registered ones, and the dossier
carries `form_data["establishment"]` so that the certificate is issued when it is returned.
Anonymous submission is unchanged."""

from __future__ import annotations

import itertools
import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from antt.dossiers.models import ApplicantKind, Dossier, Status
from antt.dossiers.services import (
    dossier_accept,
    dossier_approve,
    dossier_attach_result,
    dossier_forward,
    dossier_return,
    dossier_start,
)
from antt.dossiers.tests.factories import make_procedure, one_stop_world, pdf_upload
from antt.establishments.models import Certificate, EstablishmentAccount
from antt.establishments.tests.factories import establishments_world, make_establishment, valid_tax_code
from antt.org.models import User

pytestmark = pytest.mark.django_db

S = EstablishmentAccount.Status
_codes = itertools.count(6_000_000, 2)  # tax codes of our own (see test_api.est)


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def osw():
    """A one-stop unit with the "Cấp mới" procedure (seed 3.01) offered online, and the rules."""
    world = one_stop_world(days=5, documents=("Văn bản đề nghị cấp Giấy chứng nhận (Mẫu 03)",))
    world.ew = establishments_world()  # the deterministic lines and procedure actions (3.01 → cert_new)
    world.version.procedure.seed_ref = "3.01"
    world.version.procedure.save()
    return world


def business(osw, *, status=S.ACTIVE, lines=("t-karaoke", "t-luu-tru"), **extra):
    e = make_establishment_for(osw, lines=lines, **extra)
    user = User.objects.create_user(
        username=f"dn{e.pk}", password="x", full_name="Trần Thị Quản Lý", phone="0912345678", email="ql@ad.vn"
    )
    EstablishmentAccount.objects.create(user=user, establishment=e, status=status, is_manager=True)
    client = Client()
    client.force_login(user)
    return e, client


def make_establishment_for(osw, **kwargs):
    """An establishment managed by the one-stop unit that handles the dossier."""
    kwargs.setdefault("name", "Karaoke Ánh Dương")
    kwargs.setdefault("tax_code", valid_tax_code(next(_codes)))
    return make_establishment(
        osw.ew, phone="0237 3850 123", email="lienhe@anhduong.vn", unit=osw.unit, area=osw.ew.area_a, **kwargs
    )


def url(osw):
    return reverse("dossiers:online-submit", args=[osw.procedure.code])


def post_data(osw, **overrides):
    data = {
        "unit": str(osw.unit.pk),
        "kind": "organisation",
        "name": "Karaoke Ánh Dương",
        "id_number": "",
        "phone": "0912345678",
        "delivery": "counter",
        "consent": "on",
    }
    for doc in osw.version.documents.all():
        data[f"doc_{doc.pk}"] = pdf_upload(f"giay-{doc.pk}.pdf")
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_the_form_is_prefilled_from_the_establishment_with_its_lines_to_choose(osw):
    # given an active business account with two registered lines
    e, client = business(osw)
    # when it opens the "Cấp mới" form
    html = client.get(url(osw)).content.decode()
    # then the applicant is the establishment, and the lines are its own only
    assert 'value="Karaoke Ánh Dương"' in html and f'value="{e.tax_code}"' in html
    assert re.search(r'name="kind" value="organisation"[^>]*checked', html)
    assert 'value="lienhe@anhduong.vn"' in html
    # the establishment's landline would be refused by the form's mobile field: the account's mobile
    assert 'value="0912345678"' in html and 'value="0237 3850 123"' not in html
    assert 'name="establishment_lines" value="t-karaoke"' in html
    assert 'name="establishment_lines" value="t-luu-tru"' in html
    assert 'value="t-cam-do"' not in html
    assert "Hồ sơ được gắn với cơ sở" in html


def test_a_business_submission_carries_the_establishment_and_the_chosen_lines(osw):
    e, client = business(osw)
    response = client.post(url(osw), post_data(osw, id_number=e.tax_code, establishment_lines=["t-karaoke"]))
    assert response.status_code == 302, response.content.decode()[:2000]
    dossier = Dossier.objects.get()
    assert dossier.form_data == {"establishment": {"id": e.pk, "lines": ["t-karaoke"]}}
    assert dossier.applicant_kind == ApplicantKind.ORGANISATION


@pytest.mark.parametrize(
    "lines, message",
    [([], "Vui lòng chọn ít nhất một ngành, nghề"), (["t-cam-do"], "không có trong đăng ký của cơ sở")],
    ids=["none-chosen", "not-registered"],
)
def test_lines_must_be_chosen_among_the_registered_ones(osw, lines, message):
    _, client = business(osw)
    response = client.post(url(osw), post_data(osw, establishment_lines=lines))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Dossier.objects.exists()


def test_the_establishment_comes_from_the_account_never_from_the_form(osw):
    e, client = business(osw)
    other = make_establishment_for(osw)
    response = client.post(
        url(osw), post_data(osw, establishment_lines=["t-karaoke"], establishment=str(other.pk), establishment_id="1")
    )
    assert response.status_code == 302
    assert Dossier.objects.get().form_data["establishment"]["id"] == e.pk


@pytest.mark.parametrize("status", [S.PENDING, S.REFUSED])
def test_an_account_not_yet_approved_submits_like_anyone(osw, status):
    _, client = business(osw, status=status)
    html = client.get(url(osw)).content.decode()
    assert "Hồ sơ được gắn với cơ sở" not in html and "establishment_lines" not in html
    client.post(url(osw), post_data(osw))
    assert Dossier.objects.get().form_data == {}


def test_anonymous_submission_is_unchanged(osw, client):
    html = client.get(url(osw)).content.decode()
    assert "Hồ sơ được gắn với cơ sở" not in html and "establishment_lines" not in html
    response = client.post(url(osw), post_data(osw, establishment_lines=["t-karaoke"]))
    assert response.status_code == 302
    assert Dossier.objects.get().form_data == {}


def test_a_procedure_outside_appendix_3_gets_the_applicant_and_the_establishment_but_no_lines(osw):
    other = make_procedure(days=3, documents=("Tờ khai",))
    e, client = business(osw)
    target = reverse("dossiers:online-submit", args=[other.procedure.code])
    html = client.get(target).content.decode()
    assert 'value="Karaoke Ánh Dương"' in html and "establishment_lines" not in html
    data = {k: v for k, v in post_data(osw).items() if not k.startswith("doc_")}
    for doc in other.documents.all():
        data[f"doc_{doc.pk}"] = pdf_upload()
    assert client.post(target, data).status_code == 302
    assert Dossier.objects.get().form_data == {"establishment": {"id": e.pk, "lines": []}}


def test_submitted_online_by_the_business_then_returned_issues_the_certificate(osw):
    # given the business submits "Cấp mới" online for its karaoke line
    e, client = business(osw)
    client.post(url(osw), post_data(osw, establishment_lines=["t-karaoke"]))
    d = Dossier.objects.get()
    # when the unit processes, approves and returns it
    d = dossier_accept(officer=osw.receptionist, dossier=d)
    d = dossier_start(officer=osw.receptionist, dossier=d, assignee=osw.processor)
    dossier_attach_result(officer=osw.processor, dossier=d, name="Giấy chứng nhận đủ điều kiện về ANTT")
    d.refresh_from_db()
    d = dossier_forward(officer=osw.processor, dossier=d, assignee=osw.head)
    d = dossier_approve(officer=osw.head, dossier=d)
    d = dossier_return(officer=osw.receptionist, dossier=d)
    # then the certificate exists for its establishment and shows on its page
    assert d.status == Status.RETURNED
    certificate = Certificate.objects.get(establishment=e)
    assert [line.code for line in certificate.lines.all()] == ["t-karaoke"]
    assert certificate.number in client.get("/doanh-nghiep/").content.decode()
