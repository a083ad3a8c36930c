"""ho-so-theo-thang against the portal's /so-lieu/ page: its rows sum to the page's unit totals,
and a hidden count is not the page's total less the published rows (`Rule.across`)."""

from collections import defaultdict
from datetime import date, datetime
from itertools import product
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache

from antt.api.loaders import load_datasets
from antt.api.models import Dataset
from antt.api.opendata import BUILDERS, Period, published_rows
from antt.api.suppression import FLAG_KEY
from antt.reports.selectors_public import monthly_by_unit
from antt.reports.tests.conftest import world  # noqa: F401 (the fixture: hand-counted dossiers, May 2026)

pytestmark = pytest.mark.django_db
VN = ZoneInfo("Asia/Ho_Chi_Minh")
SLUG = "ho-so-theo-thang"
# dataset column(s) → the /so-lieu/ figure that publishes their sum per (month, unit)
PAGE_SUMS = {
    ("tiep_nhan",): "received",
    ("da_giai_quyet",): "completed",
    ("truoc_han", "dung_han"): "in_time",
    ("so_danh_gia",): "ratings",
    ("hai_long",): "satisfied",
}


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def datasets(db):
    load_datasets()


def rows_of(period: Period | None = None) -> list[dict]:
    builder = BUILDERS[SLUG]
    keys = [c.key for c in builder.all_columns]
    min_cell = Dataset.objects.get(slug=SLUG).min_cell
    return [dict(zip(keys, r, strict=True)) for r in published_rows(builder, min_cell=min_cell, period=period)]


def clone(dossier, *, version=None, submitted_at: datetime, n: int):
    """A copy of `dossier` (received only, not completed), for another procedure or time."""
    from antt.dossiers.models import Dossier, new_token

    copy = Dossier.objects.get(pk=dossier.pk)
    copy.pk = None
    copy.code = f"{dossier.code}-C{n}"
    copy.token = new_token()
    copy.idempotency_key = None
    copy.current_step = None
    copy.completed_at = copy.returned_at = copy.closed_at = None
    copy.timeliness = ""
    copy.submitted_at = copy.received_at = submitted_at
    if version is not None:
        copy.procedure_version, copy.procedure, copy.field = version, version.procedure, version.procedure.field
    copy.save()
    return copy


def test_the_rows_sum_to_the_public_page_unit_totals(world, datasets):  # noqa: F811
    # given the hand-counted world, plus a dossier submitted at 00:30 on 1 June, Vietnam time
    # (still 31 May in UTC): the month boundaries must be the page's
    clone(world.d["d7"], submitted_at=datetime(2026, 6, 1, 0, 30, tzinfo=VN), n=1)
    Dataset.objects.filter(slug=SLUG).update(min_cell=1)
    # when the rows are summed per (month, unit)
    sums: dict = defaultdict(lambda: defaultdict(int))
    for r in rows_of():
        for cols, figure in PAGE_SUMS.items():
            sums[(r["thang"], r["don_vi"])][figure] += sum(r[c] for c in cols)
    # then every sum is the page's figure of that unit and month, and every page row is a group
    seen = set()
    for month in (date(2026, 4, 1), date(2026, 5, 1), date(2026, 6, 1)):
        for page_row in monthly_by_unit(month)["rows"]:
            key = (f"{month:%Y-%m}", page_row["unit"])
            seen.add(key)
            assert dict(sums[key]) == {f: page_row[f] for f in PAGE_SUMS.values()}, key
    assert seen == set(sums)
    assert sums[("2026-06", world.w.unit.name)]["received"] == 2  # d7 and the 00:30 one


def _determined(published: list[int | None], total: int) -> list[set[int]]:
    """By brute force: the values each hidden cell takes in the assignments (0..total each) whose
    sum with the published cells is the page's total."""
    hidden = [i for i, v in enumerate(published) if v is None]
    rest = total - sum(v for v in published if v is not None)
    seen = [set() for _ in hidden]
    for guess in product(range(total + 1), repeat=len(hidden)):
        if sum(guess) == rest:
            for s, v in zip(seen, guess, strict=True):
                s.add(v)
    return seen


def test_a_small_count_is_not_the_unit_total_less_the_published_rows(world, datasets):  # noqa: F811
    from antt.dossiers.tests.factories import make_procedure

    # given March 2026 at unit A: 2 dossiers of one procedure, 6 and 7 of two others
    versions = [make_procedure() for _ in range(3)]
    n = 0
    for version, count in zip(versions, (2, 6, 7), strict=True):
        for day in range(count):
            n += 1
            clone(world.d["d7"], version=version, submitted_at=datetime(2026, 3, day + 2, 9, tzinfo=VN), n=n)
    # when the dataset is read for March (threshold 5) and the page shows March
    rows = [r for r in rows_of(Period(date(2026, 3, 1), date(2026, 3, 1))) if r["don_vi"] == world.w.unit.name]
    (page,) = [r for r in monthly_by_unit(date(2026, 3, 1))["rows"] if r["unit"] == world.w.unit.name]
    assert page["received"] == 15 and len(rows) == 3
    by_code = {r["ma_thu_tuc"]: r for r in rows}
    small, six, seven = (by_code[v.procedure.code] for v in versions)
    # then the 2 is hidden, and so is the 6 (the smallest other count), the 7 is published
    assert small["tiep_nhan"] is None and small[FLAG_KEY] is True
    assert six["tiep_nhan"] is None and six[FLAG_KEY] is True
    assert seven["tiep_nhan"] == 7 and seven[FLAG_KEY] is False
    # and the published rows with the page's total leave every hidden cell at least two values
    published = [r["tiep_nhan"] for r in rows]
    truth = [2 if r is small else 6 if r is six else 7 for r in rows]
    for value, possible in zip(
        [t for t, p in zip(truth, published, strict=True) if p is None], _determined(published, 15), strict=True
    ):
        assert value in possible
        assert len(possible) >= 2, f"a hidden count is recoverable: {possible}"


def test_a_unit_with_a_single_row_hides_the_procedure_not_only_the_counts(world, datasets):  # noqa: F811
    # given unit B in May: one dossier of one procedure, received and completed early (the page
    # shows 1 and 1 for unit B: the row is the page's figures)
    rows = [r for r in rows_of(Period(date(2026, 5, 1), date(2026, 5, 1))) if r["don_vi"] == world.w.other_unit.name]
    (row,) = rows
    # then its small counts are hidden, and so are its field and procedure
    assert row["tiep_nhan"] is None and row["da_giai_quyet"] is None
    assert (row["linh_vuc"], row["ma_thu_tuc"], row["thu_tuc"]) == (None, None, None)
    assert row["don_vi"] == world.w.other_unit.name and row[FLAG_KEY] is True
    # without suppression the procedure is published
    Dataset.objects.filter(slug=SLUG).update(min_cell=1)
    (plain,) = [
        r for r in rows_of(Period(date(2026, 5, 1), date(2026, 5, 1))) if r["don_vi"] == world.w.other_unit.name
    ]
    assert plain["ma_thu_tuc"] == world.w.procedure.code and plain[FLAG_KEY] is False
