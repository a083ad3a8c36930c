"""The official forms as PDFs: the right form for the dossier's date and field, the Vietnamese text a
reader extracts, the receipt's codes, and the staff print views (scope, permission, audit).

poppler-utils (pdftotext, pdftoppm) is a test-time tool installed in CI; the tests that need it are
skipped, with the reason, only where the binary is missing.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import unicodedata
from datetime import date, datetime
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
import zxingcpp
from django.conf import settings
from django.urls import reverse
from PIL import Image

from antt.catalog.models import Field
from antt.core.models import AuditEvent
from antt.dossiers import printing
from antt.dossiers.loaders import load_forms
from antt.dossiers.models import FormTemplate
from antt.dossiers.services import (
    DocumentReceipt,
    UploadIn,
    dossier_apologise,
    dossier_approve,
    dossier_attach_result,
    dossier_forward,
    dossier_receive,
    dossier_refuse,
    dossier_request_supplement,
    dossier_return,
    dossier_start,
    dossier_stop,
    dossier_submit_online,
)
from antt.dossiers.tests.factories import applicant, one_stop_world, pdf_upload
from antt.org.models import Role
from antt.org.otp import login_verified
from antt.org.tests.factories import make_officer

VN = ZoneInfo("Asia/Ho_Chi_Minh")
pytestmark = pytest.mark.django_db
FEE = 1_500_000


def at(*args) -> datetime:
    return datetime(*args, tzinfo=VN)


def now_is(*args):
    return mock.patch("django.utils.timezone.now", return_value=at(*args))


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.skip(f"{name} (poppler-utils) is not installed here; CI installs it: apt-get install poppler-utils")
    return found


def pdf_text(pdf: bytes) -> str:
    """The extracted text, NFC, whitespace collapsed (lines wrap where the layout decides)."""
    out = subprocess.run([_tool("pdftotext"), "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True)
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", out.stdout.decode("utf-8")))


def codes_on_page(pdf: bytes, page: int = 1) -> dict[str, str]:
    png = subprocess.run(
        [_tool("pdftoppm"), "-r", "200", "-png", "-f", str(page), "-l", str(page), "-"],
        input=pdf,
        capture_output=True,
        check=True,
    ).stdout
    return {r.format.name: r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))}


@pytest.fixture
def forms():
    return load_forms()


@pytest.fixture
def w(forms):
    return one_stop_world(days=3, fee=FEE)


def receive(w, when, **kw):
    docs = [DocumentReceipt(required_document_id=d.pk, originals=1, copies=2) for d in w.version.documents.all()]
    return dossier_receive(
        officer=w.receptionist,
        procedure=kw.pop("procedure", w.procedure),
        level="commune",
        applicant=kw.pop("applicant", applicant()),
        documents=docs,
        at=when,
        **kw,
    ).dossier


def submit_online(w, when):
    with now_is(*when):
        return dossier_submit_online(
            procedure=w.procedure, level="commune", unit=w.unit, applicant=applicant(), uploads=[UploadIn(pdf_upload())]
        )


def in_field(w, slug: str, name: str):
    """Move the world's procedure to the catalogue field `slug` (e.g. cu-tru, can-cuoc)."""
    field, _ = Field.objects.get_or_create(slug=slug, defaults={"name": name})
    w.procedure.field = field
    w.procedure.save()
    return field


def late_and_apologised(w, received: tuple, late_day: tuple, new_due: date):
    """A dossier received on `received` (3 working days), approved late on `late_day`, then apologised."""
    d = receive(w, at(*received))
    with now_is(*late_day):
        d = dossier_start(officer=w.receptionist, dossier=d, assignee=w.processor)
        dossier_attach_result(officer=w.processor, dossier=d, name="Xác nhận thông tin cư trú")
        d.refresh_from_db()
        d = dossier_forward(officer=w.processor, dossier=d, assignee=w.head)
        d = dossier_approve(officer=w.head, dossier=d)
        apology = dossier_apologise(
            officer=w.head, dossier=d, reason="Cần xác minh thêm nơi cư trú", new_due_date=new_due
        )
    return d, apology


