"""The catalogue pages as the portal shows them: paging, sort, counts, forms, where to go, the guide PDF."""

import re

from django.conf import settings

from antt.catalog.models import Procedure
from antt.org.models import Unit

PASSPORT = "1.001456"  # province level, partial online, form TK01
RESIDENCE = "1.004222"  # commune (and former district) level, full online, form CT01
LOST_PASSPORT = "1.001445"  # not offered online


def test_list_is_paged_with_the_total_count(catalog, client):
    # when
    first = client.get("/thu-tuc/").content.decode()
    last = client.get("/thu-tuc/", {"page": 6}).content.decode()
    # then
    assert "Kết quả: 120 thủ tục" in first and "trang 1/6" in first
    assert first.count('class="card"') == 20
    assert last.count('class="card"') == 20 and 'rel="prev"' in last and 'rel="next"' not in last


def test_paging_keeps_the_filters(catalog, client):
    html = client.get("/thu-tuc/", {"field": "vu-khi-vat-lieu-no"}).content.decode()
    assert "Kết quả: 35 thủ tục" in html
    assert 'href="?field=vu-khi-vat-lieu-no&amp;page=2"' in html


def test_field_choices_show_their_number_of_procedures(catalog, client):
    html = client.get("/thu-tuc/").content.decode()
    assert re.search(r"<option value=\"xuat-nhap-canh\"[^>]*>Quản lý xuất nhập cảnh \(21\)</option>", html)


def test_sort_by_name_orders_accent_insensitively(catalog, client):
    # when
    html = client.get("/thu-tuc/", {"field": "can-cuoc", "sort": "ten"}).content.decode()
    # then
    names = re.findall(r'<h3><a href="/thu-tuc/[^"]+/">([^<]+)</a></h3>', html)
    expected = sorted(Procedure.objects.filter(field__slug="can-cuoc").values_list("name", flat=True), key=_fold)
    assert names == expected


def _fold(text):
    from antt.core.text import fold

    return fold(text)


def test_sort_by_code(catalog, client):
    html = client.get("/thu-tuc/", {"sort": "ma", "page": 1}).content.decode()
    codes = re.findall(r"Mã: ([^<\s(]+)", html)
    assert codes == sorted(codes) and len(codes) == 20


def test_junk_sort_or_level_answers_400_in_vietnamese(catalog, client):
    for params, message in (
        ({"sort": "gia"}, "Cách sắp xếp không hợp lệ."),
        ({"level": "x"}, "Cấp thực hiện không hợp lệ."),
    ):
        response = client.get("/thu-tuc/", params)
        html = response.content.decode()
        assert response.status_code == 400 and message in html
        assert "Điều kiện tìm kiếm chưa hợp lệ" in html and "aria-describedby=" in html


def test_no_match_shows_the_empty_state(catalog, client):
    html = client.get("/thu-tuc/", {"q": "khong co thu tuc nay"}).content.decode()
    assert "Kết quả: 0 thủ tục" in html and "Không tìm thấy thủ tục phù hợp" in html


def test_detail_lists_the_forms_to_fill_and_the_guide_pdf(catalog, client):
    html = client.get(f"/thu-tuc/{RESIDENCE}/").content.decode()
    assert "Mẫu đơn, tờ khai" in html
    assert "Mẫu CT01 (CT02 cho người Việt Nam định cư ở nước ngoài), Thông tư 66/2023/TT-BCA" in html
    assert f'href="/thu-tuc/{RESIDENCE}/phieu-huong-dan.pdf"' in html


def test_detail_puts_the_online_button_first_only_when_offered(catalog, client):
    html = client.get(f"/thu-tuc/{RESIDENCE}/").content.decode()
    assert html.index(f'href="/nop-ho-so/{RESIDENCE}/"') < html.index("Thông tin chung")
    assert f"/nop-ho-so/{LOST_PASSPORT}/" not in client.get(f"/thu-tuc/{LOST_PASSPORT}/").content.decode()


def test_detail_says_where_to_go_with_the_centre_address_and_hours(catalog, client):
    # given
    Unit.objects.create(
        name="Trung tâm Phục vụ hành chính công tỉnh Thử",
        slug=settings.ANTT_FEEDBACK_INTAKE_UNIT,
        level=Unit.Level.OUTSIDE,
        address="28 Đại lộ Lê Lợi",
        phone="0237 3 000 111",
    )
    # when
    passport = client.get(f"/thu-tuc/{PASSPORT}/").content.decode()
    residence = client.get(f"/thu-tuc/{RESIDENCE}/").content.decode()
    # then
    assert "Nơi nộp hồ sơ" in passport and "28 Đại lộ Lê Lợi" in passport and 'href="tel:02373000111"' in passport
    assert "Công an xã, phường nơi cư trú" in residence and "28 Đại lộ Lê Lợi" not in residence
    # the internal process comes after what the citizen needs
    assert passport.index("Nơi nộp hồ sơ") < passport.index("Quy trình xử lý nội bộ")


def test_guide_pdf_lists_the_documents_and_is_404_for_an_unknown_code(catalog, client):
    # when
    response = client.get(f"/thu-tuc/{PASSPORT}/phieu-huong-dan.pdf")
    # then
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert 'filename="huong-dan-ho-so-1.001456.pdf"' in response["Content-Disposition"]
    assert client.get("/thu-tuc/0.000000/phieu-huong-dan.pdf").status_code == 404


def test_guide_pdf_text_has_the_procedure_documents_fees_and_blanks(catalog, client):
    # given
    from antt.dossiers.tests.test_printing import pdf_text

    # when
    text = pdf_text(client.get(f"/thu-tuc/{PASSPORT}/phieu-huong-dan.pdf").content)
    # then
    assert "PHIẾU HƯỚNG DẪN CHUẨN BỊ HỒ SƠ" in text and "Cấp hộ chiếu phổ thông" in text
    assert "Tờ khai đề nghị cấp hộ chiếu phổ thông ở trong nước" in text and "TK01" in text
    assert "Họ và tên người nộp: ..." in text and "Nơi nộp hồ sơ" in text


def test_catalogue_pages_have_labelled_inputs_unique_ids_and_one_h1(catalog, client):
    from antt.portal.tests.test_public_pages import check_html

    for url in ("/thu-tuc/", f"/thu-tuc/{PASSPORT}/", f"/thu-tuc/{RESIDENCE}/"):
        check_html(client.get(url).content.decode())
    check_html(client.get("/thu-tuc/", {"sort": "x"}).content.decode())
