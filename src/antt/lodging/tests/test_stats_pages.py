"""The statistics pages (/luu-tru/thong-ke/, /luu-tru/cong-suat/) and the exports (CSV, Excel):
figures, chart, access (403), bad parameters (400/404, never 500), formula-safe files, audit."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from antt.core.models import AuditEvent
from antt.lodging.models import OccupancyDay
from antt.lodging.tests.factories import VN, lodging_world, make_declaration
from antt.org.otp import login_verified

pytestmark = pytest.mark.django_db

MARCH = {"tu": "03/2026", "den": "03/2026"}


@pytest.fixture
def w(settings):
    world = lodging_world(settings)
    for _ in range(3):
        make_declaration(world.hotel, nationality="KOR", arrived_at=datetime(2026, 3, 5, 14, tzinfo=VN))
    make_declaration(world.hotel, arrived_at=datetime(2026, 3, 6, 14, tzinfo=VN))
    OccupancyDay.objects.create(
        establishment=world.hotel,
        day=date(2026, 3, 5),
        unit_id=world.hotel.unit_id,
        area_id=world.hotel.area_id,
        lodging_kind="Khách sạn",
        rooms=20,
        rooms_occupied=5,
        guests=4,
        foreign_guests=3,
    )
    return world


def staff(user) -> Client:
    client = Client()
    login_verified(client, user)
    return client


def test_the_stats_page_shows_the_table_and_the_charts(w):
    response = staff(w.head_a).get(reverse("lodging:stats"), MARCH)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Hàn Quốc" in html and "Việt Nam" in html
    assert html.count('<svg class="chart"') == 2 and "Công suất phòng" in html
    assert response.context["table"]["total"]["guests"] == 4
    assert "25,0%" in html  # occupancy of March: 5 of 20 room-nights
    # the export links keep the period and the breakdown
    assert (
        reverse("lodging:stats-export", args=["xlsx"]) + "?tu=03%2F2026&amp;den=03%2F2026&amp;theo=nationality" in html
    )


def test_default_period_and_other_breakdowns(w):
    client = staff(w.supervisor)
    assert client.get(reverse("lodging:stats")).status_code == 200
    response = client.get(reverse("lodging:stats"), {**MARCH, "theo": "commune"})
    assert response.status_code == 200 and "Phường Hạc Thành" in response.content.decode()


def test_access_is_for_lodging_stats_only(w, client):
    assert staff(w.receptionist_a).get(reverse("lodging:stats")).status_code == 403
    assert staff(w.receptionist_a).get(reverse("lodging:occupancy")).status_code == 403
    assert client.get(reverse("lodging:stats")).status_code in (302, 403)


@pytest.mark.parametrize(
    "params",
    [{"tu": "13/2026"}, {"tu": "abc"}, {"tu": "04/2026", "den": "03/2026"}, {"theo": "x"}, {"tu": "01/1900"}],
)
def test_bad_parameters_are_400_with_a_message(w, params):
    client = staff(w.head_a)
    for name in ("lodging:stats", "lodging:occupancy"):
        response = client.get(reverse(name), params)
        if name == "lodging:occupancy" and "theo" in params:
            assert response.status_code == 200  # no breakdown on that page: ignored
            continue
        assert response.status_code == 400, (name, params)
        assert 'role="alert"' in response.content.decode()
    assert client.get(reverse("lodging:stats-export", args=["csv"]), params).status_code == 400


def test_csv_export_is_one_line_per_month_and_category_and_is_audited(w):
    response = staff(w.head_a).get(reverse("lodging:stats-export", args=["csv"]), MARCH)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["Tháng", "Mã", "Tên", "Lượt khách"]
    assert ["03/2026", "KOR", "Hàn Quốc", "3", "6", "3", "6", "0", "0"] in rows
    assert rows[-1][:4] == ["03/2026", "", "Tổng cộng", "4"]
    assert AuditEvent.objects.filter(action="export", object_type="lodging.stats").exists()


def test_excel_export_keeps_text_as_text(w):
    # given a type name a spreadsheet would read as a formula
    w.hotel.__class__.objects.filter(pk=w.hotel.pk).update(lodging_kind="=1+2")
    make_declaration(w.hotel, lodging_kind="=1+2", arrived_at=datetime(2026, 3, 7, tzinfo=VN))
    response = staff(w.head_a).get(reverse("lodging:stats-export", args=["xlsx"]), {**MARCH, "theo": "type"})
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.content)).active
    cells = [c for row in ws.iter_rows() for c in row if c.value == "=1+2"]
    assert cells and all(c.data_type == "s" for c in cells)
    csv_body = staff(w.head_a).get(reverse("lodging:stats-export", args=["csv"]), {**MARCH, "theo": "type"})
    assert "'=1+2" in csv_body.content.decode("utf-8-sig")


def test_unknown_export_format_is_404(w):
    assert staff(w.head_a).get("/luu-tru/thong-ke/xuat.pdf").status_code == 404


def test_the_occupancy_page(w):
    response = staff(w.head_a).get(reverse("lodging:occupancy"), MARCH)
    assert response.status_code == 200
    html = response.content.decode()
    assert w.hotel.name in html and "25,0%" in html and '<svg class="chart"' in html
    # commune B sees no establishment of commune A
    other = staff(w.processor_b).get(reverse("lodging:occupancy"), MARCH).content.decode()
    assert w.hotel.name not in other
