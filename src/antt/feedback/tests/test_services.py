"""Ratings: the criteria loader, one rating per returned dossier, and the aggregates."""

from unittest import mock

import pytest

from antt.core.models import AuditEvent
from antt.dossiers.tests.factories import one_stop_world
from antt.feedback import selectors
from antt.feedback.loaders import load_rating_criteria
from antt.feedback.models import Rating, RatingAnswer, RatingChannel, RatingCriterion, SatisfactionLevel
from antt.feedback.services import RatingError, rating_submit
from antt.feedback.tests.builders import at, finish, receive
from antt.org.models import Role
from antt.org.tests.factories import make_officer

pytestmark = pytest.mark.django_db


def answers(index: str = "a", overall: str = "a", ease: str = "b") -> dict:
    """All nine indices answered with `index`, the ease question with `ease`, overall with `overall`."""
    values = {f"nd61-{i}": index for i in range(1, 10)}
    values.update({"nd61-10": ease, "nd61-11": overall})
    return values


@pytest.fixture
def w(criteria):
    return one_stop_world(days=3)


@pytest.fixture
def returned(w):
    d = receive(w, at(2026, 5, 4, 9))
    return finish(w, d, at(2026, 5, 5, 10))


def test_loader_is_idempotent_and_marks_the_overall_question(criteria):
    # given the criteria loaded once (fixture); when loaded again
    message = load_rating_criteria()
    # then nothing is duplicated: 9 indices scored 2/1/0 and 2 level questions
    assert "0 mới, 11 cập nhật" in message
    assert RatingCriterion.objects.count() == 11
    assert RatingCriterion.objects.filter(kind="index").count() == 9
    assert list(RatingCriterion.objects.filter(overall=True).values_list("code", flat=True)) == ["nd61-11"]
    assert RatingCriterion.objects.get(code="nd61-1").max_points == 2


def test_rating_by_link_records_points_and_overall_level(w, returned):
    # given a returned dossier; when the applicant rates it by link
    rating = rating_submit(
        dossier=returned, answers=answers(index="b", overall="b"), channel=RatingChannel.LINK, comment=" Tốt "
    )
    # then the totals are denormalised and each answer is a row
    assert rating.total_points == 9 and rating.max_points == 18
    assert rating.overall_level == SatisfactionLevel.SATISFIED and rating.satisfied
    assert rating.officer == w.receptionist and rating.unit == w.unit and rating.procedure == w.procedure
    assert rating.comment == "Tốt"
    assert RatingAnswer.objects.filter(rating=rating).count() == 11
    assert RatingAnswer.objects.get(rating=rating, criterion__code="nd61-10").points is None
    assert AuditEvent.objects.filter(object_type="feedback.rating", object_id=str(rating.pk), action="create").exists()


def test_a_second_rating_is_refused_with_409(returned):
    rating_submit(dossier=returned, answers=answers(), channel=RatingChannel.LINK)
    with pytest.raises(RatingError) as err:
        rating_submit(dossier=returned, answers=answers(overall="c"), channel=RatingChannel.LINK)
    assert err.value.status == 409 and "đã được đánh giá" in err.value.message
    assert Rating.objects.count() == 1


def test_a_dossier_not_yet_returned_cannot_be_rated(w):
    d = receive(w, at(2026, 5, 4, 9))
    with pytest.raises(RatingError) as err:
        rating_submit(dossier=d, answers=answers(), channel=RatingChannel.LINK)
    assert err.value.status == 409 and "chưa được trả kết quả" in err.value.message
    assert Rating.objects.count() == 0


def test_a_missing_or_unknown_answer_is_refused_and_nothing_is_written(returned):
    partial = answers()
    del partial["nd61-4"]
    with pytest.raises(RatingError) as err:
        rating_submit(dossier=returned, answers=partial, channel=RatingChannel.LINK)
    assert err.value.status == 400 and err.value.field == "nd61-4" and "Chỉ số 4" in err.value.message
    with pytest.raises(RatingError):
        rating_submit(dossier=returned, answers=answers(index="z"), channel=RatingChannel.LINK)
    assert Rating.objects.count() == 0 and RatingAnswer.objects.count() == 0


def test_counter_tablet_needs_a_receptionist_of_the_unit(w, returned):
    with pytest.raises(RatingError) as err:
        rating_submit(dossier=returned, answers=answers(), channel=RatingChannel.COUNTER_TABLET, staff=w.processor)
    assert err.value.status == 403
    with pytest.raises(RatingError) as err:
        rating_submit(
            dossier=returned, answers=answers(), channel=RatingChannel.COUNTER_TABLET, staff=w.other_receptionist
        )
    assert err.value.status == 404
    rating = rating_submit(
        dossier=returned, answers=answers(), channel=RatingChannel.COUNTER_TABLET, staff=w.receptionist
    )
    assert rating.recorded_by == w.receptionist and rating.channel == RatingChannel.COUNTER_TABLET


def test_aggregates_per_unit_procedure_officer_and_criterion(w):
    # given four returned dossiers in May 2026 rated: 2 very satisfied, 1 satisfied, 1 dissatisfied,
    # one of them received by a second receptionist
    second = make_officer(w.unit, role=Role.RECEPTIONIST, full_name="Phạm Thị Hoa")
    plan = [("a", "a", None), ("a", "a", None), ("b", "b", second), ("c", "c", None)]
    for i, (index, overall, receptionist) in enumerate(plan):
        d = receive(w, at(2026, 5, 4 + i, 9), receptionist=receptionist)
        d = finish(w, d, at(2026, 5, 4 + i, 15))
        with mock.patch("django.utils.timezone.now", return_value=at(2026, 5, 4 + i, 16)):
            rating_submit(dossier=d, answers=answers(index=index, overall=overall), channel=RatingChannel.LINK)
    # when the head reads the figures
    period = {"start": at(2026, 5, 1), "end": at(2026, 6, 1)}
    summary = selectors.rating_summary(w.head, **period)
    # then: 3 of 4 satisfied = 75% (below the 80% target); points (18+18+9+0)/4
    assert summary["count"] == 4 and summary["satisfied"] == 3
    assert summary["satisfaction_rate"] == pytest.approx(0.75) and summary["meets_target"] is False
    assert summary["average_points"] == pytest.approx(45 / 4) and summary["average_max_points"] == 18
    by_officer = {r["name"]: r for r in selectors.rating_by(w.head, "officer", **period)}
    assert by_officer["Lê Thị Thu Trang"]["count"] == 3 and by_officer["Phạm Thị Hoa"]["count"] == 1
    assert by_officer["Phạm Thị Hoa"]["satisfaction_rate"] == 1.0
    by_procedure = selectors.rating_by(w.head, "procedure", **period)
    assert [(r["id"], r["count"]) for r in by_procedure] == [(w.procedure.pk, 4)]
    per_criterion = {c["code"]: c for c in selectors.rating_by_criterion(w.head, **period)}
    assert per_criterion["nd61-1"]["average_points"] == pytest.approx(5 / 4)
    assert [o["count"] for o in per_criterion["nd61-11"]["options"]] == [2, 1, 1]
    # and a period without ratings, another unit's head and a receptionist see nothing
    assert selectors.rating_summary(w.head, start=at(2026, 6, 1), end=at(2026, 7, 1))["count"] == 0
    other_head = make_officer(w.other_unit, role=Role.HEAD)
    assert selectors.rating_summary(other_head, **period)["count"] == 0
    assert selectors.rating_summary(w.receptionist, **period)["count"] == 0
    assert selectors.rating_summary(w.supervisor, **period)["count"] == 4
