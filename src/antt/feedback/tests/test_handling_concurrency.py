"""Two officers on one feedback at once (PostgreSQL: real parallel connections).

The services re-read the row with SELECT … FOR UPDATE before checking the state, so the second
officer waits for the first one's transaction and then sees the new state: one answer, one
refusal, never two answers or two notices.
"""

import threading
from datetime import date

import pytest
from django.db import connection, transaction

from antt.core.models import Notification
from antt.feedback import handling, workflow
from antt.feedback.models import Feedback, FeedbackEvent, FeedbackState
from antt.feedback.tests.factories_pakn import make_feedback, pakn_world

S = FeedbackState
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgresql_only(settings):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises every write transaction; the race needs PostgreSQL")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_a_second_answer_waits_for_the_first_and_is_refused():
    w = pakn_world()
    fb = make_feedback(w.commune_a, state=S.ACCEPTED, topic=w.topic, answer_due=date(2099, 1, 1))
    outcome = {}

    def second_officer():
        try:
            handling.feedback_answer(officer=w.processor_a, feedback=fb.pk, text="Trả lời thứ hai")
            outcome["result"] = "answered"
        except workflow.TransitionError:
            outcome["result"] = "refused"
        finally:
            connection.close()

    # given the first officer's transaction holds the row (the answer being written)
    with transaction.atomic():
        handling.feedback_answer(officer=w.head_a, feedback=fb.pk, text="Trả lời thứ nhất")
        # when a second officer answers meanwhile
        thread = threading.Thread(target=second_officer)
        thread.start()
        thread.join(timeout=1.0)
        # then they wait on the lock until the first commits
        assert thread.is_alive()
    thread.join(timeout=30)
    assert outcome == {"result": "refused"}
    fb = Feedback.objects.get(pk=fb.pk)
    assert fb.answer == "Trả lời thứ nhất" and fb.answered_by == w.head_a
    assert FeedbackEvent.objects.filter(feedback=fb, action="answer").count() == 1
    assert Notification.objects.filter(key="feedback.answered", channel="sms").count() == 1
