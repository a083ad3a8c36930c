"""Every public page (tests/quality/public_pages.py) on a 360-px phone: no sideways scroll, one h1,
headings in order, every aria-describedby resolves, no serious or critical WCAG 2.1 A/AA violation
(axe-core). Also with the errors of an empty form shown, where the page has a form to send.
"""

from __future__ import annotations

import warnings

import pytest

from tests.browser.pagecheck import phone_context, problems_of
from tests.quality.public_pages import public_world, resolve_pages

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_checks_catch_a_page_that_breaks_them(browser):
    # given a page that is too wide, has two h1, skips a heading level and a dangling reference
    context = phone_context(browser)
    page = context.new_page()
    page.set_content(
        '<!doctype html><html lang="vi"><head><title>Sai</title></head><body><main>'
        '<h1>Một</h1><h3>Ba</h3><h1>Hai</h1><div style="width:900px">rộng</div>'
        '<input aria-describedby="khong-co"><img src="data:,">'
        "</main></body></html>"
    )
    # when it is checked
    found = "\n".join(problems_of(page, "broken"))
    context.close()
    # then each fault is named
    assert "px wide" in found
    assert "2 h1 headings" in found
    assert "headings out of order" in found
    assert "khong-co" in found
    assert "image-alt" in found or "label" in found


def test_every_public_page_fits_a_phone_and_passes_axe(live_server, browser, settings):
    # given every public page the apps define now, with something to show
    settings.ANTT_LOOKUP_RATE = "0"
    world = public_world()
    pages, missing = resolve_pages(world)
    if missing:
        warnings.warn("public pages not checked: " + "; ".join(missing), stacklevel=1)
    context = phone_context(browser)
    page = context.new_page()
    found = []
    # when a citizen's phone opens each one (and sends its first form empty, to see the errors)
    for entry, url in pages:
        response = page.goto(live_server.url + url)
        if response.status != 200:
            found.append(f"{entry.key} {url}: HTTP {response.status}")
            continue
        found += problems_of(page, entry.key)
        form = page.locator("main form[method=post]:not([action*='dang-xuat'])").first
        if entry.key != "sign-in" and form.count():
            submit = form.locator("button[type=submit], button:not([type]), input[type=submit]").last
            if submit.count():
                submit.click()
                page.wait_for_load_state()
                found += problems_of(page, f"{entry.key}-sent-empty")
    context.close()
    # then nothing is in the way of a phone user
    assert not found, "\n".join(found)
