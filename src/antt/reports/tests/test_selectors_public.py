"""Public monthly figures per unit (/so-lieu/): the same definitions as the staff statistics."""

from datetime import date

import pytest

from antt.reports import selectors as staff_selectors
from antt.reports.selectors_public import monthly_by_unit, monthly_totals

MAY = date(2026, 5, 1)


def by_unit(data):
    return {row["unit"]: row for row in data["rows"]}


def test_figures_per_unit_count_received_completed_on_time_and_satisfaction(world):
    # when
    data = monthly_by_unit(MAY)
    # then (hand-counted, see the world's docstring)
    a = by_unit(data)[world.w.unit.name]
    assert (a["received"], a["completed"], a["in_time"]) == (5, 4, 3)
    assert a["on_time_rate"] == pytest.approx(0.75)
    assert (a["ratings"], a["satisfied"], a["satisfaction_rate"]) == (2, 1, 0.5)
    b = by_unit(data)[world.w.other_unit.name]
    assert (b["received"], b["completed"], b["on_time_rate"]) == (1, 1, 1.0)
    assert b["ratings"] == 0 and b["satisfaction_rate"] is None
    assert data["total"]["received"] == 6 and data["total"]["on_time_rate"] == pytest.approx(4 / 5)


def test_figures_agree_with_the_staff_statistics(world):
    # given: the province supervisor sees both units
    f = staff_selectors.StatsFilters(start=MAY, end=date(2026, 5, 31))
    staff = {row["name"]: row for row in staff_selectors.stats_by(world.w.supervisor, f, "unit")}
    # when
    public = by_unit(monthly_by_unit(MAY))
    # then
    for name, row in public.items():
        assert row["received"] == staff[name]["received"]
        assert row["completed"] == staff[name]["resolved"]
        assert row["on_time_rate"] == staff[name]["in_time_rate"]


def test_a_month_without_dossiers_has_no_rows_and_no_rates(world):
    data = monthly_by_unit(date(2026, 2, 1))
    assert data["rows"] == []
    assert data["total"]["on_time_rate"] is None and data["total"]["satisfaction_rate"] is None


def test_twelve_month_trend_ends_with_the_chosen_month(world):
    trend = monthly_totals(date(2026, 6, 1), 12)
    assert [m["month"] for m in (trend[0], trend[-1])] == [date(2025, 7, 1), date(2026, 6, 1)]
    by_month = {m["month"]: m for m in trend}
    assert by_month[MAY]["received"] == 6 and by_month[MAY]["completed"] == 5
    assert by_month[date(2026, 4, 1)]["completed"] == 1  # d8
    assert by_month[date(2026, 6, 1)]["received"] == 1  # d7


def test_the_public_page_shows_unit_figures_without_personal_data(client, world):
    # given
    dossier = world.d["d2"]
    # when
    response = client.get("/so-lieu/", {"thang": "2026-05"})
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert world.w.unit.name in html and "75,0%" in html and "50,0%" in html
    for personal in (dossier.applicant_name, dossier.applicant_phone, dossier.applicant_id_number, dossier.code):
        if personal:
            assert personal not in html
    for officer in (world.w.receptionist, world.w.processor, world.w.head):
        assert officer.full_name not in html