def returned(w, received: tuple):
    """A dossier received on `received` (a Monday), processed that day and returned the next."""
    d = receive(w, at(*received))
    y, m, day = received[:3]
    with now_is(y, m, day, 9, 30):
        d = dossier_start(officer=w.receptionist, dossier=d, assignee=w.processor)
    with now_is(y, m, day, 14, 0):
        dossier_attach_result(officer=w.processor, dossier=d, name="Kết quả")
        d.refresh_from_db()
        d = dossier_forward(officer=w.processor, dossier=d, assignee=w.head, note="Đủ điều kiện")
    with now_is(y, m, day + 1, 8, 0):
        d = dossier_approve(officer=w.head, dossier=d)
        d.fee_paid_at = at(y, m, day, 9, 0)
        d.save(update_fields=["fee_paid_at"])
        d = dossier_return(officer=w.receptionist, dossier=d)
    return d


# --- which form ---------------------------------------------------------------------------


def test_the_form_in_force_on_the_dossier_date_is_chosen(forms):
    # given the loaded sets; when asking for the receipt around the day TT 03/2025 applies
    # then the day before gets TT 01/2018 and the day itself TT 03/2025
    assert printing.form_for("receipt", date(2025, 9, 14)).form_set == "TT 01/2018/TT-VPCP"
    assert printing.form_for("receipt", date(2025, 9, 15)).form_set == "TT 03/2025/TT-VPCP"
    # a sector form wins for its field only
    assert printing.form_for("receipt", date(2026, 1, 5), "cu-tru").code == "CT04"
    assert printing.form_for("receipt", date(2026, 1, 5), "can-cuoc").code == "CC02"
    assert printing.form_for("receipt", date(2026, 1, 5), "xuat-nhap-canh").code == "01"
    # căn cước has no supplement form of its own: the general one
    assert printing.form_for("supplement_request", date(2026, 1, 5), "can-cuoc").code == "02"
    # the 2018 set had no stop notice
    with pytest.raises(printing.NoFormTemplate) as err:
        printing.form_for("stop_notice", date(2025, 3, 1))
    assert "01/03/2025" in err.value.message


def test_a_dossier_of_march_2025_prints_the_tt_01_2018_receipt(w):
    # given a dossier received on Saturday 01/03/2025
    d = receive(w, at(2025, 3, 1, 8, 15))
    # when its receipt is printed
    text = pdf_text(printing.receipt_pdf(d))
    # then it is Mẫu 01 of TT 01/2018, not of TT 03/2025
    assert "Mẫu số 01" in text
    assert "Thông tư số 01/2018/TT-VPCP" in text
    assert "03/2025/TT-VPCP" not in text
    assert "08 giờ 15 phút, ngày 01/03/2025" in text


# --- Mẫu 01 -------------------------------------------------------------------------------


def test_receipt_reads_in_vietnamese_with_the_dossier_filled_in(w):
    # given a dossier received on Thursday 23/04/2026 at 09:30 (due Wednesday 29/04)
    d = receive(w, at(2026, 4, 23, 9, 30))
    # when
    text = pdf_text(printing.receipt_pdf(d))
    # then
    for expected in [
        "Mẫu số 01",
        "Phụ lục I ban hành kèm theo Thông tư số 03/2025/TT-VPCP",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "CÔNG AN TỈNH THỬ",
        "CÔNG AN PHƯỜNG HẠC THÀNH",
        "Thanh Hóa, ngày 23 tháng 4 năm 2026",
        "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
        f"Mã hồ sơ: {d.code}",
        "Tiếp nhận hồ sơ của: Đặng Thị Ngọc Hường",
        "Địa chỉ: Số 5 đường Lê Lợi",
        f"Nội dung yêu cầu giải quyết: {d.procedure.name}",
        "Tờ khai thay đổi thông tin cư trú (Mẫu CT01)",
        "Bản chứng thực",
        "Bản photo",
        "Số lượng hồ sơ: 01 (bộ)",
        "là: 3 ngày làm việc",
        "Thời gian nhận hồ sơ: 09 giờ 30 phút, ngày 23/04/2026",
        "Thời gian trả kết quả giải quyết hồ sơ: 17 giờ 00 phút, ngày 29/04/2026",
        "Nhận trực tiếp tại bộ phận một cửa (Công an phường Hạc Thành)",
        "1.500.000 đ (Bằng chữ: Một triệu năm trăm nghìn đồng)",
        "NGƯỜI NỘP HỒ SƠ",
        "NGƯỜI TIẾP NHẬN HỒ SƠ",
        "Lê Thị Thu Trang",
        "Liên: 1 - Lưu tại Bộ phận tiếp nhận và trả kết quả",
        "Liên: 2 - Giao cho cá nhân, tổ chức nộp hồ sơ",
    ]:
        assert expected in text, expected


