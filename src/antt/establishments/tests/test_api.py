"""The sharing API /api/v1/establishments/: who may call it, no personal data anywhere, filters,
cursor paging, the change feed, and 4xx (never 500) on bad parameters."""

from __future__ import annotations

import hashlib
import itertools
import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from antt.establishments import feed
from antt.establishments.certificates import certificate_issue, certificate_revoke
from antt.establishments.models import ChangeEntry, Establishment, EstablishmentAccount
from antt.establishments.tests.factories import establishments_world, make_establishment, valid_tax_code
from antt.org.models import Role, User
from antt.org.otp import login_verified
from antt.org.tests.factories import make_officer

pytestmark = pytest.mark.django_db

BASE = "/api/v1/establishments/"
TOKEN = "so-vhttdl-token-for-tests-0123456789"
# What make_establishment stores as personal data (and what a certificate copies as its holder).
PERSONAL = ("Nguyễn Văn Chủ", "038090012345", "0912000111", "Lê Thị An Ninh", "038190054321", "0912000222")


_codes = itertools.count(5_000_000, 2)


def est(w, **kwargs) -> Establishment:
    """`make_establishment` with a tax code from a range of its own: the factory's `valid_tax_code()`
    may hand out the same code twice when it skips a body without a check digit."""
    kwargs.setdefault("tax_code", valid_tax_code(next(_codes)))
    return make_establishment(w, **kwargs)


@pytest.fixture
def w():
    return establishments_world()


@pytest.fixture
def agency(settings):
    digest = hashlib.sha256(TOKEN.encode()).hexdigest()
    settings.ANTT_SHARING_TOKENS = f"so-thue={'0' * 64},so-vhttdl={digest}"
    return {"HTTP_AUTHORIZATION": f"Bearer {TOKEN}"}


def staff(user) -> Client:
    client = Client()
    login_verified(client, user)
    return client


def business_user(establishment, status=EstablishmentAccount.Status.ACTIVE) -> User:
    user = User.objects.create_user(username=f"dn{establishment.pk}", password="x", full_name="Chủ Doanh Nghiệp")
    EstablishmentAccount.objects.create(user=user, establishment=establishment, status=status, is_manager=True)
    return user


def assert_no_personal_data(text: str) -> None:
    for secret in PERSONAL:
        assert secret not in text, secret
        assert json.dumps(secret)[1:-1] not in text, secret  # the \u-escaped form


def two_communes(w):
    a = est(w, name="Karaoke Ánh Dương", lines=["t-karaoke"])
    b = est(w, name="Khách sạn Hàm Rồng", lines=["t-luu-tru"], unit=w.commune_b)
    return a, b


# --- Access -------------------------------------------------------------------------------------


def test_an_agency_token_reads_the_whole_province_without_personal_data(w, agency):
    # given one establishment in each commune, one with a certificate
    a, b = two_communes(w)
    certificate_issue(officer=w.head_a, establishment=a, line_codes=["t-karaoke"])
    # when the culture department reads every endpoint with its token
    client = Client()
    responses = [
        client.get(BASE, **agency),
        client.get(f"{BASE}{a.tax_code}", **agency),
        client.get(f"{BASE}certificates", **agency),
        client.get(f"{BASE}changes", **agency),
    ]
    # then everything answers, both communes are there
    assert [r.status_code for r in responses] == [200] * 4, [r.content for r in responses]
    assert {i["tax_code"] for i in responses[0].json()["items"]} == {a.tax_code, b.tax_code}
    assert responses[1].json() == json.loads(json.dumps(feed.establishment_public(a)))
    assert responses[2].json()["items"][0]["tax_code"] == a.tax_code
    # and no owner, representative or security person, no ID number or phone, anywhere
    for response in responses:
        assert_no_personal_data(response.content.decode())


@pytest.mark.parametrize(
    "headers",
    [{}, {"HTTP_AUTHORIZATION": "Bearer wrong-token"}, {"HTTP_AUTHORIZATION": f"Basic {TOKEN}"}],
    ids=["none", "wrong-token", "not-bearer"],
)
@pytest.mark.parametrize("endpoint", ["", "certificates", "changes", "2800000001"])
def test_without_a_valid_token_or_session_it_is_401_in_vietnamese(w, agency, headers, endpoint):
    response = Client().get(f"{BASE}{endpoint}", **headers)
    assert response.status_code == 401
    assert "đăng nhập" in response.json()["detail"]


def test_a_staff_session_sees_its_own_units_a_supervisor_the_province(w):
    # given
    a, b = two_communes(w)
    # when / then: the commune A processor sees only commune A
    mine = staff(w.processor_a).get(BASE)
    assert mine.status_code == 200
    assert [i["tax_code"] for i in mine.json()["items"]] == [a.tax_code]
    assert staff(w.processor_a).get(f"{BASE}{b.tax_code}").status_code == 404
    # the province supervisor sees both
    assert staff(w.supervisor).get(BASE).json()["count"] == 2


