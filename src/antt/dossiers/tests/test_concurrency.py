"""Many counters receiving at the same moment (PostgreSQL: real parallel connections).

SQLite runs one write transaction at a time, so there is no race to test there; on
PostgreSQL each thread has its own connection, and the day's counter row lock
(`core.sequences.next_value`) plus the idempotency constraint must hold.
"""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from antt.core.models import Counter
from antt.dossiers.models import Dossier
from antt.dossiers.services import DocumentReceipt, dossier_receive
from antt.dossiers.tests.factories import applicant, one_stop_world
from antt.org.models import Role
from antt.org.tests.factories import make_officer

VN = ZoneInfo("Asia/Ho_Chi_Minh")
WHEN = datetime(2026, 4, 23, 9, 30, tzinfo=VN)  # one working day: one counter row

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises every write transaction; the parallel race needs PostgreSQL")


def _receive_in_threads(w, desks, calls: int, workers: int, key=None) -> list[str]:
    documents = [DocumentReceipt(required_document_id=d.pk, originals=1) for d in w.version.documents.all()]
    start = threading.Barrier(workers)
    started = threading.local()

    def receive(i: int) -> str:
        try:
            if not getattr(started, "done", False):  # every worker waits for the others once
                started.done = True
                start.wait(timeout=30)
            result = dossier_receive(
                officer=desks[i % len(desks)],
                procedure=w.procedure,
                level="commune",
                applicant=applicant(),
                documents=documents,
                idempotency_key=key,
                at=WHEN,
            )
            return result.dossier.code
        finally:
            connection.close()  # each call's thread connection, not the test's

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(receive, range(calls)))


def test_200_dossiers_received_at_once_get_200_distinct_gap_free_codes(postgresql_only):
    # given one unit with four counter desks
    w = one_stop_world(days=3)
    desks = [w.receptionist] + [make_officer(w.unit, role=Role.RECEPTIONIST) for _ in range(3)]
    # when 16 parallel connections receive 200 dossiers on the same day
    codes = _receive_in_threads(w, desks, calls=200, workers=16)
    # then 200 distinct codes, numbered 1..200 for that day without a gap
    assert len(set(codes)) == 200
    assert all(code.startswith("H56.14-260423-") for code in codes)
    assert sorted(int(code.rsplit("-", 1)[1]) for code in codes) == list(range(1, 201))
    assert Dossier.objects.count() == 200
    assert Counter.objects.get(key="dossier:H56.14", period="260423").value == 200


def test_the_same_idempotency_key_sent_at_once_makes_one_dossier(postgresql_only):
    # given a client that retries one request on 8 connections at the same moment
    w = one_stop_world(days=3)
    # when they all arrive together
    codes = _receive_in_threads(w, [w.receptionist], calls=8, workers=8, key="retry-storm")
    # then one dossier, and every answer names it; the losers' numbers were given back
    assert len(set(codes)) == 1
    assert Dossier.objects.get().code == codes[0] == "H56.14-260423-0001"
    assert Counter.objects.get(key="dossier:H56.14", period="260423").value == 1


def test_two_officers_handing_on_the_same_dossier_at_once_cannot_both_succeed(postgresql_only):
    # given a received dossier and two officers who both press "Chuyển xử lý" at the same moment
    from antt.dossiers.services import dossier_start
    from antt.dossiers.workflow import TransitionError

    w = one_stop_world(days=3)
    pk = dossier_receive(
        officer=w.receptionist, procedure=w.procedure, level="commune", applicant=applicant()
    ).dossier.pk
    start = threading.Barrier(2)

    def hand_on(officer, assignee):
        try:
            start.wait(timeout=30)
            dossier_start(officer=officer, dossier=pk, assignee=assignee)
            return "ok"
        except TransitionError as exc:
            return exc.status
        finally:
            connection.close()

    # when
    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = list(pool.map(lambda args: hand_on(*args), [(w.receptionist, w.processor), (w.head, w.processor2)]))

    # then exactly one succeeded; the other was told the status had changed (409)
    assert sorted(map(str, outcomes)) == ["409", "ok"]
    d = Dossier.objects.get(pk=pk)
    assert d.events.filter(action="start").count() == 1
    assert d.steps.filter(state="active").count() == 1
