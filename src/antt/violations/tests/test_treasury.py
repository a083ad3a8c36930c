"""The treasury statement import: lines matched by payment reference, amounts checked against what was
due on the value date, the same file or transaction never paid twice, nothing half-written."""

from __future__ import annotations

import io
from datetime import timedelta
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from antt.core.models import AuditEvent
from antt.org.otp import login_verified
from antt.violations import payments, rules
from antt.violations.models import (
    DecisionStatus,
    FinePayment,
    TreasuryStatement,
    TreasuryStatementLine,
)
from antt.violations.payments import StatementError, treasury_statement_import
from antt.violations.rules import ViolationError
from antt.violations.tests.factories import make_record
from antt.violations.tests.test_payments import callback_body, delivered_decision, post_callback
from antt.violations.tests.test_payments import w as w  # noqa: F401 (the fixture)

HEADER = "Số tham chiếu,Ngày hiệu lực,Số tiền,Nội dung\n"
Result = TreasuryStatementLine.Result


def csv_file(*lines: str, header: str = HEADER, name: str = "saoke.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, (header + "\n".join(lines) + "\n").encode("utf-8"), content_type="text/csv")


def line(ref: str, day, amount: int, description: str) -> str:
    return f"{ref},{day:%d/%m/%Y},{amount},{description}"


def test_a_matching_line_pays_the_decision(w):
    # given an unpaid decision of 500.000 đ and a statement line quoting its reference
    decision = delivered_decision(w)
    today = timezone.localdate()
    upload = csv_file(line("KB0001", today, 500_000, f"NGUYEN VAN AN NOP PHAT {decision.payment_reference}"))
    # when the statement is imported
    statement = treasury_statement_import(officer=w.chief, file=upload)
    # then the line is matched, the decision paid through the treasury channel, the line linked
    stored = statement.lines.get()
    assert (stored.result, stored.decision_id) == (Result.MATCHED, decision.pk)
    assert (statement.line_count, statement.matched_count) == (1, 1)
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.PAID
    payment = FinePayment.objects.get(decision=decision)
    assert (payment.channel, payment.transaction_id, payment.statement_line_id) == ("treasury", "KB0001", stored.pk)
    assert AuditEvent.objects.filter(object_type="violations.treasurystatement").exists()


def test_reference_split_by_the_bank_app_still_matches(w):
    decision = delivered_decision(w)
    reference = decision.payment_reference
    spaced = f"nop phat {reference[:4]} {reference[4:]}"
    statement = treasury_statement_import(
        officer=w.chief, file=csv_file(line("KB1", timezone.localdate(), 500_000, spaced))
    )
    assert statement.lines.get().result == Result.MATCHED


def test_wrong_amount_is_mismatch_and_pays_nothing(w):
    decision = delivered_decision(w)
    upload = csv_file(line("KB0002", timezone.localdate(), 450_000, decision.payment_reference))
    statement = treasury_statement_import(officer=w.chief, file=upload)
    stored = statement.lines.get()
    assert (stored.result, stored.decision_id) == (Result.MISMATCH, decision.pk)
    assert stored.message
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.UNPAID
    assert not FinePayment.objects.exists()


def test_late_payment_must_equal_fine_plus_surcharge_on_the_value_date(w):
    # given a decision whose deadline passed, and two lines: the fine alone, then fine + surcharge
    today = timezone.localdate()
    decision = delivered_decision(w, delivered_on=today - timedelta(days=30))
    value_date = today - timedelta(days=2)
    fine, surcharge, total = rules.amount_due_on(decision, value_date)
    assert surcharge > 0
    upload = csv_file(
        line("KB-LOW", value_date, fine, decision.payment_reference),
        line("KB-OK", value_date, total, decision.payment_reference),
    )
    # when imported
    statement = treasury_statement_import(officer=w.chief, file=upload)
    # then the first is a mismatch, the second pays fine and surcharge of that day
    results = list(statement.lines.order_by("line_no").values_list("result", flat=True))
    assert results == [Result.MISMATCH, Result.MATCHED]
    payment = FinePayment.objects.get(decision=decision)
    assert (payment.fine_part, payment.surcharge_part) == (fine, surcharge)


def test_unknown_reference_and_non_credit_lines_are_kept_as_unknown(w):
    delivered_decision(w)
    today = timezone.localdate()
    upload = csv_file(line("KB1", today, 500_000, "CHUYEN TIEN HOC PHI"), line("KB2", today, -20_000, "PHI DICH VU"))
    statement = treasury_statement_import(officer=w.chief, file=upload)
    assert list(statement.lines.values_list("result", flat=True)) == [Result.UNKNOWN, Result.UNKNOWN]
    assert not FinePayment.objects.exists()


def test_the_same_file_twice_is_refused_and_changes_nothing(w):
    decision = delivered_decision(w)
    content = HEADER + line("KB0003", timezone.localdate(), 500_000, decision.payment_reference) + "\n"
    treasury_statement_import(officer=w.chief, file=SimpleUploadedFile("a.csv", content.encode()))
    with pytest.raises(ViolationError) as caught:
        treasury_statement_import(officer=w.chief, file=SimpleUploadedFile("b.csv", content.encode()))
    assert caught.value.status == 409
    assert "đã được nhập" in caught.value.message
    assert TreasuryStatement.objects.count() == 1 and FinePayment.objects.count() == 1


def test_a_transaction_seen_in_an_earlier_statement_is_already_not_paid_twice(w):
    # given a statement already imported, then an overlapping one repeating its line
    decision = delivered_decision(w)
    today = timezone.localdate()
    treasury_statement_import(officer=w.chief, file=csv_file(line("KB7", today, 500_000, decision.payment_reference)))
    second = treasury_statement_import(
        officer=w.chief,
        file=csv_file(line("KB7", today, 500_000, decision.payment_reference), line("KB8", today, 1, "khac")),
    )
    assert second.lines.get(line_no=2).result == Result.ALREADY
    assert FinePayment.objects.count() == 1


def test_a_transfer_already_confirmed_by_the_provider_is_reconciled_not_paid_again(w):
    # given a decision paid by VietQR, confirmed by the provider
    decision = delivered_decision(w)
    assert post_callback(Client(), callback_body(decision)).status_code == 200
    # when the money shows up in the treasury statement
    statement = treasury_statement_import(
        officer=w.chief, file=csv_file(line("KB9", timezone.localdate(), 500_000, decision.payment_reference))
    )
    # then the line is ALREADY and the transfer payment is linked to it; still one payment
    stored = statement.lines.get()
    assert stored.result == Result.ALREADY
    assert FinePayment.objects.get().statement_line_id == stored.pk


def test_a_decision_outside_the_officers_units_is_not_matched(w):
    decision = delivered_decision(w)
    other_head = _head_of(w.other_unit)
    statement = treasury_statement_import(
        officer=other_head, file=csv_file(line("KB1", timezone.localdate(), 500_000, decision.payment_reference))
    )
    assert statement.lines.get().result == Result.UNKNOWN
    assert not FinePayment.objects.exists()


def _head_of(unit):
    from antt.org.models import Role
    from antt.org.tests.factories import make_officer

    return make_officer(unit, role=Role.HEAD, full_name="Trưởng Khác")


def test_excel_statement_is_read(w):
    decision = delivered_decision(w)
    book = Workbook()
    sheet = book.active
    sheet.append(["transaction_ref", "value_date", "amount", "description"])
    sheet.append(["KBX1", timezone.localdate(), 500_000, f"Nop phat {decision.payment_reference}"])
    buffer = io.BytesIO()
    book.save(buffer)
    upload = SimpleUploadedFile("saoke.xlsx", buffer.getvalue())
    statement = treasury_statement_import(officer=w.chief, file=upload)
    assert statement.lines.get().result == Result.MATCHED


def test_a_file_with_bad_cells_is_refused_whole_with_each_reason(w):
    decision = delivered_decision(w)
    upload = csv_file(
        line("KB1", timezone.localdate(), 500_000, decision.payment_reference),
        "KB2,31/02/2026,500000,x",
        "KB3,01/03/2026,năm trăm,x",
        "KB1,01/03/2026,1,x",
    )
    with pytest.raises(StatementError) as caught:
        treasury_statement_import(officer=w.chief, file=upload)
    errors = [(e["line"], e["column"]) for e in caught.value.errors]
    assert errors == [(3, "value_date"), (4, "amount"), (5, "transaction_ref")]
    assert not TreasuryStatement.objects.exists() and not FinePayment.objects.exists()


def test_missing_columns_are_named(w):
    with pytest.raises(StatementError, match="thiếu cột: amount"):
        treasury_statement_import(
            officer=w.chief, file=csv_file("A,01/03/2026,x", header="Số tham chiếu,Ngày,Nội dung\n")
        )


def test_a_binary_file_is_refused(w):
    png = SimpleUploadedFile("saoke.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(StatementError, match="không phải CSV"):
        treasury_statement_import(officer=w.chief, file=png)


def test_an_oversized_file_is_refused(w, settings):
    settings.ANTT_UPLOAD_MAX_BYTES = 100
    with pytest.raises(StatementError) as caught:
        treasury_statement_import(officer=w.chief, file=csv_file(*["KB,01/03/2026,1,x"] * 20))
    assert caught.value.status == 413


def test_without_reconcile_permission_it_is_403(w):
    with pytest.raises(ViolationError) as caught:
        treasury_statement_import(officer=w.officer, file=csv_file(line("KB", timezone.localdate(), 1, "x")))
    assert caught.value.status == 403
    assert not TreasuryStatement.objects.exists()


def test_a_crash_mid_import_leaves_nothing(w):
    # given two payable lines, and a failure while recording the second
    first = delivered_decision(w)
    second = delivered_decision(w, record=make_record(w, plate="36-B1 555.55"))
    today = timezone.localdate()
    upload = csv_file(
        line("KB1", today, 500_000, first.payment_reference), line("KB2", today, 500_000, second.payment_reference)
    )
    from antt.violations import services

    real = services.payment_record
    calls = []

    def flaky(**kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("database went away")
        return real(**kwargs)

    # when imported, then the error propagates and nothing at all was written
    with mock.patch.object(services, "payment_record", flaky), pytest.raises(RuntimeError):
        treasury_statement_import(officer=w.chief, file=upload)
    assert not TreasuryStatement.objects.exists()
    assert not TreasuryStatementLine.objects.exists()
    assert not FinePayment.objects.exists()
    first.refresh_from_db()
    assert first.status == DecisionStatus.UNPAID


# --- The pages --------------------------------------------------------------------------------------


def staff(user) -> Client:
    client = Client()
    login_verified(client, user)
    return client


def test_upload_page_imports_and_shows_each_line(w):
    decision = delivered_decision(w)
    client = staff(w.chief)
    assert client.get(reverse("violations:treasury-list")).status_code == 200
    upload = csv_file(
        line("KB1", timezone.localdate(), 500_000, decision.payment_reference),
        line("KB2", timezone.localdate(), 10_000, "KHONG RO"),
    )
    response = client.post(reverse("violations:treasury-list"), {"file": upload}, follow=True)
    assert response.status_code == 200
    text = response.content.decode()
    assert "Khớp, đã ghi nhận" in text and "Không tìm thấy quyết định" in text
    assert decision.number in text


def test_upload_page_shows_the_errors_of_a_bad_file_with_422(w):
    client = staff(w.chief)
    response = client.post(reverse("violations:treasury-list"), {"file": csv_file("KB1,xx,1,x")})
    assert response.status_code == 422
    assert "Ngày không hợp lệ" in response.content.decode()


def test_upload_page_is_403_without_reconcile(w):
    assert staff(w.officer).get(reverse("violations:treasury-list")).status_code == 403


def test_statement_reader_accepts_vietnamese_amounts_and_semicolons(w):
    upload = SimpleUploadedFile(
        "s.csv", "Mã giao dịch;Ngày giá trị;Số tiền ghi có;Diễn giải\nA1;2026-03-01;1.500.000;x\n".encode()
    )
    rows, _, _ = payments.read_statement(upload)
    assert (rows[0].transaction_ref, rows[0].amount, str(rows[0].value_date)) == ("A1", 1_500_000, "2026-03-01")
