"""Fines paid by transfer: the provider's signed confirmation, and the treasury statement import.

Two ways money paid by transfer reaches a decision (Luật XLVPHC Art. 78(1): the fine is paid
into the State Treasury, or its account at a commercial bank, named in the decision); both end
in `services.payment_record`, the one place money lands, which decides whether the amount is
what is due that day (fine plus the late-payment surcharge) and makes the decision paid.

1. **The provider's confirmation** (`provider_confirm`, `POST /api/v1/violations/payments/confirm`).
   The payer scans the decision's VietQR code (`antt.core.vietqr`) in a bank app; the
   payment provider (the collecting bank, or the national portal's payment platform) then
   posts a JSON body to us:

       {"payment_reference": "...", "amount": 1500000, "transaction_id": "FT2612...",
        "paid_at": "2026-04-23T09:30:00+07:00", "payer_name": "..."}   (the last two optional)

   with the header `X-Signature: <hex HMAC-SHA256 of the raw body>`, keyed with a secret the
   two sides share (`ANTT_FINE_PAYMENT_SECRET`; derived from SECRET_KEY when unset, good for
   the demo only). The signature is checked in constant time before anything is read.
   Every callback is logged in `PaymentCallback`, accepted or not (the evidence trail).
   Answers: 200 accepted (the same body again for a repeated transaction id, nothing new);
   403 forged signature; 404 unknown reference; 409 the decision cannot be paid now, or the
   transaction id was used for another payment; 422 malformed body or wrong amount (nothing
   paid). `ANTT_FINE_PAYMENT_GATEWAY`: `demo` (default with DEBUG on: a page of this site
   plays the bank app and signs the callback, see `views/payments.py`) or `disabled` (default
   otherwise: callbacks answer 404 until a provider is configured; set it to `provider`).

2. **The treasury statement** (`treasury_statement_import`): a CSV or Excel export of the
   collection account's statement, one line per credit, with the columns

       transaction_ref (Số tham chiếu / Mã giao dịch), value_date (Ngày hiệu lực / Ngày giá trị),
       amount (Số tiền / Số tiền ghi có), description (Nội dung / Diễn giải)

   (header names are matched without accents, case or punctuation; see `COLUMNS`). A line is
   matched to a decision by the decision's `payment_reference` found in the description (bank
   apps may break or strip punctuation; the match tolerates that). The amount must equal
   what was due on the value date (fine plus surcharge), else MISMATCH and nothing is paid.
   The same file twice is refused (its SHA-256); a line seen before in another file (same
   transaction reference) or a payment already confirmed by the provider is ALREADY, not
   paid twice. The import is one transaction: every line is stored with its result, or, when
   the file cannot be read, nothing at all.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import re
from dataclasses import dataclass
from datetime import date, datetime, time

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from antt.core import audit
from antt.core.calendar import LOCAL_TZ
from antt.core.models import AuditEvent
from antt.core.money import format_vnd
from antt.core.text import fold
from antt.core.uploads import max_upload_bytes, sanitise_name
from antt.org.roles import can
from antt.org.selectors import scope
from antt.violations.models import (
    FinePayment,
    PaymentCallback,
    PenaltyDecision,
    TreasuryStatement,
    TreasuryStatementLine,
)
from antt.violations.rules import ViolationError

SIGNATURE_HEADER = "X-Signature"
MAX_CALLBACK_BYTES = 8 * 1024
MAX_STATEMENT_LINES = 50_000
PROVIDER_NAME = "Đơn vị cung cấp dịch vụ thanh toán"


# --- Settings and signature -------------------------------------------------------------------


def gateway_name() -> str:
    """`demo`, `provider` or `disabled` (ANTT_FINE_PAYMENT_GATEWAY)."""
    default = "demo" if settings.DEBUG else "disabled"
    return getattr(settings, "ANTT_FINE_PAYMENT_GATEWAY", "") or default


def transfer_enabled() -> bool:
    return gateway_name() != "disabled"


def _key() -> bytes:
    secret = getattr(settings, "ANTT_FINE_PAYMENT_SECRET", "") or settings.SECRET_KEY
    return hashlib.sha256(("fine-payment:" + secret).encode()).digest()


def sign(body: bytes) -> str:
    """The provider's signature of a callback body: hex HMAC-SHA256 with the shared key."""
    return hmac.new(_key(), body, hashlib.sha256).hexdigest()


