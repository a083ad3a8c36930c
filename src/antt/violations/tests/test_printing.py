"""The violation documents as PDFs: the Vietnamese text a reader extracts (record MBB01, decision
MQĐ02/MQĐ01, counter receipt), the decision's VietQR code, the form version by date, and the staff
print views (scope, permission, personal-data read logged, inline).

poppler-utils (pdftotext, pdftoppm) is a test-time tool installed in CI; the tests that need it are
skipped, with the reason, only where the binary is missing.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
import zxingcpp
from django.urls import reverse
from PIL import Image

from antt.core.models import AuditEvent
from antt.org.models import Role, Unit
from antt.org.otp import login_verified
from antt.org.tests.factories import make_officer, make_unit
from antt.violations import printing
from antt.violations.models import (
    Behaviour,
    Circumstance,
    DecisionLine,
    Decree,
    FinePayment,
    LegalParameter,
    LicenceSuspension,
    PenaltyDecision,
    RecordBehaviour,
    SeizedItem,
    StatGroup,
    Subject,
    ViolationCase,
    ViolationRecord,
)

VN = ZoneInfo("Asia/Ho_Chi_Minh")
pytestmark = pytest.mark.django_db


def at(*args) -> datetime:
    return datetime(*args, tzinfo=VN)


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.skip(f"{name} (poppler-utils) is not installed here; CI installs it: apt-get install poppler-utils")
    return found


def pdf_text(pdf: bytes) -> str:
    """The extracted text, NFC, whitespace collapsed (lines wrap where the layout decides)."""
    out = subprocess.run([_tool("pdftotext"), "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True)
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", out.stdout.decode("utf-8")))


def qr_codes(pdf: bytes) -> list[str]:
    """The QR codes of every page, decoded from a 200 dpi rendering."""
    found = []
    pages = subprocess.run([_tool("pdfinfo"), "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    count = int(re.search(r"Pages:\s+(\d+)", pages).group(1))
    for page in range(1, count + 1):
        png = subprocess.run(
            [_tool("pdftoppm"), "-r", "200", "-png", "-f", str(page), "-l", str(page), "-"],
            input=pdf,
            capture_output=True,
            check=True,
        ).stdout
        found += [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png))) if r.format.name == "QRCode"]
    return found


def emv_fields(payload: str) -> dict[str, str]:
    """Top-level EMVCo TLV fields (id -> value) of a VietQR payload."""
    fields, i = {}, 0
    while i < len(payload):
        tag, length = payload[i : i + 2], int(payload[i + 2 : i + 4])
        fields[tag] = payload[i + 4 : i + 4 + length]
        i += 4 + length
    return fields


def crc16_ccitt_false(data: str) -> str:
    """Reference CRC (poly 0x1021, init 0xFFFF), independent of the code under test."""
    crc = 0xFFFF
    for byte in data.encode("utf-8"):
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return f"{crc:04X}"


# --- a small world built directly (stable whatever the real catalogue says) -------------------


@dataclass
class World:
    province: Unit
    commune: Unit
    other_commune: Unit
    officer: object
    head: object
    other_officer: object
    supervisor: object
    helmet: Behaviour
    alcohol: Behaviour


def _parameters():
    for key, value, unit in [("payment_days", 10, "ngày"), ("surcharge_per_100000_per_day", 50, "đồng")]:
        LegalParameter.objects.create(
            key=key, value=value, unit=unit, description=key, valid_from=date(2013, 7, 1), legal_basis="Luật XLVPHC"
        )


@pytest.fixture
def w() -> World:
    province = make_unit("Công an tỉnh Thanh Hóa", level=Unit.Level.PROVINCE)
    commune = make_unit("Công an phường Hạc Thành", parent=province)
    other = make_unit("Công an phường Hàm Rồng", parent=province)
    group = StatGroup.objects.create(code="4", field_no=4, field_name="Trật tự, an toàn giao thông đường bộ")
    decree = Decree.objects.create(
        code="168/2024/NĐ-CP",
        title="quy định xử phạt vi phạm hành chính về trật tự, an toàn giao thông trong lĩnh vực giao thông đường bộ",
        valid_from=date(2025, 1, 1),
        legal_basis="Nghị định 168/2024/NĐ-CP",
    )
    common = {
        "decree": decree,
        "stat_group": group,
        "fine_field_code": "road",
        "valid_from": date(2025, 1, 1),
        "legal_basis": "x",
    }
    helmet = Behaviour.objects.create(
        code="168/2024:7.2.h",
        article=7,
        clause=2,
        point="h",
        description="Không đội mũ bảo hiểm cho người đi mô tô, xe máy",
        short_name="Không đội mũ bảo hiểm",
        fine_min=400_000,
        fine_max=600_000,
        vehicle_related=True,
        **common,
    )
    alcohol = Behaviour.objects.create(
        code="168/2024:6.11.a",
        article=6,
        clause=11,
        point="a",
        description="Điều khiển xe trên đường mà trong máu hoặc hơi thở có nồng độ cồn vượt quá 0,4 miligam/1 lít khí thở",
        short_name="Nồng độ cồn mức 3 (ô tô)",
        fine_min=30_000_000,
        fine_max=40_000_000,
        suspension_min_months=22,
        suspension_max_months=24,
        licence_points=None,
        vehicle_related=True,
        **common,
    )
    Circumstance.objects.create(
        kind="mitigating",
        code="9.1.a",
        text="Người vi phạm đã tự nguyện khai báo, thành thật hối lỗi",
        valid_from=date(2013, 7, 1),
        legal_basis="Điều 9 Luật XLVPHC",
    )
    _parameters()
    return World(
        province=province,
        commune=commune,
        other_commune=other,
        officer=make_officer(commune, role=Role.PROCESSOR, full_name="Lê Văn Hùng"),
        head=make_officer(commune, role=Role.HEAD, full_name="Nguyễn Văn Trưởng"),
        other_officer=make_officer(other, role=Role.HEAD, full_name="Trần Văn Khác"),
        supervisor=make_officer(province, role=Role.SUPERVISOR, full_name="Đỗ Văn Thành"),
        helmet=helmet,
        alcohol=alcohol,
    )


PERSON = {
    "violator_kind": Subject.PERSON,
    "violator_name": "Đặng Thị Ngọc Hường",
    "violator_id_number": "038190012345",
    "violator_birth_date": date(1990, 3, 5),
    "violator_nationality": "Việt Nam",
    "violator_occupation": "Kinh doanh",
    "violator_address": "12 Lê Lợi, phường Hạc Thành, tỉnh Thanh Hóa",
}
COMPANY = {
    "violator_kind": Subject.ORGANISATION,
    "violator_name": "Công ty TNHH Vận tải Hàm Rồng",
    "violator_tax_code": "2801234567",
    "violator_address": "5 Bà Triệu, phường Hàm Rồng, tỉnh Thanh Hóa",
    "violator_representative": "Phạm Quốc Toàn",
    "violator_representative_title": "Giám đốc",
}


def make_record(w: World, *, violator=PERSON, behaviours=None, seized=True, **extra) -> ViolationRecord:
    made = extra.pop("made_at", at(2026, 4, 23, 9, 30))
    case = ViolationCase.objects.create(
        code=f"VV-{ViolationCase.objects.count() + 1}", unit=w.commune, occurred_on=made.date()
    )
    record = ViolationRecord.objects.create(
        number=extra.pop("number", "15/BB-VPHC"),
        seq=15,
        unit=w.commune,
        officer=w.officer,
        officer_title="Cán bộ Cảnh sát giao thông",
        case=case,
        made_at=made,
        violated_at=extra.pop("violated_at", made.replace(hour=9, minute=10)),
        address="Ngã tư Lê Lợi - Bà Triệu",
        vehicle_kind="motorbike",
        plate="36B112345",
        plate_display="36-B1 123.45",
        witnesses=[
            {"name": "Trần Văn Chứng", "address": "20 Bà Triệu", "statement": "Tôi thấy người vi phạm không đội mũ"}
        ],
        statement="Tôi quên mũ bảo hiểm ở nhà.",
        decision_due_on=date(2026, 5, 5),
        **violator,
        **extra,
    )
    for behaviour in behaviours or [w.helmet]:
        RecordBehaviour.objects.create(record=record, behaviour=behaviour, note="người ngồi sau")
    if seized:
        SeizedItem.objects.create(
            unit=w.commune,
            record=record,
            kind="licence",
            description="Giấy phép lái xe hạng A1 số 380123456789",
            quantity=1,
            measure="chiếc",
            storage_place="Kho tang vật Công an phường Hạc Thành",
            seized_at=made,
            seized_by=w.officer,
            hold_until=date(2026, 5, 5),
        )
    return record


def make_decision(
    w: World, *, record=None, kind=PenaltyDecision.Kind.WITH_RECORD, lines=None, **extra
) -> PenaltyDecision:
    issued = extra.pop("issued_at", at(2026, 4, 24, 14, 0))
    record = record if record is not None or kind != PenaltyDecision.Kind.WITH_RECORD else make_record(w)
    violator = {k: getattr(record, k) for k in PERSON} if record is not None else dict(PERSON)
    lines = lines or [(w.helmet, 500_000, [], [])]
    decision = PenaltyDecision.objects.create(
        number=extra.pop("number", "27/QĐ-XPHC"),
        seq=27,
        payment_reference=extra.pop("payment_reference", "VP7K2M9QX4TA"),
        kind=kind,
        unit=w.commune,
        unit_path=w.commune.path,
        case=record.case
        if record is not None
        else ViolationCase.objects.create(code="VV-S", unit=w.commune, occurred_on=issued.date()),
        issuer=w.head,
        issuer_name="Nguyễn Văn Trưởng",
        issuer_title_code="truong-ca-xa",
        issuer_title_name="Trưởng Công an phường",
        violated_at=record.violated_at if record is not None else issued,
        issued_at=issued,
        issued_on=issued.date(),
        address="Ngã tư Lê Lợi - Bà Triệu",
        plate_display="36-B1 123.45",
        stat_group=lines[0][0].stat_group,
        total_fine=sum(amount for _, amount, _, _ in lines),
        status="unpaid",
        **{**violator, **extra},
    )
    if record is not None:
        decision.records.add(record)
    for behaviour, amount, mitigating, aggravating in lines:
        DecisionLine.objects.create(
            decision=decision,
            behaviour=behaviour,
            stat_group=behaviour.stat_group,
            provision=behaviour.provision,
            description=behaviour.description,
            fine_min=behaviour.fine_min,
            fine_max=behaviour.fine_max,
            mitigating=mitigating,
            aggravating=aggravating,
            amount=amount,
            suspension_months=23 if behaviour.suspension_max_months else None,
        )
    return decision


# --- the record (MBB01) --------------------------------------------------------------------


def test_record_pdf_carries_the_mbb01_contents_in_vietnamese(w):
    # given a record of a person with a seized licence and a witness
    record = make_record(w)
    # when it is printed
    text = pdf_text(printing.record_pdf(record))
    # then the reader finds every part Luật XLVPHC Art. 58(2) asks for
    for expected in [
        "Mẫu MBB01",
        "CÔNG AN TỈNH THANH HÓA",
        "CÔNG AN PHƯỜNG HẠC THÀNH",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Số: 15/BB-VPHC",
        "ngày 23 tháng 4 năm 2026",
        "BIÊN BẢN VI PHẠM HÀNH CHÍNH",
        "Về trật tự, an toàn giao thông đường bộ",
        "(sửa đổi, bổ sung năm 2020 và năm 2025)",
        "Hôm nay, hồi 09 giờ 30 phút, ngày 23/04/2026",
        "Người lập biên bản: Lê Văn Hùng; Chức vụ: Cán bộ Cảnh sát giao thông; Cơ quan: Công an phường Hạc Thành",
        "Ông (bà): Trần Văn Chứng",
        "Họ và tên: Đặng Thị Ngọc Hường",
        "Ngày, tháng, năm sinh: 05/03/1990; Quốc tịch: Việt Nam",
        "Nghề nghiệp: Kinh doanh",
        "Số định danh cá nhân/Hộ chiếu: 038190012345",
        "Không đội mũ bảo hiểm cho người đi mô tô, xe máy (người ngồi sau)",
        "Quy định tại: điểm h khoản 2 Điều 7 Nghị định 168/2024/NĐ-CP",
        "hồi 09 giờ 10 phút, ngày 23/04/2026, tại Ngã tư Lê Lợi - Bà Triệu",
        "biển số 36-B1 123.45",
        "Tôi quên mũ bảo hiểm ở nhà.",
        "Tôi thấy người vi phạm không đội mũ",
        "Giấy phép lái xe hạng A1 số 380123456789",
        "Kho tang vật Công an phường Hạc Thành",
        "02 ngày làm việc",
        "giải trình trực tiếp đến Công an phường Hạc Thành",
        "gồm 2 tờ",  # the page count, filled in when the PDF is finished
        "Trang 2/2",
        "CÁ NHÂN VI PHẠM",
        "NGƯỜI LẬP BIÊN BẢN",
        "NGƯỜI CHỨNG KIẾN",
    ]:
        assert expected in text, expected


def test_record_of_an_organisation_names_its_tax_code_and_representative_and_the_refusal(w):
    record = make_record(w, violator=COMPANY, seized=False, refused_to_sign=True, number="16/BB-VPHC")
    text = pdf_text(printing.record_pdf(record))
    assert "Tên của tổ chức: Công ty TNHH Vận tải Hàm Rồng" in text
    assert "Mã số doanh nghiệp/Mã số thuế: 2801234567" in text
    assert "Người đại diện theo pháp luật: Phạm Quốc Toàn; Chức danh: Giám đốc" in text
    assert "ĐẠI DIỆN TỔ CHỨC VI PHẠM" in text
    assert "Đại diện tổ chức vi phạm không ký biên bản" in text
    assert "Không tạm giữ tang vật" in text
    assert "Họ và tên:" not in text


def test_a_record_made_before_july_2025_cites_the_law_as_amended_in_2020_only(w):
    record = make_record(w, made_at=at(2024, 3, 5, 8, 0))
    text = pdf_text(printing.record_pdf(record))
    assert "(sửa đổi, bổ sung năm 2020)" in text
    assert "năm 2025" not in text
    assert "ngày 05 tháng 3 năm 2024" in text


def test_a_record_before_the_forms_of_nd_118_2021_cannot_be_printed(w):
    record = make_record(w, made_at=at(2019, 6, 1, 8, 0))
    with pytest.raises(printing.PrintError, match="01/06/2019"):
        printing.record_pdf(record)


# --- the decision (MQĐ02 / MQĐ01) ----------------------------------------------------------


def test_decision_pdf_states_penalties_amounts_in_words_deadline_and_surcharge_rate(w):
    # given a decision of two behaviours, one with a 23-month licence suspension and a mitigating circumstance
    decision = make_decision(w, lines=[(w.helmet, 400_000, ["9.1.a"], []), (w.alcohol, 30_000_000, [], [])])
    decision.payment_due_on = date(2026, 5, 8)
    decision.delivered_on = date(2026, 4, 28)
    decision.save()
    LicenceSuspension.objects.create(
        unit=w.commune,
        decision=decision,
        kind="driving",
        licence_number="380123456789",
        licence_class="B",
        holder_name=decision.violator_name,
        months=23,
        starts_on=date(2026, 4, 28),
        ends_on=date(2028, 3, 27),
    )
    # when it is printed
    text = pdf_text(printing.decision_pdf(decision))
    # then
    for expected in [
        "Mẫu MQĐ02",
        "Số: 27/QĐ-XPHC",
        "ngày 24 tháng 4 năm 2026",
        "QUYẾT ĐỊNH",
        "Xử phạt vi phạm hành chính",
        "Căn cứ Điều 57, Điều 68, Điều 70, Điều 78 và Điều 85 Luật Xử lý vi phạm hành chính",
        "Căn cứ Nghị định số 168/2024/NĐ-CP quy định xử phạt vi phạm hành chính về trật tự, an toàn giao thông",
        "Căn cứ Biên bản vi phạm hành chính số 15/BB-VPHC lập ngày 23/04/2026",
        "Tôi: Nguyễn Văn Trưởng; Chức vụ: Trưởng Công an phường",
        "Điều 1. Xử phạt vi phạm hành chính đối với ông (bà)",
        "Họ và tên: Đặng Thị Ngọc Hường",
        "Quy định tại: điểm a khoản 11 Điều 6 Nghị định 168/2024/NĐ-CP",
        "Các tình tiết giảm nhẹ: Người vi phạm đã tự nguyện khai báo, thành thật hối lỗi",
        "Phạt tiền 400.000 đồng",
        "Phạt tiền 30.000.000 đồng",
        "Tổng số tiền phạt: 30.400.000 đồng (Bằng chữ: Ba mươi triệu bốn trăm nghìn đồng)",
        "Tước quyền sử dụng giấy phép lái xe số 380123456789, hạng B trong thời hạn 23 tháng, từ ngày 28/04/2026 đến hết ngày 27/03/2028",
        "Điều 2. Quyết định này có hiệu lực kể từ ngày ký (24/04/2026)",
        "trong thời hạn 10 ngày, kể từ ngày nhận được Quyết định xử phạt (hạn cuối: ngày 08/05/2026)",
        "nội dung nộp tiền ghi mã thanh toán VP7K2M9QX4TA",
        "phải nộp thêm 0,05% trên tổng số tiền phạt chưa nộp",
        "có quyền khiếu nại hoặc khởi kiện",
        "NGƯỜI RA QUYẾT ĐỊNH",
        "TRƯỞNG CÔNG AN PHƯỜNG",
    ]:
        assert expected in text, expected


def test_decision_deadline_and_rate_follow_the_legal_parameters_not_literals(w):
    # given the law changes the rate and the days (a new row in force on the day of issue)
    for key, value in [("payment_days", 15), ("surcharge_per_100000_per_day", 100)]:
        LegalParameter.objects.create(
            key=key, value=value, unit="x", description=key, valid_from=date(2026, 1, 1), legal_basis="thử"
        )
    text = pdf_text(printing.decision_pdf(make_decision(w)))
    assert "trong thời hạn 15 ngày" in text
    assert "phải nộp thêm 0,1% trên tổng số tiền phạt" in text


def test_a_missing_legal_parameter_is_a_print_error_not_a_crash(w):
    LegalParameter.objects.filter(key="payment_days").delete()
    with pytest.raises(printing.PrintError, match="payment_days"):
        printing.decision_pdf(make_decision(w))


def test_an_on_the_spot_decision_uses_mqd01_without_a_record(w):
    decision = make_decision(w, kind=PenaltyDecision.Kind.ON_THE_SPOT, record=None, number="3/QĐ-XPKLBB")
    text = pdf_text(printing.decision_pdf(decision))
    assert "Mẫu MQĐ01" in text
    assert "Xử phạt vi phạm hành chính không lập biên bản" in text
    assert "theo thủ tục xử phạt không lập biên bản" in text
    assert "Căn cứ Biên bản" not in text
    assert "Bằng chữ: Năm trăm nghìn đồng" in text


def test_an_imported_decision_has_no_printed_form(w):
    decision = make_decision(w, kind=PenaltyDecision.Kind.IMPORTED, source="import")
    with pytest.raises(printing.PrintError):
        printing.decision_pdf(decision)


def test_decision_qr_is_a_vietqr_payload_with_valid_crc_the_amount_and_the_payment_reference(w):
    vietqr = pytest.importorskip("antt.core.vietqr", reason="antt.core.vietqr (payments helper) not there yet")
    decision = make_decision(w, lines=[(w.helmet, 500_000, [], [])])
    codes = qr_codes(printing.decision_pdf(decision))
    assert len(codes) == 1
    payload = codes[0]
    fields = emv_fields(payload)
    assert payload[-4:] == crc16_ccitt_false(payload[:-4])  # tag 63, length 04, then the CRC of all before it
    assert fields["54"] == "500000"
    assert "VP7K2M9QX4TA" in fields["62"]
    assert vietqr.parse_payload(payload)  # the payments helper's parser accepts it too


def test_a_warning_only_decision_has_no_amount_to_pay_and_no_qr(w):
    decision = make_decision(w, lines=[(w.helmet, 0, [], [])], warning_only=True)
    DecisionLine.objects.filter(decision=decision).update(warning=True)
    pdf = printing.decision_pdf(decision)
    text = pdf_text(pdf)
    assert "Hình thức xử phạt: Cảnh cáo" in text
    assert "mã thanh toán" not in text
    assert qr_codes(pdf) == []


# --- the counter receipt -------------------------------------------------------------------


def test_receipt_pdf_shows_the_payment_in_figures_and_words_with_its_parts(w):
    decision = make_decision(w)
    payment = FinePayment.objects.create(
        decision=decision,
        channel=FinePayment.Channel.COUNTER,
        amount=502_500,
        fine_part=500_000,
        surcharge_part=2_500,
        received_at=at(2026, 5, 12, 10, 15),
        receipt_number="0000123",
        payer_name="Đặng Thị Ngọc Hường",
        officer=w.head,
    )
    decision.amount_paid = 500_000
    decision.save()
    text = pdf_text(printing.receipt_pdf(payment))
    for expected in [
        "BIÊN LAI THU TIỀN PHẠT",
        "Số biên lai: 0000123",
        "10 giờ 15 phút, ngày 12/05/2026",
        "Quyết định xử phạt vi phạm hành chính số 27/QĐ-XPHC ngày 24/04/2026",
        "Tiền phạt",
        "500.000 đồng",
        "Tiền chậm nộp phạt",
        "2.500 đồng",
        "Tổng cộng: 502.500 đồng (Bằng chữ: Năm trăm linh hai nghìn năm trăm đồng)",
        "Đã nộp đủ tiền phạt",
        "Nguyễn Văn Trưởng",
    ]:
        assert expected in text, expected


def test_a_transfer_has_no_counter_receipt(w):
    payment = FinePayment.objects.create(
        decision=make_decision(w),
        channel=FinePayment.Channel.TRANSFER,
        amount=500_000,
        fine_part=500_000,
        received_at=at(2026, 5, 2, 10, 0),
        transaction_id="FT123",
    )
    with pytest.raises(printing.PrintError):
        printing.receipt_pdf(payment)


# --- views ---------------------------------------------------------------------------------


def test_record_view_returns_the_pdf_inline_and_logs_the_personal_read(client, w):
    # given
    record = make_record(w)
    login_verified(client, w.officer)
    # when
    response = client.get(reverse("violations:record-pdf", args=[record.pk]))
    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="bien-ban-15-bb-vphc.pdf"'
    assert "BIÊN BẢN VI PHẠM HÀNH CHÍNH" in pdf_text(response.content)
    entry = AuditEvent.objects.filter(action="read_personal", object_id=str(record.pk)).latest("seq")
    assert entry.reason == "In biên bản vi phạm hành chính"
    assert entry.actor_id == w.officer.pk


def test_decision_and_receipt_views_print_inline_and_log(client, w):
    decision = make_decision(w)
    payment = FinePayment.objects.create(
        decision=decision,
        channel=FinePayment.Channel.COUNTER,
        amount=500_000,
        fine_part=500_000,
        received_at=at(2026, 4, 25, 9, 0),
        receipt_number="0000007",
        officer=w.head,
    )
    login_verified(client, w.head)
    response = client.get(reverse("violations:decision-pdf", args=[decision.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'inline; filename="quyet-dinh-27-qd-xphc.pdf"'
    response = client.get(reverse("violations:receipt-pdf", args=[decision.pk, payment.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'inline; filename="bien-lai-0000007.pdf"'
    reasons = set(
        AuditEvent.objects.filter(action="read_personal", object_id=str(decision.pk)).values_list("reason", flat=True)
    )
    assert reasons == {"In quyết định xử phạt vi phạm hành chính", "In biên lai thu tiền phạt số 0000007"}


def test_print_views_hide_another_units_files_and_need_a_signed_in_officer(client, w):
    record = make_record(w)
    decision = make_decision(w, record=record)
    urls = [
        reverse("violations:record-pdf", args=[record.pk]),
        reverse("violations:decision-pdf", args=[decision.pk]),
    ]
    # anonymous: sent to sign in
    response = client.get(urls[0])
    assert response.status_code == 302 and reverse("login") in response["Location"]
    # an officer of another ward: not found, and nothing logged
    login_verified(client, w.other_officer)
    for url in urls:
        assert client.get(url).status_code == 404
    assert not AuditEvent.objects.filter(action="read_personal").exists()
    # a provincial supervisor sees the files but not the violator's personal data: forbidden
    login_verified(client, w.supervisor)
    for url in urls:
        assert client.get(url).status_code == 403
    assert not AuditEvent.objects.filter(action="read_personal").exists()


def test_a_document_that_cannot_be_printed_answers_404_not_500(client, w):
    decision = make_decision(w)
    transfer = FinePayment.objects.create(
        decision=decision,
        channel=FinePayment.Channel.TRANSFER,
        amount=500_000,
        fine_part=500_000,
        received_at=at(2026, 5, 2, 10, 0),
        transaction_id="FT999",
    )
    login_verified(client, w.head)
    assert client.get(reverse("violations:receipt-pdf", args=[decision.pk, transfer.pk])).status_code == 404
    assert client.get(reverse("violations:receipt-pdf", args=[decision.pk, 999999])).status_code == 404
    assert client.post(reverse("violations:decision-pdf", args=[decision.pk])).status_code == 405
    assert not AuditEvent.objects.filter(action="read_personal").exists()


# --- through the real services (the shared factories) ------------------------------------------


def test_documents_of_a_file_made_through_the_services_print_and_the_qr_pays_what_is_due(client):
    from antt.violations import services
    from antt.violations.tests.factories import VIOLATED_AT, violations_world
    from antt.violations.tests.factories import make_decision as issue
    from antt.violations.tests.factories import make_record as record_create

    # given a record with a seized licence and a witness, a decision from it, delivered
    f = violations_world()
    record = record_create(
        f,
        witnesses=[{"name": "Trần Văn Chứng", "address": "20 Bà Triệu"}],
        seized=[{"kind": "licence", "description": "Giấy phép lái xe hạng A1", "storage_place": "Kho tang vật"}],
    )
    decision = issue(f, record=record)
    decision = services.decision_deliver(officer=f.officer, decision=decision, delivered_on=date(2026, 3, 12))
    # when the three documents are printed
    record_text = pdf_text(printing.record_pdf(record))
    decision_bytes = printing.decision_pdf(decision)
    decision_text = pdf_text(decision_bytes)
    # then each carries its numbers, dates and amounts
    assert f"Số: {record.number}" in record_text
    assert f"ngày {VIOLATED_AT:%d/%m/%Y}" in record_text
    assert "Ông (bà): Trần Văn Chứng" in record_text and "Giấy phép lái xe hạng A1" in record_text
    assert f"Căn cứ Biên bản vi phạm hành chính số {record.number}" in decision_text
    amount = decision.total_fine
    assert f"{amount:,}".replace(",", ".") + " đồng" in decision_text
    assert f"(hạn cuối: ngày {decision.payment_due_on:%d/%m/%Y})" in decision_text
    assert f"mã thanh toán {decision.payment_reference}" in decision_text
    [payload] = qr_codes(decision_bytes)
    fields = emv_fields(payload)
    assert payload[-4:] == crc16_ccitt_false(payload[:-4])
    assert int(fields["54"]) == amount
    assert emv_fields(fields["62"])["08"] == decision.payment_reference
    # and a counter payment gets its receipt, through the view, logged
    payment, created = services.payment_record(
        decision=decision,
        amount=amount,
        channel=FinePayment.Channel.COUNTER,
        received_at=at(2026, 3, 13, 10, 0),
        payer_name="Nguyễn Văn An",
        officer=f.receptionist,
    )
    assert created and payment.receipt_number
    login_verified(client, f.receptionist)
    response = client.get(reverse("violations:receipt-pdf", args=[decision.pk, payment.pk]))
    assert response.status_code == 200
    text = pdf_text(response.content)
    assert f"Số biên lai: {payment.receipt_number}" in text
    assert f"Quyết định xử phạt vi phạm hành chính số {decision.number}" in text
    assert "Đã nộp đủ tiền phạt" in text
    # an officer of the other ward gets 404 for all three
    login_verified(client, f.other_officer)
    for url in [
        reverse("violations:record-pdf", args=[record.pk]),
        reverse("violations:decision-pdf", args=[decision.pk]),
        reverse("violations:receipt-pdf", args=[decision.pk, payment.pk]),
    ]:
        assert client.get(url).status_code == 404, url


# --- the forms as data -------------------------------------------------------------------------


def test_each_form_has_exactly_one_version_in_force_on_every_day_since_nd_118_2021():
    from datetime import timedelta

    for key in ("record", "decision_record", "decision_spot", "receipt"):
        versions = sorted((f for f in printing.forms() if f.key == key), key=lambda f: f.valid_from)
        assert versions[0].valid_from == date(2022, 1, 1), key
        for before, after in zip(versions, versions[1:], strict=False):
            assert before.valid_to == after.valid_from - timedelta(days=1), (key, before.id, after.id)
        assert versions[-1].valid_to is None, key
        assert printing.form_for(key, date(2025, 6, 30)).valid_from <= date(2025, 6, 30)


def test_a_form_text_broken_by_an_administrator_is_a_print_error_and_the_view_answers_404(client, w, tmp_path):
    # given forms.yaml with an unclosed tag in the record's title
    broken = printing.FORMS_FILE.read_text(encoding="utf-8").replace(
        'title: "BIÊN BẢN VI PHẠM HÀNH CHÍNH"', 'title: "BIÊN BẢN {% if %}"'
    )
    path = tmp_path / "forms.yaml"
    path.write_text(broken, encoding="utf-8")
    record = make_record(w)
    with mock.patch.object(printing, "FORMS_FILE", path):
        with pytest.raises(printing.PrintError, match="quản trị viên cần sửa mẫu"):
            printing.record_pdf(record)
        # when the record is asked for
        login_verified(client, w.officer)
        response = client.get(reverse("violations:record-pdf", args=[record.pk]))
    # then a clear refusal, and no personal-data read was logged
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="read_personal").exists()
