"""Property-based tests of the working-day calendar (hypothesis)."""

from contextlib import contextmanager
from datetime import date, datetime, timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from antt.core import calendar
from antt.core.calendar import LOCAL_TZ
from antt.core.models import CalendarDay

pytestmark = pytest.mark.django_db

FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

moments = st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2028, 12, 31, 23, 59)).map(
    lambda dt: dt.replace(tzinfo=LOCAL_TZ)
)
day_counts = st.integers(min_value=0, max_value=120)
days = st.dates(min_value=date(2024, 1, 1), max_value=date(2028, 12, 31))
quarter_hours = st.integers(min_value=0, max_value=4 * 80).map(lambda q: q / 4)


@contextmanager
def rolled_back():
    """Run the block in a savepoint that is always undone (one example's admin rows)."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def office_time_between(start: datetime, end: datetime) -> timedelta:
    """Reference: office time in [start, end], summed day by day over the periods."""
    total = timedelta(0)
    day = start.date()
    while day <= end.date():
        if calendar.is_working_day(day):
            for opens, closes in calendar.office_hours():
                lo = max(start, datetime.combine(day, opens, tzinfo=LOCAL_TZ))
                hi = min(end, datetime.combine(day, closes, tzinfo=LOCAL_TZ))
                if hi > lo:
                    total += hi - lo
        day += timedelta(days=1)
    return total


def in_office_hours(moment: datetime) -> bool:
    return calendar.is_working_day(moment.date()) and any(
        opens <= moment.time() <= closes for opens, closes in calendar.office_hours()
    )


@FAST
@given(received=moments, n=day_counts)
def test_due_date_is_a_working_day_exactly_n_working_days_after_receipt(received, n):
    # when
    start = calendar.received_on(received)
    due = calendar.due_date(received, n)

    # then
    assert calendar.is_working_day(start)
    assert start >= received.date()
    assert calendar.is_working_day(due)
    assert (due > start) if n else (due == start)
    assert calendar.working_days_between(start, due) == n


@FAST
@given(received=moments, n=day_counts)
def test_due_date_is_strictly_monotone_in_n(received, n):
    assert calendar.due_date(received, n) < calendar.due_date(received, n + 1)


@FAST
@given(received=moments)
def test_received_on_is_the_receipt_day_or_the_very_next_working_day(received):
    # when
    start = calendar.received_on(received)

    # then no working day is skipped between the receipt and received_on
    assert calendar.working_days_between(received.date(), start) == (0 if start == received.date() else 1)


@FAST
@given(received=moments, n=st.integers(min_value=1, max_value=60), extra=days)
def test_an_admin_day_off_never_makes_a_due_date_earlier(received, n, extra):
    # given the due date without the extra day off
    before = calendar.due_date(received, n)

    with rolled_back():
        # when an administrator adds one day off
        CalendarDay.objects.update_or_create(
            date=extra, defaults={"kind": CalendarDay.Kind.DAY_OFF, "name": "Nghỉ thêm"}
        )
        after = calendar.due_date(received, n)

    # then
    assert after >= before
    if calendar.received_on(received) < extra <= before and calendar.is_working_day(extra):
        assert after > before


@FAST
@given(received=moments, n=st.integers(min_value=1, max_value=60), extra=days)
def test_an_admin_working_day_never_makes_a_due_date_later(received, n, extra):
    before = calendar.due_date(received, n)
    with rolled_back():
        CalendarDay.objects.create(date=extra, kind=CalendarDay.Kind.WORKING_DAY, name="Làm bù")
        after = calendar.due_date(received, n)
    assert after <= before


@FAST
@given(a=days, b=days)
def test_working_days_between_inverts_add_working_days(a, b):
    n = calendar.working_days_between(a, b)
    assert n == -calendar.working_days_between(b, a)
    if n > 0:
        reached = calendar.add_working_days(a, n)
        assert reached <= b
        assert calendar.working_days_between(reached, b) == 0


@FAST
@given(start=moments, hours=quarter_hours)
def test_working_hours_deadline_counts_exactly_the_office_time(start, hours):
    # when
    deadline = calendar.add_working_hours(start, hours)

    # then
    assert deadline >= start
    assert deadline.tzinfo == LOCAL_TZ
    assert office_time_between(start, deadline) == timedelta(hours=hours)
    assert in_office_hours(deadline)


@FAST
@given(start=moments, h1=quarter_hours, h2=quarter_hours)
def test_working_hours_add_up(start, h1, h2):
    # then h1 then h2 lands where h1 + h2 does, once counting has begun
    if h1 > 0 and h2 > 0:
        assert calendar.add_working_hours(calendar.add_working_hours(start, h1), h2) == calendar.add_working_hours(
            start, h1 + h2
        )
    assert calendar.add_working_hours(start, h1) <= calendar.add_working_hours(start, h1 + h2)


@FAST
@given(received=moments)
def test_working_hours_start_on_the_receipt_day(received):
    # then the first office moment after receipt is on received_on
    first = calendar.add_working_hours(received, 0)
    assert first.date() == calendar.received_on(received)
    assert in_office_hours(first)
