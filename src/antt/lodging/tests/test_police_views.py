"""The police's lodging pages: the permission matrix (200/403/404), masked lists, the search with
its required reason (400 without), the SearchLog and audit entries, junk parameters (4xx, never
500), flat query counts, the Excel exports."""

from __future__ import annotations

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from antt.core.models import AuditEvent
from antt.lodging.models import SearchLog
from antt.lodging.tests.factories import lodging_world, make_declaration
from antt.org.otp import login_verified

pytestmark = pytest.mark.django_db
REASON = "Vụ việc số 15/2026/TTHS"


@pytest.fixture
def w(settings):
    return lodging_world(settings)


def as_user(client, user):
    login_verified(client, user)
    return client


def search(client, **data):
    return client.post(reverse("lodging:police-search"), {"reason": REASON, **data})


@pytest.mark.parametrize(
    "name", ["police-home", "police-staying", "police-foreigners", "police-late", "police-search", "police-history"]
)
def test_receptionist_officer_is_refused(client, w, name):
    as_user(client, w.receptionist_a)
    assert client.get(reverse(f"lodging:{name}")).status_code == 403


@pytest.mark.parametrize("name", ["police-home", "police-staying", "police-foreigners", "police-late"])
def test_lists_open_for_lodging_view(client, w, name):
    make_declaration(w.hotel)
    as_user(client, w.processor_a)
    assert client.get(reverse(f"lodging:{name}")).status_code == 200


def test_staying_list_is_masked_and_scoped(client, w):
    # given a guest in each commune
    make_declaration(w.hotel, full_name="Nguyễn Văn An", doc_number="038090001234")
    make_declaration(w.hotel_b, full_name="Trần Thị Bình", doc_number="038090005678")
    as_user(client, w.processor_a)
    # when
    html = client.get(reverse("lodging:police-staying")).content.decode()
    # then
    assert "Nguyễn V. A." in html and "•••••••••234" in html
    assert "Nguyễn Văn An" not in html and "038090001234" not in html
    assert "Trần" not in html and "Nhà nghỉ Hàm Rồng" not in html.split("<table", 1)[1]


def test_foreigners_list_for_exit_entry_officer(client, w):
    make_declaration(w.hotel, full_name="Lê Văn Việt")
    make_declaration(w.hotel_b, full_name="KIM MIN JUN", nationality="KOR", doc_type="PP", doc_number="M00000001")
    as_user(client, w.pa08_officer)
    html = client.get(reverse("lodging:police-foreigners")).content.decode()
    assert "KIM M. J." in html and "Lê V. V." not in html


@pytest.mark.parametrize(
    "query", ["?page=abc", "?page=-1", "?page=99999999999", "?nationality=12%", "?establishment=x", "?sort=';drop"]
)
def test_junk_list_parameters_never_500(client, w, query):
    make_declaration(w.hotel)
    as_user(client, w.processor_a)
    assert client.get(reverse("lodging:police-staying") + query).status_code in (200, 400)


@pytest.mark.parametrize("query", ["?thang=2026-13", "?thang=abc", "?thang=99999-01"])
def test_junk_month_is_400(client, w, query):
    as_user(client, w.processor_a)
    response = client.get(reverse("lodging:police-late") + query)
    assert response.status_code == 400 and "Tháng không hợp lệ" in response.content.decode()


def test_staying_list_query_count_is_flat(client, w):
    as_user(client, w.processor_a)
    make_declaration(w.hotel)
    url = reverse("lodging:police-staying")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for _ in range(15):
        make_declaration(w.hotel)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


# --- one stay ----------------------------------------------------------------------------------


def test_stay_page_masked_then_full_with_reason(client, w):
    d = make_declaration(w.hotel, full_name="Nguyễn Văn An", doc_number="038090001234")
    as_user(client, w.processor_a)
    url = reverse("lodging:police-stay", args=[d.stay_id])
    html = client.get(url).content.decode()
    assert "Nguyễn V. A." in html and "038090001234" not in html
    assert client.post(url, {"reason": "ngắn"}).status_code == 400
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.READ_PERSONAL).exists()
    response = client.post(url, {"reason": REASON})
    assert response.status_code == 200 and "038090001234" in response.content.decode()
    event = AuditEvent.objects.get(action=AuditEvent.Action.READ_PERSONAL, object_id=str(d.stay_id))
    assert event.reason == REASON


def test_stay_of_another_commune_is_404(client, w):
    d = make_declaration(w.hotel_b)
    as_user(client, w.processor_a)
    assert client.get(reverse("lodging:police-stay", args=[d.stay_id])).status_code == 404
    assert client.post(reverse("lodging:police-stay", args=[d.stay_id]), {"reason": REASON}).status_code == 404


# --- search ------------------------------------------------------------------------------------


def test_search_requires_a_reason(client, w):
    make_declaration(w.hotel)
    as_user(client, w.processor_a)
    for reason in ("", "ngắn quá"):
        response = client.post(reverse("lodging:police-search"), {"name": "nguyen van an", "reason": reason})
        assert response.status_code == 400 and "Lý do tra cứu" in response.content.decode()
    assert not SearchLog.objects.exists()


