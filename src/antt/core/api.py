"""Public calendar API (/api/v1/calendar): due dates and the days off of a year.

The rules live in `antt.core.calendar`; these handlers only parse, call and
shape the answer. Bad parameters give 422 with a Vietnamese `detail`.

The OpenAPI document states exactly which parameters are accepted (patterns,
ranges, "exactly one of working_days / working_hours"), so that a
schema-valid request always gets a 200 (schemathesis checks both ways).
"""

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from django.utils import timezone
from ninja import Query, Router, Schema, Status

from antt.api.schemas import COMMON_ERRORS
from antt.core import calendar

router = Router()

MAX_WORKING_DAYS = 365
MAX_WORKING_HOURS = 8 * 365


class DayOut(Schema):
    date: date
    display: str
    name: str
    source: Literal["package", "admin"]
    legal_basis: str = ""


class SkippedDayOut(Schema):
    date: date
    display: str
    name: str


class DueDateOut(Schema):
    received: datetime
    received_on: date
    received_on_display: str
    working_days: int | None = None
    working_hours: float | None = None
    due: date
    due_display: str
    due_at: datetime | None = None
    due_at_display: str | None = None
    holidays_skipped: list[SkippedDayOut]


class HolidaysOut(Schema):
    year: int
    days_off: list[DayOut]
    working_weekends: list[DayOut]


def _display(day: date) -> str:
    return f"{day:%d/%m/%Y}"


def _day_out(entry: calendar.DayOff) -> DayOut:
    return DayOut(
        date=entry.date,
        display=_display(entry.date),
        name=entry.name,
        source=entry.source,
        legal_basis=entry.legal_basis,
    )


# `received`: an ISO 8601 date or date-time ("2026-04-23T09:30", optional seconds and
# offset; no offset = Vietnam time) of a real calendar day in 1976–2098: inside the
# `holidays` package's years even after adding a year of deadline, and after the
# last change of Asia/Ho_Chi_Minh's offset (+07:00 since 13/06/1975). The
# pattern is the whole contract (documented in the OpenAPI and enforced as is), so
# that every value it admits gets an answer.
_YEAR = "(?:19(?:7[6-9]|[89][0-9])|20(?:[0-8][0-9]|9[0-8]))"
_LEAP_YEAR = "(?:19(?:76|8[048]|9[26])|20(?:[02468][048]|[13579][26]))"
_MONTH_DAY = (
    "(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])"
    "|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)"
    "|02-(?:0[1-9]|1[0-9]|2[0-8]))"
)
_TIME = "(?:T(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:[.][0-9]{1,6})?)?(?:Z|[+-](?:0[0-9]|1[0-4]):[0-5][0-9])?)?"
RECEIVED_PATTERN = f"^(?:{_YEAR}-{_MONTH_DAY}|{_LEAP_YEAR}-02-29){_TIME}$"
RECEIVED_YEARS = (1976, 2098)
_RECEIVED_RE = re.compile(RECEIVED_PATTERN)
_INTEGER_RE = re.compile("-?[0-9]+")
_NUMBER_RE = re.compile("-?[0-9]+(?:[.][0-9]+)?(?:[eE][+-]?[0-9]+)?")

# The parameters as documented, parsed by hand so that every error is a Vietnamese 422.
# "Exactly one of working_days / working_hours" is said in the descriptions: a oneOf
# over an exploded object would make generated clients awkward.
DUE_DATE_PARAMETERS = [
    {
        "in": "query",
        "name": "received",
        "required": True,
        "description": (
            "Thời điểm tiếp nhận theo ISO 8601, ví dụ 2026-04-23T09:30 (không ghi múi giờ = giờ Việt Nam); "
            f"năm từ {RECEIVED_YEARS[0]} đến {RECEIVED_YEARS[1]}."
        ),
        "schema": {"type": "string", "pattern": RECEIVED_PATTERN, "examples": ["2026-04-23T09:30"]},
    },
    {
        "in": "query",
        "name": "working_days",
        "required": False,
        "description": (
            "Thời hạn theo số ngày làm việc (0 = trả trong ngày). Gửi đúng một trong hai tham số "
            "`working_days` hoặc `working_hours`; thiếu cả hai hoặc có cả hai thì trả lỗi 422."
        ),
        "schema": {"type": "integer", "minimum": 0, "maximum": MAX_WORKING_DAYS},
    },
    {
        "in": "query",
        "name": "working_hours",
        "required": False,
        "description": "Thời hạn theo số giờ làm việc, chỉ tính giờ hành chính (thay cho `working_days`).",
        "schema": {"type": "number", "minimum": 0, "maximum": MAX_WORKING_HOURS},
    },
]


class _BadQuery(Exception):
    def __init__(self, field: str, message: str):
        self.field, self.message = field, message


_DUE_DATE_KEYS = ("received", "working_days", "working_hours")


