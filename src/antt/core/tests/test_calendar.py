"""Explicit cases of the working-day calendar (antt.core.calendar)."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured

from antt.core import calendar
from antt.core.calendar import LOCAL_TZ
from antt.core.models import CalendarDay

pytestmark = pytest.mark.django_db


def at(y, m, d, hh=10, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=LOCAL_TZ)


def day_off(d: date, name="Ngày nghỉ do quản trị viên thêm", basis=""):
    return CalendarDay.objects.create(date=d, kind=CalendarDay.Kind.DAY_OFF, name=name, legal_basis=basis)


def working_day(d: date, name="Ngày làm việc bù"):
    return CalendarDay.objects.create(date=d, kind=CalendarDay.Kind.WORKING_DAY, name=name)


# --- the issue's example -------------------------------------------------------


def test_due_date_of_issue_example_skips_hung_kings_and_30_4_1_5():
    # given a dossier received Thu 23/04/2026 09:30 with 5 working days
    received = datetime(2026, 4, 23, 9, 30)

    # when
    received_day = calendar.received_on(received)
    due = calendar.due_date(received, 5)

    # then 24 Fri, (27 Mon off), 28, 29, (30, 1/5 off), 4 Mon, 5 Tue
    assert received_day == date(2026, 4, 23)
    assert due == date(2026, 5, 5)
    assert calendar.working_days_between(received_day, due) == 5


def test_days_off_between_names_the_skipped_weekdays_only():
    # when
    skipped = calendar.days_off_between(date(2026, 4, 23), date(2026, 5, 5))

    # then the Sunday 26/04 (Hùng Kings itself) is not listed, the observed Monday is
    assert [d for d, _ in skipped] == [date(2026, 4, 27), date(2026, 4, 30), date(2026, 5, 1)]
    assert skipped[0][1] == "Ngày Giỗ Tổ Hùng Vương (nghỉ bù)"


# --- weekdays and weekends -------------------------------------------------------


def test_monday_to_friday_work_and_the_weekend_rests():
    # given an ordinary week (Mon 2026-03-09 … Sun 2026-03-15)
    week = [date(2026, 3, 9) + timedelta(days=i) for i in range(7)]

    # then
    assert [calendar.is_working_day(d) for d in week] == [True] * 5 + [False] * 2


def test_next_working_day_is_strictly_after():
    assert calendar.next_working_day(date(2026, 3, 9)) == date(2026, 3, 10)
    assert calendar.next_working_day(date(2026, 3, 13)) == date(2026, 3, 16)


# --- Tết -------------------------------------------------------------------------


def test_tet_2026_package_days_are_off_without_admin_rows():
    # given no CalendarDay rows
    assert not CalendarDay.objects.exists()

    # then 16–20/02/2026 (Mon–Fri) are days off, 13/02 and 23/02 are working days
    tet = [date(2026, 2, 16) + timedelta(days=i) for i in range(5)]
    assert not any(calendar.is_working_day(d) for d in tet)
    assert calendar.is_working_day(date(2026, 2, 13))
    assert calendar.is_working_day(date(2026, 2, 23))
    assert calendar.due_date(at(2026, 2, 13), 1) == date(2026, 2, 23)
    assert dict(calendar.holidays_in(2026))[date(2026, 2, 17)] == "Tết Nguyên Đán"


def test_tet_2026_official_schedule_entered_by_admin_shows_in_the_list():
    # given the rows of Công văn 9859/VPCP-KGVX: Sat 14 – Sun 22/02/2026
    for i in range(9):
        day_off(date(2026, 2, 14) + timedelta(days=i), "Nghỉ Tết Nguyên Đán", "Công văn 9859/VPCP-KGVX")

    # when
    days = dict(calendar.holidays_in(2026))

    # then all nine days are listed with the admin's name (overriding the package's)
    for i in range(9):
        assert days[date(2026, 2, 14) + timedelta(days=i)] == "Nghỉ Tết Nguyên Đán"
    # and the deadline is the same: the extra days were a weekend anyway
    assert calendar.due_date(at(2026, 2, 13), 1) == date(2026, 2, 23)


def test_admin_day_off_after_tet_2026_moves_the_due_date():
    # given an extra day off on Mon 23/02/2026 entered by an administrator
    assert calendar.due_date(at(2026, 2, 13), 1) == date(2026, 2, 23)
    day_off(date(2026, 2, 23))

    # when
    due = calendar.due_date(at(2026, 2, 13), 1)

    # then
    assert due == date(2026, 2, 24)
    assert not calendar.is_working_day(date(2026, 2, 23))


def test_admin_working_day_overrides_a_package_holiday():
    # given the package's Fri 20/02/2026 turned into a working day by an admin row
    working_day(date(2026, 2, 20))

    # then
    assert calendar.is_working_day(date(2026, 2, 20))
    assert calendar.due_date(at(2026, 2, 13), 1) == date(2026, 2, 20)
    assert date(2026, 2, 20) not in dict(calendar.holidays_in(2026))


def test_admin_working_saturday_counts():
    # given Sat 07/03/2026 made a working day
    working_day(date(2026, 3, 7))

    # then a dossier received on it is received that day
    assert calendar.received_on(at(2026, 3, 7)) == date(2026, 3, 7)
    assert calendar.due_date(at(2026, 3, 6), 1) == date(2026, 3, 7)
    assert (date(2026, 3, 7), "Ngày làm việc bù") in calendar.working_weekends_in(2026)


def test_tet_2027_package_days_are_off():
    # then Thu 04 – Wed 10/02/2027 are off; 03/02 and 11/02 work
    tet = [date(2027, 2, 4) + timedelta(days=i) for i in range(7)]
    assert not any(calendar.is_working_day(d) for d in tet)
    assert calendar.is_working_day(date(2027, 2, 3))
    assert calendar.is_working_day(date(2027, 2, 11))
    assert calendar.due_date(at(2027, 2, 3), 1) == date(2027, 2, 11)
    assert calendar.received_on(at(2027, 2, 4)) == date(2027, 2, 11)


# --- Hùng Kings and swaps ----------------------------------------------------------


def test_hung_kings_2026_is_observed_on_monday_27_april():
    # then the Sunday holiday moves to Monday
    assert not calendar.is_working_day(date(2026, 4, 27))
    days = dict(calendar.holidays_in(2026))
    assert days[date(2026, 4, 26)] == "Ngày Giỗ Tổ Hùng Vương"
    assert days[date(2026, 4, 27)] == "Ngày Giỗ Tổ Hùng Vương (nghỉ bù)"


def test_make_up_saturday_22_august_2026_is_a_working_day():
    # then Sat 22/08 works and Mon 31/08 (its swap) is off
    assert calendar.is_working_day(date(2026, 8, 22))
    assert not calendar.is_working_day(date(2026, 8, 31))
    assert calendar.received_on(at(2026, 8, 22)) == date(2026, 8, 22)
    assert calendar.due_date(at(2026, 8, 21), 1) == date(2026, 8, 22)
    # Fri 28/08 + 1: 31/08, 01/09, 02/09 off → Thu 03/09
    assert calendar.due_date(at(2026, 8, 28), 1) == date(2026, 9, 3)
    assert calendar.working_weekends_in(2026) == [(date(2026, 8, 22), "Ngày làm việc bù")]


def test_make_up_saturday_of_another_year_swap_is_found():
    # given Sat 27/12/2014, worked for the day off Fri 02/01/2015 (package data)
    assert calendar.is_working_day(date(2014, 12, 27))


# --- receipt time ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (at(2026, 4, 23, 6, 0), date(2026, 4, 23)),  # before the morning start: same day
        (at(2026, 4, 23, 7, 30), date(2026, 4, 23)),
        (at(2026, 4, 23, 12, 15), date(2026, 4, 23)),  # lunch break: same day
        (at(2026, 4, 23, 16, 59), date(2026, 4, 23)),
        (at(2026, 4, 23, 17, 0), date(2026, 4, 24)),  # at closing: next working day
        (at(2026, 4, 23, 22, 0), date(2026, 4, 24)),
        (at(2026, 4, 24, 17, 30), date(2026, 4, 28)),  # Fri evening: Mon 27 is off
        (at(2026, 4, 25, 9, 0), date(2026, 4, 28)),  # Saturday
        (at(2026, 4, 26, 9, 0), date(2026, 4, 28)),  # Sunday, Hùng Kings
    ],
)
def test_received_on_after_hours_and_weekends(moment, expected):
    assert calendar.received_on(moment) == expected


def test_after_hours_receipt_moves_the_due_date():
    # given the issue's example but handed in at 17:30
    # then received Fri 24, due 5 working days later: 28, 29, 4, 5, 6 May
    assert calendar.due_date(datetime(2026, 4, 23, 17, 30), 5) == date(2026, 5, 6)


def test_aware_datetimes_are_read_in_vietnam_time():
    # given 10:30 UTC = 17:30 in Hà Nội
    moment = datetime(2026, 4, 23, 10, 30, tzinfo=UTC)

    # then it is after hours there
    assert calendar.received_on(moment) == date(2026, 4, 24)
    # and naive 10:30 is local time, within hours
    assert calendar.received_on(datetime(2026, 4, 23, 10, 30)) == date(2026, 4, 23)


def test_same_day_procedure_is_due_on_the_day_of_receipt():
    assert calendar.due_date(at(2026, 4, 23, 9, 0), 0) == date(2026, 4, 23)
    assert calendar.due_date(at(2026, 4, 25, 9, 0), 0) == date(2026, 4, 28)


def test_office_hours_come_from_settings(settings):
    # given an office closing at 12:00
    settings.ANTT_OFFICE_HOURS = "08:00-12:00"

    # then 12:15 is after hours
    assert calendar.received_on(at(2026, 4, 23, 12, 15)) == date(2026, 4, 24)
    assert calendar.add_working_hours(at(2026, 4, 23, 11, 0), 2) == at(2026, 4, 24, 9, 0)


@pytest.mark.parametrize("spec", ["", "7:30", "17:00-07:30", "07:30-12:00,11:00-17:00", "ab-cd"])
def test_bad_office_hours_setting_is_refused(settings, spec):
    settings.ANTT_OFFICE_HOURS = spec
    with pytest.raises(ImproperlyConfigured):
        calendar.received_on(at(2026, 4, 23))


# --- working hours ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "hours", "expected"),
    [
        # 10:30→11:30 (1), 13:30→17:00 (3.5), Fri 07:30→11:00 (3.5)
        (at(2026, 4, 23, 10, 30), 8, at(2026, 4, 24, 11, 0)),
        # across lunch
        (at(2026, 4, 23, 11, 0), 1, at(2026, 4, 23, 14, 0)),
        (at(2026, 4, 23, 12, 0), 0.5, at(2026, 4, 23, 14, 0)),
        # ending exactly at the end of the morning
        (at(2026, 4, 23, 7, 30), 4, at(2026, 4, 23, 11, 30)),
        # evening start: counting begins next morning
        (at(2026, 4, 22, 20, 0), 1, at(2026, 4, 23, 8, 30)),
        # Fri 15:00: 2 h Fri, weekend and Mon 27 (Hùng Kings) skipped, Tue 4 h + 2 h
        (at(2026, 4, 24, 15, 0), 8, at(2026, 4, 28, 15, 30)),
        # Saturday start: Tue 28 gives 7.5 h (4 + 3.5), the last half hour is Wed 29
        (at(2026, 4, 25, 9, 0), 8, at(2026, 4, 29, 8, 0)),
        # the make-up Saturday 22/08/2026 counts
        (at(2026, 8, 21, 16, 0), 2, at(2026, 8, 22, 8, 30)),
    ],
)
def test_add_working_hours_counts_office_hours_only(start, hours, expected):
    assert calendar.add_working_hours(start, hours) == expected


def test_add_working_hours_returns_vietnam_time_for_naive_and_utc_input():
    # given 03:30 UTC = 10:30 local
    result = calendar.add_working_hours(datetime(2026, 4, 23, 3, 30, tzinfo=UTC), 8)

    # then
    assert result == at(2026, 4, 24, 11, 0)
    assert result.tzinfo == LOCAL_TZ
    assert calendar.add_working_hours(datetime(2026, 4, 23, 10, 30), 8) == at(2026, 4, 24, 11, 0)


@pytest.mark.parametrize("hours", [-1, float("nan"), float("inf")])
def test_add_working_hours_refuses_bad_amounts(hours):
    with pytest.raises(ValueError):
        calendar.add_working_hours(at(2026, 4, 23), hours)


# --- other rules ----------------------------------------------------------------


def test_add_working_days_refuses_negative_counts():
    with pytest.raises(ValueError):
        calendar.add_working_days(date(2026, 4, 23), -1)


def test_working_days_between_is_signed():
    assert calendar.working_days_between(date(2026, 4, 23), date(2026, 5, 5)) == 5
    assert calendar.working_days_between(date(2026, 5, 5), date(2026, 4, 23)) == -5
    assert calendar.working_days_between(date(2026, 4, 23), date(2026, 4, 23)) == 0


def test_years_outside_the_package_raise_a_vietnamese_error():
    with pytest.raises(calendar.CalendarRangeError, match="nằm ngoài"):
        calendar.is_working_day(date(calendar.last_year() + 1, 1, 2))
    with pytest.raises(calendar.CalendarRangeError):
        calendar.add_working_days(date(calendar.last_year(), 12, 29), 10)


def test_holidays_in_lists_the_2026_package_days_in_order():
    # when
    days = calendar.holidays_in(2026)

    # then
    assert [d for d, _ in days] == sorted(d for d, _ in days)
    assert len(days) == 14
    assert (date(2026, 8, 31), "Ngày nghỉ (thay cho ngày 22/08/2026)") in days
    assert (date(2026, 11, 24), "Ngày Văn hóa Việt Nam") in days


def test_admin_change_takes_effect_at_once_and_reads_stay_small(django_assert_max_num_queries):
    # given a first answer
    assert calendar.is_working_day(date(2026, 6, 10))

    # when an admin row is added, changed, then deleted
    row = day_off(date(2026, 6, 10))
    # then each change is seen by the next call
    assert not calendar.is_working_day(date(2026, 6, 10))
    row.kind = CalendarDay.Kind.WORKING_DAY
    row.save()
    assert calendar.is_working_day(date(2026, 6, 10))
    row.delete()
    assert calendar.is_working_day(date(2026, 6, 10))

    # and one calendar instance reads each year once for a batch
    cal = calendar.WorkingCalendar()
    with django_assert_max_num_queries(1):
        for i in range(50):
            cal.due_date(at(2026, 1, 5) + timedelta(days=i), 10)
