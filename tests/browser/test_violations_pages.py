"""Every staff page of administrative violations on a 360-px phone: no WCAG 2.1 A/AA violation
(axe-core) and no sideways scroll; and the record form driven from the keyboard alone.

With ANTT_UI_SHOTS=<folder> set, every page checked is also saved there as a screenshot.
"""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone

from antt.org.otp import login_verified
from antt.violations.models import SeizedItem, ViolationRecord
from antt.violations.tests.factories import ALCOHOL_CAR, make_decision, make_record, violations_world
from tests.browser.axe import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}
SHOTS = os.environ.get("ANTT_UI_SHOTS", "")


@pytest.fixture
def w(settings):
    settings.ANTT_REQUIRE_2FA = False
    settings.ANTT_FINE_PAYMENT_GATEWAY = "demo"
    return violations_world()


def signed_in(browser, live_server, user, viewport=PHONE):
    """A browser context signed in as `user` (the session of a test client), CSP bypassed for axe."""
    client = Client()
    login_verified(client, user)
    context = browser.new_context(locale="vi-VN", viewport=viewport, bypass_csp=True)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": django_settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def problems_of(page, name: str) -> list[str]:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"vi-pham-{name}-360.png"), full_page=True)
    found = []
    width = page.evaluate("document.scrollingElement.scrollWidth")
    if width > PHONE["width"]:
        found.append(f"{name}: the page is {width} px wide")
    found += [f"{name}: {v}" for v in axe_violations(page)]
    return found


def test_violation_staff_pages_fit_a_phone_and_pass_axe(live_server, browser, w):
    # given a record with a seized vehicle, a decision with a licence suspension, a paid-at-counter one
    now = timezone.now() - timedelta(hours=2)
    seized = [
        {"kind": "vehicle", "description": "Xe mô tô Honda Wave", "plate": "36-B1 123.45", "storage_place": "Kho"}
    ]
    open_record = make_record(w, violated_at=now, made_at=now, seized=seized)
    decided = make_decision(w, record=make_record(w, violated_at=now, made_at=now), issued_at=timezone.now())
    drunk = make_record(
        w, violated_at=now, made_at=now, behaviour_codes=[ALCOHOL_CAR], vehicle_kind="car", plate="36A-123.45"
    )
    suspended = make_decision(
        w,
        record=drunk,
        officer=w.director,
        issued_at=timezone.now(),
        licence={"kind": "driving", "number": "380123456789", "class": "B"},
        delivered_on=timezone.localdate(),
    )
    base = live_server.url
    officer, head, director = (signed_in(browser, live_server, u) for u in (w.officer, w.chief, w.director))
    found = []

    def visit(page, name, path):
        response = page.goto(base + path)
        assert response.ok, f"{name}: HTTP {response.status}"
        found.extend(problems_of(page, name))

    # when: every staff page of violations, in the states that look different
    visit(officer, "record-list", "/vi-pham/bien-ban/?due=due_soon")
    visit(officer, "record-form", "/vi-pham/bien-ban/moi/")
    officer.locator("#behaviour-search").press_sequentially("mu bao hiem")
    officer.locator("#behaviour-results input").first.wait_for()
    found.extend(problems_of(officer, "record-form-search"))
    officer.get_by_role("button", name="Lập biên bản").click()  # empty: every error shown
    officer.wait_for_load_state()
    found.extend(problems_of(officer, "record-form-errors"))
    visit(officer, "record-detail", f"/vi-pham/bien-ban/{open_record.pk}/")
    visit(head, "decision-form", f"/vi-pham/quyet-dinh/moi/?bien_ban={open_record.pk}")
    visit(officer, "decision-spot", "/vi-pham/quyet-dinh/tai-cho/")
    officer.locator("#behaviour-search").press_sequentially("di bo")  # searched within a person's limit
    officer.locator("#behaviour-results input[type=radio]").first.check()
    assert officer.locator("#behaviour-picked input:checked").count() == 1
    found.extend(problems_of(officer, "decision-spot-search"))
    visit(head, "decision-list", "/vi-pham/quyet-dinh/")
    visit(head, "decision-detail", f"/vi-pham/quyet-dinh/{decided.pk}/")
    visit(director, "decision-detail-suspension", f"/vi-pham/quyet-dinh/{suspended.pk}/")
    visit(officer, "seized-list", "/vi-pham/tang-vat/")
    visit(director, "suspension-list", "/vi-pham/tuoc-giay-phep/")
    # then nothing is in the way of a phone user
    assert not found, "\n".join(found)
    assert SeizedItem.objects.count() == 1 and ViolationRecord.objects.count() == 3


