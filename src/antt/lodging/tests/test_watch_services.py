"""Watchlist services: adding (refusals in Vietnamese, the guest already staying alerts at once),
closing, and the alert state machine new → acknowledged → closed with its capability and scope."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import transaction

from antt.core.models import AuditEvent
from antt.lodging import watch
from antt.lodging.errors import LodgingError
from antt.lodging.models import Alert, Declaration, WatchEntry
from antt.lodging.tests.factories import lodging_world, make_declaration
from antt.org.models import Role
from antt.org.tests.factories import make_officer

pytestmark = pytest.mark.django_db

DOB = date(1990, 1, 15)


@pytest.fixture
def w():
    watch.clear_cache()
    return lodging_world()


def add(w, user=None, **fields) -> WatchEntry:
    values = {"kind": "wanted", "basis": "QĐ truy nã số 12/QĐ-CSHS"}
    values.update(fields)
    return watch.watch_add(user=user or w.head_a, **values)


def alert_for(w, user=None) -> Alert:
    decl = make_declaration(w.hotel, doc_number="C7777777")
    add(w, user=user, doc_number="C7777777")
    return Alert.objects.get(stay_id=decl.stay_id)


# --- adding ----------------------------------------------------------------------------------


def test_add_by_document_number_normalises_it_and_audits_without_personal_data(w):
    # when
    entry = add(w, doc_number=" c 123 4567 ", full_name="Trần Văn Bình")

    # then
    assert (entry.doc_number, entry.unit_id, entry.created_by_id) == ("C1234567", w.commune_a.pk, w.head_a.pk)
    event = AuditEvent.objects.get(object_type="lodging.watchentry", object_id=str(entry.pk), action="create")
    assert "C1234567" not in str(event.changes) and "Bình" not in str(event.changes)


@pytest.mark.parametrize(
    ("fields", "field", "status"),
    [
        ({"full_name": "Trần Văn Bình"}, "doc_number", 400),  # a name without birth date
        ({"birth_date": DOB}, "doc_number", 400),  # a birth date without name
        ({"doc_number": "C12-34"}, "doc_number", 400),
        ({"doc_number": "C1234567", "basis": ""}, "basis", 400),
        ({"doc_number": "C1234567", "kind": "enemy"}, "kind", 400),
        ({"doc_number": "C1234567", "birth_date": date.today() + timedelta(days=3)}, "birth_date", 400),
        ({"doc_number": "C1234567", "valid_until": date(2020, 1, 1)}, "valid_until", 400),
    ],
)
def test_add_refuses_bad_input_and_writes_nothing(w, fields, field, status):
    # when
    with pytest.raises(LodgingError) as caught:
        add(w, **fields)

    # then
    assert (caught.value.field, caught.value.status) == (field, status)
    assert caught.value.message  # Vietnamese, for the form
    assert not WatchEntry.objects.exists()


def test_add_refuses_a_second_active_entry_with_the_same_number(w):
    add(w, doc_number="C1234567")
    with pytest.raises(LodgingError) as caught:
        add(w, doc_number="c1234567")
    assert caught.value.status == 409


def test_add_needs_watchlist_manage(w):
    # given: a processor may see the watchlist but not add to it
    with pytest.raises(LodgingError) as caught:
        add(w, user=w.processor_a, doc_number="C1234567")
    assert caught.value.status == 403
    assert not WatchEntry.objects.exists()


def test_adding_an_entry_for_a_guest_already_staying_raises_an_alert(w):
    # given: a guest staying at commune B's hotel, another who has left, another person
    staying = make_declaration(w.hotel_b, full_name="Phạm Thị Hoa", birth_date=DOB)
    make_declaration(w.hotel, full_name="Phạm Thị Hoa", birth_date=DOB, state=Declaration.State.DEPARTED)
    make_declaration(w.hotel, full_name="Phạm Thị Hoa", birth_date=DOB + timedelta(days=1))

    # when: commune A's head adds her by name and birth date (typed without diacritics)
    entry = add(w, full_name="pham thi hoa", birth_date=DOB, kind="missing")

    # then: one alert, for the unit of the hotel where she stays, and the stay is held
    (alert,) = Alert.objects.filter(watch_entry=entry)
    assert (alert.stay_id, alert.unit_id, alert.matched_on) == (staying.stay_id, w.commune_b.pk, "name_birth")
    assert entry.alerts_raised == 1
    staying.refresh_from_db()
    assert staying.watch_hit is True


def test_close_entry_needs_a_reason_then_stops_matching(w):
    # given
    entry = add(w, doc_number="C1234567")
    with pytest.raises(LodgingError) as caught:
        watch.watch_close(user=w.head_a, entry=entry, reason="")
    assert caught.value.field == "reason"

    # when
    watch.watch_close(user=w.head_a, entry=entry, reason="Đã bắt được đối tượng")

    # then
    entry.refresh_from_db()
    assert (entry.is_active, entry.closed_by_id, entry.close_reason) == (False, w.head_a.pk, "Đã bắt được đối tượng")
    assert watch.find_matches([{"doc_number": "C1234567", "name_folded": "", "birth_date": None}]) == {}
    with pytest.raises(LodgingError) as again:
        watch.watch_close(user=w.head_a, entry=entry, reason="Lần thứ hai")
    assert again.value.status == 409


def test_close_entry_of_another_commune_is_not_found(w):
    # given: an entry of commune A; commune B's head
    entry = add(w, doc_number="C1234567")
    head_b = make_officer(w.commune_b, role=Role.HEAD)

    # when / then
    with pytest.raises(LodgingError) as caught:
        watch.watch_close(user=head_b, entry=entry, reason="Không phải của tôi")
    assert caught.value.status == 404


def test_update_entry_records_field_names_only_and_matches_again(w):
    # given
    entry = add(w, doc_number="C1234567")
    decl = make_declaration(w.hotel, doc_number="D9999999")

    # when: the number is corrected to the one of a guest staying now
    watch.watch_update(user=w.head_a, entry=entry, doc_number="D9999999")

    # then
    event = AuditEvent.objects.filter(object_id=str(entry.pk), action="update").get()
    assert event.changes["fields"] == ["doc_number"]
    assert "D9999999" not in str(event.changes)
    assert Alert.objects.filter(watch_entry=entry, stay_id=decl.stay_id).exists()


# --- the alert state machine -------------------------------------------------------------------


def test_alert_goes_new_acknowledged_closed(w):
    # given
    alert = alert_for(w)

    # when
    watch.alert_acknowledge(user=w.processor_a, alert=alert)
    watch.alert_close(user=w.processor_a, alert=alert, outcome="Đã mời về trụ sở làm việc")

    # then
    alert.refresh_from_db()
    assert alert.status == "closed"
    assert (alert.acknowledged_by_id, alert.closed_by_id) == (w.processor_a.pk, w.processor_a.pk)
    assert alert.outcome == "Đã mời về trụ sở làm việc"
    transitions = AuditEvent.objects.filter(object_type="lodging.alert", object_id=str(alert.pk), action="transition")
    assert [e.changes["status"] for e in transitions.order_by("seq")] == [
        ["new", "acknowledged"],
        ["acknowledged", "closed"],
    ]


@pytest.mark.parametrize("start", ["new", "closed"])
def test_alert_close_is_refused_unless_acknowledged(w, start):
    alert = alert_for(w)
    Alert.objects.filter(pk=alert.pk).update(status=start)
    with pytest.raises(LodgingError) as caught:
        watch.alert_close(user=w.processor_a, alert=alert, outcome="Kết quả xử lý")
    assert caught.value.status == 409


def test_alert_acknowledge_twice_is_a_conflict(w):
    alert = alert_for(w)
    watch.alert_acknowledge(user=w.processor_a, alert=alert)
    with pytest.raises(LodgingError) as caught:
        watch.alert_acknowledge(user=w.head_a, alert=alert)
    assert caught.value.status == 409


def test_alert_close_needs_an_outcome(w):
    alert = alert_for(w)
    watch.alert_acknowledge(user=w.processor_a, alert=alert)
    with pytest.raises(LodgingError) as caught:
        watch.alert_close(user=w.processor_a, alert=alert, outcome="  ")
    assert caught.value.field == "outcome"
    alert.refresh_from_db()
    assert alert.status == "acknowledged"


def test_alert_handling_needs_the_capability_and_the_scope(w):
    # given: commune A's alert
    alert = alert_for(w)

    # then: a receptionist lacks alert.handle (403); commune B's processor does not see it (404)
    with pytest.raises(LodgingError) as forbidden:
        watch.alert_acknowledge(user=w.receptionist_a, alert=alert)
    assert forbidden.value.status == 403
    with pytest.raises(LodgingError) as hidden:
        watch.alert_acknowledge(user=w.processor_b, alert=alert)
    assert hidden.value.status == 404
    alert.refresh_from_db()
    assert alert.status == "new"


def test_the_entry_unit_also_handles_the_alert(w):
    # given: the exit-entry department's entry matches a guest in commune A
    pa08_head = make_officer(w.pa08, role=Role.HEAD)
    decl = make_declaration(w.hotel, doc_number="E5555555")
    entry = add(w, user=pa08_head, doc_number="E5555555")
    alert = Alert.objects.get(watch_entry=entry)
    assert alert.unit_id == w.commune_a.pk

    # when: the department's processor acknowledges it
    with transaction.atomic():
        watch.alert_acknowledge(user=w.pa08_officer, alert=alert)

    # then
    alert.refresh_from_db()
    assert (alert.status, alert.stay_id) == ("acknowledged", decl.stay_id)
