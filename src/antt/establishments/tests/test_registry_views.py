"""Registry staff pages: the permission matrix (200/403/404), forms with refusals in Vietnamese
and nothing written, masked and logged personal data, the Excel export, a query budget."""

from __future__ import annotations

import io
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from antt.core.models import AuditEvent
from antt.establishments.models import ChangeEntry, Establishment
from antt.establishments.tests.factories import establishments_world, make_establishment, valid_tax_code
from antt.org.otp import login_verified

pytestmark = pytest.mark.django_db
_codes = itertools.count(700_000, 10)


def tax() -> str:
    return valid_tax_code(next(_codes))


@pytest.fixture
def w():
    return establishments_world()


def as_user(client, user):
    login_verified(client, user)
    return client


def post_data(w, **overrides) -> dict:
    data = {
        "name": "Nhà nghỉ Sông Mã",
        "trade_name": "",
        "kind": "household",
        "tax_code": "038190012345",
        "registration_number": "26A8012345",
        "registration_date": "15/03/2019",
        "line_codes": ["t-luu-tru"],
        "unit": str(w.commune_a.pk),
        "area": str(w.area_a.pk),
        "address": "25 Bà Triệu",
        "latitude": "19.807600",
        "longitude": "105.776800",
        "phone": "0237 3852 999",
        "email": "",
        "lodging_kind": "Nhà nghỉ",
        "rooms": "12",
        "owner_name": "Lê Thị Hòa",
        "representative_name": "Lê Thị Hòa",
        "representative_id_number": "038190012345",
        "representative_phone": "0912345678",
        "security_person_name": "Lê Thị Hòa",
        "security_person_id_number": "038190012345",
        "security_person_phone": "0912345678",
    }
    data.update(overrides)
    return data


# --- permission matrix ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "list_code", "new_code"),
    [
        ("processor_a", 200, 200),
        ("head_a", 200, 200),
        ("receptionist_a", 200, 403),  # reads the registry, does not edit it
        ("supervisor", 200, 403),
        ("system_admin", 403, 403),  # manages rules, not the registry
    ],
)
def test_the_pages_follow_the_roles(client, w, who, list_code, new_code):
    e = make_establishment(w, tax_code=tax())
    as_user(client, getattr(w, who))
    assert client.get(reverse("establishments:list")).status_code == list_code
    assert client.get(reverse("establishments:new")).status_code == new_code
    assert client.get(reverse("establishments:edit", args=[e.pk])).status_code == new_code
    detail = client.get(reverse("establishments:detail", args=[e.pk]))
    assert detail.status_code == list_code


def test_anonymous_users_are_sent_to_sign_in(client, w):
    response = client.get(reverse("establishments:list"))
    assert response.status_code == 302 and "dang-nhap" in response["Location"]


def test_another_communes_establishment_is_a_404_everywhere(client, w):
    e = make_establishment(w, tax_code=tax())
    as_user(client, w.processor_b)
    for name in ("detail", "edit"):
        assert client.get(reverse(f"establishments:{name}", args=[e.pk])).status_code == 404
    response = client.post(reverse("establishments:status", args=[e.pk]), {"status": "paused", "reason": "Thử"})
    assert response.status_code == 404
    assert client.post(reverse("establishments:personal", args=[e.pk])).status_code == 404
    e.refresh_from_db()
    assert e.status == "active"
    assert not AuditEvent.objects.filter(object_id=str(e.pk)).exists()


# --- list -----------------------------------------------------------------------------------


