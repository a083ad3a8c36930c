"""Races on PostgreSQL (real parallel connections): certificates issued at once get distinct,
consecutive numbers; the same establishment asked for a new certificate twice at once gets one.
SQLite runs one write transaction at a time, so there is no race to test there."""

from __future__ import annotations

import pytest
from django.db import connection

from antt.establishments import certificates as svc
from antt.establishments.errors import EstablishmentError
from antt.establishments.models import Certificate
from antt.establishments.tests.factories import establishments_world
from antt.establishments.tests.test_certificates import est
from antt.violations.tests.test_concurrency import _in_threads

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises every write transaction; the parallel race needs PostgreSQL")


def test_certificates_issued_at_once_get_consecutive_numbers(postgresql_only):
    # given 8 establishments of one unit
    w = establishments_world()
    places = [est(w, name=f"Karaoke {i}") for i in range(8)]
    # when 8 connections issue a certificate each at the same moment
    results = _in_threads(
        lambda i: svc.certificate_issue(officer=w.head_a, establishment=places[i], line_codes=["t-karaoke"]).number, 8
    )
    # then 8 numbers 1..8, no gap, no repeat
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(int(number.split("/", 1)[0]) for number in results) == list(range(1, 9))


def test_one_establishment_asked_twice_at_once_gets_one_certificate(postgresql_only):
    w = establishments_world()
    e = est(w)
    results = _in_threads(
        lambda i: svc.certificate_issue(officer=w.head_a, establishment=e, line_codes=["t-karaoke"]), 4
    )
    refused = [r for r in results if isinstance(r, EstablishmentError)]
    assert len(refused) == 3 and all(r.status == 409 for r in refused), results
    assert Certificate.objects.filter(establishment=e).count() == 1
    # and the refused attempts took no number: the next one is 2
    other = est(w, name="Karaoke Sau")
    assert svc.certificate_issue(officer=w.head_a, establishment=other, line_codes=["t-karaoke"]).number.startswith(
        "2/"
    )
