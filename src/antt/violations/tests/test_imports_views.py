"""The import pages: upload, progress polled by htmx, the report, templates, access."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from antt.org.otp import login_verified
from antt.violations.models import PenaltyDecision, ViolationImport
from antt.violations.tests import test_imports as base
from antt.violations.tests.test_imports import csv_file, good_line

pytestmark = pytest.mark.django_db
NEW = reverse("violations:import-new")
w = base.w  # the fixture: a province, two communes, their heads


@pytest.fixture
def head(client, w):
    login_verified(client, w.head)
    return client


def test_the_upload_page_offers_both_templates_and_the_two_modes(head):
    response = head.get(NEW)
    html = response.content.decode()
    assert response.status_code == 200
    assert reverse("violations:import-template", args=["xlsx"]) in html
    assert reverse("violations:import-template", args=["csv"]) in html
    assert "Tất cả hoặc không" in html and "Bỏ qua dòng lỗi" in html


def test_an_upload_runs_the_import_and_the_detail_page_shows_the_report(
    head,
    w,
    django_capture_on_commit_callbacks,
):
    # given a file with one good and one bad row, skipping bad rows
    file = csv_file(good_line(1), good_line(2, tien_phat="-5"))

    # when uploaded (the immediate task backend runs the import on commit)
    with django_capture_on_commit_callbacks(execute=True):
        response = head.post(NEW, {"file": file, "mode": "skip"})

    # then the officer lands on the import's page with the report, the bar at 100%
    batch = ViolationImport.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("violations:import-detail", args=[batch.pk])
    page = head.get(response["Location"]).content.decode()
    assert 'role="progressbar"' in page and 'aria-valuenow="100"' in page
    assert "hx-trigger" not in page  # finished: no more polling
    assert "Đã nhập 1 quyết định" in page and "Không được là số âm." in page
    assert PenaltyDecision.objects.count() == 1


def test_a_running_import_is_polled_every_second_with_its_progress(head, w):
    # given an import half-way through its rows
    batch = ViolationImport.objects.create(
        unit=w.commune, created_by=w.head, file_name="lon.csv", file_sha256="0" * 64, mode="all",
        state=ViolationImport.State.RUNNING, total_rows=100_000, processed_rows=42_000,
    )  # fmt: skip
    url = reverse("violations:import-detail", args=[batch.pk])

    # when htmx asks for the status part
    response = head.get(url, headers={"HX-Request": "true"})

    # then the fragment polls again and its progress bar says 42%
    html = response.content.decode()
    assert f'hx-get="{url}"' in html and 'hx-trigger="every 1s"' in html
    assert 'aria-valuenow="42"' in html and "42000/100000" in html
    assert "<html" not in html


def test_a_file_with_wrong_columns_is_refused_with_400_and_nothing_is_stored(head):
    file = csv_file("a,b", header="cot_a,cot_b")
    response = head.post(NEW, {"file": file, "mode": "all"})
    assert response.status_code == 400
    assert "Các cột của mẫu: ma_vu_viec" in response.content.decode()
    assert ViolationImport.objects.count() == 0


def test_a_disguised_file_is_refused_with_400(head):
    response = head.post(NEW, {"file": SimpleUploadedFile("du-lieu.xlsx", b"ma_vu_viec\n"), "mode": "all"})
    assert response.status_code == 400 and "không phải tệp XLSX" in response.content.decode()


def test_the_templates_download_as_csv_and_excel(head):
    csv = head.get(reverse("violations:import-template", args=["csv"]))
    xlsx = head.get(reverse("violations:import-template", args=["xlsx"]))
    assert csv.status_code == 200 and csv.content.decode("utf-8-sig").startswith("ma_vu_viec,so_quyet_dinh")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert head.get(reverse("violations:import-template", args=["pdf"])).status_code == 404


def test_an_officer_without_the_import_capability_gets_403(client, w):
    login_verified(client, w.processor)
    assert client.get(NEW).status_code == 403
    assert client.post(NEW, {"file": csv_file(good_line(1)), "mode": "all"}).status_code == 403
    assert ViolationImport.objects.count() == 0


def test_another_units_import_is_not_found(client, w):
    batch = ViolationImport.objects.create(
        unit=w.commune, created_by=w.head, file_name="a.csv", file_sha256="0" * 64, mode="all"
    )
    login_verified(client, w.other_head)
    assert client.get(reverse("violations:import-detail", args=[batch.pk])).status_code == 404
    assert "a.csv" not in client.get(NEW).content.decode()
