"""Review fixes: personal data in the staff API for a role without person.view, impossible
dates answered 4xx (never 500), and the public plate lookup's query count with late fines."""

from __future__ import annotations

from datetime import date

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from antt.core.models import AuditEvent
from antt.org.models import Role
from antt.org.tests.factories import make_officer
from antt.violations import rules, services
from antt.violations.models import FinePayment, PaymentCallback
from antt.violations.tests.factories import make_decision
from antt.violations.tests.test_api import FEED, decision_url, staff, suspension_decision
from antt.violations.tests.test_api import agency as agency  # noqa: F401 (the fixture)
from antt.violations.tests.test_payments import callback_body, delivered_decision, post_callback
from antt.violations.tests.test_payments import w as w  # noqa: F401 (the fixture)

LOOKUP = "/api/v1/violations/lookup"


def personal_reads() -> int:
    return AuditEvent.objects.filter(action=AuditEvent.Action.READ_PERSONAL).count()


def test_a_supervisor_reads_a_decision_by_api_with_the_violator_masked(w):
    # given a decision and a supervisor of the unit (violation.view, no person.view)
    decision = make_decision(w)
    supervisor = w.supervisor
    before = personal_reads()
    # when the supervisor reads it through the API
    response = staff(supervisor).get(decision_url(decision.number))
    # then the figures are there, the person is not, and no personal-data read happened
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["total_fine"] == decision.total_fine
    assert data["violator_id_number"] == "********1234"
    assert data["violator_name"] == "N***** V** A**"
    assert data["violator_address"] == "" and data["violator_birth_date"] is None
    assert personal_reads() == before


def test_a_supervisor_reads_the_suspension_feed_with_holders_masked(w):
    # given a licence suspension in the supervisor's unit
    suspension_decision(w)
    supervisor = make_officer(w.unit, role=Role.SUPERVISOR)
    before = personal_reads()
    # when the supervisor reads the feed
    response = staff(supervisor).get(FEED)
    # then the holder's name is masked and no personal-data read is logged
    assert response.status_code == 200, response.content
    assert [item["holder_name"] for item in response.json()["items"]] == ["N***** V** A**"]
    assert personal_reads() == before


def test_an_agency_still_reads_the_holders_name_in_full(w, agency):
    suspension_decision(w)
    response = Client().get(FEED, **agency)
    assert [item["holder_name"] for item in response.json()["items"]] == ["Nguyễn Văn An"]


def test_the_csv_feed_answers_400_for_an_impossible_date(w):
    # given a well-formed ISO date that does not exist (month 13)
    response = staff(w.officer).get("/vi-pham/tuoc-giay-phep.csv", {"since": "2026-13-45T00:00:00"})
    # then a Vietnamese 400, not a 500
    assert response.status_code == 400
    assert "since" in response.content.decode()


def test_a_confirmation_with_an_impossible_paid_at_is_422_and_pays_nothing(w):
    # given a signed confirmation whose paid_at is well formed but not a date
    decision = delivered_decision(w)
    body = callback_body(decision, paid_at="2026-13-45T00:00:00+07:00")
    # when the provider posts it
    response = post_callback(Client(), body)
    # then it is refused as malformed, logged, and nothing is paid
    assert response.status_code == 422
    assert "paid_at" in response.json()["detail"]
    assert not FinePayment.objects.exists()
    assert PaymentCallback.objects.get().result == "malformed"


def late_fines(w, n: int) -> None:
    for _ in range(n):
        decision = make_decision(w)
        services.decision_deliver(officer=w.officer, decision=decision, delivered_on=date(2026, 3, 12))


def lookup_queries() -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as queries:
        response = Client().post(LOOKUP, data={"plate": "36B112345"}, content_type="application/json")
    assert response.status_code == 200, response.content
    return len(queries.captured_queries), response.json()


def test_the_plate_lookup_costs_the_same_for_one_or_many_late_fines(w):
    # given one late fine (its surcharge needs the payments and the rate)
    late_fines(w, 1)
    one, _ = lookup_queries()
    # when three more late fines exist for the same plate
    late_fines(w, 3)
    many, data = lookup_queries()
    # then the lookup costs no more queries, and each fine carries its surcharge
    assert data["count"] == 4
    assert many == one
    assert all(item["surcharge_due"] > 0 for item in data["decisions"])


def test_amounts_for_a_list_equal_the_amounts_one_by_one(w):
    # given late fines, one of them partly paid (instalments allowed) before today
    late_fines(w, 2)
    partial = make_decision(w)
    # instalments set directly: Art. 79's minimum fine is tested in test_services
    type(partial).objects.filter(pk=partial.pk).update(instalments_allowed=True)
    partial.refresh_from_db()
    services.decision_deliver(officer=w.officer, decision=partial, delivered_on=date(2026, 3, 12))
    partial.refresh_from_db()
    services.payment_record(
        decision=partial,
        amount=250_000,
        channel=FinePayment.Channel.COUNTER,
        received_at="2026-04-01T10:00:00+07:00",
        officer=w.receptionist,
    )
    decisions = list(type(partial).objects.all())
    on = date(2026, 5, 20)
    # when computed together, then each equals its own computation
    together = rules.amounts_due_on(decisions, on)
    assert together == {d.pk: rules.amount_due_on(d, on) for d in decisions}
    assert together[partial.pk][1] != together[decisions[0].pk][1]