def test_receipt_qr_opens_the_public_lookup_and_carries_no_personal_data(w):
    # given
    d = receive(w, at(2026, 4, 23, 9, 30))
    # when the applicant's copy is printed and its codes are scanned
    found = codes_on_page(printing.receipt_pdf(d, copies=(2,)))
    # then the QR is the public lookup URL with the dossier's token, the barcode the dossier code
    url = settings.ANTT_PUBLIC_BASE_URL.rstrip("/") + reverse("dossiers:public-token", args=[d.token])
    assert found.get("QRCode") == url
    assert found.get("Code39") == d.code
    for personal in ("Hường", "Huong", "038190000123", "0912", "345678", "huong@"):
        assert personal not in found["QRCode"]


def test_an_online_dossier_not_yet_received_gets_a_receipt_without_an_appointment(w):
    d = submit_online(w, (2026, 4, 23, 20, 0))
    text = pdf_text(printing.receipt_pdf(d, copies=(2,)))
    assert "20 giờ 00 phút, ngày 23/04/2026" in text
    assert printing.PENDING_DUE in text
    assert "(tệp điện tử)" in text


def test_a_residence_dossier_prints_ct04_and_a_cancuoc_one_cc02(w):
    # given the procedure belongs to the residence field
    in_field(w, "cu-tru", "Đăng ký, quản lý cư trú")
    d = receive(w, at(2026, 4, 23, 9, 30))
    # when / then
    text = pdf_text(printing.receipt_pdf(d, copies=(2,)))
    assert "Mẫu CT04" in text
    assert "66/2023/TT-BCA" in text
    assert "PHIẾU TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in text
    assert "Số định danh cá nhân/CMND: 038190000123" in text
    assert "Mẫu số 01" not in text
    in_field(w, "can-cuoc", "Cấp, quản lý thẻ Căn cước công dân")
    d2 = receive(w, at(2026, 4, 23, 10, 0))
    text = pdf_text(printing.receipt_pdf(d2, copies=(2,)))
    assert "Mẫu CC02" in text and "GIẤY HẸN TRẢ KẾT QUẢ GIẢI QUYẾT THỦ TỤC VỀ CĂN CƯỚC" in text


# --- Mẫu 02, 03 ---------------------------------------------------------------------------


def test_supplement_request_lists_every_item_the_reasons_and_whom_to_ask(w):
    # given an online dossier for which the receptionist asks two more documents
    d = submit_online(w, (2026, 4, 23, 8, 0))
    with now_is(2026, 4, 23, 10, 0):
        request = dossier_request_supplement(
            officer=w.receptionist,
            dossier=d,
            items=["Giấy tờ chứng minh chỗ ở hợp pháp", "Bản sao giấy khai sinh"],
            reasons="Ảnh chụp giấy tờ bị mờ, không đọc được",
        )
    # when
    text = pdf_text(printing.supplement_request_pdf(request))
    # then
    for expected in [
        "Mẫu số 02",
        "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ",
        "Số: 01/HDHS",
        "ngày 23 tháng 4 năm 2026",
        "Tiếp nhận hồ sơ/yêu cầu của Ông/Bà: Đặng Thị Ngọc Hường",
        "Thành phần hồ sơ",
        "Bản chứng thực",
        "Giấy tờ chứng minh chỗ ở hợp pháp",
        "Bản sao giấy khai sinh",
        "Lý do: Ảnh chụp giấy tờ bị mờ, không đọc được",
        "liên hệ với công chức Lê Thị Thu Trang",
        "NGƯỜI HƯỚNG DẪN",
    ]:
        assert expected in text, expected


def test_residence_supplement_request_is_ct05_with_the_items_in_its_body(w):
    in_field(w, "cu-tru", "Đăng ký, quản lý cư trú")
    d = submit_online(w, (2026, 4, 23, 8, 0))
    with now_is(2026, 4, 23, 10, 0):
        request = dossier_request_supplement(
            officer=w.receptionist, dossier=d, items=["Sổ hộ khẩu bản sao"], reasons="Thiếu giấy tờ"
        )
    text = pdf_text(printing.supplement_request_pdf(request))
    assert "Mẫu CT05" in text and "PHIẾU HƯỚNG DẪN BỔ SUNG, HOÀN THIỆN HỒ SƠ" in text
    assert "Căn cứ quy định của Luật Cư trú" in text and "1. Sổ hộ khẩu bản sao" in text


