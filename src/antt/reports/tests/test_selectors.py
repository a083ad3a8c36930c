"""The statistics equal the hand-counted figures of the built world (conftest.world)."""

from datetime import date
from unittest import mock

import pytest

from antt.feedback.tests.builders import at
from antt.reports import selectors
from antt.reports.selectors import StatsFilters

pytestmark = pytest.mark.django_db
MAY = StatsFilters(start=date(2026, 5, 1), end=date(2026, 5, 31), label="Tháng 05/2026")
AFTER_MAY = at(2026, 6, 15, 9)


def summary(user, f=MAY):
    with mock.patch("django.utils.timezone.now", return_value=AFTER_MAY):
        return selectors.stats_summary(user, f)


def test_supervisor_sees_the_province_figures(world):
    s = summary(world.w.supervisor)
    assert (s["received"], s["carried_over"], s["total"]) == (6, 1, 7)
    assert (s["received_online"], s["received_counter"], s["received_post"]) == (1, 5, 0)
    assert (s["resolved"], s["early"], s["on_time"], s["late"]) == (5, 3, 1, 1)
    assert s["in_time_rate"] == pytest.approx(4 / 5) and s["late_rate"] == pytest.approx(1 / 5)
    assert (s["in_progress"], s["in_progress_late"], s["in_progress_on_time"]) == (1, 1, 0)
    assert (s["returned"], s["withdrawn"], s["refused"], s["stopped"]) == (5, 1, 0, 0)
    # processing time: 2 + 3 + 4 + 1 + 1 working days over 5 dossiers, legal time 3 days
    assert s["avg_days"] == pytest.approx(11 / 5) and s["avg_legal_days"] == pytest.approx(3)
    assert s["time_ratio"] == pytest.approx(11 / 15) and s["meets_time_target"] is True
    assert s["online_rate"] == pytest.approx(1 / 6)
    full = next(level for level in s["online_levels"] if level["level"] == "full")
    assert (full["received"], full["online"]) == (6, 1)
    assert (s["digitised"], s["results_digitised"]) == (2, 1)
    assert s["satisfaction"]["count"] == 2 and s["satisfaction"]["satisfaction_rate"] == pytest.approx(0.5)


def test_a_commune_head_sees_only_their_commune(world):
    a = summary(world.w.head)
    assert (a["received"], a["carried_over"], a["resolved"], a["early"]) == (5, 1, 4, 2)
    b = summary(world.head_b)
    assert (b["received"], b["carried_over"], b["resolved"], b["early"], b["late"]) == (1, 0, 1, 1, 0)
    assert b["satisfaction"]["count"] == 0
    # a head asking for the other commune gets nothing, and roles without reports.view see nothing
    other = StatsFilters(start=MAY.start, end=MAY.end, unit=world.w.other_unit)
    assert summary(world.w.head, other)["total"] == 0
    assert summary(world.w.receptionist)["total"] == 0
    assert summary(world.w.processor)["total"] == 0


def test_breakdowns_by_unit_field_procedure_and_month(world):
    with mock.patch("django.utils.timezone.now", return_value=AFTER_MAY):
        by_unit = {r["name"]: r for r in selectors.stats_by(world.w.supervisor, MAY, "unit")}
        by_procedure = selectors.stats_by(world.w.supervisor, MAY, "procedure")
        year = StatsFilters(start=date(2026, 1, 1), end=date(2026, 12, 31))
        months = {m["month"]: m for m in selectors.stats_by_month(world.w.supervisor, year)}
    a, b = by_unit["Công an phường Hạc Thành"], by_unit["Công an phường Hàm Rồng"]
    assert (a["received"], a["resolved"], a["late"], a["in_progress_late"]) == (5, 4, 1, 1)
    assert a["avg_days"] == pytest.approx((2 + 3 + 4 + 1) / 4)
    assert (b["received"], b["resolved"], b["avg_days"]) == (1, 1, 1)
    assert [(r["id"], r["received"]) for r in by_procedure] == [(world.w.procedure.pk, 6)]
    assert len(months) == 12
    assert (months[date(2026, 4, 1)]["received"], months[date(2026, 4, 1)]["resolved"]) == (2, 1)
    may = months[date(2026, 5, 1)]
    assert (may["received"], may["resolved"], may["early"], may["on_time"], may["late"]) == (6, 5, 3, 1, 1)
    assert (months[date(2026, 6, 1)]["received"], months[date(2026, 7, 1)]["received"]) == (1, 0)


def test_filters_narrow_by_unit_and_a_period_before_the_returns(world):
    only_b = StatsFilters(start=MAY.start, end=MAY.end, unit=world.w.other_unit)
    assert summary(world.w.supervisor, only_b)["received"] == 1
    # in April: d8 done, d1 still open at the end (received 28/4, due 5/5: not yet late on 30/4)
    april = StatsFilters(start=date(2026, 4, 1), end=date(2026, 4, 30))
    s = summary(world.w.supervisor, april)
    assert (s["received"], s["resolved"], s["in_progress"], s["in_progress_late"]) == (2, 1, 1, 0)


def test_quality_groups_measure_what_the_data_gives_and_say_what_is_missing(world):
    groups = selectors.quality_groups(summary(world.w.supervisor))
    assert [g["points"] for g in groups] == [18, 20, 22, 22, 18]
    assert groups[0]["measured"] == [] and "Chưa tính" in groups[0]["missing"]
    progress = {label: value for label, value, _ in groups[1]["measured"]}
    assert progress["Tỷ lệ giải quyết trước hạn và đúng hạn"] == pytest.approx(0.8)
    digit = [value for _, value, _ in groups[2]["measured"]]
    assert digit == [pytest.approx(2 / 6), pytest.approx(1 / 5)]