def signature_ok(body: bytes, signature: str) -> bool:
    return hmac.compare_digest(sign(body), (signature or "").strip().lower())


# --- The provider's confirmation ----------------------------------------------------------------


@dataclass(frozen=True)
class CallbackAnswer:
    """What the endpoint answers: an HTTP status and a JSON body (the same for a repeat)."""

    status: int
    body: dict
    callback: PaymentCallback | None = None


_TXN = re.compile(r"^[A-Za-z0-9._:/-]{1,80}$")
_REF = re.compile(r"^[A-Za-z0-9-]{1,25}$")


def _payment_answer(payment: FinePayment, reference: str) -> dict:
    return {
        "detail": "Đã ghi nhận khoản nộp phạt.",
        "transaction_id": payment.transaction_id,
        "payment_reference": reference,
        "decision_number": payment.decision.number,
        "amount": payment.amount,
        "fine_part": payment.fine_part,
        "surcharge_part": payment.surcharge_part,
        "received_at": timezone.localtime(payment.received_at).isoformat(),
    }


def _log(*, result: str, message: str, ip, signature_ok: bool, data: dict, payment=None) -> PaymentCallback:
    """One row of the evidence trail, and its audit entry (the caller's transaction or its own)."""
    amount = data.get("amount")
    with transaction.atomic():
        callback = PaymentCallback.objects.create(
            transaction_id=str(data.get("transaction_id") or "")[:80].replace("\x00", ""),
            payment_reference=str(data.get("payment_reference") or "")[:25].replace("\x00", ""),
            amount=amount
            if isinstance(amount, int) and not isinstance(amount, bool) and abs(amount) < 10**15
            else None,
            signature_ok=signature_ok,
            result=result,
            message=message[:300],
            payment=payment,
            ip=ip or None,
        )
        audit.record(
            AuditEvent.Action.CREATE,
            callback,
            changes={"result": result, "transaction_id": callback.transaction_id, "amount": callback.amount},
            reason=message[:255],
            actor_name=PROVIDER_NAME,
        )
    return callback


def _refuse(status: int, result: str, message: str, *, ip, signature_ok: bool, data: dict) -> CallbackAnswer:
    callback = _log(result=result, message=message, ip=ip, signature_ok=signature_ok, data=data)
    return CallbackAnswer(status, {"detail": message}, callback)


def _parse_body(body: bytes) -> tuple[dict, str | None]:
    """The callback's fields, or the Vietnamese reason it is malformed."""
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return {}, "Nội dung xác nhận không phải JSON hợp lệ."
    if not isinstance(data, dict):
        return {}, "Nội dung xác nhận phải là một đối tượng JSON."
    reference, txn, amount = data.get("payment_reference"), data.get("transaction_id"), data.get("amount")
    if not isinstance(reference, str) or not _REF.match(reference):
        return data, "Thiếu hoặc sai mã thanh toán (payment_reference)."
    if not isinstance(txn, str) or not _TXN.match(txn):
        return data, "Thiếu hoặc sai mã giao dịch (transaction_id)."
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0 or amount >= 10**15:
        return data, "Số tiền (amount) phải là số nguyên dương, tính bằng đồng."
    paid_at = data.get("paid_at")
    if paid_at is not None:
        try:
            parsed = parse_datetime(paid_at) if isinstance(paid_at, str) and "\x00" not in paid_at else None
        except ValueError:  # well formed but not a date, e.g. month 13
            parsed = None
        if parsed is None or parsed.tzinfo is None:
            return data, "Thời điểm nộp (paid_at) phải theo ISO 8601 kèm múi giờ."
        data["paid_at"] = parsed
    payer = data.get("payer_name", "")
    if not isinstance(payer, str) or "\x00" in payer:
        return data, "Tên người nộp (payer_name) không hợp lệ."
    data["payer_name"] = payer.strip()[:200]
    return data, None


