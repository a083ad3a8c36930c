"""The statistics page /vi-pham/thong-ke/, its exports and GET /api/v1/violations/stats."""

from __future__ import annotations

import io
from datetime import date
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from antt.core.models import AuditEvent
from antt.org.otp import login_verified
from antt.violations.tests.test_stats_world import StatsWorld, build_world

pytestmark = pytest.mark.django_db
URL = reverse("violations:stats")
YEAR_2025 = {"period": "custom", "date_from": "2025-01-01", "date_to": "2025-12-31"}


@pytest.fixture
def world(db) -> StatsWorld:
    return build_world()


def today(day: date):
    return mock.patch("django.utils.timezone.localdate", return_value=day)


# --- The page ---------------------------------------------------------------------------------


def test_the_page_shows_the_table_totals_and_four_charts(client, world):
    login_verified(client, world.supervisor)
    response = client.get(URL, YEAR_2025)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Số QĐ XPVPHC" in html and "Cư trú, CMND" in html and "TỔNG" in html
    assert "27.250.000" in html and "18.750.000" in html  # Vietnamese thousands
    assert html.count("<svg") == 4
    assert "một người bị xử phạt ở hai dòng chỉ tính một lần" in html
    assert "Cộng các dòng: 7 vụ, 7 đối tượng" in html  # id:001 in two rows, 6 in the total
    assert "Công an phường Hàm Rồng" in html  # the unit trend: both communes


def test_the_page_defaults_to_this_year(client, world):
    login_verified(client, world.head_a)
    with today(date(2025, 6, 1)):
        html = client.get(URL).content.decode()
    assert "Từ ngày 01/01/2025 đến ngày 31/12/2025" in html
    assert "22.250.000" in html


def test_presets_last_year_and_last_month(client, world):
    login_verified(client, world.head_a)
    with today(date(2026, 2, 10)):
        html = client.get(URL, {"period": "last_year"}).content.decode()
        assert "Từ ngày 01/01/2025 đến ngày 31/12/2025" in html
        html = client.get(URL, {"period": "last_month"}).content.decode()
        assert "Từ ngày 01/01/2026 đến ngày 31/01/2026" in html
        html = client.get(URL, {"period": "month"}).content.decode()
        assert "Từ ngày 01/02/2026 đến ngày 28/02/2026" in html


def test_a_commune_head_sees_only_their_commune(client, world):
    login_verified(client, world.head_b)
    html = client.get(URL, YEAR_2025).content.decode()
    assert "5.000.000" in html
    assert "Công an phường Hạc Thành" not in html  # neither in the unit choices nor in the trends


def test_a_unit_outside_the_scope_is_refused_with_400(client, world):
    login_verified(client, world.head_b)
    response = client.get(URL, {**YEAR_2025, "unit": world.commune_a.pk})
    assert response.status_code == 400
    assert "Đơn vị không có trong phạm vi bạn được xem." in response.content.decode()


def test_bad_dates_answer_400_in_vietnamese(client, world):
    login_verified(client, world.supervisor)
    response = client.get(URL, {"period": "custom", "date_from": "2025-12-31", "date_to": "2025-01-01"})
    assert response.status_code == 400
    assert "Ngày kết thúc phải sau hoặc trùng ngày bắt đầu." in response.content.decode()
    response = client.get(URL, {"period": "custom", "date_from": "abc", "date_to": "2025-01-01"})
    assert response.status_code == 400 and "Ngày không hợp lệ" in response.content.decode()
    response = client.get(URL, {"period": "custom", "date_from": "2015-01-01", "date_to": "2025-01-01"})
    assert response.status_code == 400 and "tối đa là 5 năm" in response.content.decode()
    assert client.get(URL, {"period": "weekly"}).status_code == 400


def test_roles_without_reports_view_get_403(client, world):
    login_verified(client, world.processor_a)
    assert client.get(URL, YEAR_2025).status_code == 403
    assert client.get(reverse("violations:stats-xlsx"), YEAR_2025).status_code == 403
    client.logout()
    assert client.get(URL).status_code == 302  # to the sign-in page


