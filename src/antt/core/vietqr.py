"""VietQR: the EMVCo merchant-presented QR payload that Vietnamese banking apps scan (NAPAS 247).

    payload = vietqr_payload(bank_bin="970415", account="0011001932418", amount=120000, note="QD 12 BB")
    parse_payload(payload)  # {"bank_bin": "970415", "account": ..., "amount": 120000, "note": ..., ...}

The payload is a chain of TLV data objects (EMV QRCPS merchant-presented mode, which NAPAS's
"Technical specifications on NAPAS QR switching" adopts): a 2-digit ID, a 2-digit length and
the value, up to 99 characters. The objects used for a transfer to a bank account:

    00  payload format indicator, "01"
    01  point of initiation: "11" static (the same code for many payments), "12" dynamic
        (one code for one payment, with its amount)
    38  merchant account information, VietQR template:
          00  GUID "A000000727" (NAPAS)
          01  beneficiary organisation: 00 the bank's 6-digit BIN, 01 the account number
          02  service code "QRIBFTTA" (transfer to an account; "QRIBFTTC" to a card)
    53  currency, "704" (VND, ISO 4217)
    54  amount, whole đồng (VND has no minor unit), at most 13 characters
    58  country, "VN"
    62  additional data: 08 purpose of transaction (the transfer note), at most 25 characters
    63  CRC-16/CCITT-FALSE (polynomial 0x1021, initial 0xFFFF, no reflection, no final XOR)
        over the whole payload including "6304", as 4 upper-case hex digits

Sources (see ../shared/research/legal-facts.md §11): the field meanings come from public
implementations and the EMV QRCPS summary tables (NAPAS's own document was not found in a
citable form); they are backed by real payloads whose CRCs this module reproduces
(`core/tests/test_vietqr.py`). Confidence: high for the layout and the CRC, medium for the
bank apps' tolerance of notes (we keep them to upper-case ASCII letters, digits and spaces,
which every app accepts).

Settings (the account fines are paid into; a decision names the State Treasury account):
`ANTT_FINE_BANK_BIN`, `ANTT_FINE_ACCOUNT`, `ANTT_FINE_ACCOUNT_NAME` (and `ANTT_FINE_BANK_NAME`
for the page, else looked up from the BIN). The defaults are a
DEMO account, marked as such in its name: set the real collection account of the State
Treasury (Kho bạc Nhà nước) of the province before taking real payments.
"""

from __future__ import annotations

import re

from django.conf import settings

from antt.core.text import fold

NAPAS_GUID = "A000000727"
SERVICE_ACCOUNT = "QRIBFTTA"
SERVICE_CARD = "QRIBFTTC"
CURRENCY_VND = "704"
COUNTRY_VN = "VN"
STATIC, DYNAMIC = "11", "12"
NOTE_MAX = 25
AMOUNT_MAX_CHARS = 13

# Demo defaults: a VietinBank BIN (970415) and an obviously fake account number.
DEMO_BANK_BIN = "970415"
DEMO_ACCOUNT = "7111000000038"
DEMO_ACCOUNT_NAME = "KBNN THANH HOA - TAI KHOAN THU NGHIEM (DEMO)"

_BIN = re.compile(r"^[0-9]{6}$")
_ACCOUNT = re.compile(r"^[0-9A-Za-z]{1,19}$")
_NOTE_UNSAFE = re.compile(r"[^A-Z0-9 ]+")


class VietQRError(ValueError):
    """A payload cannot be built or read; the message says why (Vietnamese, for staff and logs)."""


def fine_bank_bin() -> str:
    return getattr(settings, "ANTT_FINE_BANK_BIN", "") or DEMO_BANK_BIN


def fine_account() -> str:
    return getattr(settings, "ANTT_FINE_ACCOUNT", "") or DEMO_ACCOUNT


def fine_account_name() -> str:
    return getattr(settings, "ANTT_FINE_ACCOUNT_NAME", "") or DEMO_ACCOUNT_NAME


# The banks that hold State Treasury collection accounts (NAPAS BINs; VietinBank and Vietcombank
# are confirmed by the real payloads of the tests, BIDV and Agribank by NAPAS's published list).
BANK_NAMES = {
    "970405": "Agribank",
    "970415": "VietinBank",
    "970418": "BIDV",
    "970436": "Vietcombank",
}


def fine_bank_name() -> str:
    """The collecting bank's name for people typing a transfer by hand (ANTT_FINE_BANK_NAME)."""
    return getattr(settings, "ANTT_FINE_BANK_NAME", "") or BANK_NAMES.get(fine_bank_bin(), fine_bank_bin())


def is_demo_account() -> bool:
    return fine_account() == DEMO_ACCOUNT


def _crc_table() -> tuple[int, ...]:
    table = []
    for byte in range(256):
        crc = byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
        table.append(crc & 0xFFFF)
    return tuple(table)


_CRC_TABLE = _crc_table()  # one lookup per byte instead of eight shifts: the public lookup makes one per fine


def crc16_ccitt_false(data: str) -> str:
    """CRC-16/CCITT-FALSE of the UTF-8 bytes, as 4 upper-case hex digits ("123456789" -> "29B1")."""
    crc = 0xFFFF
    for byte in data.encode("utf-8"):
        crc = ((crc << 8) & 0xFFFF) ^ _CRC_TABLE[(crc >> 8) ^ byte]
    return f"{crc:04X}"


def _tlv(tag: str, value: str) -> str:
    if not value:
        raise VietQRError(f"Trường {tag} của mã VietQR không được để trống.")
    if len(value) > 99:
        raise VietQRError(f"Trường {tag} của mã VietQR dài quá 99 ký tự.")
    return f"{tag}{len(value):02d}{value}"