def provider_confirm(*, body: bytes, signature: str, ip: str | None = None) -> CallbackAnswer:
    """Check and apply one confirmation of the payment provider (see the module docstring)."""
    from antt.violations import services

    body = body or b""
    # Authenticate first: an unsigned or forged call is refused (403) whether or not transfers
    # are switched on; only a correctly signed one learns that they are off (404).
    if len(body) > MAX_CALLBACK_BYTES:
        return _refuse(413, "too_large", "Nội dung xác nhận quá lớn.", ip=ip, signature_ok=False, data={})
    if not signature_ok(body, signature):
        data, _ = _parse_body(body)
        return _refuse(403, "forged", "Chữ ký xác nhận thanh toán không hợp lệ.", ip=ip, signature_ok=False, data=data)
    if not transfer_enabled():
        return _refuse(
            404,
            "disabled",
            "Chưa bật nhận xác nhận thanh toán chuyển khoản.",
            ip=ip,
            signature_ok=True,
            data={},
        )
    data, error = _parse_body(body)
    if error:
        return _refuse(422, "malformed", error, ip=ip, signature_ok=True, data=data)
    reference, txn, amount = data["payment_reference"], data["transaction_id"], data["amount"]
    previous = (
        FinePayment.objects.select_related("decision")
        .filter(channel=FinePayment.Channel.TRANSFER, transaction_id=txn)
        .first()
    )
    if previous is not None and (previous.decision.payment_reference != reference or previous.amount != amount):
        return _refuse(
            409,
            "conflict",
            "Mã giao dịch này đã được dùng cho một khoản nộp khác.",
            ip=ip,
            signature_ok=True,
            data=data,
        )
    decision = PenaltyDecision.objects.filter(payment_reference=reference).first()
    if decision is None:
        return _refuse(
            404,
            "unknown",
            "Không tìm thấy quyết định xử phạt có mã thanh toán này.",
            ip=ip,
            signature_ok=True,
            data=data,
        )
    try:
        payment, created = services.payment_record(
            decision=decision,
            amount=amount,
            channel=FinePayment.Channel.TRANSFER,
            received_at=data.get("paid_at") or timezone.now(),
            transaction_id=txn,
            payer_name=data["payer_name"],
        )
    except ViolationError as exc:
        result = "mismatch" if exc.status == 422 else "refused"
        return _refuse(exc.status, result, exc.message, ip=ip, signature_ok=True, data=data)
    message = "Đã ghi nhận khoản nộp phạt." if created else "Giao dịch đã được ghi nhận trước đó; không ghi thêm."
    callback = _log(
        result="accepted" if created else "duplicate",
        message=message,
        ip=ip,
        signature_ok=True,
        data=data,
        payment=payment,
    )
    return CallbackAnswer(200, _payment_answer(payment, reference), callback)


def demo_callback_body(*, decision: PenaltyDecision, amount: int, transaction_id: str, payer_name: str = "") -> bytes:
    """The body the demo bank sends: the same JSON a provider sends (compact, UTF-8)."""
    payload = {
        "payment_reference": decision.payment_reference,
        "amount": amount,
        "transaction_id": transaction_id,
        "paid_at": timezone.now().isoformat(),
        "payer_name": payer_name,
    }
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


# --- The treasury statement -----------------------------------------------------------------------

# Accepted header names, folded (no accents, lower case, punctuation as "_").
COLUMNS = {
    "transaction_ref": (
        "transaction_ref",
        "ma_giao_dich",
        "so_tham_chieu",
        "ma_tham_chieu",
        "so_giao_dich",
        "so_chung_tu",
    ),
    "value_date": ("value_date", "ngay_hieu_luc", "ngay_gia_tri", "ngay_giao_dich", "ngay"),
    "amount": ("amount", "so_tien", "so_tien_ghi_co", "ghi_co", "credit"),
    "description": ("description", "noi_dung", "dien_giai", "noi_dung_giao_dich", "mo_ta"),
}
_ALIASES = {alias: column for column, aliases in COLUMNS.items() for alias in aliases}
_NON_WORD = re.compile(r"[^a-z0-9]+")
_TOKENS = re.compile(r"[A-Z0-9]+")
_DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y")
_SPREADSHEET_MAGIC = {b"PK\x03\x04": "xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1": "xls"}