def test_refusal_gives_the_reasons_and_is_refused_for_a_dossier_not_refused(w):
    d = submit_online(w, (2026, 4, 23, 8, 0))
    with pytest.raises(printing.PrintError):
        printing.refusal_pdf(d)
    with now_is(2026, 4, 24, 9, 0):
        d = dossier_refuse(officer=w.receptionist, dossier=d, reasons="Thủ tục không thuộc thẩm quyền của Công an xã")
    text = pdf_text(printing.refusal_pdf(d))
    assert "Mẫu số 03" in text and "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ" in text
    assert "lý do cụ thể như sau: Thủ tục không thuộc thẩm quyền của Công an xã" in text
    assert "ngày 24 tháng 4 năm 2026" in text and "Lê Thị Thu Trang" in text


# --- Mẫu 04, 05 ---------------------------------------------------------------------------


def test_apology_of_2026_is_the_tt_03_2025_letter_with_dates_and_reason(w):
    # given a dossier received Monday 04/05/2026, due Thursday 07/05, approved late on Friday 08/05
    _, apology = late_and_apologised(w, (2026, 5, 4, 9, 0), (2026, 5, 8, 9, 0), date(2026, 5, 11))
    # when
    text = pdf_text(printing.apology_pdf(apology))
    # then
    for expected in [
        "Mẫu số 04",
        "VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT",
        "Kính gửi: Đặng Thị Ngọc Hường",
        "hồ sơ của Ông/Bà ngày 04/05/2026",
        "thời gian hẹn trả kết quả là ngày 07/05/2026",
        "Lý do chậm giải quyết: Cần xác minh thêm nơi cư trú",
        "hẹn trả kết quả vào ngày 11/05/2026",
        "Hoàng Văn Đạo",
    ]:
        assert expected in text, expected


def test_apology_of_an_older_dossier_keeps_the_2018_name(w):
    _, apology = late_and_apologised(w, (2025, 3, 3, 9, 0), (2025, 3, 7, 9, 0), date(2025, 3, 10))
    text = pdf_text(printing.apology_pdf(apology))
    assert "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ" in text
    assert "01/2018/TT-VPCP" in text and "ngày 10/03/2025" in text


def test_stop_notice_for_a_stopped_dossier(w):
    d = receive(w, at(2026, 4, 23, 9, 30))
    with pytest.raises(printing.PrintError):
        printing.stop_notice_pdf(d)
    with now_is(2026, 4, 24, 14, 0):
        d = dossier_stop(officer=w.head, dossier=d, reasons="Người nộp đề nghị dừng để bổ sung giấy tờ")
    text = pdf_text(printing.stop_notice_pdf(d))
    assert "Mẫu số 05" in text and "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ" in text
    assert "Lý do: Người nộp đề nghị dừng để bổ sung giấy tờ" in text
    assert f"(mã hồ sơ {d.code})" in text


def test_a_2025_dossier_stopped_after_september_gets_the_new_stop_notice(w):
    # the 2018 set had no stop notice: the form in force on the day it is issued is used
    d = receive(w, at(2025, 9, 12, 9, 0))
    with now_is(2025, 9, 16, 9, 0):
        d = dossier_stop(officer=w.head, dossier=d, reasons="Dừng theo đề nghị")
    assert "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ" in pdf_text(printing.stop_notice_pdf(d))


# --- Mẫu 06 -------------------------------------------------------------------------------


def test_control_slip_has_one_row_per_hand_over_with_its_result(w):
    # given a dossier received Monday 04/05/2026, handled the same day, returned the next
    d = returned(w, (2026, 5, 4, 9, 0))
    # when
    rows = printing.control_slip_rows(d)
    text = pdf_text(printing.control_slip_pdf(d))
    # then start, forward, approve, return: each with giver, receiver and time
    assert [r["to_officer"] for r in rows] == ["Nguyễn Văn Xử", "Hoàng Văn Đạo", printing.BLANK, "Đặng Thị Ngọc Hường"]
    assert [r["from_officer"] for r in rows] == [
        "Lê Thị Thu Trang",
        "Nguyễn Văn Xử",
        "Hoàng Văn Đạo",
        "Lê Thị Thu Trang",
    ]
    assert rows[0]["handed_at"] == "09 giờ 30 phút, ngày 04/05/2026"
    assert rows[0]["step_result"] in ("Trước hạn", "Đúng hạn")
    assert all(r["step_result"] in ("Trước hạn", "Đúng hạn", "Quá hạn") for r in rows)
    assert rows[-1]["to_unit"] == "Tổ chức, cá nhân"
    for expected in [
        "Mẫu số 06",
        "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ",
        f"Mã hồ sơ: {d.code}",
        "Kèm theo hồ sơ của: Đặng Thị Ngọc Hường",
        "Người giao: Nguyễn Văn Xử",
        "Người nhận: Hoàng Văn Đạo",
        "14 giờ 00 phút, ngày 04/05/2026",
        "Đủ điều kiện",
    ]:
        assert expected in text, expected


