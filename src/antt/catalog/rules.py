"""How the internal target time of a procedure is derived from its legal time.

These are the province's own management rules, not law:
- Quyết định 273/QĐ-UBND (21/01/2021), Part II target (2): dossiers are settled
  at least 20% faster than the legal time. So the step budgets of a version may
  add up to at most 80% of the legal time (`TARGET_RATIO`).
- Budgets are in working hours: one working day counts 8 hours (Mon–Fri,
  40-hour week). A "same day" legal time counts as one working day (8 h) and
  its default budget is half a day (4 h). A calendar month counts as 20 working
  days, a deliberately low figure (a month with Tết has about 15) that errs on
  the side of a tighter budget.
- Default process, for procedures without specific data: receptionist
  receives (10% of the allowed budget), processor examines (60%), head approves
  (20%), receptionist returns the result (10%); each share is rounded down to a
  quarter hour, so the total never exceeds the allowed budget.
"""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal

from antt.catalog.models import TimeUnit
from antt.org.models import Role

HOURS_PER_WORKING_DAY = Decimal(8)
SAME_DAY_HOURS = Decimal(8)
SAME_DAY_DEFAULT_BUDGET = Decimal(4)
WORKING_DAYS_PER_MONTH = Decimal(20)
TARGET_RATIO = Decimal("0.8")
QUARTER = Decimal("0.25")

DEFAULT_STEPS = (
    ("Tiếp nhận, kiểm tra hồ sơ", Role.RECEPTIONIST, Decimal("0.10")),
    ("Thẩm định, xử lý hồ sơ", Role.PROCESSOR, Decimal("0.60")),
    ("Lãnh đạo xem xét, phê duyệt", Role.HEAD, Decimal("0.20")),
    ("Trả kết quả", Role.RECEPTIONIST, Decimal("0.10")),
)


def legal_hours(amount: Decimal | None, unit: str) -> Decimal | None:
    """The legal time in working hours, or None when it is not known."""
    if unit == TimeUnit.SAME_DAY:
        return SAME_DAY_HOURS
    if amount is None or not unit:
        return None
    amount = Decimal(amount)
    if unit == TimeUnit.WORKING_DAYS:
        return amount * HOURS_PER_WORKING_DAY
    if unit == TimeUnit.WORKING_HOURS:
        return amount
    if unit == TimeUnit.CALENDAR_MONTHS:
        return amount * WORKING_DAYS_PER_MONTH * HOURS_PER_WORKING_DAY
    return None


def max_internal_hours(amount: Decimal | None, unit: str) -> Decimal | None:
    """The largest internal target allowed: 80% of the legal time."""
    hours = legal_hours(amount, unit)
    return None if hours is None else hours * TARGET_RATIO


def _floor_quarter(value: Decimal) -> Decimal:
    return (value / QUARTER).to_integral_value(rounding=ROUND_FLOOR) * QUARTER


def default_steps(amount: Decimal | None, unit: str) -> list[dict]:
    """The default four steps, or [] when the legal time is unknown."""
    budget = SAME_DAY_DEFAULT_BUDGET if unit == TimeUnit.SAME_DAY else max_internal_hours(amount, unit)
    if budget is None:
        return []
    steps = []
    for order, (name, role, share) in enumerate(DEFAULT_STEPS, start=1):
        hours = max(_floor_quarter(budget * share), QUARTER)
        steps.append({"order": order, "name": name, "role": role, "unit_level": "", "budget_hours": hours})
    return steps


def format_legal_time(amount: Decimal | None, unit: str) -> str:
    """Vietnamese text of a legal time: "7 ngày làm việc", "Trong ngày", "4 tháng"."""
    if unit == TimeUnit.SAME_DAY:
        return "Trong ngày"
    if amount is None or not unit:
        return "Chưa xác định"
    value = Decimal(amount).normalize()
    number = f"{value:f}".replace(".", ",")
    return f"{number} {TimeUnit(unit).label}"