class StatementError(ViolationError):
    """The statement cannot be imported; `errors` lists (line, column, reason)."""

    def __init__(self, message: str, errors: list[dict] | None = None, status: int = 422):
        super().__init__(message, status=status)
        self.errors = errors or []


@dataclass
class StatementRow:
    line_no: int
    transaction_ref: str
    value_date: date
    amount: int
    description: str


def _header_key(value) -> str:
    return _NON_WORD.sub("_", fold(str(value or ""))).strip("_")


def _read_bytes(file) -> tuple[bytes, str]:
    limit = max_upload_bytes()
    name = sanitise_name(getattr(file, "name", "") or "sao-ke")
    declared = getattr(file, "size", None)
    if declared is not None and declared > limit:
        raise StatementError(f"Tệp “{name}” vượt quá dung lượng cho phép ({limit // (1024 * 1024)} MB).", status=413)
    file.seek(0)
    data = file.read(limit + 1)
    if len(data) > limit:
        raise StatementError(f"Tệp “{name}” vượt quá dung lượng cho phép ({limit // (1024 * 1024)} MB).", status=413)
    if not data:
        raise StatementError(f"Tệp “{name}” rỗng (0 byte).")
    return data, name


def _sniff(data: bytes, name: str) -> str:
    """The file's real type by its content (never the name): xlsx, xls or csv."""
    for magic, kind in _SPREADSHEET_MAGIC.items():
        if data.startswith(magic):
            return kind
    if b"\x00" in data[:4096]:
        raise StatementError(f"Tệp “{name}” không phải CSV hoặc Excel (.xlsx, .xls).")
    return "csv"


def _rows_csv(data: bytes, name: str) -> list[list]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1258")
        except UnicodeDecodeError:
            raise StatementError(f"Tệp “{name}” không đọc được: hãy lưu CSV với mã UTF-8.") from None
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return list(csv.reader(io.StringIO(text), dialect))


def _rows_excel(data: bytes, name: str) -> list[list]:
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        return workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except Exception as exc:  # calamine raises its own error types for broken files
        raise StatementError(f"Tệp Excel “{name}” bị hỏng hoặc không đọc được.") from exc


def _parse_date(value) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value or "").strip()[:40]
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text.split(" ")[0], fmt).date()
        except ValueError:
            continue
    return None


