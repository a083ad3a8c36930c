"""Export files for other agencies (/chia-se/…): streamed CSV and JSON, an Excel workbook, the
same rows, filters and access as the API, no personal data, nothing a spreadsheet would run."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from antt.core.models import AuditEvent
from antt.establishments import feed
from antt.establishments.certificates import certificate_issue
from antt.establishments.models import Establishment, EstablishmentAccount
from antt.establishments.tests.factories import establishments_world
from antt.establishments.tests.test_api import agency as agency  # noqa: F401 (the fixture)
from antt.establishments.tests.test_api import assert_no_personal_data, business_user, est, staff
from antt.establishments.views import sharing as views
from antt.org.models import Role
from antt.org.tests.factories import make_officer

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return establishments_world()


def url(dataset="co-so", fmt="csv"):
    return reverse("establishments:share-export", kwargs={"dataset": dataset, "fmt": fmt})


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def csv_rows(response) -> list[list[str]]:
    text = body(response).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_the_establishments_csv_is_streamed_with_every_row_and_no_personal_data(w, agency):
    # given establishments in both communes
    a = est(w, name="Karaoke Ánh Dương")
    b = est(w, name="Khách sạn Hàm Rồng", lines=["t-luu-tru", "t-karaoke"], unit=w.commune_b)
    # when the agency downloads the CSV
    response = Client().get(url(), **agency)
    # then a streamed CSV, header in Vietnamese, one row per establishment
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = csv_rows(response)
    assert rows[0][:4] == ["Mã cơ sở (ANTT)", "Tên cơ sở", "Tên giao dịch, biển hiệu", "Mã số thuế"]
    assert [r[3] for r in rows[1:]] == [a.tax_code, b.tax_code]
    assert rows[2][6] == "t-karaoke; t-luu-tru"
    assert_no_personal_data("\n".join(",".join(r) for r in rows))
    # and the download is in the audit trail, naming the agency
    event = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).latest("seq")
    assert "so-vhttdl" in event.actor_name and event.changes["dataset"] == "co-so"


def test_the_json_file_holds_the_shared_shape_of_every_row(w, agency):
    a = est(w)
    b = est(w, status=Establishment.Status.PAUSED)
    response = Client().get(url(fmt="json"), **agency)
    assert response.status_code == 200 and response.streaming
    data = json.loads(body(response))
    assert data == json.loads(json.dumps([feed.establishment_public(e) for e in (a, b)]))
    paused = json.loads(body(Client().get(url(fmt="json"), {"status": "paused"}, **agency)))
    assert [row["id"] for row in paused] == [b.pk]
    assert json.loads(body(Client().get(url(fmt="json"), {"tax_code": "0100109106"}, **agency))) == []


def test_the_workbook_opens_and_a_name_starting_with_equals_stays_text(w, agency):
    est(w, name='=HYPERLINK("http://x.example","Bấm")', trade_name="+84 karaoke")
    est(w, name="Karaoke Ánh Dương")
    response = Client().get(url(fmt="xlsx"), **agency)
    assert response.status_code == 200 and response.streaming
    sheet = load_workbook(io.BytesIO(body(response))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][1] == "Tên cơ sở" and len(rows) == 3
    names = {r[1] for r in rows[1:]}
    assert names == {'=HYPERLINK("http://x.example","Bấm")', "Karaoke Ánh Dương"}
    cells = [row[1] for row in sheet.iter_rows(min_row=2)]
    assert all(cell.data_type == "s" for cell in cells)
    # and the CSV quotes it so that a spreadsheet does not read a formula
    csv_names = [r[1] for r in csv_rows(Client().get(url(), **agency))[1:]]
    assert '\'=HYPERLINK("http://x.example","Bấm")' in csv_names


def test_certificates_export_without_the_holder(w, agency):
    e = est(w)
    cert = certificate_issue(officer=w.head_a, establishment=e, line_codes=["t-karaoke"])
    rows = csv_rows(Client().get(url("giay-chung-nhan"), **agency))
    assert rows[0][1] == "Số giấy chứng nhận" and rows[1][1] == cert.number and rows[1][3] == e.tax_code
    assert_no_personal_data("\n".join(",".join(r) for r in rows))
    data = json.loads(body(Client().get(url("giay-chung-nhan", "json"), **agency)))
    assert data == [json.loads(json.dumps(feed.certificate_public(cert)))]


def test_rows_are_read_in_chunks_with_their_lines_prefetched_per_chunk(w, agency, monkeypatch):
    # given five establishments and chunks of two
    for i in range(5):
        est(w, name=f"Cơ sở {i}")
    monkeypatch.setattr(views, "CHUNK", 2)
    response = Client().get(url(), **agency)
    # when the stream is consumed
    with CaptureQueriesContext(connection) as queries:
        rows = csv_rows(response)
    # then three chunks, each with one query for its lines (memory holds one chunk at a time)
    assert len(rows) == 6
    line_queries = [q for q in queries.captured_queries if "establishment_lines" in q["sql"]]
    assert len(line_queries) == 3


def test_staff_download_their_units_only(w):
    a = est(w)
    est(w, unit=w.commune_b)
    rows = csv_rows(staff(w.processor_a).get(url()))
    assert [r[3] for r in rows[1:]] == [a.tax_code]
    assert len(csv_rows(staff(w.supervisor).get(url()))) == 3


def test_access_bad_token_401_anonymous_to_sign_in_business_and_other_roles_403(w):
    e = est(w)
    assert Client().get(url(), HTTP_AUTHORIZATION="Bearer sai").status_code == 401
    assert Client().get(url(), HTTP_AUTHORIZATION="Basic abc").status_code == 401
    anonymous = Client().get(url())
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("login"))
    assert staff(business_user(e)).get(url()).status_code == 403
    assert staff(make_officer(w.commune_a, role=Role.UNIT_ADMIN)).get(url()).status_code == 403
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()
    assert EstablishmentAccount.objects.count() == 1


@pytest.mark.parametrize(
    "path, params, status",
    [
        ("/chia-se/co-so.pdf", {}, 404),
        ("/chia-se/ca-nhan.csv", {}, 404),
        ("/chia-se/co-so.csv", {"status": "mo-cua"}, 400),
        ("/chia-se/co-so.csv", {"tax_code": "abc"}, 400),
        ("/chia-se/co-so.csv", {"updated_since": "0.5"}, 400),
        ("/chia-se/co-so.csv", {"line": "a\x00b"}, 400),
        ("/chia-se/giay-chung-nhan.json", {"status": "active"}, 400),
    ],
)
def test_bad_requests_are_4xx_and_write_nothing(w, agency, path, params, status):
    response = Client().get(path, params, **agency)
    assert response.status_code == status
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()


def test_the_sharing_page_for_officers_links_every_file(w):
    html = staff(w.processor_a).get(reverse("establishments:share-home")).content.decode()
    for dataset in ("co-so", "giay-chung-nhan"):
        for fmt in ("csv", "xlsx", "json"):
            assert url(dataset, fmt) in html
    assert "ANTT_SHARING_TOKENS" in html