def test_a_step_finished_after_its_budget_is_late_on_the_control_slip(w):
    # given a dossier handed to the processor on Monday 04/05/2026 who forwards it only on Friday 08/05
    d = receive(w, at(2026, 5, 4, 9, 0))
    with now_is(2026, 5, 4, 9, 30):
        d = dossier_start(officer=w.receptionist, dossier=d, assignee=w.processor)
    with now_is(2026, 5, 8, 9, 0):
        dossier_attach_result(officer=w.processor, dossier=d, name="Kết quả")
        d.refresh_from_db()
        d = dossier_forward(officer=w.processor, dossier=d, assignee=w.head)
    # when
    rows = printing.control_slip_rows(d)
    # then the hand-over to processing was on time, the processor's hand-over to the head late
    assert len(rows) == 2
    assert rows[0]["step_result"] != "Quá hạn"
    assert rows[1]["step_result"] == "Quá hạn"
    assert rows[1]["handed_at"] == "09 giờ 00 phút, ngày 08/05/2026"


# --- Mẫu 07 -------------------------------------------------------------------------------


def test_register_is_landscape_with_one_row_per_dossier_in_fixed_queries(w, django_assert_max_num_queries):
    from antt.dossiers.models import Dossier

    # given three dossiers, one of them returned
    done = returned(w, (2026, 5, 4, 9, 0))
    receive(w, at(2026, 4, 23, 10, 0), applicant=applicant(name="Lê Văn Bình"))
    receive(w, at(2026, 4, 24, 8, 0))
    dossiers = Dossier.objects.filter(unit=w.unit).order_by("code")
    # when
    with django_assert_max_num_queries(8):
        pdf = printing.register_pdf(dossiers, unit=w.unit, period=(date(2026, 4, 1), date(2026, 5, 31)))
    text = pdf_text(pdf)
    # then
    assert re.search(rb"/MediaBox \[0 0 841\.89 595\.2", pdf)
    for expected in [
        "Mẫu số 07",
        "SỔ THEO DÕI HỒ SƠ",
        "Từ ngày 01/04/2026 đến ngày 31/05/2026",
        "Ngày tháng năm",
        "Nhận hồ sơ",
        "Hẹn trả kết quả",
        "Bên giao",
        done.code,
        "Lê Văn Bình",
        "23/04/2026",
        "29/04/2026",
        "05/05/2026",  # result returned
        "Lê Thị Thu Trang",
    ]:
        assert expected in text, expected


def test_register_masks_personal_data_when_asked(w):
    from antt.dossiers.models import Dossier

    receive(w, at(2026, 4, 23, 9, 30))
    text = pdf_text(printing.register_pdf(Dossier.objects.all(), show_personal_data=False, on=date(2026, 4, 30)))
    assert "Đặng Thị Ngọc Hường" not in text and "0912" not in text
    assert "Đ***" in text


def test_register_for_2024_uses_the_2018_form_number(w):
    from antt.dossiers.models import Dossier

    text = pdf_text(printing.register_pdf(Dossier.objects.none(), period=(date(2024, 1, 1), date(2024, 12, 31))))
    assert "Mẫu số 06" in text and "SỔ THEO DÕI HỒ SƠ" in text


# --- views --------------------------------------------------------------------------------


def test_receipt_view_returns_the_pdf_inline_and_logs_the_personal_read(client, w):
    # given
    d = receive(w, at(2026, 4, 23, 9, 30))
    login_verified(client, w.receptionist)
    # when
    response = client.get(reverse("dossiers:print-receipt", args=[d.pk]))
    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="giay-tiep-nhan-{d.code}.pdf"'
    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in pdf_text(response.content)
    entry = AuditEvent.objects.filter(action="read_personal", object_id=str(d.pk)).latest("seq")
    assert entry.reason == "In giấy tiếp nhận hồ sơ và hẹn trả kết quả"
    assert entry.actor_id == w.receptionist.pk


