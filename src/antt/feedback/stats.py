"""Feedback figures for officers with `feedback.stats`, over the units they see.

Per group (topic, unit, month) and period:

- received: feedback received in the period (every item, spam and refused included);
- answered: feedback answered in the period (counted in the month of the answer);
- on time / late: the answered ones with `is_late` false / true (lateness is sticky: any legal
  time missed, see `feedback.handling`);
- on-time rate (Tỷ lệ phản ánh, kiến nghị xử lý đúng hạn) = answered on time ÷ answered;
- satisfaction rate (Tỷ lệ hài lòng trong xử lý phản ánh, kiến nghị) = (answered − answered
  items the sender called unsatisfactory (`sender_satisfied` false) or handled late) ÷ answered.

Both rates follow the formulas of the administrative-reform index of the satisfaction group
(`../shared/research/legal-facts.md`, "Satisfaction-group formulas", secondary source), where
the denominator is the feedback handled within competence: here the answered ones (refused
items are not within competence, open ones are not handled yet). A rate with a zero
denominator is None (shown "—").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from antt.core import calendar
from antt.feedback.models import Feedback
from antt.org.roles import can
from antt.org.selectors import scope

ON_TIME_RATE_DOC = (
    "Tỷ lệ xử lý đúng hạn = số phản ánh, kiến nghị đã trả lời trong kỳ, không quá hạn ở bước nào "
    "/ số phản ánh, kiến nghị đã trả lời trong kỳ."
)
SATISFACTION_DOC = (
    "Tỷ lệ hài lòng = (số đã trả lời − số người gửi không hài lòng hoặc xử lý quá hạn) / số đã trả lời trong kỳ."
)
NO_TOPIC = "Chưa phân loại"


@dataclass
class Row:
    key: object
    label: str
    received: int = 0
    answered: int = 0
    on_time: int = 0
    late: int = 0
    unsatisfied_or_late: int = 0

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.answered if self.answered else None

    @property
    def satisfaction_rate(self) -> float | None:
        return (self.answered - self.unsatisfied_or_late) / self.answered if self.answered else None


@dataclass
class Figures:
    date_from: date
    date_to: date
    by_topic: list[Row] = field(default_factory=list)
    by_unit: list[Row] = field(default_factory=list)
    by_month: list[Row] = field(default_factory=list)
    total: Row = field(default_factory=lambda: Row(None, "Tổng cộng"))


def _bounds(date_from: date, date_to: date) -> tuple[datetime, datetime]:
    tz = calendar.local(timezone.now()).tzinfo
    start = datetime.combine(date_from, time.min, tzinfo=tz)
    end = datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=tz)
    return start, end


_ANSWERED = {
    "answered": Count("id"),
    "on_time": Count("id", filter=Q(is_late=False)),
    "late": Count("id", filter=Q(is_late=True)),
    "unsatisfied_or_late": Count("id", filter=Q(is_late=True) | Q(sender_satisfied=False)),
}


def _merge(rows: dict, key, label: str, values: dict) -> None:
    row = rows.setdefault(key, Row(key, label))
    for name, value in values.items():
        setattr(row, name, getattr(row, name) + value)


def _grouped(base, start, end, group: str, label_field: str | None) -> dict:
    rows: dict = {}
    received = base.filter(received_at__gte=start, received_at__lt=end)
    answered = base.filter(answered_at__isnull=False, answered_at__gte=start, answered_at__lt=end)
    if group == "month":
        tz = calendar.local(timezone.now()).tzinfo
        for r in received.annotate(g=TruncMonth("received_at", tzinfo=tz)).values("g").annotate(n=Count("id")):
            _merge(rows, _month_key(r["g"]), "", {"received": r["n"]})
        for r in answered.annotate(g=TruncMonth("answered_at", tzinfo=tz)).values("g").annotate(**_ANSWERED):
            _merge(rows, _month_key(r["g"]), "", {k: r[k] for k in _ANSWERED})
        for key, row in rows.items():
            row.label = f"{key[1]:02d}/{key[0]}"
        return rows
    for r in received.values(group, label_field).annotate(n=Count("id")):
        _merge(rows, r[group], r[label_field] or NO_TOPIC, {"received": r["n"]})
    for r in answered.values(group, label_field).annotate(**_ANSWERED):
        _merge(rows, r[group], r[label_field] or NO_TOPIC, {k: r[k] for k in _ANSWERED})
    return rows


def _month_key(value) -> tuple[int, int]:
    if isinstance(value, datetime):
        value = calendar.local(value) if timezone.is_aware(value) else value
    return (value.year, value.month)


def feedback_figures(user, *, date_from: date, date_to: date, unit=None) -> Figures:
    """The figures of the feedback the user's units handle (needs `feedback.stats`)."""
    if not can(user, "feedback.stats"):
        raise PermissionDenied("Bạn không có quyền xem thống kê phản ánh, kiến nghị.")
    base = scope(user, Feedback.objects.all())
    if unit is not None:
        base = base.filter(unit__path__startswith=unit.path)
    start, end = _bounds(date_from, date_to)
    fig = Figures(date_from, date_to)
    by_topic = _grouped(base, start, end, "topic_id", "topic__name")
    fig.by_topic = sorted(by_topic.values(), key=lambda r: (r.key is None, r.label))
    by_unit = _grouped(base, start, end, "unit_id", "unit__name")
    fig.by_unit = sorted(by_unit.values(), key=lambda r: r.label)
    by_month = _grouped(base, start, end, "month", None)
    fig.by_month = [by_month[k] for k in sorted(by_month)]
    for row in fig.by_month:
        for name in ("received", "answered", "on_time", "late", "unsatisfied_or_late"):
            setattr(fig.total, name, getattr(fig.total, name) + getattr(row, name))
    return fig
