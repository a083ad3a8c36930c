"""The appendix 9 table, the trends and the exports (selectors_stats, exports).

The world and its hand count are in `test_stats_world.py`.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from antt.core.models import AuditEvent
from antt.violations import exports, selectors_stats
from antt.violations.models import DecisionStatus, StatGroup
from antt.violations.tests.test_stats_world import YEAR, StatsWorld, build_world, make_decision

pytestmark = pytest.mark.django_db
START, END = YEAR
FIGURES = ["cases", "decisions", "violators", "fined", "paid", "seized", "suspended"]


@pytest.fixture
def world(db) -> StatsWorld:
    return build_world()


def figures(row: dict) -> tuple:
    return tuple(row[k] for k in FIGURES)


def by_stt(table: dict) -> dict[str, dict]:
    return {r["stt"]: r for r in table["rows"]}


# --- Rows and totals ------------------------------------------------------------------------


def test_the_table_has_every_row_in_appendix_order_with_field_subtotals(world):
    # given the world's decisions of 2025
    # when the province supervisor asks for the year
    table = selectors_stats.stats_table(world.supervisor, start=START, end=END)
    # then rows follow the stat groups: field 1 (subtotal) and its groups, field 2 and its group, field 4
    assert [(r["stt"], r["level"]) for r in table["rows"]] == [
        ("1", "field"),
        ("1.1", "group"),
        ("1.2", "group"),
        ("2", "field"),
        ("2.1", "group"),
        ("4", "field"),
    ]
    rows = by_stt(table)
    assert rows["1"]["field_name"] == "An ninh, trật tự, an toàn xã hội" and rows["1"]["group_name"] == "Cộng"
    assert rows["1.1"]["group_name"] == "Cư trú, CMND" and rows["1.1"]["code"] == "1.1"
    assert rows["4"]["group_name"] == "" and rows["4"]["code"] == "4"


def test_each_row_counts_cases_decisions_violators_and_sums(world):
    table = selectors_stats.stats_table(world.supervisor, start=START, end=END)
    rows = by_stt(table)
    # 1.1: a1, a2 (same case C1), a3 (case C2; id:001 again)
    assert figures(rows["1.1"]) == (2, 3, 2, 2_250_000, 1_750_000, 1, 0)
    # 1.2: a6 with two violators in one decision
    assert figures(rows["1.2"]) == (1, 1, 2, 10_000_000, 10_000_000, 3, 0)
    assert figures(rows["1"]) == (3, 4, 4, 12_250_000, 11_750_000, 4, 0)
    assert figures(rows["2.1"]) == figures(rows["2"]) == (1, 1, 1, 2_000_000, 2_000_000, 4, 0)
    # 4: a4 (1 January), a5 (31 December), b2; x1 cancelled, o1/o2 outside the year
    assert figures(rows["4"]) == (3, 3, 2, 13_000_000, 5_000_000, 3, 3)


def test_totals_sum_the_rows_and_count_distinct_over_the_whole_selection(world):
    table = selectors_stats.stats_table(world.supervisor, start=START, end=END)
    totals = table["totals"]
    # sums: the sums of the rows
    leaves = [r for r in table["rows"] if r["level"] == "group" or not r["has_groups"]]
    for key in ("decisions", "fined", "paid", "seized", "suspended"):
        assert totals[key] == sum(r[key] for r in leaves)
    assert figures(totals) == (7, 8, 6, 27_250_000, 18_750_000, 11, 3)
    # id:001 is in rows 1.1 and 4: once in the total, twice in the plain sum of the rows
    assert totals["rows_sum"]["violators"] == 7
    assert totals["rows_sum"]["cases"] == 7


def test_a_person_fined_twice_counts_once(world):
    # given id:001 fined in a1 and a3 (row 1.1), a5 (row 4) and b2 (row 4, commune B)
    table = selectors_stats.stats_table(world.supervisor, start=START, end=END)
    assert by_stt(table)["1.1"]["violators"] == 2  # id:001 and id:002, for three decisions
    assert by_stt(table)["4"]["violators"] == 2  # id:003 and id:001, for three decisions


def test_a_case_with_two_decisions_counts_once(world):
    table = selectors_stats.stats_table(world.head_a, start=date(2025, 1, 3), end=date(2025, 1, 3))
    row = by_stt(table)["1.1"]
    assert (row["cases"], row["decisions"]) == (1, 2)


def test_cancelled_decisions_are_left_out(world):
    # given x1 (row 4, 20/03) is cancelled
    table = selectors_stats.stats_table(world.head_a, start=date(2025, 3, 20), end=date(2025, 3, 20))
    assert figures(table["totals"]) == (0, 0, 0, 0, 0, 0, 0)
    # when it is any other status it counts
    world.decisions["x1"].status = DecisionStatus.APPEALED
    world.decisions["x1"].save(update_fields=["status"])
    table = selectors_stats.stats_table(world.head_a, start=date(2025, 3, 20), end=date(2025, 3, 20))
    assert figures(by_stt(table)["4"]) == (1, 1, 1, 9_000_000, 0, 1, 1)


def test_the_period_includes_both_ends_and_nothing_outside(world):
    first = selectors_stats.stats_table(world.head_a, start=date(2025, 1, 1), end=date(2025, 1, 1))
    assert by_stt(first)["4"]["decisions"] == 1  # a4, issued on the first day
    last = selectors_stats.stats_table(world.head_a, start=date(2025, 12, 31), end=date(2025, 12, 31))
    assert by_stt(last)["4"]["decisions"] == 1  # a5, issued on the last day
    wide = selectors_stats.stats_table(world.head_a, start=date(2024, 12, 31), end=date(2026, 1, 1))
    assert by_stt(wide)["4"]["decisions"] == 4  # a4, a5, o1, o2


# --- Scope and access -----------------------------------------------------------------------


def test_a_commune_sees_only_its_own_units_figures(world):
    a = selectors_stats.stats_table(world.head_a, start=START, end=END)
    assert figures(a["totals"]) == (5, 6, 5, 22_250_000, 15_750_000, 7, 2)
    assert by_stt(a)["2"]["decisions"] == 0
    b = selectors_stats.stats_table(world.head_b, start=START, end=END)
    assert figures(b["totals"]) == (2, 2, 2, 5_000_000, 3_000_000, 4, 1)


def test_a_supervisor_may_narrow_to_one_commune(world):
    table = selectors_stats.stats_table(world.supervisor, start=START, end=END, unit=world.commune_b)
    assert figures(table["totals"]) == (2, 2, 2, 5_000_000, 3_000_000, 4, 1)
    assert table["scope"].unit == world.commune_b


def test_a_unit_outside_the_scope_is_not_found(world):
    with pytest.raises(Http404):
        selectors_stats.stats_table(world.head_a, start=START, end=END, unit=world.commune_b)


def test_roles_without_reports_view_are_refused(world):
    with pytest.raises(PermissionDenied):
        selectors_stats.stats_table(world.processor_a, start=START, end=END)
    with pytest.raises(PermissionDenied):
        selectors_stats.trends(world.processor_a, start=START, end=END)


def test_the_table_costs_three_queries_whatever_the_volume(world):
    with CaptureQueriesContext(connection) as queries:
        selectors_stats.stats_table(world.supervisor, start=START, end=END, unit=world.province)
    assert len(queries) == 3  # the stat groups, the sums, the distinct violators


def test_a_period_with_no_decision_gives_every_row_at_zero(world):
    table = selectors_stats.stats_table(world.supervisor, start=date(2020, 1, 1), end=date(2020, 12, 31))
    assert len(table["rows"]) == 6
    assert all(figures(r) == (0,) * 7 for r in table["rows"])
    assert figures(table["totals"]) == (0,) * 7


def test_a_group_without_decisions_still_appears(world):
    StatGroup.objects.create(code="10", field_no=10, field_name="An toàn thực phẩm", order=200)
    table = selectors_stats.stats_table(world.supervisor, start=START, end=END)
    assert figures(by_stt(table)["10"]) == (0,) * 7


# --- Trends ---------------------------------------------------------------------------------


def test_trends_by_month_cover_every_month_of_the_period(world):
    t = selectors_stats.trends(world.supervisor, start=START, end=END)
    months = {m["label"]: m for m in t["months"]}
    assert len(months) == 12
    assert months["01/2025"]["decisions"] == 3 and months["01/2025"]["fined"] == 5_500_000
    assert months["03/2025"]["decisions"] == 1  # a6; x1 cancelled
    assert months["05/2025"]["decisions"] == 2 and months["12/2025"]["decisions"] == 1
    assert months["06/2025"]["decisions"] == 0
    assert sum(m["decisions"] for m in months.values()) == 8


def test_trends_by_behaviour_count_decision_lines_most_first(world):
    t = selectors_stats.trends(world.supervisor, start=START, end=END)
    assert [(b["name"], b["lines"], b["fined"]) for b in t["behaviours"]] == [
        ("Không mang giấy phép lái xe", 2, 6_600_000),  # a4, b2
        ("Không đội mũ bảo hiểm", 2, 6_400_000),  # a4, a5 (x1 cancelled)
    ]
    assert t["behaviours"][0]["provision"].startswith("điểm b khoản 5 Điều 18")
    top1 = selectors_stats.trends(world.supervisor, start=START, end=END, top=1)["behaviours"]
    assert len(top1) == 1


def test_trends_by_place_and_by_unit(world):
    t = selectors_stats.trends(world.supervisor, start=START, end=END)
    places = {p["name"]: p["decisions"] for p in t["places"]}
    assert places == {"Phường Hạc Thành": 2, "Chưa rõ địa bàn": 6}
    units = {u["name"]: (u["cases"], u["decisions"]) for u in t["units"]}
    assert units == {"Công an phường Hạc Thành": (5, 6), "Công an phường Hàm Rồng": (2, 2)}
    # a commune sees its own unit only
    t = selectors_stats.trends(world.head_b, start=START, end=END)
    assert [u["name"] for u in t["units"]] == ["Công an phường Hàm Rồng"]


# --- Exports ----------------------------------------------------------------------------------


def test_excel_export_keeps_the_appendix_layout_with_numbers_as_numbers(world):
    # when
    content = exports.stats_export(user=world.supervisor, start=START, end=END, fmt="xlsx")
    # then the heading row is the appendix's, rows follow, the total row closes the table
    ws = load_workbook(io.BytesIO(content)).active
    values = [list(r) for r in ws.iter_rows(values_only=True)]
    assert "TỔNG HỢP SỐ LIỆU XỬ PHẠT" in values[0][0]
    assert "01/01/2025" in values[1][0] and "31/12/2025" in values[1][0]
    heading = values[exports.XLSX_HEADING_ROW - 1]
    assert heading == [
        "STT",
        "Lĩnh vực",
        "Nhóm hành vi liên quan đến",
        "Số vụ VPHC",
        "Số QĐ XPVPHC",
        "Số đối tượng bị XLVPHC",
        "Số tiền theo QĐXP (đồng)",
        "Số tiền đã nộp NSNN (đồng)",
        "Số TV,PT bị tạm giữ",
        "Số GP,CCHN bị tước",
    ]
    body = values[exports.XLSX_HEADING_ROW :]
    assert body[0][:3] == ["1", "An ninh, trật tự, an toàn xã hội", "Cộng"]
    assert body[1] == ["1.1", None, "Cư trú, CMND", 2, 3, 2, 2_250_000, 1_750_000, 1, 0]
    assert body[5][:3] == ["4", "Giao thông đường bộ, đường sắt", None]
    assert body[6] == [None, "TỔNG", None, 7, 8, 6, 27_250_000, 18_750_000, 11, 3]
    assert all(isinstance(v, int) for v in body[6][3:])
    assert ws.cell(row=exports.XLSX_HEADING_ROW + 2, column=7).number_format == "#,##0"


def test_excel_export_reads_back_with_calamine(world):
    calamine = pytest.importorskip("python_calamine")
    content = exports.stats_export(user=world.head_b, start=START, end=END, fmt="xlsx")
    rows = calamine.CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()
    total = next(r for r in rows if len(r) > 1 and r[1] == "TỔNG")
    assert [int(v) for v in total[3:]] == [2, 2, 2, 5_000_000, 3_000_000, 4, 1]


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler's pdftotext")
def test_pdf_export_is_a_landscape_table_with_vietnamese_numbers(world, tmp_path):
    content = exports.stats_export(user=world.supervisor, start=START, end=END, fmt="pdf")
    assert content.startswith(b"%PDF")
    path = tmp_path / "t.pdf"
    path.write_bytes(content)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True).stdout.decode()
    assert "TỔNG HỢP SỐ LIỆU XỬ PHẠT VI PHẠM HÀNH CHÍNH" in text
    assert "Cư trú, CMND" in text and "Giao thông đường bộ, đường sắt" in text
    assert "27.250.000" in text and "18.750.000" in text and "TỔNG" in text
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, check=True).stdout.decode()
    assert "841.89 x 595.28 pts" in info  # A4 landscape: wider than tall


def test_every_export_leaves_an_audit_entry(world):
    before = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).count()
    exports.stats_export(user=world.head_a, start=START, end=END, fmt="pdf")
    event = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).order_by("-pk").first()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).count() == before + 1
    assert event.object_type == "violations.statistics"
    assert event.changes["format"] == "pdf" and event.changes["start"] == "2025-01-01"


def test_an_export_refused_leaves_no_audit_entry(world):
    before = AuditEvent.objects.count()
    with pytest.raises(PermissionDenied):
        exports.stats_export(user=world.processor_a, start=START, end=END, fmt="xlsx")
    assert AuditEvent.objects.count() == before


def test_totals_use_the_distinct_count_even_within_a_field(world):
    # given a person in both groups of field 1
    make_decision(world.commune_a, world.groups["1.2"], "C99", date(2025, 4, 1), ["id:002"], fined=100_000)
    table = selectors_stats.stats_table(world.head_a, start=START, end=END)
    rows = by_stt(table)
    # then the field subtotal counts id:002 once though it is in 1.1 and 1.2
    assert rows["1.1"]["violators"] + rows["1.2"]["violators"] == 5
    assert rows["1"]["violators"] == 4


# --- With the real services and the real catalogue ---------------------------------------------


def test_a_decision_issued_through_the_services_is_counted_and_its_cancellation_removes_it(db):
    from antt.violations import services
    from antt.violations.tests.factories import make_decision as issue
    from antt.violations.tests.factories import make_record, person, violations_world

    # given two decisions of the same person (same ID number) issued by the services
    w = violations_world()
    first = issue(w)
    second = issue(w, record=make_record(w, violator=person()))
    day = first.issued_on
    # when the unit's head reads the table for that day
    table = selectors_stats.stats_table(w.chief, start=day, end=day)
    # then both decisions count under the road-traffic row, their violator once
    row = next(r for r in table["rows"] if r["code"] == "4")
    assert (row["decisions"], row["violators"]) == (2, 1)
    assert row["fined"] == first.total_fine + second.total_fine
    assert table["totals"]["decisions"] == 2
    # and when one is cancelled it leaves the table
    services.decision_cancel(officer=w.chief, decision=second, reason="Ra quyết định không đúng thẩm quyền")
    table = selectors_stats.stats_table(w.chief, start=day, end=day)
    assert table["totals"]["decisions"] == 1


def test_the_loaded_catalogue_gives_the_rows_of_appendix_9(db):
    import csv
    from pathlib import Path

    from antt.org.models import Role, Unit
    from antt.org.tests.factories import make_officer, make_unit
    from antt.violations.loaders import load_violation_rules

    # given the real stat groups
    load_violation_rules()
    head = make_officer(make_unit("Công an tỉnh Thử", level=Unit.Level.PROVINCE), role=Role.HEAD)
    # when
    table = selectors_stats.stats_table(head, start=date(2019, 1, 1), end=date(2019, 12, 31))
    # then the leaf rows are the seed's rows in its order, fields 1 and 2 with a subtotal above them
    leaves = [(r["field_name"], r["group_name"]) for r in table["rows"] if r["level"] == "group" or not r["has_groups"]]
    seed = Path(__file__).resolve().parents[1] / "data" / "seed-violations-2019.csv"
    with seed.open(encoding="utf-8") as f:  # the seed's table, copied into the app
        expected = [(r["group"], r["behaviour_group"]) for r in csv.DictReader(f)]
    assert leaves == expected
    assert [r["stt"] for r in table["rows"] if r["level"] == "field"] == [str(n) for n in range(1, 11)]
    assert [r["stt"] for r in table["rows"]][:3] == ["1", "1.1", "1.2"]
