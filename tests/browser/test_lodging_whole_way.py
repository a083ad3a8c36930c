"""Lodging notification, the whole way, in a real browser (issue 6's "done when").

A hotel receptionist declares a Vietnamese guest with the quick form, from the keyboard only; then
twenty foreign guests with the published spreadsheet template (downloaded from the hotel's page,
filled, uploaded). One of the foreigners is on the watchlist: the commune's duty officer, who has
the lodging page open, sees the alert banner appear by itself, opens the alert and acknowledges
it. The guests then show in the commune's "staying now" list and in the month's statistics by
nationality. Three people in browser contexts of their own (the receptionist, the duty officer,
a provincial supervisor), real pages only: the service layer builds only the starting world
(reference data, units, officers, the hotel and its account, the watchlist entry).
"""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.utils import timezone

from antt.establishments.loaders import load_establishment_rules
from antt.establishments.models import EstablishmentAccount
from antt.establishments.services import EstablishmentData, establishment_create
from antt.establishments.tests.factories import valid_tax_code
from antt.lodging import watch
from antt.lodging.loaders import load_rules
from antt.lodging.models import Alert, Declaration, DeclarationBatch, WatchEntry
from antt.org.models import AdminArea, Role, Unit, User
from antt.org.tests.factories import PASSWORD, make_officer, make_unit
from tests.browser.axe import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VN = ZoneInfo("Asia/Ho_Chi_Minh")
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 740}
HOTEL = "Khách sạn Biển Sầm Sơn"
WANTED_PASSPORT = "M70000013"  # the 14th foreign guest of the file is on the watchlist
NATIONALITIES = ["KOR"] * 8 + ["CHN"] * 5 + ["USA"] * 3 + ["FRA"] * 2 + ["LAO"] * 2


class World:
    pass


@pytest.fixture
def world(settings):
    settings.ANTT_REQUIRE_2FA = False
    load_establishment_rules()
    load_rules()
    w = World()
    province_area, _ = AdminArea.objects.get_or_create(
        scheme=AdminArea.Scheme.CURRENT,
        code=settings.ANTT_PROVINCE_CODE,
        defaults={"name": "Tỉnh Thanh Hóa", "level": AdminArea.Level.PROVINCE},
    )
    w.area = AdminArea.objects.create(
        scheme=AdminArea.Scheme.CURRENT,
        code="16531",
        name="Phường Sầm Sơn",
        level=AdminArea.Level.COMMUNE,
        parent=province_area,
    )
    province = make_unit("Công an tỉnh Thanh Hóa", level=Unit.Level.PROVINCE)
    w.commune = make_unit("Công an phường Sầm Sơn", parent=province, area=w.area)
    pa08 = make_unit("Phòng Quản lý xuất nhập cảnh", parent=province, level=Unit.Level.DEPARTMENT)
    settings.ANTT_LODGING_EXIT_ENTRY_UNITS = pa08.slug
    w.duty = make_officer(w.commune, role=Role.HEAD, full_name="Lê Văn Trực", phone="0912345678")
    w.supervisor = make_officer(province, role=Role.SUPERVISOR, full_name="Đỗ Văn Giám")
    w.hotel = establishment_create(
        officer=w.duty,
        data=EstablishmentData(
            name=HOTEL,
            tax_code=valid_tax_code(),
            area_id=w.area.pk,
            unit_id=w.commune.pk,
            address="15 Hồ Xuân Hương",
            phone="02373 821 000",
            lodging_kind="Khách sạn",
            rooms=40,
            owner_name="Phạm Văn Chủ",
            representative_name="Phạm Văn Chủ",
            representative_id_number="038085001234",
            representative_phone="0912000111",
            line_codes=["luu-tru"],
        ),
    )
    w.receptionist = User.objects.create_user(
        username="letan-biensamson", password=PASSWORD, full_name="Nguyễn Thị Lễ Tân", role="", unit=None
    )
    EstablishmentAccount.objects.create(
        user=w.receptionist, establishment=w.hotel, is_manager=False, status=EstablishmentAccount.Status.ACTIVE
    )
    w.entry = watch.watch_add(
        user=w.duty,
        kind=WatchEntry.Kind.WANTED,
        doc_number=WANTED_PASSPORT,
        full_name="CHEN WEI",
        basis="Quyết định truy nã số 12/QĐ-TN ngày 02/10/2026",
    )
    return w


