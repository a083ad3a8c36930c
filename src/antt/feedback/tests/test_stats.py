"""Feedback figures on a hand-built set, every number worked out by hand."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied

from antt.feedback.models import FeedbackState
from antt.feedback.stats import NO_TOPIC, feedback_figures
from antt.feedback.tests.factories_pakn import at, make_feedback, pakn_world

S = FeedbackState
pytestmark = pytest.mark.django_db
YEAR = {"date_from": date(2026, 1, 1), "date_to": date(2026, 12, 31)}


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def w():
    w = pakn_world()
    a, b, t1, t2 = w.commune_a, w.commune_b, w.topic, w.topic2

    def answered(unit, topic, received, answered_at, *, late=False, satisfied=None):
        return make_feedback(
            unit, received_at=received, topic=topic, state=S.ANSWERED, answered_at=answered_at,
            is_late=late, sender_satisfied=satisfied,
        )  # fmt: skip

    answered(a, t1, at(2026, 1, 10, 9), at(2026, 1, 20, 9))  # 1: on time
    answered(a, t1, at(2026, 1, 15, 9), at(2026, 2, 5, 9), late=True)  # 2: late
    answered(a, t2, at(2026, 2, 1, 0, 30), at(2026, 2, 10, 9), satisfied=False)  # 3: on time, unsatisfied; Feb in VN
    make_feedback(a, received_at=at(2026, 2, 20, 9))  # 4: open, no topic
    answered(b, t1, at(2026, 3, 1, 9), at(2026, 3, 3, 9), satisfied=True)  # 5: on time, satisfied
    answered(a, t1, at(2025, 12, 30, 9), at(2026, 1, 5, 9))  # 6: received last year, answered in January
    make_feedback(b, received_at=at(2026, 1, 2, 9), state=S.NOT_ACCEPTED)  # 7: refused
    make_feedback(a, received_at=at(2026, 1, 31, 23, 30))  # 8: open; January in VN (16:30 UTC)
    answered(a, t1, at(2027, 1, 2, 9), at(2027, 1, 3, 9))  # 9: outside the period
    return w


def _row(rows, label):
    return next(r for r in rows if r.label == label)


def _numbers(row):
    return (row.received, row.answered, row.on_time, row.late, row.unsatisfied_or_late)


def test_totals_and_rates(w):
    fig = feedback_figures(w.supervisor, **YEAR)
    assert _numbers(fig.total) == (7, 5, 4, 1, 2)
    assert fig.total.on_time_rate == pytest.approx(0.8)
    assert fig.total.satisfaction_rate == pytest.approx(0.6)


def test_by_month_counts_receipt_and_answer_in_their_own_local_month(w):
    fig = feedback_figures(w.supervisor, **YEAR)
    assert [(r.label, *_numbers(r)) for r in fig.by_month] == [
        ("01/2026", 4, 2, 2, 0, 0),
        ("02/2026", 2, 2, 1, 1, 2),
        ("03/2026", 1, 1, 1, 0, 0),
    ]


def test_by_topic(w):
    fig = feedback_figures(w.supervisor, **YEAR)
    t1, t2, none = _row(fig.by_topic, w.topic.name), _row(fig.by_topic, w.topic2.name), _row(fig.by_topic, NO_TOPIC)
    assert _numbers(t1) == (3, 4, 3, 1, 1)
    assert (t1.on_time_rate, t1.satisfaction_rate) == (0.75, 0.75)
    assert _numbers(t2) == (1, 1, 1, 0, 1)
    assert (t2.on_time_rate, t2.satisfaction_rate) == (1.0, 0.0)
    assert _numbers(none) == (3, 0, 0, 0, 0)
    assert none.on_time_rate is None and none.satisfaction_rate is None
    assert fig.by_topic[-1] is none  # the unclassified row last


def test_by_unit(w):
    fig = feedback_figures(w.supervisor, **YEAR)
    assert _numbers(_row(fig.by_unit, w.commune_a.name)) == (5, 4, 3, 1, 2)
    assert _numbers(_row(fig.by_unit, w.commune_b.name)) == (2, 1, 1, 0, 0)


def test_a_commune_head_counts_only_the_commune(w):
    fig = feedback_figures(w.head_a, **YEAR)
    assert _numbers(fig.total) == (5, 4, 3, 1, 2)
    assert [r.label for r in fig.by_unit] == [w.commune_a.name]


def test_unit_filter(w):
    fig = feedback_figures(w.supervisor, unit=w.commune_b, **YEAR)
    assert _numbers(fig.total) == (2, 1, 1, 0, 0)


def test_a_shorter_period(w):
    fig = feedback_figures(w.supervisor, date_from=date(2026, 2, 1), date_to=date(2026, 2, 28))
    assert _numbers(fig.total) == (2, 2, 1, 1, 2)


def test_without_feedback_stats_refused(w):
    with pytest.raises(PermissionDenied):
        feedback_figures(w.receptionist_a, **YEAR)