def test_search_needs_a_criterion(client, w):
    as_user(client, w.processor_a)
    assert search(client).status_code == 400
    assert not SearchLog.objects.exists()


def test_search_by_name_shows_full_names_masked_documents_and_logs(client, w):
    # given
    make_declaration(w.hotel, full_name="Nguyễn Văn An", doc_number="038090001234")
    make_declaration(w.hotel, full_name="Lê Thị Lan")
    make_declaration(w.hotel_b, full_name="Nguyễn Văn An")  # commune B
    as_user(client, w.processor_a)
    # when
    response = search(client, name="nguyen van an")
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("Nguyễn Văn An") == 1 and "Lê Thị Lan" not in html
    assert "038090001234" not in html and "•••••••••234" in html
    log = SearchLog.objects.get()
    assert log.reason == REASON and log.results == 1 and log.criteria["name"] == "nguyen v. a."
    assert log.user == w.processor_a and log.unit == w.commune_a
    assert AuditEvent.objects.filter(action=AuditEvent.Action.READ_PERSONAL, reason=REASON).count() == 1


def test_exact_document_search_shows_the_number(client, w):
    make_declaration(w.hotel, doc_number="038090001234")
    as_user(client, w.processor_a)
    html = search(client, doc_number="038090001234").content.decode()
    assert "038090001234" in html
    assert SearchLog.objects.get().criteria["doc_number"] == "•••••••••234"


@pytest.mark.parametrize(
    "data",
    [
        {"tu": "2026-13-40"},
        {"birth_date": "31/02/1990"},
        {"tu": "10/05/2026", "den": "01/05/2026"},
        {"name": "an", "page": "abc"},
        {"name": "an", "establishment": "999999999"},
        {"nationality": "1;"},
        {"doc_number": "<script>"},
    ],
)
def test_junk_search_parameters_never_500(client, w, data):
    as_user(client, w.processor_a)
    assert search(client, **data).status_code in (200, 400)


def test_search_by_dob_and_arrival_range(client, w):
    make_declaration(w.hotel, full_name="Đỗ Văn Một")
    as_user(client, w.processor_a)
    assert "Đỗ Văn Một" in search(client, birth_date="15/01/1990").content.decode()
    assert "Đỗ Văn Một" not in search(client, birth_date="16/01/1990").content.decode()
    assert "Đỗ Văn Một" not in search(client, name="do", tu="01/01/2001", den="02/01/2001").content.decode()


def test_search_query_count_is_flat(client, w):
    as_user(client, w.processor_a)
    make_declaration(w.hotel)
    search(client, name="nguyen")
    with CaptureQueriesContext(connection) as few:
        search(client, name="nguyen")
    for _ in range(15):
        make_declaration(w.hotel)
        make_declaration(w.hotel_b)
    with CaptureQueriesContext(connection) as many:
        search(client, name="nguyen")
    assert len(many) == len(few)


def test_history_lists_stays_in_order_and_logs(client, w):
    make_declaration(w.hotel, doc_number="C1234567", full_name="PARK JI SUNG", nationality="KOR", doc_type="PP")
    as_user(client, w.processor_a)
    assert client.post(reverse("lodging:police-history"), {"doc_number": "C1234567"}).status_code == 400
    response = client.post(reverse("lodging:police-history"), {"doc_number": "c1234567", "reason": REASON})
    assert response.status_code == 200 and "PARK JI SUNG" in response.content.decode()
    assert SearchLog.objects.get().criteria == {"kind": "history", "doc_number": "•••••567"}


# --- exports -----------------------------------------------------------------------------------


def _sheet(response) -> list[list]:
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return [list(r) for r in wb.active.iter_rows(values_only=True)]


def test_staying_export_is_masked_and_audited(client, w):
    make_declaration(w.hotel, full_name='=HYPERLINK("x")', doc_number="038090001234")
    as_user(client, w.processor_a)
    response = client.get(reverse("lodging:police-export") + "?loai=dang-luu-tru")
    assert response.status_code == 200
    rows = _sheet(response)
    assert rows[2][1].startswith("=HYPERLINK") and rows[2][2] == "•••••••••234"
    assert AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT, object_type="lodging.declaration").count() == 1


def test_search_export_full_data_needs_search_capability_and_reason(client, w):
    make_declaration(w.hotel, full_name="Nguyễn Văn An", doc_number="038090001234")
    as_user(client, w.processor_a)
    url = reverse("lodging:police-export")
    assert client.post(url, {"loai": "tra-cuu", "name": "an"}).status_code == 400
    response = client.post(url, {"loai": "tra-cuu", "name": "an", "reason": REASON})
    rows = _sheet(response)
    assert rows[2][2] == "Nguyễn Văn An" and rows[2][6] == "038090001234"
    assert SearchLog.objects.get().criteria["kind"] == "export"
    assert AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT, object_type="lodging.searchlog").count() == 1


def test_export_refused_without_lodging_view(client, w):
    as_user(client, w.receptionist_a)
    assert client.get(reverse("lodging:police-export")).status_code == 403
    assert client.post(reverse("lodging:police-export"), {"name": "an", "reason": REASON}).status_code == 403