def _parse_amount(value) -> int | None:
    """Whole đồng: 1500000, 1500000.0, "1.500.000", "1,500,000", "1 500 000 đ"."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    text = re.sub(r"[\s.,đĐ]|VND", "", str(value or ""), flags=re.IGNORECASE)
    # ASCII digits only: str.isdigit() also accepts "²", which int() refuses.
    if text.startswith("-") and text[1:].isascii() and text[1:].isdigit():
        return -int(text[1:])
    return int(text) if text.isascii() and text.isdigit() and len(text) < 16 else None


def read_statement(file) -> tuple[list[StatementRow], str, str]:
    """The statement's lines, its sanitised name and SHA-256; StatementError lists every bad cell."""
    data, name = _read_bytes(file)
    kind = _sniff(data, name)
    table = _rows_csv(data, name) if kind == "csv" else _rows_excel(data, name)
    table = [row for row in table if any(str(c).strip() for c in row)]
    if not table:
        raise StatementError(f"Tệp “{name}” không có dòng nào.")
    header = [_ALIASES.get(_header_key(c)) for c in table[0]]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        expected = ", ".join(COLUMNS)
        raise StatementError(
            f"Tệp sao kê thiếu cột: {', '.join(missing)}. Các cột cần có: {expected} "
            "(hoặc tên tiếng Việt: Số tham chiếu, Ngày hiệu lực, Số tiền, Nội dung)."
        )
    index = {column: header.index(column) for column in COLUMNS}
    if len(table) - 1 > MAX_STATEMENT_LINES:
        raise StatementError(f"Tệp sao kê có quá {MAX_STATEMENT_LINES} dòng; hãy chia nhỏ theo ngày.")
    rows, errors, seen = [], [], {}
    for line_no, raw in enumerate(table[1:], start=2):
        cells = {c: (raw[i] if i < len(raw) else "") for c, i in index.items()}
        ref = str(cells["transaction_ref"] or "").strip()
        if isinstance(cells["transaction_ref"], float) and cells["transaction_ref"].is_integer():
            ref = str(int(cells["transaction_ref"]))
        value_date = _parse_date(cells["value_date"])
        amount = _parse_amount(cells["amount"])
        description = " ".join(str(cells["description"] or "").split())
        if not ref or len(ref) > 80 or "\x00" in ref:
            errors.append({"line": line_no, "column": "transaction_ref", "message": "Thiếu hoặc sai số tham chiếu."})
        elif ref in seen:
            errors.append(
                {
                    "line": line_no,
                    "column": "transaction_ref",
                    "message": f"Số tham chiếu trùng với dòng {seen[ref]}.",
                }
            )
        else:
            seen[ref] = line_no
        if value_date is None:
            errors.append(
                {"line": line_no, "column": "value_date", "message": "Ngày không hợp lệ (dd/mm/yyyy hoặc yyyy-mm-dd)."}
            )
        if amount is None:
            errors.append({"line": line_no, "column": "amount", "message": "Số tiền không hợp lệ (số nguyên đồng)."})
        if "\x00" in description:
            errors.append({"line": line_no, "column": "description", "message": "Nội dung có ký tự không hợp lệ."})
        if not errors or errors[-1]["line"] != line_no:
            rows.append(StatementRow(line_no, ref, value_date, amount, description[:500]))
    if errors:
        raise StatementError(f"Tệp sao kê có {len(errors)} lỗi; chưa nhập dòng nào.", errors)
    return rows, name, hashlib.sha256(data).hexdigest()


def _candidates(description: str) -> set[str]:
    """Every way the payment reference may appear in a transfer's description: bank apps keep it,
    split it with spaces, or drop its hyphens; so runs of 1 to 4 adjacent words, joined with
    nothing or with hyphens."""
    tokens = _TOKENS.findall(fold(description).upper())
    out = set()
    for i in range(len(tokens)):
        for n in range(1, 5):
            part = tokens[i : i + n]
            if len(part) < n:
                break
            out.add("".join(part)[:25])
            out.add("-".join(part)[:25])
    return {c for c in out if len(c) >= 6}


def _noon(day: date) -> datetime:
    """A value date as a moment: noon local time (the surcharge counts whole days), or now for
    today's lines imported in the morning (a payment is never dated in the future)."""
    return min(datetime.combine(day, time(12, 0), tzinfo=LOCAL_TZ), timezone.now())


