"""Exports of the work list: the Excel workbook and the PDF register hold the listed rows, need
person.view, and leave an EXPORT entry in the audit trail."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import unicodedata
from datetime import datetime

import pytest
from django.urls import reverse
from python_calamine import CalamineWorkbook

from antt.core.models import AuditEvent
from antt.dossiers.loaders import load_forms
from antt.dossiers.selectors_lists import ListFilters, Tab, dossier_worklist
from antt.dossiers.tests.test_lists import NOW, build_desk, clock
from antt.org.otp import login_verified

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk():
    load_forms()
    return build_desk()


def export(client, user, name: str, **params):
    login_verified(client, user)
    with clock(NOW):
        return client.get(reverse(name), params)


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def sheet_rows(data: bytes) -> list[list]:
    wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
    return wb.get_sheet_by_name("Hồ sơ").to_python()


def pdf_text(pdf: bytes) -> str:
    tool = shutil.which("pdftotext")
    if tool is None:
        pytest.fail("pdftotext (poppler-utils) is required: apt-get install poppler-utils")
    out = subprocess.run([tool, "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True)
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", out.stdout.decode("utf-8")))


def test_excel_holds_the_same_rows_as_the_list_with_the_register_columns(client, desk):
    # given the head's whole list
    expected = list(
        dossier_worklist(desk.w.head, ListFilters(tab=Tab.ALL, scope="don-vi"), now=NOW).values_list("code", flat=True)
    )
    # when exported
    response = export(client, desk.w.head, "dossiers:list-export-xlsx", tab=Tab.ALL, scope="don-vi")
    # then the workbook opens and has the same rows in the same order
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    rows = sheet_rows(body(response))
    assert rows[0][0].startswith("SỔ THEO DÕI HỒ SƠ")
    header = rows[1]
    assert header[:7] == [
        "STT",
        "Mã hồ sơ",
        "Nội dung hồ sơ (thủ tục)",
        "Số lượng (bộ)",
        "Họ tên chủ hồ sơ",
        "Địa chỉ",
        "Số điện thoại",
    ]
    data = rows[2:]
    assert [r[1] for r in data] == expected
    assert [int(r[0]) for r in data] == list(range(1, len(expected) + 1))
    assert desk.foreign.code not in {r[1] for r in data}
    # the register carries the applicant's data and real dates
    late = next(r for r in data if r[1] == desk.late.code)
    assert late[4] == "Đỗ Văn Hải"
    assert late[6] == "0912345678"
    assert isinstance(late[7], datetime) and late[7].strftime("%d/%m/%Y %H:%M") == "23/04/2026 09:30"
    assert late[header.index("Tình trạng hạn")] == "Quá hạn"


def test_excel_of_a_filtered_tab_and_the_audit_entry(client, desk):
    before = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).count()
    response = export(client, desk.w.head, "dossiers:list-export-xlsx", tab=Tab.DUE_SOON, q="Lê Văn")
    rows = sheet_rows(body(response))[2:]
    assert [r[1] for r in rows] == [desk.mine.code]
    entries = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT)
    assert entries.count() == before + 1
    entry = entries.order_by("-seq").first()
    assert entry.actor_id == desk.w.head.pk
    assert entry.changes["count"] == 1
    assert entry.changes["format"] == "xlsx"
    assert entry.changes["filter"]["tab"] == Tab.DUE_SOON
    assert entry.changes["filter"]["q"] == "Lê Văn"


def test_pdf_register_reads_in_vietnamese_with_the_listed_dossiers(client, desk):
    response = export(
        client,
        desk.w.receptionist,
        "dossiers:register-pdf",
        tab=Tab.ALL,
        received_from="04/05/2026",
        received_to="06/05/2026",
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(body(response))
    assert "SỔ THEO DÕI HỒ SƠ" in text
    assert "Từ ngày 04/05/2026 đến ngày 06/05/2026" in text
    # narrow cells wrap a code over two lines (and pdftotext drops a hyphen at a line end)
    squeezed = re.sub(r"[\s-]", "", text)
    for d in (desk.new, desk.mine, desk.received, desk.processed):
        assert d.code.replace("-", "") in squeezed
    assert "Lê Văn Cường" in text and "Trần Thị Bình" in text
    assert desk.late.code.replace("-", "") not in squeezed  # received on 23/4, outside the period
    assert desk.foreign.code.replace("-", "") not in squeezed
    entry = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).order_by("-seq").first()
    assert entry.changes["format"] == "pdf" and entry.changes["count"] == 6


def test_a_supervisor_cannot_export_personal_data(client, desk):
    before = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).count()
    for name in ("dossiers:list-export-xlsx", "dossiers:register-pdf"):
        response = export(client, desk.w.supervisor, name, tab=Tab.ALL)
        assert response.status_code == 403
    assert AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).count() == before
    # and the list page offers no export button to them
    login_verified(client, desk.w.supervisor)
    with clock(NOW):
        html = client.get(reverse("dossiers:list")).content.decode()
    assert "Xuất Excel" not in html


def test_an_export_too_large_asks_to_filter(client, desk, monkeypatch):
    monkeypatch.setattr("antt.dossiers.exports.EXPORT_LIMIT", 3)
    response = export(client, desk.w.head, "dossiers:list-export-xlsx", tab=Tab.ALL)
    assert response.status_code == 400
    assert "vui lòng lọc" in response.content.decode()
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()


def test_an_export_with_a_bad_filter_is_400(client, desk):
    response = export(client, desk.w.head, "dossiers:list-export-xlsx", received_from="hôm qua")
    assert response.status_code == 400
