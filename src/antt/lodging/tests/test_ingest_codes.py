"""The code tables in force on a day, cached in-process and dropped when a table changes."""

from datetime import date

import pytest

from antt.lodging.codes import codes_on
from antt.lodging.loaders import load_rules
from antt.lodging.models import DocumentType, PortOfEntry

pytestmark = pytest.mark.django_db


def test_codes_on_a_day_hold_what_is_valid_that_day():
    load_rules()
    before, after = codes_on(date(2024, 12, 31)), codes_on(date(2025, 1, 1))
    assert "CMND" in before.doc_types and "CMND" not in after.doc_types  # CMND ended on 01/01/2025
    assert "VNEID" not in codes_on(date(2024, 6, 30)).doc_types
    assert after.countries["D"].stats_code == "DEU" and "VVTX" in after.ports and "DL" in after.reasons


def test_codes_are_cached_and_dropped_when_a_table_changes(django_assert_num_queries):
    # given the tables read once
    load_rules()
    day = date(2026, 8, 10)
    codes_on(day)
    # then a second call reads nothing
    with django_assert_num_queries(0):
        codes_on(day)
    # when an administrator adds a port (a save in the admin)
    PortOfEntry.objects.create(code="VVDH", name="Cảng hàng không Đồng Hới", kind="air", valid_from=date(2016, 1, 1))
    # then the next call sees it
    assert "VVDH" in codes_on(day).ports
    DocumentType.objects.filter(code="GTK").delete()
    assert "GTK" not in codes_on(day).doc_types