def _only_once(query) -> None:
    """A repeated parameter is ambiguous and refused. Unknown ones (cache busters) are ignored."""
    for key in _DUE_DATE_KEYS:
        if len(query.getlist(key)) > 1:
            raise _BadQuery(key, f"Tham số {key} chỉ được gửi một lần.")


def _received(value: str | None) -> datetime:
    if value is None:
        raise _BadQuery("received", "Thiếu tham số bắt buộc: received.")
    if not _RECEIVED_RE.search(value):
        raise _BadQuery(
            "received",
            "Tham số received không đúng định dạng ngày giờ (ví dụ 2026-04-23T09:30) "
            f"hoặc nằm ngoài các năm {RECEIVED_YEARS[0]}–{RECEIVED_YEARS[1]}.",
        )
    return calendar.local(datetime.fromisoformat(value.removesuffix("\n")))


def _amount(name: str, value: str, pattern: re.Pattern, maximum: int) -> Decimal:
    if not pattern.fullmatch(value):
        raise _BadQuery(name, f"Tham số {name} phải là số.")
    amount = Decimal(value)
    if not 0 <= amount <= maximum:
        raise _BadQuery(name, f"Tham số {name} phải từ 0 đến {maximum}.")
    return amount


def _deadline(days: str | None, hours: str | None) -> tuple[int | None, float | None]:
    if (days is None) == (hours is None):
        raise _BadQuery(
            "working_days",
            "Cần đúng một trong hai tham số: working_days (số ngày làm việc) hoặc working_hours (số giờ làm việc).",
        )
    if days is not None:
        return int(_amount("working_days", days, _INTEGER_RE, MAX_WORKING_DAYS)), None
    return None, float(_amount("working_hours", hours, _NUMBER_RE, MAX_WORKING_HOURS))


@router.get(
    "/due-date",
    response={200: DueDateOut, **COMMON_ERRORS},
    summary="Tính ngày hẹn trả kết quả",
    description=(
        "Ngày hẹn trả kết quả của hồ sơ tiếp nhận lúc `received` (giờ Việt Nam nếu không ghi múi giờ), "
        "với thời hạn `working_days` ngày làm việc hoặc `working_hours` giờ làm việc (chỉ một trong hai). "
        "Hồ sơ nhận ngoài giờ hành chính hoặc vào ngày nghỉ được tính là nhận vào ngày làm việc kế tiếp; "
        "ngày hẹn là ngày làm việc thứ N sau ngày tiếp nhận. Ngày nghỉ lễ, tết theo Bộ luật Lao động 2019 "
        "Điều 112 và các ngày nghỉ, làm bù do quản trị viên cập nhật."
    ),
    openapi_extra={"parameters": DUE_DATE_PARAMETERS},
)
def due_date_view(request):
    try:
        _only_once(request.GET)
        received = _received(request.GET.get("received"))
        working_days, working_hours = _deadline(request.GET.get("working_days"), request.GET.get("working_hours"))
    except _BadQuery as exc:
        return Status(422, {"detail": exc.message, "errors": [{"field": exc.field, "message": exc.message}]})
    cal = calendar.WorkingCalendar()
    try:
        received_on = cal.received_on(received)
        if working_days is not None:
            due_at = None
            due = cal.add_working_days(received_on, working_days)
        else:
            due_at = cal.add_working_hours(received, working_hours)
            due = due_at.date()
        skipped = cal.days_off_between(received_on, due)
    except calendar.CalendarRangeError as exc:  # only with a huge run of admin days off
        return Status(422, {"detail": str(exc), "errors": []})
    return DueDateOut(
        received=received,
        received_on=received_on,
        received_on_display=_display(received_on),
        working_days=working_days,
        working_hours=working_hours,
        due=due,
        due_display=_display(due),
        due_at=due_at,
        due_at_display=(f"{due_at:%H} giờ {due_at:%M} phút, ngày {due_at:%d/%m/%Y}" if due_at else None),
        holidays_skipped=[SkippedDayOut(date=e.date, display=_display(e.date), name=e.name) for e in skipped],
    )


@router.get(
    "/holidays",
    response={200: HolidaysOut, **COMMON_ERRORS},
    summary="Ngày nghỉ lễ, tết và ngày làm bù trong năm",
    description=(
        "Các ngày nghỉ có tên trong năm (nghỉ lễ, tết theo Bộ luật Lao động 2019 Điều 112, ngày nghỉ bù, "
        "ngày nghỉ do quản trị viên cập nhật) và các ngày thứ Bảy, Chủ nhật phải làm việc bù."
    ),
)
def holidays_view(
    request,
    year: int | None = Query(
        None, ge=calendar.first_year(), le=calendar.last_year(), description="Năm, mặc định là năm hiện tại"
    ),
):
    year = year if year is not None else timezone.localtime(timezone.now(), calendar.LOCAL_TZ).year
    cal = calendar.WorkingCalendar()
    return HolidaysOut(
        year=year,
        days_off=[_day_out(e) for e in cal.holidays_in(year)],
        working_weekends=[_day_out(e) for e in cal.working_weekends_in(year)],
    )