def _match(officer, row: StatementRow, statement: TreasuryStatement) -> TreasuryStatementLine:
    from antt.violations import services

    Result = TreasuryStatementLine.Result
    line = TreasuryStatementLine(
        statement=statement,
        line_no=row.line_no,
        transaction_ref=row.transaction_ref,
        value_date=row.value_date,
        amount=row.amount,
        description=row.description,
    )

    def done(result, message, decision=None):
        line.result, line.message, line.decision = result, message[:300], decision
        line.save()
        return line

    if row.amount <= 0:
        return done(Result.UNKNOWN, "Không phải khoản thu (số tiền không dương).")
    candidates = _candidates(row.description)
    found = list(PenaltyDecision.objects.filter(payment_reference__in=candidates)[:2]) if candidates else []
    if not found:
        return done(Result.UNKNOWN, "Nội dung không có mã thanh toán của quyết định nào.")
    if len(found) > 1:
        return done(Result.UNKNOWN, "Nội dung có mã thanh toán của nhiều quyết định; cần xử lý thủ công.")
    decision = found[0]
    if not scope(officer, PenaltyDecision.objects.filter(pk=decision.pk)).exists():
        return done(Result.UNKNOWN, "Quyết định không thuộc đơn vị bạn quản lý.")
    previous = FinePayment.objects.filter(
        channel=FinePayment.Channel.TREASURY, transaction_id=row.transaction_ref
    ).first()
    if previous is not None:
        message = "Giao dịch đã được ghi nhận từ sao kê trước."
        if previous.decision_id != decision.pk or previous.amount != row.amount:
            message = "Số tham chiếu đã được ghi nhận cho khoản nộp khác; cần kiểm tra."
        return done(Result.ALREADY, message, decision)
    # The money of a VietQR transfer confirmed by the provider shows up in the statement too:
    # the same amount on the same day, not yet matched to a statement line, is that payment.
    transfer = (
        FinePayment.objects.filter(
            decision=decision, channel=FinePayment.Channel.TRANSFER, amount=row.amount, statement_line__isnull=True
        )
        .order_by("received_at")
        .first()
    )
    if transfer is not None and timezone.localtime(transfer.received_at).date() <= row.value_date:
        done(Result.ALREADY, "Khoản chuyển khoản đã được xác nhận trước đó qua VietQR; đã đối chiếu.", decision)
        FinePayment.objects.filter(pk=transfer.pk).update(statement_line=line)
        audit.record(
            AuditEvent.Action.UPDATE,
            transfer,
            changes={"statement_line": [None, line.pk]},
            reason="Đối chiếu với sao kê Kho bạc",
        )
        return line
    line.result, line.decision = Result.MATCHED, decision
    line.save()
    try:
        payment, created = services.payment_record(
            decision=decision,
            amount=row.amount,
            channel=FinePayment.Channel.TREASURY,
            received_at=_noon(row.value_date),
            transaction_id=row.transaction_ref,
            officer=officer,
            statement_line=line,
        )
    except ViolationError as exc:
        line.result, line.message = Result.MISMATCH, exc.message[:300]
        line.save(update_fields=["result", "message"])
        return line
    if not created:
        line.result, line.message = Result.ALREADY, "Giao dịch đã được ghi nhận trước đó."
    else:
        line.message = f"Đã ghi nhận {format_vnd(payment.amount)} cho quyết định số {decision.number}."
    line.save(update_fields=["result", "message"])
    return line


def treasury_statement_import(*, officer, file) -> TreasuryStatement:
    """Import one statement file: every line stored with its result, in one transaction.

    Raises ViolationError 403 without `violation.reconcile`, 409 for a file imported before,
    StatementError 422 (with the bad cells) for a file that cannot be read; then nothing is written.
    """
    if not can(officer, "violation.reconcile"):
        raise ViolationError("Bạn không có quyền đối soát sao kê Kho bạc.", status=403)
    rows, name, digest = read_statement(file)
    previous = TreasuryStatement.objects.filter(file_sha256=digest).first()
    if previous is not None:
        when = timezone.localtime(previous.imported_at).strftime("%d/%m/%Y %H:%M")
        raise ViolationError(f"Tệp sao kê này đã được nhập lúc {when}; không nhập lại.", status=409)
    try:
        with transaction.atomic():
            return _import_rows(officer, rows, name, digest)
    except IntegrityError:  # the same file uploaded twice at the same moment: the second loses
        if TreasuryStatement.objects.filter(file_sha256=digest).exists():
            raise ViolationError("Tệp sao kê này đang được nhập; không nhập lại.", status=409) from None
        raise


def _import_rows(officer, rows: list[StatementRow], name: str, digest: str) -> TreasuryStatement:
    with transaction.atomic():
        statement = TreasuryStatement.objects.create(file_name=name, file_sha256=digest, imported_by=officer)
        matched = 0
        for row in rows:
            line = _match(officer, row, statement)
            matched += line.result == TreasuryStatementLine.Result.MATCHED
        statement.line_count, statement.matched_count = len(rows), matched
        statement.save(update_fields=["line_count", "matched_count"])
        audit.record(
            AuditEvent.Action.CREATE,
            statement,
            changes={"file_name": name, "sha256": digest, "lines": len(rows), "matched": matched},
            actor=officer,
        )
    return statement
