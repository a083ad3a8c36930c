"""The one cleaner of guest rows: every check of the contract, table-driven. The code tables are
the real ones of `lodging/data/` read into unsaved objects (no database: these tests are fast)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import yaml

from antt.lodging.codes import Codes
from antt.lodging.loaders import DATA_DIR, PORT_DEFAULTS
from antt.lodging.models import Country, DocumentType, PortOfEntry, StayReason
from antt.lodging.tests.factories import MRZ_ICAO, MRZ_VN
from antt.lodging.validation import LABELS, clean_guest

VN = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 8, 10, 14, 0, tzinfo=VN)


def _valid_on(row: dict, day: date) -> bool:
    return row["valid_from"] <= day and (not row.get("valid_to") or row["valid_to"] > day)


def codes_from_data(day: date | None = None) -> Codes:
    day = day or NOW.date()
    rules = yaml.safe_load((DATA_DIR / "rules.yaml").read_text(encoding="utf-8"))
    countries = yaml.safe_load((DATA_DIR / "countries.yaml").read_text(encoding="utf-8"))
    ports = [{**PORT_DEFAULTS, **p} for p in rules["ports_of_entry"]]
    return Codes(
        doc_types={r["code"]: DocumentType(**r) for r in rules["document_types"] if _valid_on(r, day)},
        countries={
            c[0]: Country(code=c[0], name=c[1], name_en=c[2], stats_code=c[3])
            for c in countries["countries"] + countries["icao_special"]
        },
        ports={p["code"]: PortOfEntry(**p) for p in ports if _valid_on(p, day)},
        reasons={r["code"]: StayReason(**r) for r in rules["stay_reasons"] if _valid_on(r, day)},
    )


CODES = codes_from_data()


def vn_row(**overrides) -> dict:
    row = {
        "full_name": "Nguyễn Văn An",
        "birth_date": "15/01/1990",
        "sex": "Nam",
        "doc_type": "CCCD",
        "doc_number": "038090012345",
        "nationality": "VNM",
        "address": "Số 5 Trần Phú, phường Hạc Thành",
        "phone": "0912 345 678",
        "arrived_at": "10/08/2026 13:05",
        "expected_departure": "12/08/2026",
        "room": "101",
        "reason": "DL",
    }
    row.update(overrides)
    return row


def foreign_row(**overrides) -> dict:
    row = {
        "full_name": "Anna Maria Eriksson",
        "birth_date": "1974-08-12",
        "sex": "F",
        "doc_type": "PP",
        "doc_number": "L898902C3",
        "nationality": "SWE",
        "address": "Stockholm",
        "arrived_at": "2026-08-10T12:30",
        "expected_departure": "2026-08-14",
        "room": "202",
        "reason": "DL",
        "visa_kind": "VISA",
        "visa_number": "VN1234567",
        "visa_expiry": "2026-09-30",
        "entry_date": "2026-08-09",
        "port_of_entry": "VVNB",
    }
    row.update(overrides)
    return row


def clean(raw, **kw):
    return clean_guest(raw, codes=CODES, now=NOW, row=7, **kw)


# --- accepted rows -------------------------------------------------------------------------------


def test_a_vietnamese_guest_is_cleaned():
    # when
    guest, errors = clean(vn_row(full_name="  Nguyễn   Văn  An ", doc_number="0380 9001 2345"))
    # then
    assert errors == []
    assert guest.full_name == "Nguyễn Văn An" and guest.name_folded == "nguyen van an"
    assert (guest.birth_date, guest.birth_year, guest.sex) == (date(1990, 1, 15), 1990, "M")
    assert guest.doc_number == "038090012345" and guest.stats_nationality == "VNM"
    assert guest.arrived_at == datetime(2026, 8, 10, 6, 5, tzinfo=ZoneInfo("UTC"))  # 13:05 Vietnam time
    assert guest.expected_departure == date(2026, 8, 12)
    assert not guest.is_foreigner and not guest.mrz_checked


def test_a_foreign_guest_is_cleaned():
    guest, errors = clean(foreign_row())
    assert errors == []
    assert guest.is_foreigner
    assert (guest.visa_kind, guest.visa_number, guest.port_of_entry) == ("VISA", "VN1234567", "VVNB")
    assert guest.entry_date == date(2026, 8, 9) and guest.visa_expiry == date(2026, 9, 30)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("10/08/2026 13:05", datetime(2026, 8, 10, 13, 5, tzinfo=VN)),
        ("10/08/2026 13:05:30", datetime(2026, 8, 10, 13, 5, 30, tzinfo=VN)),
        ("2026-08-10T13:05", datetime(2026, 8, 10, 13, 5, tzinfo=VN)),
        ("2026-08-10T06:05:00Z", datetime(2026, 8, 10, 13, 5, tzinfo=VN)),
        ("2026-08-10T15:05:00+09:00", datetime(2026, 8, 10, 13, 5, tzinfo=VN)),
        (datetime(2026, 8, 10, 13, 5), datetime(2026, 8, 10, 13, 5, tzinfo=VN)),  # a spreadsheet cell
    ],
)
def test_arrival_formats(value, expected):
    guest, errors = clean(vn_row(arrived_at=value))
    assert errors == [] and guest.arrived_at == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("15/01/1990", date(1990, 1, 15)), ("1990-01-15", date(1990, 1, 15)), ("5/1/1990", date(1990, 1, 5))],
)
def test_date_formats(value, expected):
    guest, errors = clean(vn_row(birth_date=value))
    assert errors == [] and guest.birth_date == expected


def test_birth_year_alone_is_kept_without_a_date():
    guest, errors = clean(vn_row(birth_date="1990"))
    assert errors == [] and guest.birth_date is None and guest.birth_year == 1990


@pytest.mark.parametrize(("value", "expected"), [("M", "M"), ("nữ", "F"), ("NU", "F"), ("Khác", "X"), ("f", "F")])
def test_sex_values(value, expected):
    guest, errors = clean(vn_row(sex=value))
    assert errors == [] and guest.sex == expected


@pytest.mark.parametrize("name", ["O'Brien Seán", "Jean-Luc Picard", "J. R. Tolkien", "Đặng Thị Ngọc Hân"])
def test_names_with_apostrophes_hyphens_dots_and_diacritics(name):
    guest, errors = clean(foreign_row(full_name=name))
    assert errors == [] and guest.full_name == name


def test_vietnamese_guest_visa_columns_are_ignored():
    guest, errors = clean(vn_row(visa_kind="XYZ", port_of_entry="NOWHERE", entry_date="01/01/2026"))
    assert errors == []
    assert (guest.visa_kind, guest.port_of_entry, guest.entry_date) == ("", "", None)


def test_icao_special_nationality_counts_under_its_country():
    guest, errors = clean(foreign_row(nationality="D"))
    assert errors == [] and guest.stats_nationality == "DEU"


# --- refused rows: one case per check ------------------------------------------------------------

REFUSED = [
    ("name missing", vn_row(full_name=""), "full_name", "Chưa nhập họ và tên."),
    ("name with digits", vn_row(full_name="Nguyễn Văn 4n"), "full_name", "chỉ gồm chữ cái"),
    ("name with symbols", vn_row(full_name="Nguyễn <Văn> An"), "full_name", "chỉ gồm chữ cái"),
    ("name too long", vn_row(full_name="A" * 151), "full_name", "dài quá 150"),
    ("birth missing", vn_row(birth_date=""), "birth_date", "Chưa nhập ngày sinh."),
    ("birth not a date", vn_row(birth_date="31/02/1990"), "birth_date", "không phải là ngày có thật"),
    ("birth bad format", vn_row(birth_date="Jan 15 1990"), "birth_date", "không đúng dạng"),
    ("birth in the future", vn_row(birth_date="11/08/2026"), "birth_date", "ở tương lai"),
    ("impossible age", vn_row(birth_date="01/01/1900"), "birth_date", "trên 120 tuổi"),
    ("impossible birth year", vn_row(birth_date="1850"), "birth_date", "Năm sinh không hợp lý"),
    (
        "born after arrival",
        vn_row(birth_date="10/08/2026", arrived_at="09/08/2026 10:00"),
        "birth_date",
        "sau ngày đến",
    ),
    ("sex unknown", vn_row(sex="Y"), "sex", "Nam, Nữ hoặc Khác"),
    ("sex missing", vn_row(sex=""), "sex", "Chưa nhập giới tính."),
    ("doc type missing", vn_row(doc_type=""), "doc_type", "Chưa nhập loại giấy tờ."),
    ("doc type unknown", vn_row(doc_type="XX"), "doc_type", "không có trong danh mục"),
    ("doc type expired (CMND)", vn_row(doc_type="CMND", doc_number="038090012"), "doc_type", "đã hết hiệu lực"),
    (
        "VNM with a foreigners' passport",
        vn_row(doc_type="PP", doc_number="C1234567"),
        "doc_type",
        "dành cho người nước ngoài",
    ),
    ("foreigner with a CCCD", foreign_row(doc_type="CCCD", doc_number="038090012345"), "doc_type", "dành cho công dân"),
    ("CCCD of 11 digits", vn_row(doc_number="03809001234"), "doc_number", "12 chữ số"),
    ("CCCD with a letter", vn_row(doc_number="03809001234A"), "doc_number", "12 chữ số"),
    ("VN passport pattern", vn_row(doc_type="HCVN", doc_number="12345678"), "doc_number", "1 chữ cái và 7 chữ số"),
    ("doc number missing", vn_row(doc_number=" "), "doc_number", "Chưa nhập số giấy tờ."),
    ("nationality unknown", foreign_row(nationality="ZZZ"), "nationality", "không có trong danh mục"),
    ("nationality missing", vn_row(nationality=""), "nationality", "Chưa nhập quốc tịch."),
    ("arrival missing", vn_row(arrived_at=""), "arrived_at", "Chưa nhập thời điểm đến."),
    ("arrival without time", vn_row(arrived_at="10/08/2026"), "arrived_at", "cần có cả giờ và phút"),
    ("arrival not a time", vn_row(arrived_at="10/08/2026 25:00"), "arrived_at", "không phải là thời điểm có thật"),
    ("arrival garbage", vn_row(arrived_at="hôm qua"), "arrived_at", "không đúng dạng"),
    ("future arrival", vn_row(arrived_at="10/08/2026 14:11"), "arrived_at", "ở tương lai"),
    ("arrival 32 days ago", vn_row(arrived_at="09/07/2026 10:00"), "arrived_at", "Công an xã"),
    (
        "departure before arrival",
        vn_row(expected_departure="09/08/2026"),
        "expected_departure",
        "trước ngày đến",
    ),
    ("reason missing", vn_row(reason=""), "reason", "Chưa nhập lý do lưu trú."),
    ("reason unknown", vn_row(reason="NGHI"), "reason", "không có trong danh mục"),
    ("phone letters", vn_row(phone="số máy bàn"), "phone", "Số điện thoại"),
    ("address too long", vn_row(address="x" * 301), "address", "dài quá 300"),
    ("room too long", vn_row(room="1" * 21), "room", "dài quá 20"),
    ("visa kind missing", foreign_row(visa_kind=""), "visa_kind", "Người nước ngoài: chưa nhập"),
    ("visa kind unknown", foreign_row(visa_kind="EVISA"), "visa_kind", "không có trong danh mục"),
    ("visa number missing", foreign_row(visa_number=""), "visa_number", "Chưa nhập số thị thực"),
    ("visa expired before arrival", foreign_row(visa_expiry="2026-08-09"), "visa_expiry", "hết hạn trước ngày đến"),
    ("entry after arrival", foreign_row(entry_date="2026-08-11"), "entry_date", "sau ngày đến"),
    ("entry date missing", foreign_row(entry_date=""), "entry_date", "chưa nhập ngày nhập cảnh"),
    ("port missing", foreign_row(port_of_entry=""), "port_of_entry", "chưa nhập cửa khẩu"),
    ("port unknown", foreign_row(port_of_entry="XYZ"), "port_of_entry", "không có trong danh mục"),
]


@pytest.mark.parametrize(("case", "raw", "field", "fragment"), REFUSED, ids=[c[0] for c in REFUSED])
def test_refused_rows_name_the_field_in_vietnamese(case, raw, field, fragment):
    # when
    guest, errors = clean(raw)
    # then
    assert guest is None
    matching = [e for e in errors if e.field == field]
    assert matching, errors
    assert any(fragment in e.message for e in matching), [e.message for e in matching]
    assert all(e.row == 7 for e in errors)


@pytest.mark.parametrize(("case", "raw", "field", "fragment"), REFUSED, ids=[c[0] for c in REFUSED])
def test_messages_never_repeat_the_personal_value(case, raw, field, fragment):
    _, errors = clean(raw)
    for name in ("full_name", "doc_number", "birth_date", "phone", "address"):
        value = str(raw.get(name) or "").strip()
        if len(value) >= 4:
            assert all(value not in e.message for e in errors), (name, errors)


def test_every_problem_of_a_row_is_reported_at_once():
    _, errors = clean(vn_row(full_name="", birth_date="xx", doc_number="1", reason="??"))
    assert {e.field for e in errors} == {"full_name", "birth_date", "doc_number", "reason"}


def test_every_field_has_a_label():
    assert all(LABELS[e.field] for e in clean(vn_row(full_name=""))[1])


# --- machine-readable zone -----------------------------------------------------------------------


def test_mrz_fills_blank_fields_and_is_checked():
    # given a Vietnamese passport holder who typed only the name, the document type, the MRZ
    raw = vn_row(doc_type="HCVN", doc_number="", birth_date="", sex="", mrz=MRZ_VN)
    # when
    guest, errors = clean(raw)
    # then
    assert errors == []
    assert (guest.doc_number, guest.birth_date, guest.sex, guest.nationality) == (
        "C1234567",
        date(1990, 1, 15),
        "M",
        "VNM",
    )
    assert guest.mrz_checked
    assert guest.full_name == "Nguyễn Văn An"  # the typed name (with diacritics) is kept


def test_mrz_never_overwrites_a_typed_name_but_fills_a_blank_one():
    guest, _ = clean(vn_row(doc_type="HCVN", doc_number="C1234567", mrz=MRZ_VN, full_name="Nguyễn Văn An"))
    assert guest.full_name == "Nguyễn Văn An"
    guest, errors = clean(vn_row(doc_type="HCVN", doc_number="", full_name="", mrz=MRZ_VN))
    assert errors == [] and guest.full_name == "NGUYEN VAN AN"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"doc_number": "C7654321"}, "doc_number"),
        ({"birth_date": "16/01/1990"}, "birth_date"),
        ({"sex": "F"}, "sex"),
    ],
)
def test_mrz_must_agree_with_typed_fields(overrides, field):
    raw = vn_row(**{"doc_type": "HCVN", "doc_number": "C1234567", "mrz": MRZ_VN, **overrides})
    guest, errors = clean(raw)
    assert guest is None
    assert any(e.field == field and "vùng đọc máy" in e.message for e in errors)


def test_mrz_nationality_must_agree():
    raw = foreign_row(doc_number="L898902C3", nationality="SWE", birth_date="12/08/1974", mrz=MRZ_ICAO)
    _, errors = clean(raw)
    assert any(e.field == "nationality" and "vùng đọc máy" in e.message for e in errors)


def test_mrz_with_a_broken_check_digit_refuses_the_row():
    broken = MRZ_VN[:-3] + "9" + MRZ_VN[-2:]  # the optional data's check digit
    _, errors = clean(vn_row(doc_type="HCVN", doc_number="C1234567", mrz=broken))
    assert any(e.field == "mrz" and "Chữ số kiểm tra" in e.message for e in errors)


def test_unreadable_mrz_is_a_row_error_not_an_exception():
    _, errors = clean(vn_row(doc_type="HCVN", doc_number="C1234567", mrz="P<VNM"))
    assert [e.field for e in errors] == ["mrz"]


def test_expired_passport_warns_but_is_declared():
    # given the Vietnamese specimen on a day after its expiry (14/01/2030)
    later = datetime(2030, 3, 1, 10, tzinfo=VN)
    raw = vn_row(
        doc_type="HCVN", doc_number="C1234567", mrz=MRZ_VN, arrived_at="01/03/2030 09:00", expected_departure=""
    )
    guest, errors = clean_guest(raw, codes=codes_from_data(later.date()), now=later)
    assert errors == []
    assert "Hộ chiếu đã hết hạn." in guest.warnings


@pytest.mark.parametrize(
    "name",
    [
        "Nguyễn Văn An",
        "ĐẶNG THỊ NGỌC HÂN",
        "Trịnh Ư Ơ",
        "KIM MIN JUN",
        "Müller Zoë",
        "Łukasz Żółć",
        "Straße Ǆ",
        "Ωμέγα",
    ],
)
def test_fast_name_folding_equals_core_fold(name):
    from antt.core.text import fold
    from antt.lodging.validation import fold_name

    assert fold_name(name) == fold(name)