@pytest.mark.parametrize("endpoint", ["", "certificates", "changes"])
def test_a_business_account_or_a_role_without_establishment_view_is_403(w, endpoint):
    # given a signed-in business account and a unit administrator (no establishment.view)
    e = est(w)
    for user in (business_user(e), make_officer(w.commune_a, role=Role.UNIT_ADMIN)):
        # when
        response = staff(user).get(f"{BASE}{endpoint}")
        # then
        assert response.status_code == 403
        assert "không được xem" in response.json()["detail"]
    assert staff(business_user(est(w))).get(f"{BASE}{e.tax_code}").status_code == 403


# --- Filters and paging ----------------------------------------------------------------------------


def test_filters_by_tax_code_area_line_status_and_update_time(w, agency):
    a, b = two_communes(w)
    paused = est(w, name="Cầm đồ Phú Quý", lines=["t-cam-do"], status=Establishment.Status.PAUSED)
    Establishment.objects.filter(pk=a.pk).update(updated_at=timezone.now() - timedelta(days=3))
    client = Client()

    def taxes(**params):
        response = client.get(BASE, params, **agency)
        assert response.status_code == 200, response.content
        return {i["tax_code"] for i in response.json()["items"]}

    assert taxes(tax_code=b.tax_code) == {b.tax_code}
    assert taxes(area_code=w.area_b.code) == {b.tax_code}
    assert taxes(line="t-cam-do") == {paused.tax_code}
    assert taxes(status="paused") == {paused.tax_code}
    since = (timezone.now() - timedelta(days=1)).isoformat()
    assert taxes(updated_since=since) == {b.tax_code, paused.tax_code}
    assert taxes(line="t-luu-tru", area_code=w.area_a.code) == set()


def test_the_list_pages_by_the_after_cursor_without_gaps_or_repeats(w, agency):
    for i in range(5):
        est(w, name=f"Cơ sở {i}")
    client, seen, after = Client(), [], 0
    for _ in range(10):
        page = client.get(BASE, {"limit": 2, "after": after}, **agency).json()
        seen += [i["id"] for i in page["items"]]
        if not page["has_more"]:
            assert page["next"] is None
            break
        after = page["next"]
    assert seen == sorted(Establishment.objects.values_list("id", flat=True))


def test_a_branch_tax_code_is_found_with_or_without_its_dash(w, agency):
    e = est(w, tax_code="2800000012-001")
    for code in ("2800000012-001", "2800000012001"):
        response = Client().get(f"{BASE}{code}", **agency)
        assert response.status_code == 200 and response.json()["id"] == e.pk
    assert Client().get(BASE, {"tax_code": "2800000012001"}, **agency).json()["count"] == 1


def test_the_list_costs_a_fixed_number_of_queries(w, agency, django_assert_max_num_queries):
    for i in range(6):
        est(w, name=f"Cơ sở {i}", lines=["t-karaoke", "t-luu-tru"])
    with django_assert_max_num_queries(2):  # establishments (area, unit joined) + their lines
        response = Client().get(BASE, **agency)
    assert response.json()["count"] == 6
    assert all(i["lines"] == ["t-karaoke", "t-luu-tru"] for i in response.json()["items"])


@pytest.mark.parametrize(
    "endpoint, params",
    [
        ("", {"limit": 0}),
        ("", {"limit": 1001}),
        ("", {"limit": "1.5"}),
        ("", {"after": -1}),
        ("", {"after": 10**20}),
        ("", {"status": "open"}),
        ("", {"tax_code": "abc"}),
        ("", {"tax_code": "28\x0000000001"}),
        ("", {"area_code": "a b"}),
        ("", {"line": "karaoke\x00"}),
        ("", {"updated_since": "0.5"}),
        ("", {"updated_since": "hôm qua"}),
        ("", {"updated_since": "2026-13-45T00:00:00"}),
        ("", {"updated_since": "0001-01-01T00:00:00+05:00"}),
        ("certificates", {"status": "active"}),
        ("certificates", {"updated_since": "1777000000"}),
        ("changes", {"after": "x"}),
        ("changes", {"entity": "person"}),
    ],
)
def test_bad_parameters_are_422_with_a_vietnamese_message(w, agency, endpoint, params):
    response = Client().get(f"{BASE}{endpoint}", params, **agency)
    assert response.status_code == 422, response.content
    assert response.json()["detail"]


@pytest.mark.parametrize("code", ["0000000000", "khong-co", "28%00", "x" * 300, "certificates-x"])
def test_an_unknown_tax_code_is_404(w, agency, code):
    response = Client().get(f"{BASE}{code}", **agency)
    assert response.status_code == 404
    assert response.json()["detail"]


# --- Certificates -----------------------------------------------------------------------------------