def test_the_page_has_a_query_budget_that_does_not_grow_with_the_data(client, world):
    login_verified(client, world.supervisor)
    client.get(URL, YEAR_2025)  # warm the session
    with CaptureQueriesContext(connection) as first:
        assert client.get(URL, YEAR_2025).status_code == 200
    # when more decisions, units and behaviours are added
    build_world()
    with CaptureQueriesContext(connection) as second:
        assert client.get(URL, YEAR_2025).status_code == 200
    # then the number of queries stays the same, within the budget
    assert len(second) == len(first)
    assert len(first) <= 12, [q["sql"][:120] for q in first.captured_queries]


def test_the_excel_export_downloads_the_table_and_is_audited(client, world):
    login_verified(client, world.head_a)
    response = client.get(reverse("violations:stats-xlsx"), YEAR_2025)
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="thong-ke-vi-pham-20250101-20251231.xlsx"'
    ws = load_workbook(io.BytesIO(response.content)).active
    total = next(r for r in ws.iter_rows(values_only=True) if r[1] == "TỔNG")
    assert list(total[3:]) == [5, 6, 5, 22_250_000, 15_750_000, 7, 2]
    event = AuditEvent.objects.filter(object_type="violations.statistics").latest("pk")
    assert event.changes["format"] == "xlsx" and event.actor_id == world.head_a.pk


def test_the_pdf_export_downloads(client, world):
    login_verified(client, world.supervisor)
    response = client.get(reverse("violations:stats-pdf"), {**YEAR_2025, "unit": world.commune_b.pk})
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert response["Content-Type"] == "application/pdf"


def test_an_export_with_bad_filters_answers_400_and_is_not_audited(client, world):
    login_verified(client, world.supervisor)
    before = AuditEvent.objects.filter(object_type="violations.statistics").count()
    response = client.get(reverse("violations:stats-xlsx"), {"period": "custom", "date_from": "2025-02-01"})
    assert response.status_code == 400
    assert AuditEvent.objects.filter(object_type="violations.statistics").count() == before


# --- The API ----------------------------------------------------------------------------------


@pytest.fixture
def api_url() -> str:
    return "/api/v1/violations/stats"


def test_the_api_returns_the_same_table_as_json(client, world, api_url):
    login_verified(client, world.supervisor)
    response = client.get(api_url, {"start": "2025-01-01", "end": "2025-12-31"})
    assert response.status_code == 200
    body = response.json()
    assert [r["stt"] for r in body["rows"]] == ["1", "1.1", "1.2", "2", "2.1", "4"]
    row = body["rows"][1]
    assert (row["group_name"], row["cases"], row["decisions"], row["violators"], row["fined"]) == (
        "Cư trú, CMND",
        2,
        3,
        2,
        2_250_000,
    )
    totals = body["totals"]
    assert (totals["cases"], totals["decisions"], totals["violators"], totals["fined"]) == (7, 8, 6, 27_250_000)
    assert totals["rows_sum"]["violators"] == 7
    assert body["columns"]["decisions"] == "Số QĐ XPVPHC"


def test_the_api_scopes_and_refuses(client, world, api_url):
    login_verified(client, world.head_b)
    params = {"start": "2025-01-01", "end": "2025-12-31"}
    assert client.get(api_url, params).json()["totals"]["decisions"] == 2
    other = client.get(api_url, {**params, "unit": world.commune_a.pk})
    assert other.status_code == 404
    assert client.get(api_url, {**params, "unit": 999999}).status_code == 404
    bad = client.get(api_url, {"start": "2025-12-31", "end": "2025-01-01"})
    assert bad.status_code == 422 and "Ngày kết thúc" in bad.json()["detail"]
    client.logout()
    login_verified(client, world.processor_a)
    refused = client.get(api_url, params)
    assert refused.status_code == 403 and "không có quyền" in refused.json()["detail"]
