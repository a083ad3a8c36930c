"""The legal times of feedback handling, from `FeedbackDeadlineRule` rows (admin-editable data,
loaded from `feedback/data/feedback_rules.yaml` with their legal basis).

    classify_due(subject, received_at)            -> date   (accept/refuse and route by then)
    answer_due(subject, accepted_at, received_at) -> date   (answer by then)

Counted in working days (`antt.core.calendar`, holidays and swapped days included) from the
working day of receipt (a feedback sent on Saturday evening counts from Monday).
"""

from __future__ import annotations

from datetime import date, datetime

from antt.core import calendar
from antt.feedback.models import FeedbackDeadlineRule


class NoRule(LookupError):
    """No rule in force for this subject and stage on that date (an administrator must add one)."""


def rule_for(subject: str, stage: str, on: date) -> FeedbackDeadlineRule:
    rows = FeedbackDeadlineRule.objects.filter(subject=subject, stage=stage, valid_from__lte=on).order_by("-valid_from")
    for row in rows:
        if row.valid_to is None or row.valid_to >= on:
            return row
    raise NoRule(f"Chưa có quy định thời hạn cho {subject}/{stage} ngày {on:%d/%m/%Y}.")


def _due(subject: str, stage: str, start: datetime, rule_date: date) -> date:
    rule = rule_for(subject, stage, rule_date)
    return calendar.due_date(start, rule.working_days)


def classify_due(subject: str, received_at: datetime) -> date:
    return _due(subject, FeedbackDeadlineRule.Stage.CLASSIFY, received_at, calendar.received_on(received_at))


def answer_due(subject: str, accepted_at: datetime, received_at: datetime) -> date:
    """The answer is due `working_days` after acceptance; the rule in force on the receipt date applies."""
    return _due(subject, FeedbackDeadlineRule.Stage.ANSWER, accepted_at, calendar.received_on(received_at))
