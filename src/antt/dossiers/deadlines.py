"""Deadlines of dossiers and steps: the appointment from the legal time, the pause for a
supplement, and the early / on time / late classes.

The legal time is data on the procedure version (catalog). Days are working days of
`core.calendar` (holidays and make-up days included); a dossier handed in after the
last office period counts from the next working day. The appointment is the close of
office hours on the due date. Early / on time / late compare DATES (the completion
date with the due date), as the one-stop statistics do (legal-facts.md §1.3).
"""

from __future__ import annotations

from calendar import monthrange
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from antt.catalog import rules
from antt.catalog.models import ProcedureVersion, TimeUnit
from antt.core import calendar


class NoLegalTime(ValueError):
    """The catalogue has no legal processing time for this version: a dossier cannot get a due date."""


def office_day_hours() -> Decimal:
    """Working hours in one office day (from ANTT_OFFICE_HOURS, e.g. 7.5)."""
    total = Decimal(0)
    for start, end in calendar.office_hours():
        total += Decimal((datetime.combine(date.min, end) - datetime.combine(date.min, start)).seconds) / 3600
    return total


def closing_time() -> time:
    return calendar.office_hours()[-1][1]


def end_of_day(d: date) -> datetime:
    """The close of office hours on `d`, as an aware datetime in the local zone."""
    return timezone.make_aware(datetime.combine(d, closing_time()), timezone.get_default_timezone())


def _add_months(d: date, months: int) -> date:
    """The same day `months` later (the last day of a shorter month)."""
    index = d.month - 1 + months
    year, month = d.year + index // 12, index % 12 + 1
    return date(year, month, min(d.day, monthrange(year, month)[1]))


def legal_due_at(version: ProcedureVersion, received: datetime) -> datetime:
    """The appointment for a dossier of `version` received at `received`."""
    amount, unit = version.legal_time_amount, version.legal_time_unit
    if unit == TimeUnit.SAME_DAY:
        return end_of_day(calendar.received_on(received))
    if amount is None or not unit:
        raise NoLegalTime(
            "Thủ tục này chưa có thời hạn giải quyết trong danh mục; đề nghị quản trị hệ thống cập nhật "
            "trước khi tiếp nhận hồ sơ."
        )
    if unit == TimeUnit.WORKING_HOURS:
        return calendar.add_working_hours(received, amount)
    if unit == TimeUnit.CALENDAR_MONTHS:
        start = calendar.received_on(received)
        d = _add_months(start, int(amount))
        while not calendar.is_working_day(d):
            d = calendar.next_working_day(d)
        return end_of_day(d)
    # Working days: whole days count from the day of receipt; a fraction adds office hours.
    whole = int(amount)
    fraction = Decimal(amount) - whole
    due = calendar.due_date(received, whole)
    result = end_of_day(due)
    if fraction:
        result = calendar.add_working_hours(result, fraction * office_day_hours())
    return result


def legal_working_days(version: ProcedureVersion) -> Decimal | None:
    """The legal time expressed in working days (for the receipt and for statistics), with the
    catalogue's conversions (8 hours a day, 20 working days a month: `catalog.rules`)."""
    amount, unit = version.legal_time_amount, version.legal_time_unit
    if unit == TimeUnit.SAME_DAY:
        return Decimal(0)
    if amount is None:
        return None
    if unit == TimeUnit.WORKING_HOURS:
        return (Decimal(amount) / rules.HOURS_PER_WORKING_DAY).quantize(Decimal("0.01"))
    if unit == TimeUnit.CALENDAR_MONTHS:
        return Decimal(amount) * rules.WORKING_DAYS_PER_MONTH
    return Decimal(amount)


def local_date(dt: datetime) -> date:
    return calendar.local(dt).date()


def classify(done_at: datetime, due_at: datetime | None) -> str:
    """Early / on time / late: the completion date against the due date."""
    from antt.dossiers.models import Timeliness

    if due_at is None:
        return Timeliness.ON_TIME
    done, due = local_date(done_at), local_date(due_at)
    if done < due:
        return Timeliness.EARLY
    if done == due:
        return Timeliness.ON_TIME
    return Timeliness.LATE


def shift_by_pause(due_at: datetime | None, paused_at: datetime, resumed_at: datetime) -> datetime | None:
    """Move a deadline on by the working days the clock was paused (a supplement being completed)."""
    if due_at is None:
        return None
    paused_days = calendar.working_days_between(local_date(paused_at), local_date(resumed_at))
    if paused_days <= 0:
        return due_at
    local_due = calendar.local(due_at)
    new_day = calendar.add_working_days(local_due.date(), paused_days)
    return timezone.make_aware(datetime.combine(new_day, local_due.time()), timezone.get_default_timezone())


class DeadlineState:
    ON_TIME = "on_time"
    DUE_SOON = "due_soon"
    LATE = "late"

    LABELS = {ON_TIME: "Trong hạn", DUE_SOON: "Sắp đến hạn", LATE: "Quá hạn"}


def due_soon_days() -> int:
    return int(getattr(settings, "ANTT_DUE_SOON_WORKING_DAYS", 1))


def deadline_state(due_at: datetime | None, now: datetime | None = None) -> str | None:
    """On time, due soon (due within ANTT_DUE_SOON_WORKING_DAYS working days) or late, for open work.

    The one-stop rules ask for the apology at the latest one day before the due date
    (legal-facts.md §1.3), so one working day is the default warning window.
    """
    if due_at is None:
        return None
    now = now or timezone.now()
    if now > due_at:
        return DeadlineState.LATE
    today = local_date(now)
    if calendar.working_days_between(today, local_date(due_at)) <= due_soon_days():
        return DeadlineState.DUE_SOON
    return DeadlineState.ON_TIME


def due_soon_cutoff(now: datetime | None = None) -> datetime:
    """Deadlines before this moment are due soon (or late): the end of the Nth next working day."""
    now = now or timezone.now()
    return end_of_day(calendar.add_working_days(local_date(now), due_soon_days())) + timedelta(seconds=1)
