"""The public feedback pages on a 360-px phone (Chromium): no sideways scroll, one h1, headings in
order, aria-describedby resolves, no serious/critical axe violation; the form by keyboard."""

from __future__ import annotations

import pytest
from django.utils import timezone

from antt.feedback.loaders import load_feedback_rules
from antt.feedback.models import Feedback, FeedbackState
from antt.feedback.tests.test_intake import send
from antt.org.models import Unit
from antt.org.tests.factories import make_unit
from tests.browser.conftest import browser  # noqa: F401 - the Chromium fixture
from tests.browser.pagecheck import phone_context, problems_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(settings):
    from django.core.cache import cache

    cache.clear()
    settings.ANTT_LOOKUP_RATE = "0"
    load_feedback_rules()
    make_unit("Trung tâm Phục vụ hành chính công tỉnh", level=Unit.Level.PROVINCE, slug="ttpvhcc")
    fb = send().feedback
    Feedback.objects.filter(pk=fb.pk).update(
        state=FeedbackState.ANSWERED,
        answer="Trả lời riêng.",
        answered_at=timezone.now(),
        published=True,
        published_at=timezone.now(),
        public_question="Hỏi về thủ tục đăng ký tạm trú <script>alert(1)</script>",
        public_answer="Chỉ cần giấy tờ chứng minh chỗ ở hợp pháp.",
    )
    fb.refresh_from_db()
    return fb


def test_public_feedback_pages_fit_a_phone_and_pass_axe(live_server, browser, world):  # noqa: F811
    context = phone_context(browser)
    page = context.new_page()
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    found = []
    base = live_server.url + "/phan-anh-kien-nghi/"
    for name, url in (
        ("pakn-home", base),
        ("pakn-form", base + "gui/"),
        ("pakn-lookup", base + "tra-cuu/"),
        ("pakn-published", base + f"cong-khai/{world.code}/"),
    ):
        page.goto(url)
        found += problems_of(page, name)
    # the form sent empty shows its errors, each tied to its field
    page.goto(base + "gui/")
    with page.expect_navigation():
        page.get_by_role("button", name="Gửi phản ánh, kiến nghị").click()
    assert page.locator(".errorlist").count() >= 5
    found += problems_of(page, "pakn-form-errors")
    # the lookup with a result and the satisfaction buttons
    page.goto(base + "tra-cuu/")
    page.fill("#id_code", world.code)
    page.fill("#id_phone_last4", "5678")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "Chỉ cần" not in page.content()  # the private answer is shown, not the published one
    assert page.get_by_text("Trả lời riêng.").count() == 1
    found += problems_of(page, "pakn-lookup-result")
    context.close()
    assert not dialogs, dialogs  # no script ran
    assert not found, "\n".join(found)