def new_page(browser, viewport=DESKTOP):
    # bypass_csp only so that axe-core can be injected for the accessibility checks
    context = browser.new_context(locale="vi-VN", viewport=viewport, bypass_csp=True, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def sign_in(browser, base, username, lands_on, viewport=DESKTOP):
    page = new_page(browser, viewport)
    page.goto(f"{base}/dang-nhap/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"{base}{lands_on}")
    return page


def assert_accessible(page):
    violations = [v for v in axe_violations(page) if v["impact"] in ("serious", "critical")]
    assert violations == [], [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in violations]


def test_a_hotel_declares_guests_and_the_police_see_them(live_server, browser, world):
    base = live_server.url
    now = timezone.now().astimezone(VN)
    arrived = (now - timedelta(hours=1)).replace(second=0, microsecond=0)
    if (
        now.hour == 23 or now.hour == 0
    ):  # an arrival before 23:00 was due at 23:00: arrive at 23:00 (due 08:00 next day)
        arrived = now.replace(minute=0, second=0, microsecond=0)

    # The duty officer has the lodging page open (the alert poller runs on every staff page).
    duty = sign_in(browser, base, world.duty.username, "/can-bo/")
    duty.goto(f"{base}/luu-tru/")
    assert duty.get_by_role("heading", level=1).count() == 1

    # 1. The receptionist, on a phone-sized screen, declares a Vietnamese guest from the keyboard.
    desk = sign_in(browser, base, world.receptionist.username, "/doanh-nghiep/", viewport=PHONE)
    desk.get_by_role("link", name="Thông báo lưu trú").first.click()
    desk.get_by_role("link", name="Khai báo khách").first.click()
    desk.wait_for_url(f"{base}/doanh-nghiep/luu-tru/khai-bao/")
    desk.wait_for_function("document.activeElement && document.activeElement.name === 'full_name'")
    assert_accessible(desk)
    desk.keyboard.type("Trần Thị Bích Ngọc")
    values = {
        "birth_date": "09/03/1994",
        "doc_number": "038194012345",
        "address": "Số 8 Lê Lai, phường Hạc Thành, tỉnh Thanh Hóa",
        "room": "305",
        "arrived_at": arrived.strftime("%d/%m/%Y %H:%M"),
        "expected_departure": (arrived.date() + timedelta(days=2)).strftime("%d/%m/%Y"),
    }
    selects = {"sex": "F", "nationality": "VNM", "doc_type": "CCCD", "reason": "DL"}
    # Tab through the form in its own order, typing or choosing each field as it gets the focus.
    for _ in range(40):
        desk.keyboard.press("Tab")
        name = desk.evaluate("document.activeElement && document.activeElement.name")
        tag = desk.evaluate("document.activeElement && document.activeElement.tagName")
        if name in values:
            desk.keyboard.press("Control+A")
            desk.keyboard.type(values.pop(name))
        elif name in selects and tag == "SELECT":
            code = selects.pop(name)
            desk.evaluate(
                "(code) => { const el = document.activeElement; el.value = code;"
                " el.dispatchEvent(new Event('change', {bubbles: true})); }",
                code,
            )
        if not values and not selects:
            break
    assert not values and not selects, (values, selects)
    # On to the submit button (the foreigners' fieldset is hidden for a Vietnamese guest), Enter.
    for _ in range(20):
        desk.keyboard.press("Tab")
        if desk.evaluate("document.activeElement.type") == "submit":
            break
    assert desk.evaluate("document.activeElement.textContent").strip() == "Ghi nhận khách"
    desk.keyboard.press("Enter")
    desk.wait_for_load_state()
    assert desk.locator(".message--error").count() == 0, desk.locator(".message--error").all_inner_texts()
    success = desk.get_by_role("status").or_(desk.locator(".message--success"))
    assert "#" in success.first.inner_text()
    # The form is empty again, the focus back on the name, the nationality remembered.
    assert desk.evaluate("document.activeElement.name") == "full_name"
    assert desk.locator("[name=full_name]").input_value() == ""
    assert desk.locator("[name=nationality]").input_value() == "VNM"
    vietnamese = Declaration.objects.get(full_name="Trần Thị Bích Ngọc", is_current=True)
    assert vietnamese.establishment_id == world.hotel.pk and not vietnamese.is_late

    # 2. Twenty foreign guests by the published template.
    desk.goto(f"{base}/doanh-nghiep/luu-tru/tai-tep/")
    with desk.expect_download() as download:
        desk.get_by_role("link", name="mẫu Excel").click()
    book = openpyxl.load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    sheet = book.worksheets[0]
    headers = [c.value for c in sheet[1]]

    def column(label_start: str) -> int:
        for i, h in enumerate(headers, start=1):
            if h and str(h).lower().startswith(label_start.lower()):
                return i
        raise AssertionError(f"no column {label_start!r} in {headers}")

    cols = {
        "full_name": column("Họ và tên"),
        "birth_date": column("Ngày sinh"),
        "sex": column("Giới tính"),
        "doc_type": column("Loại giấy tờ"),
        "doc_number": column("Số giấy tờ"),
        "nationality": column("Quốc tịch"),
        "arrived_at": column("Thời điểm đến"),
        "expected_departure": column("Ngày dự kiến đi"),
        "room": column("Phòng"),
        "reason": column("Lý do"),
        "visa_kind": column("Loại thị thực"),
        "visa_number": column("Số thị thực"),
        "visa_expiry": column("Thời hạn thị thực"),
        "entry_date": column("Ngày nhập cảnh"),
        "port_of_entry": column("Cửa khẩu"),
    }
    for row in range(2, sheet.max_row + 1):  # the template's example rows, if any
        for c in range(1, len(headers) + 1):
            sheet.cell(row=row, column=c).value = None
    for i, nationality in enumerate(NATIONALITIES):
        values = {
            "full_name": "CHEN WEI" if i == 13 else f"GUEST NUMBER {chr(65 + i)}",
            "birth_date": f"{(i % 27) + 1:02d}/0{(i % 9) + 1}/198{i % 10}",
            "sex": "M" if i % 2 else "F",
            "doc_type": "PP",
            "doc_number": f"M700000{i:02d}",
            "nationality": nationality,
            "arrived_at": arrived.strftime("%d/%m/%Y %H:%M"),
            "expected_departure": (arrived.date() + timedelta(days=3)).strftime("%d/%m/%Y"),
            "room": str(401 + i),
            "reason": "DL",
            "visa_kind": "MIENTT" if nationality in ("KOR", "FRA", "LAO") else "VISA",
            "visa_number": "" if nationality in ("KOR", "FRA", "LAO") else f"EV{i:07d}",
            "visa_expiry": ""
            if nationality in ("KOR", "FRA", "LAO")
            else (arrived.date() + timedelta(days=80)).strftime("%d/%m/%Y"),
            "entry_date": arrived.strftime("%d/%m/%Y"),
            "port_of_entry": "VVTX" if i % 3 else "NAMEO",
        }
        for key, value in values.items():
            sheet.cell(row=2 + i, column=cols[key]).value = value
    filled = io.BytesIO()
    book.save(filled)
    desk.set_input_files(
        "input[type=file]",
        files=[
            {
                "name": "khach-nuoc-ngoai.xlsx",
                "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "buffer": filled.getvalue(),
            }
        ],
    )
    desk.get_by_role("button", name="Gửi").first.click()
    desk.wait_for_url(f"{base}/doanh-nghiep/luu-tru/lan-gui/**")
    desk.get_by_text("20", exact=False).first.wait_for()
    batch = DeclarationBatch.objects.get(establishment=world.hotel, source="file")
    assert (batch.status, batch.accepted, batch.rejected) == ("done", 20, 0), batch.report

    # 3. The duty officer's open page shows the alert by itself (polling), within seconds.
    banner = duty.locator(".alert-banner")
    banner.wait_for(state="visible", timeout=20_000)
    assert "cảnh báo" in banner.inner_text()
    banner.get_by_role("link", name="Xem cảnh báo").click()
    duty.wait_for_url(f"{base}/luu-tru/canh-bao/**")
    alert = Alert.objects.get(watch_entry=world.entry)
    duty.goto(f"{base}/luu-tru/canh-bao/{alert.pk}/")
    assert "CHEN WEI" in duty.content() and HOTEL in duty.content()
    duty.get_by_role("button", name="Tiếp nhận").first.click()
    duty.wait_for_load_state()
    alert.refresh_from_db()
    assert alert.status == Alert.Status.ACKNOWLEDGED and alert.acknowledged_by == world.duty

    # 4. The guests are in the commune's "staying now" list (masked names)…
    duty.goto(f"{base}/luu-tru/dang-luu-tru/")
    text = duty.locator("main").inner_text()
    rows = duty.locator("main table.worklist tbody tr:not(.worklist__empty)")
    assert rows.count() == 21, text[:1500]
    assert "KOR" in text and HOTEL in text
    assert "Trần Thị Bích Ngọc" not in text  # masked in lists
    assert_accessible(duty)

    # 5. …and in the month's statistics by nationality (a provincial supervisor, on a phone).
    stats = sign_in(browser, base, world.supervisor.username, "/can-bo/", viewport=PHONE)
    month = now.strftime("%Y-%m")
    stats.goto(f"{base}/luu-tru/thong-ke/?tu={month}&den={month}&theo=nationality")
    table = stats.locator("table").first.inner_text()
    for name, count in (("Hàn Quốc", 8), ("Trung Quốc", 5), ("Hoa Kỳ", 3), ("Việt Nam", 1)):
        line = next((row for row in table.splitlines() if row.startswith(name)), "")
        assert line.split("\t")[1:2] == [str(count)], (name, line)  # nationality | guests | guest-nights
    assert stats.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert_accessible(stats)
