"""The spreadsheet upload: the template round trip (download, fill 20 rows, upload → 20 declared),
the faults (wrong columns, bad dates, broken MRZ, duplicates, 50 MB → 413, a PDF renamed .xlsx,
an empty file), all-or-nothing vs keep-valid with the refused rows as Excel, the same idempotency
key sent twice, and a long file through the background task."""

from __future__ import annotations

import csv
import io
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from antt.lodging import business, spreadsheets
from antt.lodging.errors import LodgingError
from antt.lodging.models import Declaration, DeclarationBatch
from antt.lodging.tests.factories import MRZ_ICAO, foreign_row, guest_row, lodging_world

pytestmark = pytest.mark.django_db

UPLOAD = "/doanh-nghiep/luu-tru/tai-tep/"
IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default"]}}


@pytest.fixture
def w():
    return lodging_world()


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def csv_file(rows: list[dict], name="khach.csv", delimiter=",", header=None) -> SimpleUploadedFile:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(header or [c.label for c in spreadsheets.COLUMNS])
    for row in rows:
        writer.writerow([str(row.get(c.key, "")) for c in spreadsheets.COLUMNS])
    return SimpleUploadedFile(name, ("\ufeff" + out.getvalue()).encode("utf-8"))


def send(client, upload, mode="all", key=None):
    return client.post(UPLOAD, {"file": upload, "mode": mode, "key": key or str(uuid.uuid4())})


def batch_of(response) -> DeclarationBatch:
    pk = response["Location"].rstrip("/").rsplit("/", 1)[-1]
    return DeclarationBatch.objects.get(pk=pk)


def test_template_round_trip_declares_twenty_guests(w):
    # given the downloaded Excel template, filled with 20 guests (ten foreigners) by openpyxl
    client = client_for(w.receptionist)
    template = client.get("/doanh-nghiep/luu-tru/mau-tep.xlsx")
    assert template.status_code == 200
    book = load_workbook(io.BytesIO(template.content))
    assert {"Khách lưu trú", "Bảng mã", "Hướng dẫn"} <= set(book.sheetnames)
    sheet = book["Khách lưu trú"]
    header = [cell.value for cell in sheet[1]]
    keys = [spreadsheets.HEADER_MAP[spreadsheets._header_key(h)] for h in header]
    for r in range(20):
        row = guest_row(full_name=f"Nguyễn Văn An {chr(65 + r)}") if r % 2 else foreign_row()
        for c, key in enumerate(keys, start=1):
            sheet.cell(row=r + 2, column=c, value=row.get(key, ""))
    out = io.BytesIO()
    book.save(out)
    codes = book["Bảng mã"]
    assert any(cell.value == "VNM" for cell in codes["D"]) or any(
        cell.value == "VNM" for col in codes.iter_cols() for cell in col
    )
    # when it is uploaded
    response = send(client, SimpleUploadedFile("khach.xlsx", out.getvalue()))
    # then the 20 guests are declared
    assert response.status_code == 302
    batch = batch_of(response)
    assert (batch.status, batch.accepted, batch.rejected) == ("done", 20, 0)
    assert Declaration.objects.filter(establishment=w.hotel, source="file").count() == 20
    page = client.get(response["Location"]).content.decode()
    assert "Đã ghi nhận toàn bộ 20 khách" in page


def test_csv_template_has_a_bom_and_the_headers(w):
    body = client_for(w.manager).get("/doanh-nghiep/luu-tru/mau-tep.csv").content
    assert body.startswith(b"\xef\xbb\xbf") and "Họ và tên (*)".encode() in body
    assert client_for(w.manager).get("/doanh-nghiep/luu-tru/mau-tep.pdf").status_code == 404


def test_wrong_columns_are_listed_and_nothing_is_written(w):
    upload = csv_file([guest_row()], header=["Họ tên khách", "Ngày sinh", "Ghi chú riêng"])
    response = send(client_for(w.receptionist), upload)
    html = response.content.decode()
    assert response.status_code == 400
    assert "thiếu cột" in html and "“Số giấy tờ”" in html and "“Ghi chú riêng”" in html
    assert not DeclarationBatch.objects.exists()


def test_headers_without_accents_or_raw_keys_and_semicolons_are_read():
    rows = [guest_row()]
    for header in (
        [spreadsheets._header_key(c.label) for c in spreadsheets.COLUMNS],
        list(spreadsheets.COLUMN_KEYS),
    ):
        upload = csv_file(rows, header=header, delimiter=";")
        parsed = spreadsheets.read_upload(upload)
        assert parsed.rows[0]["doc_number"] == rows[0]["doc_number"] and parsed.lines == [2]


