"""Staff API of violations: the suspension feed (agency token or staff session, cursor paging, CSV)
and one decision by number (scoped, personal-data read logged)."""

from __future__ import annotations

import csv
import hashlib
import io
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import reverse

from antt.core.models import AuditEvent
from antt.org.models import Role
from antt.org.otp import login_verified
from antt.org.tests.factories import make_officer
from antt.violations import services
from antt.violations.models import LicenceSuspension
from antt.violations.tests.factories import ALCOHOL_CAR, give_title, make_decision, make_record, person
from antt.violations.tests.test_payments import w as w  # noqa: F401 (the fixture)

FEED = "/api/v1/violations/suspensions"
TOKEN = "so-gtvt-token-for-tests-0123456789"


@pytest.fixture
def agency(settings):
    digest = hashlib.sha256(TOKEN.encode()).hexdigest()
    settings.ANTT_SUSPENSION_FEED_TOKENS = f"so-gtvt={digest}"
    return {"HTTP_AUTHORIZATION": f"Bearer {TOKEN}"}


def staff(user) -> Client:
    client = Client()
    login_verified(client, user)
    return client


def full_power_head(unit):
    """A head of `unit` holding the director's title (the world's chief may not fine 40.000.000 đ)."""
    return give_title(make_officer(unit, role=Role.HEAD, full_name="Lê Văn Quyền"), "provincial_director")


def suspension_decision(w, *, other=False, licence="360123456789", plate="36A-123.45", name="Nguyễn Văn An"):
    """A drink-driving decision of w.unit (or w.other_unit), with a 22-month licence suspension."""
    record = make_record(
        w,
        officer=w.other_officer if other else w.officer,
        behaviour_codes=(ALCOHOL_CAR,),
        vehicle_kind="car",
        plate=plate,
        violator=person(name=name),
    )
    return make_decision(
        w,
        record=record,
        officer=full_power_head(w.other_unit if other else w.unit),
        lines=[services.LineInput(behaviour_code=ALCOHOL_CAR, suspension_months=22)],
        licence={"kind": "driving", "number": licence, "class": "B"},
    )


def test_agency_token_reads_the_whole_province(w, agency):
    # given suspensions in two communes
    suspension_decision(w)
    suspension_decision(w, other=True, licence="360999999999", plate="36A-555.55")
    # when the transport department reads the feed with its token
    response = Client().get(FEED, **agency)
    # then both, with licence number and period, the ID number masked
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["count"] == 2 and not data["has_more"]
    item = data["items"][0]
    assert item["licence_number"] == "360123456789"
    assert item["months"] == 22 and item["starts_on"] and item["ends_on"]
    assert "038090001234" not in response.content.decode()
    # and the read is in the audit trail, naming the agency
    event = AuditEvent.objects.filter(action=AuditEvent.Action.READ_PERSONAL).latest("seq")
    assert "so-gtvt" in event.actor_name and event.changes["count"] == 2


def test_feed_pages_by_cursor_without_gaps_or_repeats(w, agency):
    for i in range(3):
        suspension_decision(w, licence=f"36012345678{i}", plate=f"36A-123.4{i}")
    client = Client()
    first = client.get(FEED, {"limit": 2}, **agency).json()
    assert first["count"] == 2 and first["has_more"]
    second = client.get(
        FEED, {"limit": 2, "since": first["next"]["since"], "after_id": first["next"]["after_id"]}, **agency
    ).json()
    ids = [i["id"] for i in first["items"]] + [i["id"] for i in second["items"]]
    assert ids == sorted(LicenceSuspension.objects.values_list("id", flat=True))
    assert not second["has_more"]


def test_a_changed_suspension_comes_again_after_the_cursor(w, agency):
    suspension_decision(w)
    page = Client().get(FEED, **agency).json()
    LicenceSuspension.objects.update(cancelled=True)  # e.g. the decision was cancelled
    suspension = LicenceSuspension.objects.get()
    suspension.save()  # bumps updated_at
    again = Client().get(FEED, {"since": page["next"]["since"], "after_id": page["next"]["after_id"]}, **agency).json()
    assert [i["cancelled"] for i in again["items"]] == [True]


def test_unknown_token_and_no_credentials_are_401(w, agency):
    assert Client().get(FEED, HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    assert Client().get(FEED).status_code == 401


def test_staff_session_sees_only_its_units(w):
    suspension_decision(w)
    suspension_decision(w, other=True, licence="360999999999", plate="36A-555.55")
    mine = staff(w.officer).get(FEED).json()
    assert [i["licence_number"] for i in mine["items"]] == ["360123456789"]
    province = staff(w.supervisor).get(FEED).json()
    assert province["count"] == 2


def test_a_role_without_violation_view_is_403(w):
    admin = make_officer(w.unit, role=Role.UNIT_ADMIN)
    response = staff(admin).get(FEED)
    assert response.status_code == 403
    assert response.json()["detail"]


def test_bad_parameters_are_422(w, agency):
    assert Client().get(FEED, {"limit": 0}, **agency).status_code == 422
    assert Client().get(FEED, {"since": "hôm qua"}, **agency).status_code == 422


def test_csv_feed_with_token_and_with_staff_session(w, agency):
    suspension_decision(w)
    url = reverse("violations:suspension-csv")
    response = Client().get(url, **agency)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["ID", "Loại giấy phép", "Số giấy phép"]
    assert rows[1][2] == "360123456789" and rows[1][6] == "22"
    assert staff(w.officer).get(url).status_code == 200
    assert Client().get(url, HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    assert Client().get(url).status_code == 302  # to the sign-in page


# --- One decision ----------------------------------------------------------------------------------


def decision_url(number: str) -> str:
    return f"/api/v1/violations/decisions/{quote(number, safe='/')}"


def test_staff_reads_a_decision_in_full_and_the_read_is_logged(w):
    decision = make_decision(w)
    before = AuditEvent.objects.filter(action=AuditEvent.Action.READ_PERSONAL).count()
    response = staff(w.officer).get(decision_url(decision.number))
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["number"], data["violator_id_number"], data["total_fine"]) == (
        decision.number,
        "038090001234",
        500_000,
    )
    assert data["lines"][0]["amount"] == 500_000
    assert AuditEvent.objects.filter(action=AuditEvent.Action.READ_PERSONAL).count() == before + 1


def test_a_decision_of_another_unit_is_404(w):
    decision = make_decision(w)
    response = staff(w.other_officer).get(decision_url(decision.number))
    assert response.status_code == 404
    assert response.json()["detail"] == "Không tìm thấy quyết định xử phạt."


def test_decision_detail_needs_violation_view(w):
    decision = make_decision(w)
    admin = make_officer(w.unit, role=Role.UNIT_ADMIN)
    assert staff(admin).get(decision_url(decision.number)).status_code == 403
    assert Client().get(decision_url(decision.number)).status_code == 401


@pytest.mark.parametrize("query", ["since=0.5", "since=1700000000", "active_on=12", "since=tomorrow"])
def test_the_feed_refuses_dates_that_are_not_iso_8601(query, w):
    # given an officer who may read the feed
    client = staff(w.chief)
    # when a date parameter is not ISO 8601 (pydantic alone would read numbers as timestamps)
    response = client.get(f"/api/v1/violations/suspensions?{query}")
    # then it is refused in Vietnamese, not answered
    assert response.status_code == 422
    assert "detail" in response.json()