def clean_note(note: str) -> str:
    """The transfer note as bank apps accept it: no diacritics, upper-case letters, digits and
    single spaces, at most 25 characters ("Nộp phạt QĐ 12/QĐ-XPHC" -> "NOP PHAT QD 12 QD XPHC")."""
    text = _NOTE_UNSAFE.sub(" ", fold(note).upper())
    return " ".join(text.split())[:NOTE_MAX].strip()


def vietqr_payload(
    *, bank_bin: str, account: str, amount: int | None = None, note: str = "", dynamic: bool = True
) -> str:
    """The payload of a VietQR code for a transfer of `amount` đồng to `account` at the bank `bank_bin`.

    `amount` None leaves the amount to the payer (a static code); the note is cleaned with
    `clean_note` (the payment reference of a decision is already in that form).
    """
    bank_bin, account = (bank_bin or "").strip(), (account or "").strip()
    if not _BIN.match(bank_bin):
        raise VietQRError("Mã BIN ngân hàng phải gồm đúng 6 chữ số.")
    if not _ACCOUNT.match(account):
        raise VietQRError("Số tài khoản nhận chỉ gồm chữ và số, tối đa 19 ký tự.")
    beneficiary = _tlv("00", bank_bin) + _tlv("01", account)
    merchant = _tlv("00", NAPAS_GUID) + _tlv("01", beneficiary) + _tlv("02", SERVICE_ACCOUNT)
    parts = [_tlv("00", "01"), _tlv("01", DYNAMIC if dynamic else STATIC), _tlv("38", merchant)]
    parts.append(_tlv("53", CURRENCY_VND))
    if amount is not None:
        if isinstance(amount, bool) or int(amount) != amount or amount <= 0:
            raise VietQRError("Số tiền trong mã VietQR phải là số nguyên dương (đồng).")
        text = str(int(amount))
        if len(text) > AMOUNT_MAX_CHARS:
            raise VietQRError("Số tiền trong mã VietQR quá lớn.")
        parts.append(_tlv("54", text))
    parts.append(_tlv("58", COUNTRY_VN))
    cleaned = clean_note(note)
    if cleaned:
        parts.append(_tlv("62", _tlv("08", cleaned)))
    body = "".join(parts) + "6304"
    return body + crc16_ccitt_false(body)


def _read_tlv(text: str, where: str) -> dict[str, str]:
    """{"00": "01", ...}; raises VietQRError on a truncated or malformed chain."""
    out: dict[str, str] = {}
    i = 0
    while i < len(text):
        head = text[i : i + 4]
        if len(head) < 4 or not head.isdigit():
            raise VietQRError(f"Mã VietQR không đúng định dạng ({where}, vị trí {i}).")
        tag, length = head[:2], int(head[2:])
        value = text[i + 4 : i + 4 + length]
        if length == 0 or len(value) != length:
            raise VietQRError(f"Mã VietQR bị cắt cụt ({where}, trường {tag}).")
        out[tag] = value
        i += 4 + length
    return out


def parse_payload(payload: str) -> dict:
    """Read a VietQR payload back; raises VietQRError when the CRC is wrong or the layout broken.

    Returns the root objects by ID (`"objects"`, nested templates as dicts) and the fields a
    payer sees: `bank_bin`, `account`, `service`, `amount` (int or None), `currency`, `country`,
    `note`, `dynamic` (bool), `crc`.
    """
    payload = (payload or "").strip()
    if len(payload) < 8 or payload[-8:-4] != "6304":
        raise VietQRError("Mã VietQR thiếu trường kiểm tra CRC (63) ở cuối.")
    expected = crc16_ccitt_false(payload[:-4])
    if payload[-4:].upper() != expected:
        raise VietQRError(f"Mã VietQR sai CRC: ghi {payload[-4:]}, tính được {expected}.")
    root = _read_tlv(payload, "gốc")
    if root.get("00") != "01":
        raise VietQRError("Mã VietQR có chỉ báo định dạng (00) khác 01.")
    objects: dict[str, object] = dict(root)
    merchant: dict[str, object] = {}
    for tag in root:
        if "26" <= tag <= "51":
            template = _read_tlv(root[tag], f"trường {tag}")
            if template.get("00") == NAPAS_GUID:
                merchant = dict(template)
                if "01" in template:
                    merchant["01"] = _read_tlv(template["01"], f"trường {tag}.01")
            objects[tag] = merchant or template
    if not merchant:
        raise VietQRError("Mã QR không phải VietQR (không có thông tin tài khoản NAPAS A000000727).")
    additional = _read_tlv(root["62"], "trường 62") if "62" in root else {}
    if additional:
        objects["62"] = additional
    beneficiary = merchant.get("01") or {}
    amount_text = root.get("54")
    try:
        amount = int(amount_text) if amount_text is not None else None
    except ValueError:
        raise VietQRError("Số tiền (54) trong mã VietQR không phải số nguyên.") from None
    return {
        "objects": objects,
        "bank_bin": beneficiary.get("00", ""),
        "account": beneficiary.get("01", ""),
        "service": merchant.get("02", ""),
        "amount": amount,
        "currency": root.get("53", ""),
        "country": root.get("58", ""),
        "note": additional.get("08", ""),
        "dynamic": root.get("01") == DYNAMIC,
        "crc": payload[-4:].upper(),
    }


def fine_payload(*, amount: int | None, reference: str) -> str:
    """The code to pay a fine: the configured collection account, the amount, and the decision's
    payment reference as the note (how the treasury statement is matched back)."""
    return vietqr_payload(
        bank_bin=fine_bank_bin(), account=fine_account(), amount=amount, note=reference, dynamic=amount is not None
    )
