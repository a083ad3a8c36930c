"""Reads of administrative violations (violations.selectors): scoping, masking, read logging,
and what the public lookups show."""

from datetime import date, datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from antt.core.models import AuditEvent
from antt.org.models import Role
from antt.org.tests.factories import make_officer
from antt.violations import selectors, services
from antt.violations.models import PenaltyDecision, Source
from antt.violations.services import LineInput
from antt.violations.tests.factories import (
    RESIDENCE,
    VIOLATED_AT,
    VN,
    make_decision,
    make_record,
    organisation,
    person,
    violations_world,
)

pytestmark = pytest.mark.django_db
ISSUED = VIOLATED_AT.replace(hour=11)


@pytest.fixture
def w():
    return violations_world()


def _decision(w, *, officer=None, **record_kw):
    record = make_record(w, officer=officer or w.officer, **record_kw)
    return make_decision(
        w, record=record, officer=officer or w.officer, issued_at=ISSUED, delivered_on=date(2026, 3, 10)
    )


def test_a_user_without_violation_view_gets_403_on_every_list(w):
    admin = make_officer(w.unit, role=Role.UNIT_ADMIN)
    for read in (
        selectors.visible_records,
        selectors.visible_decisions,
        selectors.visible_seized,
        selectors.visible_suspensions,
    ):
        with pytest.raises(PermissionDenied):
            read(admin)


def test_lists_show_only_the_units_subtree(w):
    # given a decision in each commune
    mine = _decision(w)
    theirs = _decision(w, officer=w.other_officer)
    # then each commune sees its own, the province supervisor both
    assert list(selectors.visible_decisions(w.officer)) == [mine]
    assert list(selectors.visible_decisions(w.other_officer)) == [theirs]
    assert set(selectors.visible_decisions(w.supervisor)) == {mine, theirs}
    assert set(selectors.visible_records(w.receptionist)) == set(mine.records.all())


def test_an_object_of_another_unit_is_a_404(w):
    theirs = _decision(w, officer=w.other_officer)
    with pytest.raises(Http404):
        selectors.decision_get(w.officer, theirs.pk)
    with pytest.raises(Http404):
        selectors.record_get(w.officer, theirs.records.get().pk)
    with pytest.raises(Http404):
        selectors.decision_get(w.officer, "abc")


def test_a_transferred_record_is_seen_by_the_receiving_unit(w):
    record = make_record(w)
    services.record_transfer(officer=w.officer, record=record, to_unit=w.other_unit, reason="Chuyển thẩm quyền")
    assert selectors.record_get(w.other_officer, record.pk) == record
    assert list(selectors.visible_records(w.other_officer)) == [record]


def test_opening_a_decision_logs_the_personal_data_read(w):
    decision = _decision(w)
    before = AuditEvent.objects.filter(action="read_personal").count()
    # when a processor opens it
    selectors.decision_get(w.officer, decision.pk)
    # then one read entry, naming the fields, not their values
    entry = AuditEvent.objects.filter(action="read_personal").latest("seq")
    assert AuditEvent.objects.filter(action="read_personal").count() == before + 1
    assert entry.object_id == str(decision.pk) and "violator_id_number" in entry.changes["fields"]
    assert "038090001234" not in str(entry.changes)
    # and a read that shows no personal data is not logged
    selectors.decision_get(w.officer, decision.pk, log_read=False)
    selectors.decision_get(w.supervisor, decision.pk)  # a supervisor sees masked data only
    assert AuditEvent.objects.filter(action="read_personal").count() == before + 1


def test_names_and_numbers_are_masked_for_who_may_not_see_them(w):
    decision = _decision(w)
    assert selectors.mask_name("Nguyễn Văn An") == "N***** V** A**"
    assert selectors.mask_id("038090001234") == "********1234"
    shown = selectors.violator_display(decision, w.supervisor)
    assert shown == {"name": "N***** V** A**", "id_number": "********1234", "tax_code": "", "address": "", "phone": ""}
    assert selectors.violator_display(decision, w.officer)["name"] == "Nguyễn Văn An"


def test_the_plate_lookup_lists_only_decisions_with_money_owed(w):
    # given an unpaid, a paid, a cancelled decision and a warning for one plate
    unpaid = _decision(w)
    paid = _decision(w)
    services.payment_record(
        decision=paid,
        amount=500_000,
        channel="counter",
        officer=w.receptionist,
        received_at=datetime(2026, 3, 11, 9, 0, tzinfo=VN),
    )
    cancelled = _decision(w)
    services.decision_cancel(officer=w.chief, decision=cancelled, reason="Sai")
    warning_record = make_record(w, behaviour_codes=[RESIDENCE])
    make_decision(w, record=warning_record, issued_at=ISSUED, lines=[LineInput(RESIDENCE, warning=True)])
    # then, typed in any layout, only the unpaid one is found
    assert selectors.public_by_plate("36-B1 123.45") == [unpaid]
    assert selectors.public_by_plate("36b112345") == [unpaid]
    assert selectors.public_by_plate("not a plate") == []


def test_the_number_lookup_needs_the_last_four_digits_of_the_id(w):
    decision = _decision(w)
    assert selectors.public_by_number(decision.number, "1234") == decision
    assert selectors.public_by_number(decision.number.lower(), "1234") == decision
    assert selectors.public_by_number(decision.number.replace("Đ", "D"), "1234") == decision
    assert selectors.public_by_number(decision.number, "9999") is None
    assert selectors.public_by_number(decision.number, "12a4") is None
    assert selectors.public_by_number("999/QĐ-XPHC/X/2026", "1234") is None


def test_the_number_lookup_shows_a_paid_decision_but_never_a_cancelled_one(w):
    paid = _decision(w)
    services.payment_record(
        decision=paid,
        amount=500_000,
        channel="counter",
        officer=w.receptionist,
        received_at=datetime(2026, 3, 11, 9, 0, tzinfo=VN),
    )
    cancelled = _decision(w)
    services.decision_cancel(officer=w.chief, decision=cancelled, reason="Sai")
    assert selectors.public_by_number(paid.number, "1234") == paid
    assert selectors.public_by_number(cancelled.number, "1234") is None


def test_an_organisation_is_found_by_the_last_digits_of_its_tax_code(w):
    decision = _decision(w, violator=organisation(), plate="36C-123.45", vehicle_kind="car")
    assert selectors.public_by_number(decision.number, "3452") == decision
    assert person()["id_number"].endswith("1234")
    assert selectors.public_by_number(decision.number, "1234") is None


def test_public_lookups_leave_out_imported_decisions(w):
    # given an unpaid decision for a plate, found by both lookups
    decision = _decision(w)
    digits = (decision.violator_id_number or decision.violator_tax_code)[-4:]
    assert selectors.public_by_plate("36-B1 123.45") == [decision]
    assert selectors.public_by_number(decision.number, digits) == decision
    # when it is marked as imported from an old file
    PenaltyDecision.objects.filter(pk=decision.pk).update(source=Source.IMPORT)
    # then neither public lookup returns it
    assert selectors.public_by_plate("36-B1 123.45") == []
    assert selectors.public_by_number(decision.number, digits) is None
