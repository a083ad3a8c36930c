"""The police's reads of declarations: the scoping gate, the name search (both databases' paths),
the filters of the search, the person history, the late counts and the masks."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from antt.core.models import AuditEvent
from antt.lodging import selectors
from antt.lodging.errors import LodgingError
from antt.lodging.models import Declaration, SearchLog
from antt.lodging.tests.factories import VN, lodging_world, make_declaration
from antt.org.models import Role
from antt.org.tests.factories import make_officer

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(settings):
    return lodging_world(settings)


@pytest.fixture
def province_head(w):
    return make_officer(w.province, role=Role.HEAD, full_name="Phạm Văn Tỉnh")


def ids(qs) -> set[int]:
    return set(qs.values_list("id", flat=True))


# --- scoping -----------------------------------------------------------------------------------


def test_commune_officer_sees_only_own_commune(w, province_head):
    # given a guest in commune A and one in commune B
    a = make_declaration(w.hotel)
    b = make_declaration(w.hotel_b)
    # when / then
    assert ids(selectors.declarations_for(w.processor_a)) == {a.id}
    assert ids(selectors.declarations_for(w.processor_b)) == {b.id}
    assert ids(selectors.declarations_for(province_head)) == {a.id, b.id}


def test_exit_entry_officer_sees_foreigners_of_the_province_only(w):
    # given a Vietnamese and a foreign guest in each commune
    make_declaration(w.hotel)
    make_declaration(w.hotel_b)
    fa = make_declaration(w.hotel, full_name="KIM MIN JUN", nationality="KOR", doc_type="PP", doc_number="M00000001")
    fb = make_declaration(w.hotel_b, full_name="JOHN SMITH", nationality="USA", doc_type="PP", doc_number="X1234567")
    # when / then: PA08 sees both foreigners and no Vietnamese guest
    assert ids(selectors.declarations_for(w.pa08_officer)) == {fa.id, fb.id}


def test_exit_entry_rule_only_for_configured_units(w, settings):
    # given PA08 is not (any more) an exit-entry unit
    make_declaration(w.hotel, full_name="KIM MIN JUN", nationality="KOR", doc_type="PP", doc_number="M00000002")
    settings.ANTT_LODGING_EXIT_ENTRY_UNITS = "khac, pa99"
    # then its officer sees nothing of the communes
    assert ids(selectors.declarations_for(w.pa08_officer)) == set()


def test_roles_without_lodging_view_are_refused(w):
    with pytest.raises(PermissionDenied):
        selectors.declarations_for(w.receptionist_a)
    with pytest.raises(PermissionDenied):
        selectors.declarations_for(w.manager)  # a hotel's account is no officer
    with pytest.raises(PermissionDenied):
        selectors.search_queryset(w.supervisor, {"name": "an"})  # lodging.stats only


# --- name search -------------------------------------------------------------------------------


@pytest.fixture
def names(w):
    made = {}
    for name in ["Nguyễn Văn An", "Lê Thị Lan", "Lệ Văn Hùng", "Lê Văn Hùng", "Trần Đức Anh", "An Văn Nguyễn"]:
        made[name] = make_declaration(w.hotel, full_name=name)
    return made


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("nguyen van an", {"Nguyễn Văn An", "An Văn Nguyễn"}),  # without diacritics, any order
        ("Nguyễn Văn An", {"Nguyễn Văn An", "An Văn Nguyễn"}),
        ("NGUYEN  an", {"Nguyễn Văn An", "An Văn Nguyễn"}),
        ("an", {"Nguyễn Văn An", "An Văn Nguyễn"}),  # a whole word: not "Lan", not "Anh"
        ("lan", {"Lê Thị Lan"}),
        ("le hung", {"Lê Văn Hùng", "Lệ Văn Hùng"}),  # no diacritics: both
        ("Lê Hùng", {"Lê Văn Hùng"}),  # "Lê" typed with its accent: not "Lệ"
        ("Lệ", {"Lệ Văn Hùng"}),
        ("duc anh", {"Trần Đức Anh"}),  # đ folds to d
        ("tran & anh |!:*", {"Trần Đức Anh"}),  # tsquery operators are dropped
        ("nguyen van", {"Nguyễn Văn An", "An Văn Nguyễn"}),
        ("nguyen lan", set()),
    ],
)
def test_name_search(w, names, query, expected):
    # when
    found = selectors.name_query(selectors.declarations_for(w.processor_a), query)
    # then
    assert {d.full_name for d in found} == expected


@pytest.mark.parametrize("junk", ["", "   ", "&|!():*", "\x00"])
def test_name_search_of_nothing_finds_nothing(w, names, junk):
    assert not selectors.name_query(selectors.declarations_for(w.processor_a), junk).exists()


# --- search filters ----------------------------------------------------------------------------


def test_search_filters_by_birth_date_document_and_arrival_range(w):
    # given three stays at different days
    now = timezone.now()
    a = make_declaration(
        w.hotel, birth_date=date(1990, 1, 15), doc_number="038090000111", arrived_at=now - timedelta(days=10)
    )
    b = make_declaration(
        w.hotel, birth_date=date(1985, 5, 5), doc_number="038085000222", arrived_at=now - timedelta(days=3)
    )
    c = make_declaration(
        w.hotel_b, birth_date=date(1990, 1, 15), doc_number="038090000333", arrived_at=now - timedelta(hours=3)
    )
    head = make_officer(w.province, role=Role.HEAD)
    # when / then
    assert ids(selectors.search_queryset(head, {"birth_date": date(1990, 1, 15)})) == {a.id, c.id}
    assert ids(selectors.search_queryset(head, {"doc_number": " 038085-000 222"})) == {b.id}
    assert ids(selectors.search_queryset(head, {"doc_number": "03808500022"})) == set()  # exact only
    day = (now - timedelta(days=3)).astimezone(VN).date()
    assert ids(selectors.search_queryset(head, {"arrived_from": day, "arrived_to": day})) == {b.id}
    assert ids(selectors.search_queryset(head, {"arrived_from": day})) == {b.id, c.id}
    assert ids(selectors.search_queryset(head, {"establishment": w.hotel_b.pk})) == {c.id}
    assert ids(selectors.search_queryset(head, {"commune": w.area_a.pk})) == {a.id, b.id}


def test_search_returns_current_rows_newest_first_within_scope(w):
    # given a stay with a correction (two ledger rows) and an older stay
    now = timezone.now()
    old = make_declaration(w.hotel, arrived_at=now - timedelta(days=5))
    first = make_declaration(w.hotel, arrived_at=now - timedelta(hours=5))
    Declaration.objects.filter(pk=first.pk).update(is_current=False)
    fixed = make_declaration(
        w.hotel, arrived_at=first.arrived_at, stay_id=first.stay_id, replaces_id=first.id, kind="correction"
    )
    make_declaration(w.hotel_b)  # another commune's guest
    # when
    found = list(selectors.search_queryset(w.processor_a, {"name": "nguyen van an"}))
    # then: one row per stay, newest arrival first, nothing of commune B
    assert [d.id for d in found] == [fixed.id, old.id]


def test_person_history_in_date_order(w, province_head):
    # given the same passport at two hotels
    now = timezone.now()
    later = make_declaration(w.hotel_b, doc_number="C1234567", arrived_at=now - timedelta(days=1))
    earlier = make_declaration(w.hotel, doc_number="C1234567", arrived_at=now - timedelta(days=20))
    make_declaration(w.hotel, doc_number="C7654321")
    # when / then
    assert [d.id for d in selectors.person_history(province_head, "c1234567")] == [earlier.id, later.id]
    assert [d.id for d in selectors.person_history(w.processor_a, "C1234567")] == [earlier.id]


def test_stay_ledger_out_of_scope_is_404(w):
    d = make_declaration(w.hotel_b)
    with pytest.raises(Http404):
        selectors.stay_ledger(w.processor_a, d.stay_id)
    assert [r.id for r in selectors.stay_ledger(w.processor_b, d.stay_id)] == [d.id]


# --- the search log ----------------------------------------------------------------------------


def test_log_search_keeps_no_personal_data(w):
    # when
    criteria = {"name": "Nguyễn Văn An", "doc_number": "038090001234", "birth_date": date(1990, 1, 15)}
    log = selectors.log_search(w.processor_a, kind="search", criteria=criteria, reason="Vụ việc số 12/2026", results=3)
    # then
    log = SearchLog.objects.get(pk=log.pk)
    assert log.criteria["name"] == "nguyen v. a."
    assert log.criteria["doc_number"] == "•••••••••234"
    assert "Nguyễn" not in str(log.criteria) and "038090001234" not in str(log.criteria)
    event = AuditEvent.objects.get(action=AuditEvent.Action.READ_PERSONAL, object_id=str(log.pk))
    assert event.reason == "Vụ việc số 12/2026" and "038090001234" not in str(event.changes)


def test_log_search_refuses_a_short_reason(w):
    with pytest.raises(LodgingError) as exc:
        selectors.log_search(w.processor_a, kind="search", criteria={"name": "an"}, reason="  vì   ", results=0)
    assert exc.value.field == "reason" and not SearchLog.objects.exists()


# --- late counts and home --------------------------------------------------------------------


def test_late_counts_per_establishment_most_late_first(w, province_head):
    # given this month: hotel 3 arrivals (1 late), hotel_b 2 arrivals (2 late); last month 1 late
    month = selectors.this_month()
    base = datetime.combine(month, datetime.min.time(), tzinfo=VN) + timedelta(hours=1)
    for late in (True, False, False):
        make_declaration(w.hotel, arrived_at=base, is_late=late)
    for _ in range(2):
        make_declaration(w.hotel_b, arrived_at=base, is_late=True)
    make_declaration(w.hotel, arrived_at=base - timedelta(days=3), is_late=True)
    # when
    rows = selectors.late_counts(province_head, month)
    # then
    assert [(r["name"], r["total"], r["late"], r["rate"]) for r in rows] == [
        ("Nhà nghỉ Hàm Rồng", 2, 2, 100.0),
        ("Khách sạn Sông Mã", 3, 1, 33.3),
    ]
    assert [r["late"] for r in selectors.late_counts(w.processor_a, month)] == [1]


def test_home_counts(w):
    make_declaration(w.hotel)
    make_declaration(w.hotel, full_name="KIM MIN JUN", nationality="KOR", doc_type="PP", doc_number="M00000009")
    make_declaration(w.hotel, state=Declaration.State.DEPARTED)
    counts = selectors.home_counts(w.processor_a)
    assert counts["staying"] == 2 and counts["foreigners"] == 1


def test_masks():
    assert selectors.mask_name("Nguyễn Văn An") == "Nguyễn V. A."
    assert selectors.mask_name("") == ""
    assert selectors.mask_doc("038090001234") == "•••••••••234"
    assert selectors.mask_doc("12") == "••"
