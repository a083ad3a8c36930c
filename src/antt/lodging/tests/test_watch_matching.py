"""Watchlist matching (the table of what matches and what does not, the in-process cache) and
raising alerts (rows, the SMS to the officers on duty, the audit trail, the legal hold)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.db import transaction

from antt.core.models import AuditEvent, Notification
from antt.core.text import fold
from antt.lodging import watch
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


def entry(w, **fields) -> WatchEntry:
    values = {"kind": WatchEntry.Kind.WANTED, "basis": "QĐ truy nã số 12/QĐ-CSHS", "unit": w.commune_a}
    values.update(fields)
    return WatchEntry.objects.create(created_by=w.head_a, **values)


@dataclass
class Row:
    doc_number: str = ""
    name_folded: str = ""
    birth_date: date | None = None


def guest(name="", doc="", birth=None) -> Row:
    return Row(doc_number=doc, name_folded=fold(name), birth_date=birth)


# --- the matching table --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (guest(doc="038090012345"), "document"),  # exact document number
        (guest(doc="038 090 012 345"), "document"),  # typed with spaces
        (guest(doc="c1234567"), "document"),  # passport typed in lower case
        (guest(name="Lê Thị Hồng Nhung", birth=DOB), "name_birth"),  # name with diacritics, same DOB
        (guest(name="LE THI HONG NHUNG", birth=DOB), "name_birth"),  # without diacritics, upper case
        (guest(name="Lê  Thị Hồng   Nhung", birth=DOB), "name_birth"),  # extra spaces
        (guest(name="Lê Thị Hồng Nhung", birth=date(1990, 1, 16)), None),  # same name, other DOB
        (guest(name="Lê Thị Hồng", birth=DOB), None),  # part of the name
        (guest(name="Lê Thị Hồng Nhung"), None),  # no DOB
        (guest(doc="038090012346"), None),  # another number
        (guest(doc="038090012345", name="Lê Thị Hồng Nhung", birth=DOB), "document+name_birth"),  # two entries
    ],
)
def test_matching_table(w, row, expected):
    # given: an entry by document, one by passport, one by name and birth date
    by_doc = entry(w, doc_number="038090012345")
    by_passport = entry(w, doc_number="C1234567")
    by_name = entry(w, full_name="Lê Thị Hồng Nhung", birth_date=DOB)

    # when
    found = watch.find_matches([guest(doc="999"), row])

    # then: only the second row may match, with the expected reason
    if expected is None:
        assert found == {}
    else:
        hits = found[1]
        assert 0 not in found
        assert "+".join(reason for _, reason in hits) == expected
        assert {pk for pk, _ in hits} <= {by_doc.pk, by_passport.pk, by_name.pk}


def test_an_entry_matching_by_both_is_reported_once_as_document(w):
    # given: one entry with a document number and a name with birth date
    both = entry(w, doc_number="038090012345", full_name="Lê Thị Hồng Nhung", birth_date=DOB)

    # when
    found = watch.find_matches([guest(doc="038090012345", name="Le Thi Hong Nhung", birth=DOB)])

    # then
    assert found == {0: [(both.pk, "document")]}


def test_dicts_and_declarations_are_matched_too(w):
    # given
    target = entry(w, doc_number="B7654321")
    decl = make_declaration(w.hotel, doc_number="B7654321")

    # when
    found = watch.find_matches([{"doc_number": "b7654321", "name_folded": "", "birth_date": None}, decl])

    # then
    assert found == {0: [(target.pk, "document")], 1: [(target.pk, "document")]}


def test_closed_and_expired_entries_do_not_match(w):
    # given: a closed entry, an expired one, and one that ends today (still active)
    entry(w, doc_number="CLOSED001", is_active=False)
    entry(w, doc_number="EXPIRED01", valid_until=date.today() - timedelta(days=2))
    today = entry(w, doc_number="TODAY0001", valid_until=watch._today())

    # when
    found = watch.find_matches([guest(doc="CLOSED001"), guest(doc="EXPIRED01"), guest(doc="TODAY0001")])

    # then
    assert found == {2: [(today.pk, "document")]}


def test_the_cache_refreshes_when_an_entry_is_added_or_closed(w, django_assert_num_queries):
    # given: a first call loads the (empty) watchlist
    assert watch.find_matches([guest(doc="NEW00001")]) == {}

    # when: an entry is added
    added = entry(w, doc_number="NEW00001")

    # then: the next call sees it
    assert watch.find_matches([guest(doc="NEW00001")]) == {0: [(added.pk, "document")]}

    # and: a call with nothing changed costs one query (the version), whatever the rows
    with django_assert_num_queries(1):
        watch.find_matches([guest(doc="NEW00001")] * 50)

    # when: the entry is closed
    added.is_active = False
    added.save()

    # then
    assert watch.find_matches([guest(doc="NEW00001")]) == {}


# --- raising alerts ------------------------------------------------------------------------------


def items_for(decl: Declaration, target: WatchEntry, matched_on: str = "document") -> list[dict]:
    return [
        {
            "watch_entry_id": target.pk,
            "matched_on": matched_on,
            "declaration_id": decl.pk,
            "stay_id": decl.stay_id,
            "establishment_id": decl.establishment_id,
            "unit_id": decl.unit_id,
        }
    ]


def test_raise_alerts_writes_alerts_audit_sms_and_the_legal_hold(w):
    # given: an entry of the province's department, a guest at the hotel of commune A, officers
    # on duty with phones in both units (and some who must not be texted)
    make_officer(w.commune_a, role=Role.HEAD, phone="0912000001")
    make_officer(w.commune_a, role=Role.PROCESSOR, phone="0912000002")
    make_officer(w.commune_a, role=Role.RECEPTIONIST, phone="0912000003")  # not on duty
    make_officer(w.commune_b, role=Role.HEAD, phone="0912000004")  # another commune
    make_officer(w.pa08, role=Role.PROCESSOR, phone="0912000005")  # the entry's unit
    target = entry(w, unit=w.pa08, doc_number="C1234567", full_name="Nguyễn Văn An")
    decl = make_declaration(w.hotel, doc_number="C1234567")

    # when
    with transaction.atomic():
        alerts = watch.raise_alerts(items_for(decl, target))

    # then: one alert, new, for the establishment's unit
    (alert,) = alerts
    alert.refresh_from_db()
    assert (alert.status, alert.unit_id, alert.establishment_id) == ("new", w.commune_a.pk, w.hotel.pk)
    assert (alert.stay_id, alert.declaration_id, alert.matched_on) == (decl.stay_id, decl.pk, "document")
    # an SMS to each head/processor of the alert's unit and of the entry's unit, without names
    sms = Notification.objects.filter(key=watch.SMS_KEY, object_id=str(alert.pk))
    assert sorted(n.recipient[-3:] for n in sms) == ["001", "002", "005"]
    assert {n.body for n in sms} == {f"Cảnh báo lưu trú #{alert.pk}: mở hệ thống để xem"}
    # an audit entry with ids only
    event = AuditEvent.objects.get(object_type="lodging.alert", object_id=str(alert.pk))
    assert event.changes["watch_entry_id"] == target.pk
    assert "Nguyễn" not in str(event.changes) and "C1234567" not in str(event.changes)
    # the stay is held against retention
    decl.refresh_from_db()
    assert decl.watch_hit is True


def test_raise_alerts_does_not_alert_the_same_stay_twice(w):
    # given
    target = entry(w, doc_number="C1234567")
    decl = make_declaration(w.hotel, doc_number="C1234567")
    with transaction.atomic():
        watch.raise_alerts(items_for(decl, target))

    # when: the stay matches again (a correction)
    with transaction.atomic():
        again = watch.raise_alerts(items_for(decl, target))

    # then
    assert again == []
    assert Alert.objects.filter(stay_id=decl.stay_id).count() == 1


def test_raise_alerts_outside_a_transaction_is_refused(w):
    target = entry(w, doc_number="C1234567")
    decl = make_declaration(w.hotel, doc_number="C1234567")
    # pytest-django wraps the test in a transaction; leave it to see the guard
    with pytest.raises(RuntimeError):
        transaction.get_connection().in_atomic_block = False
        try:
            watch.raise_alerts(items_for(decl, target))
        finally:
            transaction.get_connection().in_atomic_block = True


def test_an_invalid_officer_phone_does_not_refuse_the_alert(w):
    # given
    make_officer(w.commune_a, role=Role.HEAD, phone="12")
    target = entry(w, doc_number="C1234567")
    decl = make_declaration(w.hotel, doc_number="C1234567")

    # when
    with transaction.atomic():
        alerts = watch.raise_alerts(items_for(decl, target))

    # then
    assert len(alerts) == 1
    assert not Notification.objects.filter(key=watch.SMS_KEY).exists()


# --- speed ---------------------------------------------------------------------------------------


def test_find_matches_over_10000_rows_with_20000_entries(w, capsys):
    # given: 20,000 active entries (half by document, half by name and birth date)
    WatchEntry.objects.bulk_create(
        [
            WatchEntry(
                kind="wanted",
                doc_number=f"W{i:09d}" if i % 2 else "",
                full_name=f"Đối Tượng Số {i}",
                name_folded=fold(f"Đối Tượng Số {i}"),
                birth_date=date(1980, 1, 1) + timedelta(days=i % 9000),
                basis="QĐ",
                unit=w.commune_a,
                created_by=w.head_a,
            )
            for i in range(20_000)
        ]
    )
    rows = [guest(doc=f"038{i:09d}", name=f"Khách Số {i}", birth=date(1990, 1, 1)) for i in range(9_998)]
    rows += [guest(doc="W000000001"), guest(name="Doi Tuong So 2", birth=date(1980, 1, 3))]
    watch.find_matches(rows[:1])  # the one load per process

    # when: the best of five calls (the machine may be busy with other work)
    timings = []
    for _ in range(5):
        start = time.perf_counter()
        found = watch.find_matches(rows)
        timings.append(time.perf_counter() - start)
    elapsed = min(timings)

    # then
    assert sorted(found) == [9_998, 9_999]
    print(f"\nfind_matches: 10,000 rows against 20,000 entries in {elapsed * 1000:.1f} ms (best of 5)")
    assert elapsed < 0.5  # a few ms expected; generous for a loaded CI machine