def test_the_list_searches_without_diacritics_masks_people_and_stays_within_a_query_budget(client, w):
    for i in range(12):
        make_establishment(w, name=f"Karaoke Ánh Dương {i}", tax_code=tax())
    make_establishment(w, name="Khách sạn Đông Sơn", lines=["t-luu-tru"], tax_code=tax())
    as_user(client, w.processor_a)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("establishments:list"), {"q": "karaoke anh duong", "sort": "-name"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Tìm thấy 12 cơ sở" in page and "Karaoke Ánh Dương 9" in page and "Đông Sơn" not in page
    assert "Lê Thị An Ninh" not in page and "L** T** A** N***" in page
    assert len(queries) <= 14, "\n".join(q["sql"][:150] for q in queries)  # constant: 12 rows or 25


@pytest.mark.parametrize(
    "query",
    [{"status": "closed"}, {"line": "khong-co"}, {"unit": "abc"}, {"sort": "x"}, {"fire": "maybe"}, {"q": "x" * 101}],
)
def test_a_bad_filter_is_a_400_in_vietnamese(client, w, query):
    as_user(client, w.processor_a)
    response = client.get(reverse("establishments:list"), query)
    assert response.status_code == 400
    assert "Bộ lọc không hợp lệ" in response.content.decode()


def test_the_list_filters_by_line_and_pages(client, w):
    for i in range(30):
        make_establishment(w, name=f"Nhà nghỉ {i:02d}", lines=["t-luu-tru"], tax_code=tax())
    make_establishment(w, name="Karaoke", tax_code=tax())
    as_user(client, w.processor_a)
    first = client.get(reverse("establishments:list"), {"line": "t-luu-tru"}).content.decode()
    assert "Tìm thấy 30 cơ sở" in first and "Trang 1/2" in first and ">Karaoke<" not in first
    second = client.get(reverse("establishments:list"), {"line": "t-luu-tru", "page": "2"}).content.decode()
    assert "Nhà nghỉ 29" in second


# --- export ---------------------------------------------------------------------------------


def test_the_export_opens_with_openpyxl_and_holds_the_filtered_rows_without_personal_data(client, w):
    make_establishment(w, name="Karaoke Ánh Dương", tax_code="0100109106")
    make_establishment(w, name="Khách sạn Đông Sơn", lines=["t-luu-tru"], fire_category="t-hotel", tax_code=tax())
    make_establishment(w, name="Nhà nghỉ Hàm Rồng", unit=w.commune_b, tax_code=tax())
    as_user(client, w.processor_a)
    response = client.get(reverse("establishments:export"), {"q": "karaoke"})
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert rows[1][:4] == ("STT", "Tên cơ sở", "Tên giao dịch, biển hiệu", "Mã số thuế")
    assert [r[1] for r in rows[2:]] == ["Karaoke Ánh Dương"]
    assert rows[2][3] == "0100109106" and rows[2][5] == "Kinh doanh dịch vụ karaoke"
    assert "Lê Thị An Ninh" not in str(rows) and "038190054321" not in str(rows)
    entry = AuditEvent.objects.get(action="export", object_type="establishments.establishment")
    assert entry.changes["count"] == 1 and entry.changes["filter"]["q"] == "karaoke"
    # the whole list of the unit: the other commune's establishment is not in it
    everything = client.get(reverse("establishments:export"))
    rows = list(load_workbook(io.BytesIO(b"".join(everything.streaming_content))).active.iter_rows(values_only=True))
    assert sorted(r[1] for r in rows[2:]) == ["Karaoke Ánh Dương", "Khách sạn Đông Sơn"]
    assert rows[2][11] == "" or rows[3][11] == "Khách sạn từ 7 tầng trở lên"


def test_an_export_with_a_bad_filter_is_a_400(client, w):
    as_user(client, w.processor_a)
    assert client.get(reverse("establishments:export"), {"status": "x"}).status_code == 400
    assert not AuditEvent.objects.filter(action="export").exists()


def test_the_export_is_refused_without_view(client, w):
    as_user(client, w.system_admin)
    assert client.get(reverse("establishments:export")).status_code == 403


# --- new, edit, status ----------------------------------------------------------------------


def test_an_officer_adds_a_household_lodging_through_the_form(client, w):
    as_user(client, w.processor_a)
    response = client.post(reverse("establishments:new"), post_data(w))
    e = Establishment.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("establishments:detail", args=[e.pk])
    assert e.tax_code == "038190012345" and e.kind == "household" and e.rooms == 12
    assert str(e.latitude) == "19.807600"
    assert list(e.lines.values_list("code", flat=True)) == ["t-luu-tru"]
    assert ChangeEntry.objects.filter(object_id=e.pk, action="created").exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"tax_code": "0100109107", "kind": "enterprise"}, "chữ số kiểm tra"),
        ({"tax_code": "038190012345", "kind": "enterprise"}, "chỉ dùng cho hộ kinh doanh"),
        ({"name": ""}, "Vui lòng nhập mục này"),
        ({"unit": str(10**9)}, "Giá trị đã chọn không hợp lệ"),
        ({"line_codes": ["khong-co"]}, "không có trong danh mục"),
        ({"registration_date": "31/02/2019"}, "Ngày không hợp lệ"),
        ({"registration_date": "01/01/2999"}, "đến hôm nay"),
        ({"latitude": "abc"}, "Tọa độ"),
        ({"representative_id_number": "003190012345"}, "mã tỉnh"),
        ({"rooms": "-3"}, "nhỏ hơn mức cho phép"),
    ],
)
def test_bad_input_on_the_form_is_a_400_with_the_message_and_nothing_written(client, w, overrides, message):
    as_user(client, w.processor_a)
    response = client.post(reverse("establishments:new"), post_data(w, **overrides))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Establishment.objects.exists() and not ChangeEntry.objects.exists()


def test_a_duplicate_tax_code_on_the_form_is_a_409(client, w):
    first = make_establishment(w, name="Nhà nghỉ cũ", tax_code="038190012345", kind="household")
    as_user(client, w.processor_a)
    response = client.post(reverse("establishments:new"), post_data(w))
    assert response.status_code == 409
    assert f"Mã số thuế 038190012345 đã có trong sổ: {first.name}" in response.content.decode()
    assert Establishment.objects.count() == 1


