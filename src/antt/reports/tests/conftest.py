"""A small built world for the statistics: dossiers moved through the real services (hand-counted)."""

from dataclasses import dataclass
from unittest import mock

import pytest

from antt.dossiers.models import Dossier
from antt.dossiers.tests.factories import one_stop_world
from antt.feedback.loaders import load_rating_criteria
from antt.feedback.models import RatingChannel
from antt.feedback.services import rating_submit
from antt.feedback.tests.builders import at, finish, receive, submit_online, withdraw
from antt.org.models import Role, User
from antt.org.tests.factories import make_officer


@dataclass
class StatsWorld:
    w: object
    head_b: User
    d: dict[str, Dossier]


def answers(overall: str) -> dict:
    values = {f"nd61-{i}": "a" for i in range(1, 10)}
    values.update({"nd61-10": "a", "nd61-11": overall})
    return values


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def world(db) -> StatsWorld:
    """Unit A (the world's unit) and unit B (its sibling), procedure of 3 working days, May 2026.

    A: d1 received 28/4 (carried over), done 4/5 early (2 working days: 29/4, 4/5; 30/4 and 1/5 are holidays)
       d2 received 4/5, done 7/5 on time (3 days)       d3 received 4/5, done 8/5 late (4 days), apology
       d4 received 11/5 with a scan, still open (due 14/5: late at the end of May)
       d5 online 12/5, done 13/5 early (1 day) with a result file
       d6 received 20/5, withdrawn 21/5              d7 received 2/6 (after May)
       d8 received 1/4, done 3/4 (closed before May)
    B: d9 received 5/5, done 6/5 early (1 day)
    Ratings: d2 very satisfied (10/5), d3 dissatisfied (12/5).
    """
    load_rating_criteria()
    w = one_stop_world(days=3)
    recv_b = w.other_receptionist
    proc_b = make_officer(w.other_unit, role=Role.PROCESSOR)
    head_b = make_officer(w.other_unit, role=Role.HEAD)
    d = {}
    d["d1"] = finish(w, receive(w, at(2026, 4, 28, 9)), at(2026, 5, 4, 10))
    d["d2"] = finish(w, receive(w, at(2026, 5, 4, 9)), at(2026, 5, 7, 10))
    d["d3"] = finish(w, receive(w, at(2026, 5, 4, 9, 30)), at(2026, 5, 8, 10))
    d["d4"] = receive(w, at(2026, 5, 11, 9), uploads=True)
    d["d5"] = finish(w, submit_online(w, at(2026, 5, 12, 9)), at(2026, 5, 13, 10), result_file=True)
    d["d6"] = withdraw(w, receive(w, at(2026, 5, 20, 9)), at(2026, 5, 21, 9))
    d["d7"] = receive(w, at(2026, 6, 2, 9))
    d["d8"] = finish(w, receive(w, at(2026, 4, 1, 9)), at(2026, 4, 3, 10))
    d["d9"] = finish(
        w,
        receive(w, at(2026, 5, 5, 9), receptionist=recv_b),
        at(2026, 5, 6, 10),
        receptionist=recv_b,
        processor=proc_b,
        head=head_b,
    )
    for key, overall, when in (("d2", "a", at(2026, 5, 10, 9)), ("d3", "c", at(2026, 5, 12, 9))):
        with mock.patch("django.utils.timezone.now", return_value=when):
            rating_submit(dossier=d[key], answers=answers(overall), channel=RatingChannel.LINK)
    return StatsWorld(w=w, head_b=head_b, d=d)
