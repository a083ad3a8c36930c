"""The statistics page, its charts and exports, and the daily report file."""

import csv
import io
import subprocess
from datetime import date
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from antt.core.models import AuditEvent
from antt.feedback.tests.builders import at, receive
from antt.org.otp import login_verified
from antt.reports.services import DAILY_HEADERS

pytestmark = pytest.mark.django_db
URL = reverse("reports:statistics")
MAY = {"period": "month", "year": "2026", "month": "5"}


def get(client, url=URL, params=MAY):
    with mock.patch("django.utils.timezone.now", return_value=at(2026, 6, 15, 9)):
        return client.get(url, params)


def test_the_page_shows_figures_charts_and_the_766_groups(client, world):
    login_verified(client, world.w.supervisor)
    response = get(client)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Tháng 05/2026" in html
    assert html.count("<svg") == 3 and "<title" in html and "<desc" in html
    assert "Hồ sơ tiếp nhận và đã giải quyết theo tháng" in html
    assert "Công an phường Hàm Rồng" in html and "Công an phường Hạc Thành" in html
    assert "Quyết định 766/QĐ-TTg" in html and "chưa quy đổi điểm" in html
    assert "80,0%" in html  # 4 of 5 resolved early or on time
    assert "50,0%" in html  # satisfaction: 1 of 2


def test_the_page_shows_satisfaction_per_unit_procedure_officer_and_criterion(client, world):
    from antt.feedback.models import Rating

    login_verified(client, world.w.supervisor)
    html = get(client).content.decode()
    assert "Mức độ hài lòng theo cán bộ tiếp nhận" in html
    officers = {r.officer.full_name for r in Rating.objects.select_related("officer") if r.officer}
    assert officers and all(name in html for name in officers)
    assert "Kết quả theo từng tiêu chí đánh giá" in html


def test_a_commune_head_sees_only_their_commune_on_the_page(client, world):
    login_verified(client, world.head_b)
    html = get(client).content.decode()
    assert "Công an phường Hàm Rồng" in html
    assert "Công an phường Hạc Thành" not in html


def test_roles_without_reports_view_are_refused(client, world):
    login_verified(client, world.w.processor)
    assert get(client).status_code == 403
    client.logout()
    assert get(client).status_code in (302, 403)


def test_bad_filters_answer_400_in_vietnamese(client, world):
    login_verified(client, world.w.supervisor)
    response = get(client, params={"period": "custom", "date_from": "2026-05-31", "date_to": "2026-05-01"})
    assert response.status_code == 400
    assert "Ngày kết thúc phải sau" in response.content.decode()
    assert get(client, params={"period": "month", "year": "abc"}).status_code == 400


def test_tables_sort_by_a_column(client, world):
    login_verified(client, world.w.supervisor)
    html = get(client, params={**MAY, "sort": "-received"}).content.decode()
    unit_table = html[html.index('id="bang-unit"') :]
    assert unit_table.index("Hạc Thành") < unit_table.index("Hàm Rồng")
    html = get(client, params={**MAY, "sort": "received"}).content.decode()
    unit_table = html[html.index('id="bang-unit"') :]
    assert unit_table.index("Hàm Rồng") < unit_table.index("Hạc Thành")


def test_the_page_runs_a_constant_number_of_queries(client, world):
    login_verified(client, world.w.supervisor)
    get(client)  # warm caches (calendar, session)
    with CaptureQueriesContext(connection) as small:
        assert get(client).status_code == 200
    # when many more dossiers arrive in May, in both units
    for day in (18, 19, 25, 26, 27):
        receive(world.w, at(2026, 5, day, 9))
        receive(world.w, at(2026, 5, day, 10), receptionist=world.w.other_receptionist)
    with CaptureQueriesContext(connection) as big:
        assert get(client).status_code == 200
    assert len(big) == len(small)
    # session, user, device, unit; 5 for the summary; 3 per table; 2 for the months; the filter's lists;
    # 1 per satisfaction table (unit, procedure, officer) and 3 for the criteria
    assert len(small) <= 31


def test_excel_and_pdf_exports_open_and_are_audited(client, world, tmp_path):
    login_verified(client, world.w.supervisor)
    response = get(client, reverse("reports:export-xlsx"))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.content))
    summary = {row[0]: row[1] for row in wb["Tổng hợp"].iter_rows(values_only=True) if row and row[0]}
    assert summary["Tiếp nhận mới trong kỳ"] == 6 and summary["Đã giải quyết"] == 5
    units = list(wb["Theo đơn vị"].iter_rows(min_row=2, values_only=True))
    assert sorted((r[0], r[2]) for r in units) == [("Công an phường Hàm Rồng", 1), ("Công an phường Hạc Thành", 5)]
    response = get(client, reverse("reports:export-pdf"))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    path = tmp_path / "thong-ke.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True).stdout
    assert "THỐNG KÊ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH" in text.upper() and "Tiếp nhận mới trong kỳ" in text
    exports = AuditEvent.objects.filter(action="export", object_type="reports.statistics")
    assert [e.changes["format"] for e in exports.order_by("seq")] == ["xlsx", "pdf"]


def test_daily_report_files_are_written_and_overwritten(world, tmp_path, settings):
    settings.ANTT_REPORTS_DIR = str(tmp_path / "reports")
    # when the report for Monday 4/5/2026 is written twice
    call_command("daily_report", "--date", "2026-05-04", stdout=io.StringIO())
    call_command("daily_report", "--date", "04/05/2026", stdout=io.StringIO())
    # then one CSV (UTF-8 with BOM) and one workbook exist for the day
    files = sorted(p.name for p in (tmp_path / "reports").iterdir())
    assert files == ["bao-cao-ngay-2026-05-04.csv", "bao-cao-ngay-2026-05-04.xlsx"]
    raw = (tmp_path / "reports" / "bao-cao-ngay-2026-05-04.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == DAILY_HEADERS
    # unit A, the procedure: d2 and d3 received, d1 resolved early, d2 and d3 open at the end of the day
    assert rows[1][1] == "Công an phường Hạc Thành" and rows[1][4:] == ["2", "1", "1", "0", "0", "2", "0"]
    assert rows[-1][1] == "Tổng cộng" and len(rows) == 3
    wb = load_workbook(tmp_path / "reports" / "bao-cao-ngay-2026-05-04.xlsx")
    sheet = wb.active
    assert [c.value for c in sheet[2]] == DAILY_HEADERS
    assert [c.value for c in sheet[3]][4:] == [2, 1, 1, 0, 0, 2, 0]
    assert AuditEvent.objects.filter(action="export", object_type="reports.daily").count() == 2


def test_daily_report_refuses_a_bad_date(world):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("daily_report", "--date", "31/02/2026", stdout=io.StringIO())
    assert date(2026, 5, 4)  # the world is untouched
