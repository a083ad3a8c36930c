from datetime import date

from antt.catalog.models import Procedure
from antt.catalog.selectors import procedure_search


def names(rows):
    return [row.procedure.name for row in rows]


def test_search_without_accents_finds_the_passport(catalog):
    # when
    rows = procedure_search(q="cap ho chieu")
    # then
    assert "Cấp hộ chiếu phổ thông" in names(rows)


def test_search_dang_ky_xe_finds_vehicle_registration(catalog):
    # when
    rows = procedure_search(q="dang ky xe")
    # then
    assert rows
    assert all(row.procedure.field.slug == "dang-ky-xe" for row in rows)
    assert "Đăng ký xe tạm thời" in names(rows)


def test_multi_word_search_needs_every_word(catalog):
    # when
    rows = procedure_search(q="tạm trú gia hạn")
    # then
    assert set(names(rows)) == {"Gia hạn tạm trú", "Gia hạn tạm trú cho người nước ngoài tại Việt Nam"}


def test_search_finds_a_procedure_by_its_2021_name(catalog):
    # when
    rows = procedure_search(q="tach so ho khau")
    # then
    assert names(rows) == ["Tách hộ"]


def test_filters_by_field_level_and_online_level(catalog):
    # when
    commune = procedure_search(field="cu-tru", level="commune")
    district = procedure_search(field="cu-tru", level="district")
    full = procedure_search(online_level="full")
    # then
    assert len(commune) == 17 and len(district) == 9
    assert {row.procedure.code for row in full} >= {"1.004222", "1.004194", "2.001159"}


def test_abolished_household_book_procedures_are_listed_as_not_in_force(catalog):
    # when
    rows = {row.procedure.seed_ref: row for row in procedure_search(field="cu-tru", on=date(2026, 1, 1))}
    # then
    assert not rows["8.03"].in_force
    assert rows["8.03"].version.valid_to == date(2021, 6, 30)
    assert rows["8.01"].in_force


def test_search_costs_a_constant_number_of_queries(catalog, django_assert_max_num_queries):
    # when / then
    with django_assert_max_num_queries(3):
        rows = procedure_search()
        for row in rows:
            list(row.version.levels.all())
            assert row.procedure.field.name
    assert len(rows) == Procedure.objects.count()
