"""The lodging benchmark's harness (`bench/lodging.py`): its hand-written SQL answers what the
selector answers, and its guests pass the API's validation. The whole script runs in CI as
`BENCH_SHORT=1 python bench/lodging.py` (about 30 s on SQLite)."""

from __future__ import annotations

import importlib.util
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from antt.lodging import selectors
from antt.lodging.tests.factories import lodging_world
from antt.org.models import Role
from antt.org.tests.factories import make_officer

pytestmark = pytest.mark.django_db
BENCH = Path(__file__).resolve().parents[4] / "bench" / "lodging.py"


@pytest.fixture(scope="module")
def bench():
    sys.path.insert(0, str(BENCH.parent))
    spec = importlib.util.spec_from_file_location("bench_lodging", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_given_generated_guests_then_each_search_case_of_the_selector_equals_its_sql(bench):
    w = lodging_world()
    call_command("generate_lodging", "--declarations=600", "--months=2", "--force", "--no-occupancy", stdout=StringIO())
    head = make_officer(w.est.province, role=Role.HEAD, full_name="Lãnh đạo tỉnh")
    size = selectors.PAGE_SIZE

    cases = bench.search_cases()

    assert len(cases) == 6
    for label, criteria in cases:
        page = selectors.page_of(selectors.search_queryset(head, criteria), 1, size)
        sql, params = bench.search_sql(head, criteria, size)
        with connection.cursor() as cur:
            cur.execute(sql, params)
            rows = cur.fetchall()
        assert [d.pk for d in page.rows] == [r[0] for r in rows[:size]], label
        assert page.has_next == (len(rows) > size), label
    # the document-number case finds its guest
    assert any(criteria.get("doc_number") for _label, criteria in cases)


def test_given_the_bench_guests_then_the_validation_accepts_them(bench):
    from django.utils import timezone

    from antt.lodging.codes import codes_on
    from antt.lodging.validation import clean_guest

    lodging_world()
    now = timezone.now()
    arrived = bench.arrival_text(60)
    codes = codes_on(timezone.localdate())
    for i in range(24):
        raw = {k: v for k, v in bench.guest(i, arrived).items() if v is not None}
        clean, errors = clean_guest(raw, codes=codes, now=now, row=i + 1)
        assert not errors and clean is not None, (i, errors)