def test_the_unit_select_offers_only_units_in_scope(client, w):
    as_user(client, w.processor_b)
    page = client.get(reverse("establishments:new")).content.decode()
    assert w.commune_b.name in page and w.commune_a.name not in page
    response = client.post(reverse("establishments:new"), post_data(w, unit=str(w.commune_a.pk)))
    assert response.status_code == 400 and not Establishment.objects.exists()


def test_edit_shows_the_current_data_and_saves_a_change(client, w):
    e = make_establishment(w, tax_code="0100109106")
    as_user(client, w.processor_a)
    form_page = client.get(reverse("establishments:edit", args=[e.pk])).content.decode()
    assert 'value="0100109106"' in form_page and 'name="row_version" value="1"' in form_page
    data = post_data(w, name="Karaoke Ánh Dương 2", tax_code="0100109106", kind="enterprise", row_version="1")
    response = client.post(reverse("establishments:edit", args=[e.pk]), data)
    assert response.status_code == 302
    e.refresh_from_db()
    assert e.name == "Karaoke Ánh Dương 2" and e.row_version == 2


def test_an_edit_from_a_stale_page_is_a_409_and_changes_nothing(client, w):
    e = make_establishment(w, tax_code="0100109106")
    Establishment.objects.filter(pk=e.pk).update(row_version=2)  # someone saved meanwhile
    as_user(client, w.processor_a)
    data = post_data(w, name="Tên của tôi", tax_code="0100109106", kind="enterprise", row_version="1")
    response = client.post(reverse("establishments:edit", args=[e.pk]), data)
    assert response.status_code == 409
    assert "vừa được cán bộ khác cập nhật" in response.content.decode()
    e.refresh_from_db()
    assert e.name == "Karaoke Ánh Dương"


def test_status_change_from_the_page(client, w):
    e = make_establishment(w, tax_code=tax())
    as_user(client, w.head_a)
    response = client.post(
        reverse("establishments:status", args=[e.pk]), {"status": "paused", "reason": "Cơ sở báo tạm ngừng"}
    )
    assert response.status_code == 302
    e.refresh_from_db()
    assert e.status == "paused"
    again = client.post(reverse("establishments:status", args=[e.pk]), {"status": "paused", "reason": "Lại"})
    assert again.status_code == 409 and "đã ở tình trạng" in again.content.decode()
    missing = client.post(reverse("establishments:status", args=[e.pk]), {"status": "active", "reason": ""})
    assert missing.status_code == 400
    e.refresh_from_db()
    assert e.status == "paused"


def test_a_receptionist_cannot_change_status(client, w):
    e = make_establishment(w, tax_code=tax())
    as_user(client, w.receptionist_a)
    response = client.post(reverse("establishments:status", args=[e.pk]), {"status": "paused", "reason": "Thử"})
    assert response.status_code == 403
    assert client.get(reverse("establishments:status", args=[e.pk])).status_code == 405


# --- the detail page and personal data -------------------------------------------------------


def test_the_page_masks_people_until_xem_day_du_which_logs_the_read(client, w):
    e = make_establishment(w, tax_code=tax())
    as_user(client, w.processor_a)
    page = client.get(reverse("establishments:detail", args=[e.pk])).content.decode()
    assert "Lê Thị An Ninh" not in page and "038190054321" not in page and "Xem đầy đủ" in page
    assert not AuditEvent.objects.filter(action="read_personal").exists()
    # when the officer asks for the full data
    full = client.post(reverse("establishments:personal", args=[e.pk]), {"reason": "Xác minh"})
    # then
    assert full.status_code == 200
    text = full.content.decode()
    assert "Lê Thị An Ninh" in text and "038190054321" in text and "đã được ghi vào nhật ký" in text
    entry = AuditEvent.objects.get(action="read_personal")
    assert entry.actor == w.processor_a and entry.reason == "Xác minh" and entry.object_id == str(e.pk)


def test_a_supervisor_sees_the_page_but_not_the_people(client, w):
    e = make_establishment(w, tax_code=tax())
    as_user(client, w.supervisor)
    page = client.get(reverse("establishments:detail", args=[e.pk])).content.decode()
    assert "Xem đầy đủ" not in page and "che theo vai trò" in page
    assert client.post(reverse("establishments:personal", args=[e.pk])).status_code == 403
    assert not AuditEvent.objects.filter(action="read_personal").exists()


def test_the_detail_of_a_missing_establishment_is_a_404(client, w):
    as_user(client, w.processor_a)
    assert client.get(reverse("establishments:detail", args=[999999])).status_code == 404
