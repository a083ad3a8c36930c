"""The working-day calendar: which days count, and when a deadline falls.

Sources, in order of precedence for a given date:

1. A `core.CalendarDay` row entered by an administrator (an extra day off, or a
   make-up working day the government announced after the `holidays` package
   was released, e.g. Công văn 9859/VPCP-KGVX for Tết 2026). A row overrides
   everything else for its date.
2. The `holidays` package (country "VN", always `language="vi"`): the public
   holidays of Bộ luật Lao động 2019 (Luật 45/2019/QH14) Art. 112 — Tết Dương
   lịch, Tết Âm lịch, Giỗ Tổ Hùng Vương, 30/4, 1/5, Quốc khánh (and, from 2026,
   Ngày Văn hóa Việt Nam 24/11) — with the days observed when one falls on the
   weekly rest day (Art. 111(3)) and the day swaps for civil servants that the
   package ships (its `special_public_holidays`; the Saturdays worked in
   exchange are in its `weekend_workdays` and count as working days here).
3. The working week of State agencies: Monday to Friday, Saturday and Sunday
   being the weekly rest days (the 40-hour week of Quyết định 188/1999/QĐ-TTg;
   weekly rest in Bộ luật Lao động 2019 Art. 111 — that decision's number is
   quoted from memory, not re-checked against its text).

Office hours come from `settings.ANTT_OFFICE_HOURS` ("07:30-11:30,13:30-17:00"
by default: comma-separated periods, in Asia/Ho_Chi_Minh local time).

Rules this module implements (the one place other apps should take them from):

* A dossier is *received on* the day it arrived if that is a working day and it
  arrived before the end of the last office period. Arriving **before the
  morning start** or during the lunch break counts as that same working day
  (the desk opens that morning, so the day is not lost). Arriving at or after
  the end of the last period, or on a non-working day, counts as received on
  the next working day.
* A deadline of N working days ends on the Nth working day *after* the day of
  receipt (the day of receipt itself is not counted). N = 0 means a same-day
  procedure: due on the day of receipt.
* A deadline of H working hours counts office hours only (lunch, evenings,
  weekends and days off do not run), e.g. the 8 working hours of some vehicle
  registrations (Thông tư 79/2024/TT-BCA Art. 7).

Datetimes are timezone-aware; naive ones are read as Asia/Ho_Chi_Minh. Results
(`add_working_hours`) are aware datetimes in Asia/Ho_Chi_Minh.

Caching: the package's holidays are immutable, so each year is computed once
per process (`functools.lru_cache`). The administrators' rows are *not* cached
across calls: every public function reads the rows of the years it touches (a
small query on the unique `date` index), so a change in the admin takes effect
at once in every process. To compute many deadlines with one read per year, use
one `WorkingCalendar()` instance for the whole batch.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from types import MappingProxyType
from zoneinfo import ZoneInfo

import holidays
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

__all__ = [
    "LOCAL_TZ",
    "CalendarRangeError",
    "DayOff",
    "WorkingCalendar",
    "add_working_days",
    "add_working_hours",
    "days_off_between",
    "due_date",
    "first_year",
    "holidays_in",
    "is_working_day",
    "last_year",
    "local",
    "next_working_day",
    "office_hours",
    "received_on",
    "working_days_between",
    "working_weekends_in",
]

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
COUNTRY = "VN"
LANGUAGE = "vi"

_VN = holidays.country_holidays(COUNTRY, years=[], language=LANGUAGE)
_FIRST_YEAR: int = _VN.start_year
_LAST_YEAR: int = _VN.end_year


def first_year() -> int:
    """The first year the calendar can answer for (the `holidays` package's)."""
    return _FIRST_YEAR


def last_year() -> int:
    """The last year the calendar can answer for (the `holidays` package's)."""
    return _LAST_YEAR


class CalendarRangeError(ValueError):
    """A date outside the years the `holidays` package knows."""

    def __init__(self, year: int):
        self.year = year
        super().__init__(f"Năm {year} nằm ngoài khoảng lịch làm việc hỗ trợ ({_FIRST_YEAR}–{_LAST_YEAR}).")


@dataclass(frozen=True)
class DayOff:
    """A named non-working or make-up working day, and where it comes from."""

    date: date
    name: str
    source: str  # "package" (the `holidays` package) or "admin" (a CalendarDay row)
    legal_basis: str = ""


# --- office hours ------------------------------------------------------------


@functools.lru_cache(maxsize=8)
def _parse_office_hours(spec: str) -> tuple[tuple[time, time], ...]:
    periods: list[tuple[time, time]] = []
    try:
        for chunk in spec.split(","):
            start_text, end_text = chunk.strip().split("-")
            periods.append((time.fromisoformat(start_text.strip()), time.fromisoformat(end_text.strip())))
    except ValueError as exc:
        raise ImproperlyConfigured(f"ANTT_OFFICE_HOURS is not like '07:30-11:30,13:30-17:00': {spec!r}") from exc
    previous_end = time.min
    for start, end in periods:
        if not (previous_end <= start < end):
            raise ImproperlyConfigured(f"ANTT_OFFICE_HOURS periods must be ordered and not overlap: {spec!r}")
        previous_end = end
    if not periods:
        raise ImproperlyConfigured("ANTT_OFFICE_HOURS has no period.")
    return tuple(periods)


def office_hours() -> tuple[tuple[time, time], ...]:
    """The office periods of a working day, from `settings.ANTT_OFFICE_HOURS`."""
    return _parse_office_hours(settings.ANTT_OFFICE_HOURS)


def local(dt: datetime) -> datetime:
    """`dt` in Asia/Ho_Chi_Minh; a naive datetime is taken to be local already."""
    if dt.tzinfo is None or dt.utcoffset() is None:
        return dt.replace(tzinfo=LOCAL_TZ)
    return dt.astimezone(LOCAL_TZ)


# --- the package's days ------------------------------------------------------


def _check_year(year: int) -> None:
    if not _FIRST_YEAR <= year <= _LAST_YEAR:
        raise CalendarRangeError(year)


@functools.lru_cache(maxsize=512)
def _package_year(year: int) -> tuple[MappingProxyType, frozenset[date]]:
    """The package's days off of `year` (date → name) and its make-up working weekend days.

    A swap's make-up Saturday may belong to another year than the day off it
    pays for (e.g. Sat 27/12/2014 for Fri 2/1/2015), and the package records it
    when it populates the year of the day off, so the neighbouring years are
    populated too and the result is filtered to `year`.
    """
    _check_year(year)
    years = [y for y in (year - 1, year, year + 1) if _FIRST_YEAR <= y <= _LAST_YEAR]
    vn = holidays.country_holidays(COUNTRY, years=years, language=LANGUAGE)
    days_off = {day: str(name) for day, name in vn.items() if day.year == year}
    workdays = frozenset(day for day in vn.weekend_workdays if day.year == year and day not in vn)
    return MappingProxyType(days_off), workdays


# --- one consistent view -----------------------------------------------------


@dataclass(frozen=True)
class _Year:
    days_off: dict[date, DayOff]  # non-working days with a name (weekends without one are implicit)
    working_weekends: dict[date, DayOff]  # Saturdays/Sundays that are working days
    working_overrides: frozenset[date]  # admin "working day" rows (win over everything)


class WorkingCalendar:
    """The effective calendar: the package's days with the administrators' rows on top.

    Reads each year's `CalendarDay` rows at most once per instance. The
    module-level functions make a fresh instance per call, so they always see
    the current rows; keep one instance to compute a batch of deadlines.
    """

    def __init__(self) -> None:
        self._years: dict[int, _Year] = {}

    def _year(self, year: int) -> _Year:
        cached = self._years.get(year)
        if cached is not None:
            return cached
        _check_year(year)
        from antt.core.models import CalendarDay

        package_off, package_workdays = _package_year(year)
        days_off = {day: DayOff(day, name, "package") for day, name in package_off.items()}
        working_weekends = {day: DayOff(day, "Ngày làm việc bù", "package") for day in package_workdays}
        overrides: set[date] = set()
        rows = CalendarDay.objects.filter(date__gte=date(year, 1, 1), date__lte=date(year, 12, 31))
        for row in rows.only("date", "kind", "name", "legal_basis"):
            entry = DayOff(row.date, row.name, "admin", row.legal_basis)
            days_off.pop(row.date, None)
            working_weekends.pop(row.date, None)
            if row.kind == CalendarDay.Kind.DAY_OFF:
                days_off[row.date] = entry
            else:
                overrides.add(row.date)
                if row.date.weekday() >= 5:
                    working_weekends[row.date] = entry
        result = _Year(days_off, working_weekends, frozenset(overrides))
        self._years[year] = result
        return result

    # -- days --

    def is_working_day(self, day: date) -> bool:
        info = self._year(day.year)
        if day in info.working_overrides or day in info.working_weekends:
            return True
        if day in info.days_off:
            return False
        return day.weekday() < 5

    def day_off(self, day: date) -> DayOff | None:
        """The named day off on `day`, if any (plain weekends have none)."""
        return self._year(day.year).days_off.get(day)

    def next_working_day(self, day: date) -> date:
        day += timedelta(days=1)
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def add_working_days(self, day: date, n: int) -> date:
        if n < 0:
            raise ValueError("Số ngày làm việc không được âm.")
        for _ in range(n):
            day = self.next_working_day(day)
        return day

    def working_days_between(self, a: date, b: date) -> int:
        if b < a:
            return -self.working_days_between(b, a)
        count = 0
        day = a + timedelta(days=1)
        while day <= b:
            count += self.is_working_day(day)
            day += timedelta(days=1)
        return count

    def days_off_between(self, a: date, b: date) -> list[DayOff]:
        """Named days off in (a, b] that fall on Monday–Friday: those a deadline skips."""
        result = []
        day = a + timedelta(days=1)
        while day <= b:
            entry = self.day_off(day)
            if entry is not None and day.weekday() < 5 and not self.is_working_day(day):
                result.append(entry)
            day += timedelta(days=1)
        return result

    def holidays_in(self, year: int) -> list[DayOff]:
        return sorted(self._year(year).days_off.values(), key=lambda entry: entry.date)

    def working_weekends_in(self, year: int) -> list[DayOff]:
        return sorted(self._year(year).working_weekends.values(), key=lambda entry: entry.date)

    # -- datetimes --

    def received_on(self, dt: datetime) -> date:
        moment = local(dt)
        day = moment.date()
        closing = office_hours()[-1][1]
        if self.is_working_day(day) and moment.time() < closing:
            return day
        return self.next_working_day(day)

    def due_date(self, received: datetime, working_days: int) -> date:
        return self.add_working_days(self.received_on(received), working_days)

    def add_working_hours(self, start: datetime, hours: float | int | Decimal) -> datetime:
        amount = Decimal(str(hours))
        if not amount.is_finite() or amount < 0:
            raise ValueError("Số giờ làm việc phải là một số không âm.")
        remaining = timedelta(microseconds=int(round(amount * 3_600_000_000)))
        cursor = local(start)
        day = cursor.date()
        periods = office_hours()
        while True:
            if self.is_working_day(day):
                for period_start, period_end in periods:
                    opens = datetime.combine(day, period_start, tzinfo=LOCAL_TZ)
                    closes = datetime.combine(day, period_end, tzinfo=LOCAL_TZ)
                    cursor = max(cursor, opens)
                    if cursor >= closes:
                        continue
                    available = closes - cursor
                    if remaining <= available:
                        return cursor + remaining
                    remaining -= available
                    cursor = closes
            day += timedelta(days=1)
            cursor = datetime.combine(day, time.min, tzinfo=LOCAL_TZ)


# --- the public functions other apps call ------------------------------------


def is_working_day(d: date) -> bool:
    """True if `d` is a working day (Mon–Fri not a holiday, or a make-up working day)."""
    return WorkingCalendar().is_working_day(d)


def next_working_day(d: date) -> date:
    """The first working day strictly after `d`."""
    return WorkingCalendar().next_working_day(d)


def received_on(dt: datetime) -> date:
    """The working day a dossier handed in at `dt` counts as received.

    The same day if it is a working day and `dt` is before the end of the last
    office period (before the morning start and the lunch break included);
    otherwise the next working day.
    """
    return WorkingCalendar().received_on(dt)


def add_working_days(d: date, n: int) -> date:
    """The Nth working day after `d` (`d` itself not counted; n = 0 gives `d`)."""
    return WorkingCalendar().add_working_days(d, n)


def due_date(received: datetime, working_days: int) -> date:
    """Due date of a dossier received at `received` with a limit of `working_days`.

    The Nth working day after `received_on(received)`; 0 (a same-day
    procedure) gives the day of receipt.
    """
    return WorkingCalendar().due_date(received, working_days)


def add_working_hours(start: datetime, hours: float | int | Decimal) -> datetime:
    """The moment `hours` office hours after `start` (aware, Asia/Ho_Chi_Minh).

    Only office hours count (settings.ANTT_OFFICE_HOURS on working days). A
    start outside office hours begins at the next office opening; a deadline
    ending exactly at a period's end is that end (e.g. 11:30), not the next
    opening.
    """
    return WorkingCalendar().add_working_hours(start, hours)


def working_days_between(a: date, b: date) -> int:
    """Number of working days in (a, b]: `add_working_days(a, n) == b` gives n back.

    Negative when b < a.
    """
    return WorkingCalendar().working_days_between(a, b)


def holidays_in(year: int) -> list[tuple[date, str]]:
    """The effective named days off of `year`: the package's, then the admin rows on top."""
    return [(entry.date, entry.name) for entry in WorkingCalendar().holidays_in(year)]


def working_weekends_in(year: int) -> list[tuple[date, str]]:
    """The Saturdays/Sundays of `year` that are working days (make-up days)."""
    return [(entry.date, entry.name) for entry in WorkingCalendar().working_weekends_in(year)]


def days_off_between(a: date, b: date) -> list[tuple[date, str]]:
    """The named days off on Monday–Friday in (a, b]: what a deadline from a to b skipped."""
    return [(entry.date, entry.name) for entry in WorkingCalendar().days_off_between(a, b)]