def test_print_views_hide_another_units_dossier_and_need_a_signed_in_officer(client, w):
    d = receive(w, at(2026, 4, 23, 9, 30))
    url = reverse("dossiers:print-receipt", args=[d.pk])
    # anonymous: sent to sign in
    response = client.get(url)
    assert response.status_code == 302 and reverse("login") in response["Location"]
    # an officer of another ward: not found, and nothing logged
    login_verified(client, w.other_receptionist)
    assert client.get(url).status_code == 404
    assert client.get(reverse("dossiers:print-control-slip", args=[d.pk])).status_code == 404
    assert not AuditEvent.objects.filter(action="read_personal", object_id=str(d.pk)).exists()
    # a provincial supervisor sees the dossier but not the applicant's personal data: forbidden
    login_verified(client, w.supervisor)
    assert client.get(url).status_code == 403


def test_each_print_view_answers_for_its_document_or_404(client, w):
    d = submit_online(w, (2026, 4, 23, 8, 0))
    with now_is(2026, 4, 23, 10, 0):
        dossier_request_supplement(officer=w.receptionist, dossier=d, items=["Bản sao giấy khai sinh"], reasons="Thiếu")
    late, _ = late_and_apologised(w, (2026, 5, 4, 9, 0), (2026, 5, 8, 9, 0), date(2026, 5, 11))
    head = make_officer(w.unit, role=Role.HEAD, full_name="Phạm Văn Trưởng")
    login_verified(client, head)
    cases = [
        ("dossiers:print-supplement-request", [d.pk, 1], 200, "phieu-yeu-cau-bo-sung-1"),
        ("dossiers:print-supplement-request", [d.pk, 2], 404, None),
        ("dossiers:print-refusal", [d.pk], 404, None),  # not refused
        ("dossiers:print-apology", [late.pk, 1], 200, "van-ban-xin-loi-1"),
        ("dossiers:print-apology", [d.pk, 1], 404, None),
        ("dossiers:print-stop-notice", [late.pk], 404, None),  # not stopped
        ("dossiers:print-control-slip", [late.pk], 200, "phieu-kiem-soat"),
    ]
    for name, args, status, filename in cases:
        response = client.get(reverse(name, args=args))
        assert response.status_code == status, (name, args, response.status_code)
        if status == 200:
            assert response["Content-Type"] == "application/pdf"
            assert filename in response["Content-Disposition"]
    reasons = set(AuditEvent.objects.filter(action="read_personal", actor=head).values_list("reason", flat=True))
    assert reasons == {
        "In phiếu yêu cầu bổ sung, hoàn thiện hồ sơ lần 1",
        "In văn bản xin lỗi và hẹn lại ngày trả kết quả lần 1",
        "In phiếu kiểm soát quá trình giải quyết hồ sơ",
    }
    with now_is(2026, 4, 24, 9, 0):
        d.refresh_from_db()
        dossier_refuse(officer=w.receptionist, dossier=d, reasons="Không thuộc thẩm quyền")
    assert client.get(reverse("dossiers:print-refusal", args=[d.pk])).status_code == 200
    assert client.post(reverse("dossiers:print-refusal", args=[d.pk])).status_code == 405


def test_templates_are_loaded_from_data_not_code(w):
    # an administrator corrects a text in the admin: the next print shows it
    template = printing.form_for("receipt", date(2026, 4, 23))
    template.texts["title"] = "GIẤY TIẾP NHẬN HỒ SƠ (BẢN SỬA)"
    template.save()
    d = receive(w, at(2026, 4, 23, 9, 30))
    assert "GIẤY TIẾP NHẬN HỒ SƠ (BẢN SỬA)" in pdf_text(printing.receipt_pdf(d, copies=(2,)))
    assert FormTemplate.objects.filter(key="receipt").count() == 4


def test_a_form_text_broken_in_the_admin_answers_404_with_a_message_not_500(client, w):
    # given an administrator left an unclosed tag in the receipt's title
    template = printing.form_for("receipt", date(2026, 4, 23))
    template.texts["title"] = "GIẤY TIẾP NHẬN {% if %}"
    template.save()
    d = receive(w, at(2026, 4, 23, 9, 30))
    with pytest.raises(printing.PrintError):
        printing.receipt_pdf(d)
    # when the receipt is asked for
    login_verified(client, w.receptionist)
    response = client.get(reverse("dossiers:print-receipt", args=[d.pk]))
    # then a clear refusal, and no personal-data read was logged
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="read_personal", object_id=str(d.pk)).exists()