def test_a_record_is_made_from_the_keyboard_alone(live_server, browser, w):
    # given the patrol officer on the record form, typing fast
    page = signed_in(browser, live_server, w.officer, viewport={"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/vi-pham/bien-ban/moi/")
    # the violator's name has the focus (autofocus, Alt+H)
    page.keyboard.type("Nguyễn Văn An")
    page.keyboard.press("Tab")
    page.keyboard.type("038090001234")
    page.keyboard.press("Tab")
    page.keyboard.type("17/05/1990")
    page.locator("#id_address").focus()
    page.keyboard.type("Ngã tư Bà Triệu")
    page.locator("#id_plate").focus()
    page.keyboard.type("36B112345")
    # Alt+V jumps to the behaviour search; typing without diacritics finds the helmet rule
    page.locator("#behaviour-search").focus()
    page.keyboard.type("mu bao hiem")
    page.locator("#behaviour-results input").first.wait_for()
    page.keyboard.press("Tab")  # the "Tìm" button
    page.keyboard.press("Tab")  # the first result
    page.keyboard.press("Space")
    assert page.locator("#behaviour-picked input:checked").count() == 1
    # Enter in the search box only searches; the submit button sends the record
    page.locator("button[accesskey=s]").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/vi-pham/bien-ban/\d+/\?moi=1$"))
    record = ViolationRecord.objects.get()
    assert record.plate == "36B112345" and record.violator_name == "Nguyễn Văn An"


def _fresh_record(w):
    """A helmet record made two hours ago: a decision on it today is within the time limit."""
    now = timezone.now() - timedelta(hours=2)
    return make_record(w, violated_at=now, made_at=now)


def test_the_decision_form_names_each_behaviour_with_its_provision_and_range(live_server, browser, w):
    # given an open record for riding without a helmet
    record = make_record(w)
    behaviour = record.behaviours.get()
    head = signed_in(browser, live_server, w.chief)
    # when the head opens the decision form for it
    head.goto(f"{live_server.url}/vi-pham/quyet-dinh/moi/?bien_ban={record.pk}")
    # then the line is headed by the behaviour, its provision and its fine range for a person
    line = head.locator("#hanh-vi-1")
    assert line.locator("h3").inner_text().strip() == f"1. {behaviour.short_name}"
    summary = line.locator("p.muted").first.inner_text()
    assert behaviour.provision in summary
    assert re.search(r"khung [\d.]+\s?đ – [\d.]+\s?đ \(cá nhân\)", summary), summary


def test_the_history_of_a_decision_speaks_vietnamese_even_for_unlabelled_events(live_server, browser, w):
    # given a decision whose history holds an event as the demo generator writes it ("enforced")
    from antt.violations.models import DecisionEvent

    decision = make_decision(w, record=_fresh_record(w), issued_at=timezone.now())
    DecisionEvent.objects.create(
        decision=decision, at=timezone.now(), action="enforced", from_status="unpaid", to_status="enforced"
    )
    head = signed_in(browser, live_server, w.chief)
    # when the head reads the decision on a phone
    head.goto(f"{live_server.url}/vi-pham/quyet-dinh/{decision.pk}/")
    history = head.locator("ol.timeline").inner_text()
    # then the event is named in Vietnamese, never by its internal code
    assert "Cưỡng chế thi hành" in history
    assert "enforced" not in history
    assert head.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]


def test_the_public_lookup_and_the_demo_bank_fit_a_phone_and_pass_axe(live_server, browser, w):
    # given an unpaid, delivered decision for a motorbike
    decision = make_decision(w, record=_fresh_record(w), issued_at=timezone.now(), delivered_on=timezone.localdate())
    context = browser.new_context(locale="vi-VN", viewport=PHONE, bypass_csp=True)
    citizen = context.new_page()
    citizen.set_default_timeout(15_000)
    found = []
    # when a citizen looks the plate up (first with nothing typed), then opens the demo bank
    citizen.goto(f"{live_server.url}/tra-cuu-vi-pham/")
    found += problems_of(citizen, "lookup")
    citizen.get_by_role("button", name="Tra cứu theo biển số").click()
    citizen.wait_for_load_state()
    found += problems_of(citizen, "lookup-error")
    citizen.get_by_role("textbox", name="Biển số xe").fill("36B112345")
    citizen.get_by_role("button", name="Tra cứu theo biển số").click()
    citizen.get_by_role("heading", name=f"Quyết định số {decision.number}").wait_for()
    found += problems_of(citizen, "lookup-result")
    citizen.get_by_role("link", name="Mở ứng dụng ngân hàng thử nghiệm").click()
    citizen.wait_for_load_state()
    found += problems_of(citizen, "demo-bank")
    # then nothing is in the way, and the cancel button does not look like the confirm button
    assert not found, "\n".join(found)
    cancel = citizen.get_by_role("button", name="Hủy")
    confirm = citizen.get_by_role("button", name=re.compile("^Xác nhận chuyển khoản"))
    background = "el => getComputedStyle(el).backgroundColor"
    assert cancel.evaluate(background) != confirm.evaluate(background)
    context.close()