def test_a_certificate_by_its_number_with_slashes_and_without_its_holder(w, agency):
    e = est(w)
    cert = certificate_issue(officer=w.head_a, establishment=e, line_codes=["t-karaoke"])
    assert "/" in cert.number
    response = Client().get(f"{BASE}certificates/{cert.number}", **agency)
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["number"] == cert.number and data["tax_code"] == e.tax_code and data["lines"] == ["t-karaoke"]
    assert "holder_name" not in data and "holder_id_number" not in data
    assert_no_personal_data(response.content.decode())
    assert Client().get(f"{BASE}certificates/1/GCN/khong-co", **agency).status_code == 404
    # an officer of another commune does not see it
    assert staff(w.processor_b).get(f"{BASE}certificates/{cert.number}").status_code == 404
    assert staff(w.processor_a).get(f"{BASE}certificates/{cert.number}").status_code == 200


def test_certificates_filter_by_status_and_line(w, agency):
    karaoke = est(w)
    pawn = est(w, lines=["t-cam-do"])
    c1 = certificate_issue(officer=w.head_a, establishment=karaoke, line_codes=["t-karaoke"])
    certificate_issue(officer=w.head_a, establishment=pawn, line_codes=["t-cam-do"])
    certificate_revoke(
        officer=w.head_a, certificate=c1, ground_code="18.1.a", reason="Khai man", decision_number="01/QĐ-TH"
    )
    client = Client()
    revoked = client.get(f"{BASE}certificates", {"status": "revoked"}, **agency).json()
    assert [i["number"] for i in revoked["items"]] == [c1.number]
    by_line = client.get(f"{BASE}certificates", {"line": "t-cam-do"}, **agency).json()
    assert [i["tax_code"] for i in by_line["items"]] == [pawn.tax_code]


# --- The change feed ----------------------------------------------------------------------------------


def test_a_change_made_by_a_service_appears_after_the_cursor(w, agency):
    # given an agency that has read the feed to its end
    e = est(w)
    cert = certificate_issue(officer=w.head_a, establishment=e, line_codes=["t-karaoke"])
    client = Client()
    first = client.get(f"{BASE}changes", **agency).json()
    assert [(i["entity"], i["action"]) for i in first["items"]] == [("certificate", "issued")]
    cursor = first["next"]
    assert client.get(f"{BASE}changes", {"after": cursor}, **agency).json() == {
        "count": 0,
        "has_more": False,
        "next": cursor,
        "items": [],
    }
    # when the certificate is revoked through the service
    certificate_revoke(
        officer=w.head_a, certificate=cert, ground_code="18.1.a", reason="Khai man", decision_number="02/QĐ-TH"
    )
    # then the next call brings only that change, with the certificate's new state
    after = client.get(f"{BASE}changes", {"after": cursor}, **agency).json()
    assert after["count"] == 1
    item = after["items"][0]
    assert item["object_id"] == cert.pk and item["action"] == "revoked" and item["data"]["status"] == "revoked"
    assert after["next"] == item["id"] > cursor
    assert_no_personal_data(json.dumps(after, ensure_ascii=False))


def test_the_feed_pages_by_limit_and_filters_by_entity(w, agency):
    a, b = two_communes(w)
    for e in (a, b):
        feed.record_establishment(e, "create")
    certificate_issue(officer=w.head_a, establishment=a, line_codes=["t-karaoke"])
    client = Client()
    page1 = client.get(f"{BASE}changes", {"limit": 2}, **agency).json()
    page2 = client.get(f"{BASE}changes", {"limit": 2, "after": page1["next"]}, **agency).json()
    assert page1["has_more"] and not page2["has_more"]
    ids = [i["id"] for i in page1["items"] + page2["items"]]
    assert ids == list(ChangeEntry.objects.order_by("id").values_list("id", flat=True))
    only = client.get(f"{BASE}changes", {"entity": "establishment"}, **agency).json()
    assert {i["entity"] for i in only["items"]} == {"establishment"} and only["count"] == 2


def test_an_officer_reads_only_the_changes_of_their_units(w):
    a, b = two_communes(w)
    feed.record_establishment(a, "create")
    feed.record_establishment(b, "create")
    certificate_issue(officer=w.head_a, establishment=a, line_codes=["t-karaoke"])
    mine = staff(w.processor_b).get(f"{BASE}changes").json()
    assert [(i["entity"], i["object_id"]) for i in mine["items"]] == [("establishment", b.pk)]
    assert staff(w.supervisor).get(f"{BASE}changes").json()["count"] == 3


# --- The OpenAPI document ---------------------------------------------------------------------------


def test_every_parameter_and_field_is_described_in_vietnamese_in_the_openapi_document(client):
    schema = client.get("/api/v1/openapi.json").json()
    paths = {p: v for p, v in schema["paths"].items() if p.startswith(BASE)}
    assert len(paths) == 5
    for path, operations in paths.items():
        op = operations["get"]
        assert op["summary"] and op.get("security"), path
        assert {"200", "401", "403", "422"} <= set(op["responses"]), path
        for param in op.get("parameters", []):
            if param["in"] == "query":
                assert param.get("description"), (path, param["name"])
    shapes = schema["components"]["schemas"]
    for name in ("EstablishmentOut", "CertificateOut"):
        assert all(f.get("description") for f in shapes[name]["properties"].values()), name
