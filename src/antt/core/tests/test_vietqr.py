"""VietQR payloads: the CRC of real payloads, a round trip through a rendered QR image, and refusals."""

from __future__ import annotations

import io

import pytest
import zxingcpp
from PIL import Image

from antt.core import vietqr
from antt.core.pdf import qr_png
from antt.core.vietqr import VietQRError, crc16_ccitt_false, parse_payload, vietqr_payload

# Real payloads found in public repositories (../shared/research/legal-facts.md §11), each
# with the CRC its bank app accepted.
REAL_PAYLOADS = [
    "00020101021238570010A0000007270127000697041501130011001932418"
    "0208QRIBFTTA530370454061200005802VN62170813ung ho lu lut6304C15C",
    "00020101021238540010A00000072701240006970436011010234567890208QRIBFTTA5303704540719430005802VN62120808TT000069"
    "6304A8E5",
    "00020101021238500010A0000007270120000697041601065454460208QRIBFTTA53037045405801005802VN62250821"
    "Thanh toan anyLEARN 86304FA27",
]


def decode_png(png: bytes) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


def test_crc_matches_the_standard_check_value():
    # given the check string of the CRC catalogue, when hashed, then CRC-16/CCITT-FALSE's check value
    assert crc16_ccitt_false("123456789") == "29B1"


@pytest.mark.parametrize("payload", REAL_PAYLOADS)
def test_crc_of_real_bank_payloads_is_reproduced(payload):
    # given a payload a bank app accepted, when its CRC is recomputed, then it is the one printed
    assert crc16_ccitt_false(payload[:-4]) == payload[-4:]


def test_parse_reads_a_real_payload():
    # given the VietinBank example, when parsed
    data = parse_payload(REAL_PAYLOADS[0])
    # then the account, amount and note are read back
    assert data["bank_bin"] == "970415"
    assert data["account"] == "0011001932418"
    assert data["service"] == "QRIBFTTA"
    assert data["amount"] == 120000
    assert data["note"] == "ung ho lu lut"
    assert data["currency"] == "704" and data["country"] == "VN" and data["dynamic"] is True


def test_built_payload_equals_the_real_one_for_the_same_fields():
    # given the fields of the Vietcombank example, when built, then byte for byte the same payload
    built = vietqr_payload(bank_bin="970436", account="1023456789", amount=1943000, note="TT000069")
    assert built == REAL_PAYLOADS[1]


def test_payload_round_trips_through_a_rendered_qr_image():
    # given a fine's payload
    payload = vietqr_payload(bank_bin="970415", account="7111000000038", amount=1_500_000, note="XP26000123")
    # when rendered as a PNG QR and decoded by a scanner library
    decoded = decode_png(qr_png(payload))
    # then the scanner reads the exact payload, whose CRC checks and fields are intact
    assert decoded == [payload]
    data = parse_payload(decoded[0])
    assert (data["amount"], data["note"], data["account"]) == (1_500_000, "XP26000123", "7111000000038")


def test_note_is_folded_to_what_bank_apps_accept():
    # given a Vietnamese note with punctuation and more than 25 characters
    payload = vietqr_payload(bank_bin="970415", account="123", amount=1000, note="Nộp phạt QĐ số 12/QĐ-XPHC ngày 5/3")
    # then it is unaccented upper case, letters, digits and spaces, 25 characters at most
    note = parse_payload(payload)["note"]
    assert note == "NOP PHAT QD SO 12 QD XPHC"
    assert len(note) <= 25


def test_static_code_has_no_amount():
    # given no amount, when built as a static code, then the payer types the amount
    data = parse_payload(vietqr_payload(bank_bin="970415", account="123456", amount=None, dynamic=False))
    assert data["amount"] is None and data["dynamic"] is False
    assert "54" not in data["objects"]


def test_wrong_crc_is_refused():
    # given a real payload with one digit of the amount changed
    forged = REAL_PAYLOADS[0].replace("5406120000", "5406920000")
    # when parsed, then refused for its CRC
    with pytest.raises(VietQRError, match="CRC"):
        parse_payload(forged)


def test_truncated_payload_is_refused():
    body = REAL_PAYLOADS[0][:40] + "6304"
    with pytest.raises(VietQRError):
        parse_payload(body + crc16_ccitt_false(body))


def test_qr_without_the_napas_account_is_refused():
    body = "000201010212" + "5303704" + "5802VN" + "6304"
    with pytest.raises(VietQRError, match="VietQR"):
        parse_payload(body + crc16_ccitt_false(body))


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"bank_bin": "97041", "account": "123"}, "BIN"),
        ({"bank_bin": "970415", "account": "12-34"}, "tài khoản"),
        ({"bank_bin": "970415", "account": "123", "amount": 0}, "Số tiền"),
        ({"bank_bin": "970415", "account": "123", "amount": -5}, "Số tiền"),
        ({"bank_bin": "970415", "account": "123", "amount": 10**13}, "quá lớn"),
    ],
)
def test_bad_fields_are_refused_with_a_vietnamese_message(fields, message):
    with pytest.raises(VietQRError, match=message):
        vietqr_payload(**fields)


def test_settings_choose_the_collection_account(settings):
    # given no settings, then the demo account, marked as demo
    settings.ANTT_FINE_BANK_BIN = ""
    settings.ANTT_FINE_ACCOUNT = ""
    settings.ANTT_FINE_ACCOUNT_NAME = ""
    assert vietqr.is_demo_account() and "DEMO" in vietqr.fine_account_name()
    # given the treasury's account, then a fine's code pays into it
    settings.ANTT_FINE_BANK_BIN = "970405"
    settings.ANTT_FINE_ACCOUNT = "3511000123"
    data = parse_payload(vietqr.fine_payload(amount=250000, reference="XP26000001"))
    assert (data["bank_bin"], data["account"], data["amount"], data["note"]) == (
        "970405",
        "3511000123",
        250000,
        "XP26000001",
    )
    assert not vietqr.is_demo_account()
    assert vietqr.fine_bank_name() == "Agribank"
