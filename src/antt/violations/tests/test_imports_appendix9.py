"""Importing a data set built to match appendix 9 of the seed reproduces the table.

The data set (`tests/data/appendix9.py`) has one row per decision, 101,902 rows for 2019; it is
imported through the same path as an uploaded file (`import_rows`, the whole set, on SQLite
with executemany and on PostgreSQL with COPY), then the statistics table of the stats helper
(`selectors_stats.stats_table`) for 2019 must equal the CSV row by row, and its totals must be
the sums of the rows (every violator key and case of the set is unique to its row, so the
distinct totals equal the sums).
"""

from __future__ import annotations

from datetime import date

import pytest
from django.db.models import Count, Sum

from antt.org.models import Role, Unit
from antt.org.tests.factories import make_officer, make_unit
from antt.violations import imports
from antt.violations.models import DecisionViolator, PenaltyDecision, ViolationCase, ViolationImport
from antt.violations.selectors_stats import stats_table
from antt.violations.tests.data.appendix9 import appendix9_rows, seed_rows
from antt.violations.tests.test_imports import make_stat_groups

pytestmark = pytest.mark.django_db

FIGURES = ("cases", "decisions", "violators", "fined", "paid", "seized", "suspended")


def expected(row) -> tuple:
    return (row.cases, row.decisions, row.violators, row.fined, row.paid, row.seized, row.licences)


def test_importing_the_appendix9_data_set_reproduces_every_row_and_its_totals():
    # given the statistics rows, a province with three units and the data set for 2019
    make_stat_groups()
    province = make_unit("Công an tỉnh Thử", level=Unit.Level.PROVINCE, slug="ca-tinh-thu")
    units = [
        make_unit("Phòng Cảnh sát giao thông", parent=province, level=Unit.Level.DEPARTMENT, slug="pc08"),
        make_unit("Công an phường Hạc Thành", parent=province, slug="ca-hac-thanh"),
        make_unit("Công an xã Quảng Phú", parent=province, slug="ca-quang-phu"),
    ]
    director = make_officer(province, role=Role.HEAD)
    rows = list(appendix9_rows([u.slug for u in units]))
    batch = ViolationImport.objects.create(
        unit=province, created_by=director, file_name="phu-luc-9-2019.csv", file_sha256="a" * 64, mode="all"
    )

    # when it is imported all-or-nothing
    result = imports.import_rows(batch, rows)

    # then every row is written
    assert (result.error_rows, result.created, result.duplicates) == (0, len(rows), 0), result.errors[:5]
    assert PenaltyDecision.objects.count() == len(rows) == sum(r.decisions for r in seed_rows())
    assert ViolationCase.objects.count() == sum(r.cases for r in seed_rows())

    # and the decisions as stored aggregate to the seed's rows (a direct ORM GROUP BY)
    stored = {
        r["stat_group__code"]: r
        for r in PenaltyDecision.objects.values("stat_group__code").annotate(
            cases=Count("case", distinct=True),
            decisions=Count("*"),
            fined=Sum("total_fine"),
            paid=Sum("amount_paid"),
            seized=Sum("seized_count"),
            suspended=Sum("suspension_count"),
        )
    }
    violators = dict(
        DecisionViolator.objects.values_list("decision__stat_group__code").annotate(
            n=Count("violator_key", distinct=True)
        )
    )
    for seed in seed_rows():
        got = stored[seed.code]
        got = (got["cases"], got["decisions"], violators[seed.code], *(got[k] for k in FIGURES[3:]))
        assert got == expected(seed), seed.code

    # and the statistics table for 2019 equals the seed's table row by row
    table = stats_table(director, start=date(2019, 1, 1), end=date(2019, 12, 31))
    by_code = {r["code"]: r for r in table["rows"] if r["code"]}
    for seed in seed_rows():
        got = tuple(by_code[seed.code][k] for k in FIGURES)
        assert got == expected(seed), seed.code

    # and its totals are the sums of the rows
    leaves = [by_code[s.code] for s in seed_rows()]
    for key in FIGURES:
        assert table["totals"][key] == sum(r[key] for r in leaves), key
    assert table["totals"]["decisions"] == 101_902

    # and re-importing the same rows creates nothing
    again = ViolationImport.objects.create(
        unit=province, created_by=director, file_name="phu-luc-9-2019.csv", file_sha256="a" * 64, mode="all"
    )
    result = imports.import_rows(again, rows)
    assert (result.created, result.duplicates) == (0, len(rows))
    assert DecisionViolator.objects.count() == sum(r.violators for r in seed_rows()) + 5  # 5 repeat fines
