"""Registry reads: unit scope, folded search, filters and sorts, masking, the logged read."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from antt.core.models import AuditEvent
from antt.establishments import selectors
from antt.establishments.forms import SORT_LABELS
from antt.establishments.models import FireCategory, FireProfile
from antt.establishments.tests.factories import establishments_world, make_establishment, valid_tax_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return establishments_world()


def tax(i: int) -> str:
    """Distinct valid codes (the factory's own sequence may repeat a code when it skips a body
    without a check digit)."""
    return valid_tax_code(500_000 + 10 * i)


def names(qs) -> list[str]:
    return [e.name for e in qs]


def test_an_officer_of_commune_b_cannot_see_commune_as_establishment(w):
    # given one establishment in each commune
    a = make_establishment(w, name="Karaoke Ánh Dương", tax_code=tax(1))
    b = make_establishment(w, name="Nhà nghỉ Hàm Rồng", unit=w.commune_b, lines=["t-luu-tru"], tax_code=tax(2))
    # then each commune sees its own, the province sees both
    assert names(selectors.establishment_list(w.processor_a)) == ["Karaoke Ánh Dương"]
    assert names(selectors.establishment_list(w.processor_b)) == ["Nhà nghỉ Hàm Rồng"]
    assert set(names(selectors.establishment_list(w.supervisor))) == {a.name, b.name}
    assert selectors.establishment_get(w.processor_a, a.pk) == a
    with pytest.raises(Http404):
        selectors.establishment_get(w.processor_b, a.pk)
    with pytest.raises(Http404):
        selectors.establishment_get(w.processor_a, "abc")
    # a search for the other commune's name finds nothing
    assert names(selectors.establishment_list(w.processor_b, q="anh duong")) == []


def test_roles_without_establishment_view_are_refused(w):
    with pytest.raises(PermissionDenied):
        selectors.establishment_list(w.system_admin)


@pytest.mark.parametrize(
    ("q", "found"),
    [
        ("karaoke anh duong", ["Karaoke Ánh Dương"]),
        ("Karaoke Ánh Dương", ["Karaoke Ánh Dương"]),
        ("ÁNH   DƯƠNG", ["Karaoke Ánh Dương"]),
        ("duong anh", ["Karaoke Ánh Dương"]),  # every word, in any order
        ("dong son", ["Khách sạn Đông Sơn"]),  # đ folded to d
        ("đông", ["Khách sạn Đông Sơn"]),
        ("sunrise", ["Khách sạn Đông Sơn"]),  # the trade name
        ("khach san", ["Khách sạn Đông Sơn"]),
        ("karaoke dong", []),
        ("", ["Cầm đồ Phú Quý", "Karaoke Ánh Dương", "Khách sạn Đông Sơn"]),
    ],
)
def test_the_search_is_folded_by_name_and_trade_name(w, q, found):
    make_establishment(w, name="Karaoke Ánh Dương", tax_code=tax(1))
    make_establishment(w, name="Khách sạn Đông Sơn", trade_name="Sunrise Hotel", lines=["t-luu-tru"], tax_code=tax(2))
    make_establishment(w, name="Cầm đồ Phú Quý", lines=["t-cam-do"], tax_code=tax(3))
    assert names(selectors.establishment_list(w.processor_a, q=q)) == found


def test_the_search_by_tax_code_matches_the_normalised_code_exactly(w):
    branch = make_establishment(w, name="Chi nhánh Viettel", tax_code="0100109106-001")
    make_establishment(w, name="Viettel", tax_code="0100109106")
    assert names(selectors.establishment_list(w.processor_a, q="0100109106001")) == [branch.name]
    assert names(selectors.establishment_list(w.processor_a, q="0100109106-001")) == [branch.name]
    assert names(selectors.establishment_list(w.processor_a, q="0100109106")) == ["Viettel"]
    assert selectors.establishment_search(w.processor_a, "0100 109 106") == [
        selectors.establishment_list(w.processor_a, q="0100109106").get()
    ]
    assert selectors.establishment_search(w.processor_a, "   ") == []


def test_filters_by_unit_line_status_fire_and_area(w):
    karaoke = make_establishment(w, name="Karaoke A", tax_code=tax(1))
    hotel = make_establishment(
        w, name="Khách sạn B", lines=["t-luu-tru", "t-karaoke"], fire_category="t-hotel", tax_code=tax(2)
    )
    shop = make_establishment(w, name="Cửa hàng C", lines=[], fire_category="t-shop", status="paused", tax_code=tax(3))
    other = make_establishment(w, name="Nhà nghỉ D", unit=w.commune_b, lines=["t-luu-tru"], tax_code=tax(4))
    sup = w.supervisor

    assert names(selectors.establishment_list(sup, line="t-karaoke")) == ["Karaoke A", "Khách sạn B"]
    assert names(selectors.establishment_list(sup, line="t-luu-tru", unit=w.commune_b)) == [other.name]
    assert names(selectors.establishment_list(sup, unit=w.commune_a.pk, status="paused")) == [shop.name]
    assert names(selectors.establishment_list(sup, status="closed")) == []
    assert names(selectors.establishment_list(sup, fire=True)) == ["Cửa hàng C", "Khách sạn B"]
    assert names(selectors.establishment_list(sup, fire="high_risk")) == [hotel.name]
    assert set(names(selectors.establishment_list(sup, fire=False))) == {karaoke.name, other.name}
    assert names(selectors.establishment_list(sup, area=w.area_b)) == [other.name]
    assert names(selectors.establishment_list(sup, unit="xyz")) == []
    # a unit filter cannot widen the scope
    assert names(selectors.establishment_list(w.processor_b, unit=w.province)) == [other.name]


def test_sorts_and_their_labels_agree(w):
    assert set(SORT_LABELS) == set(selectors.SORTS)
    make_establishment(w, name="B", tax_code="0100109106")
    make_establishment(w, name="A", tax_code="0301442379")
    assert names(selectors.establishment_list(w.processor_a, sort="name")) == ["A", "B"]
    assert names(selectors.establishment_list(w.processor_a, sort="-name")) == ["B", "A"]
    assert names(selectors.establishment_list(w.processor_a, sort="tax_code")) == ["B", "A"]
    assert names(selectors.establishment_list(w.processor_a, sort="nonsense")) == ["A", "B"]


def test_lists_show_people_masked(w):
    e = make_establishment(w)
    people = selectors.masked_people(e)
    assert people["security_person_name"] == "L** T** A** N***"
    assert people["security_person_id_number"] == "********4321"
    assert people["representative_phone"] == "09xx xxx 111"
    for value in people.values():
        assert value not in ("Lê Thị An Ninh", "038190054321", "0912000111", "Nguyễn Văn Chủ")


def test_the_full_read_is_logged_and_limited_to_roles_with_person_view_in_scope(w):
    e = make_establishment(w)
    # when an officer of the unit reads the people in full
    full = selectors.establishment_personal(w.processor_a, e, reason="Kiểm tra hồ sơ")
    # then
    assert full["security_person_id_number"] == "038190054321" and full["owner_name"] == "Nguyễn Văn Chủ"
    entry = AuditEvent.objects.get(action="read_personal", object_id=str(e.pk))
    assert entry.actor == w.processor_a and entry.reason == "Kiểm tra hồ sơ"
    assert "security_person_id_number" in entry.changes["fields"]
    # a supervisor (no person.view) and another commune's officer are refused, and nothing is logged
    with pytest.raises(PermissionDenied):
        selectors.establishment_personal(w.supervisor, e)
    with pytest.raises(Http404):
        selectors.establishment_personal(w.processor_b, e)
    assert AuditEvent.objects.filter(action="read_personal").count() == 1


def test_lines_in_force_follow_their_dates(w):
    from datetime import date

    from antt.establishments.models import BusinessLine

    BusinessLine.objects.filter(code="t-cam-do").update(valid_to=date(2020, 1, 1))
    assert "t-cam-do" in [line.code for line in selectors.lines_in_force(date(2019, 12, 31))]
    assert "t-cam-do" not in [line.code for line in selectors.lines_in_force(date(2020, 1, 1))]


def test_a_fire_profile_is_enough_to_be_under_fire_management(w):
    e = make_establishment(w, name="Chợ Vườn Hoa", lines=[])
    FireProfile.objects.create(establishment=e, category=FireCategory.objects.get(code="t-shop"))
    assert names(selectors.establishment_list(w.processor_a, fire=True)) == ["Chợ Vườn Hoa"]