def test_a_pdf_renamed_xlsx_an_empty_file_and_a_binary_csv_are_refused(w):
    client = client_for(w.receptionist)
    renamed = send(client, SimpleUploadedFile("khach.xlsx", b"%PDF-1.7\n%...\n%%EOF"))
    assert renamed.status_code == 400 and "nội dung không phải tệp XLSX" in renamed.content.decode()
    empty = send(client, SimpleUploadedFile("khach.csv", b""))
    assert empty.status_code == 400
    with pytest.raises(LodgingError):
        spreadsheets.parse("khach.csv", b"a,b\x00c")
    with pytest.raises(LodgingError):
        spreadsheets.parse("khach.csv", "Họ và tên\n".encode("utf-16"))
    assert not DeclarationBatch.objects.exists()


def test_a_50_mb_file_is_refused_with_413(w):
    big = SimpleUploadedFile("khach.csv", b"a" * (50 * 1024 * 1024))
    response = send(client_for(w.receptionist), big)
    assert response.status_code == 413 and "MB" in response.content.decode()
    assert not DeclarationBatch.objects.exists()


def test_too_many_rows_is_refused_with_413(w, settings):
    settings.ANTT_LODGING_MAX_ROWS = 3
    response = send(client_for(w.receptionist), csv_file([guest_row() for _ in range(4)]))
    assert response.status_code == 413


def test_all_or_nothing_writes_nothing_and_reports_each_row(w):
    # given bad dates, an impossible age, a broken MRZ and a duplicate row among good rows
    dup = guest_row()
    rows = [
        guest_row(),
        guest_row(birth_date="32/13/1990"),
        guest_row(birth_date="01/01/1850"),
        foreign_row(mrz=MRZ_ICAO.replace("L898902C36", "L898902C37").replace("\n", "|")),
        dup,
        dict(dup),
    ]
    client = client_for(w.receptionist)
    response = send(client, csv_file(rows), mode="all")
    batch = batch_of(response)
    # then nothing is written and the report names the file's lines 3, 4, 5, 7
    assert batch.status == "rejected" and not Declaration.objects.exists()
    assert {e["row"] for e in batch.report} >= {3, 4, 5, 7}
    page = client.get(response["Location"]).content.decode()
    assert "Ngày sinh" in page and "Không ghi nhận khách nào" in page
    # and the Excel to fix holds every row (nothing was written), with the reasons
    excel = client.get(response["Location"], {"tai": "dong-loi"})
    assert excel.status_code == 200
    table = CalamineWorkbook.from_filelike(io.BytesIO(excel.content)).get_sheet_by_index(0).to_python()
    assert len(table) == 1 + len(rows) and table[0][-2] == spreadsheets.REASON_HEADER
    # and that file, sent back as it is, is read (the two extra columns are ignored)
    again = spreadsheets.parse("sua.xlsx", excel.content)
    assert len(again.rows) == len(rows)


def test_keep_valid_writes_the_good_rows_and_returns_the_bad_ones(w):
    rows = [guest_row(), guest_row(arrived_at="99/99/2026 10:00"), guest_row()]
    client = client_for(w.receptionist)
    response = send(client, csv_file(rows), mode="valid")
    batch = batch_of(response)
    assert (batch.status, batch.accepted, batch.rejected) == ("done", 2, 1)
    excel = client.get(response["Location"], {"tai": "dong-loi"})
    table = CalamineWorkbook.from_filelike(io.BytesIO(excel.content)).get_sheet_by_index(0).to_python()
    assert len(table) == 2 and table[1][-1] == 3.0


def test_the_same_idempotency_key_sent_twice_is_counted_once(w):
    client = client_for(w.receptionist)
    key = str(uuid.uuid4())
    rows = [guest_row(), guest_row()]
    first = send(client, csv_file(rows), key=key)
    second = send(client, csv_file(rows), key=key)
    assert first["Location"] == second["Location"]
    assert Declaration.objects.filter(establishment=w.hotel).count() == 2
    assert DeclarationBatch.objects.filter(establishment=w.hotel).count() == 1
    # another establishment's batch page is not found
    assert client_for(w.manager_b).get(first["Location"]).status_code == 404


def test_a_long_file_goes_to_the_background_task_and_the_page_shows_the_report(
    w, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.TASKS = IMMEDIATE
    monkeypatch.setattr(business, "INLINE_ROWS", 2)
    client = client_for(w.receptionist)
    key = str(uuid.uuid4())
    with django_capture_on_commit_callbacks(execute=True):
        response = send(client, csv_file([guest_row(), guest_row(), guest_row(birth_date="x")]), mode="valid", key=key)
    assert response.status_code == 302 and response["Location"].endswith(f"/lan-gui/{key}/")
    page = client.get(response["Location"])
    assert page.status_code == 200
    batch = DeclarationBatch.objects.get(establishment=w.hotel, idempotency_key=key)
    assert (batch.status, batch.accepted, batch.rejected) == ("done", 2, 1)
    partial = client.get(response["Location"], headers={"HX-Request": "true"}).content.decode()
    assert partial.lstrip().startswith('<section id="batch-status"') and "hx-trigger" not in partial
    assert client.get(f"/doanh-nghiep/luu-tru/lan-gui/{uuid.uuid4()}/").status_code == 404
