"""Review: no personal data where it does not belong: the search log (kept 60 months, longer than
the stays), the audit trail's `changes`, the server log of a failed batch, the SMS, the alert
poll; full reads by staff leave a READ_PERSONAL entry."""

from __future__ import annotations

import logging
from datetime import date

import pytest
from django.urls import reverse

from antt.core.models import AuditEvent, Notification
from antt.lodging import bulk, selectors, services, watch
from antt.lodging.models import Alert, SearchLog
from antt.lodging.tests.factories import guest_row, lodging_world
from antt.org.otp import login_verified

pytestmark = pytest.mark.django_db
NAME, DOC, BIRTH, ADDRESS, PHONE = "Phạm Thị Riêng", "038190007777", "03/04/1991", "Số 9 ngõ Kín", "0912345678"
PERSONAL = (NAME, "pham thi rieng", DOC, "1991-04-03", "03/04/1991", ADDRESS, PHONE)


@pytest.fixture
def w(settings):
    return lodging_world(settings)


def _row():
    return guest_row(full_name=NAME, doc_number=DOC, birth_date=BIRTH, address=ADDRESS, phone=PHONE)


def _clean(text: str) -> None:
    for value in PERSONAL:
        assert value not in text, value


def test_search_log_keeps_neither_the_full_name_nor_the_birth_date(w):
    criteria = {"name": NAME, "birth_date": date(1991, 4, 3), "doc_number": DOC}
    log = selectors.log_search(w.processor_a, kind="search", criteria=criteria, reason="Vụ việc số 12/2026", results=1)
    log = SearchLog.objects.get(pk=log.pk)
    assert log.criteria == {"kind": "search", "name": "pham t. r.", "birth_year": "1991", "doc_number": "•••••••••777"}
    _clean(str(log.criteria))
    _clean(str(AuditEvent.objects.get(action=AuditEvent.Action.READ_PERSONAL).changes))


def test_a_crashed_batch_logs_no_guest_data(w, monkeypatch, caplog):
    def crash(rows):  # PostgreSQL's COPY errors quote the row
        raise RuntimeError(f"value too long; CONTEXT: COPY lodging_declaration, line 1: {rows[0]['full_name']}")

    monkeypatch.setattr(bulk, "write_declarations", crash)
    with caplog.at_level(logging.DEBUG):
        result = services.declare_batch(establishment=w.hotel, rows=[_row()], source="api")
    assert result.batch.status == "failed"
    assert "RuntimeError" in caplog.text and "services.py" in caplog.text  # what and where, still
    _clean(caplog.text)
    _clean("".join(str(r.exc_info) for r in caplog.records))


def test_audit_sms_and_poll_carry_no_personal_data(client, w):
    w.head_a.phone = "0987654321"
    w.head_a.save()
    watch.clear_cache()
    watch.watch_add(user=w.head_a, kind="wanted", doc_number=DOC, basis="QĐ truy nã 1/2026")
    result = services.declare_batch(establishment=w.hotel, rows=[_row()], source="form", user=w.manager)
    stay = result.declarations[0]
    services.correct(establishment=w.hotel, stay_id=stay, raw={"address": "Số 10 ngõ Mở"}, note="Sửa địa chỉ")
    services.depart(establishment=w.hotel, stay_id=stay)
    alert = Alert.objects.get()
    assert result.alerts == 1
    _clean(str(list(AuditEvent.objects.values_list("changes", "object_repr"))))
    _clean(str(list(Notification.objects.values_list("body", flat=True))))
    login_verified(client, w.head_a)
    _clean(client.get(reverse("lodging:alert-poll")).content.decode())
    # the alert page shows the guest in full: one READ_PERSONAL entry
    reads = AuditEvent.objects.filter(action=AuditEvent.Action.READ_PERSONAL).count()
    assert client.get(reverse("lodging:alert-detail", args=[alert.pk])).status_code == 200
    assert AuditEvent.objects.filter(action=AuditEvent.Action.READ_PERSONAL).count() == reads + 1
