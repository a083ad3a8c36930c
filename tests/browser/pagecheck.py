"""What every public page must pass on a 360-px phone, in one function the page tests share:
no sideways scroll, exactly one h1, headings in order, every aria-describedby names an element,
no serious or critical WCAG 2.1 A/AA violation (axe-core).

With ANTT_UI_SHOTS=<folder> set, every page checked is also saved there as a screenshot.
"""

from __future__ import annotations

import os
from pathlib import Path

from tests.browser.axe import axe_violations

PHONE = {"width": 360, "height": 740}
SHOTS = os.environ.get("ANTT_UI_SHOTS", "")

HEADING_LEVELS_JS = (
    "() => [...document.querySelectorAll('main h1, main h2, main h3, main h4, main h5, main h6')]"
    ".filter(h => h.getClientRects().length || h.classList.contains('visually-hidden'))"
    ".map(h => Number(h.tagName[1]))"
)
DANGLING_DESCRIBEDBY_JS = """() => [...document.querySelectorAll('[aria-describedby]')].flatMap(el =>
    el.getAttribute('aria-describedby').split(/\\s+/).filter(id => id && !document.getElementById(id)))"""


def phone_context(browser):
    """A phone-sized context; the CSP is bypassed only so that axe-core can be injected."""
    context = browser.new_context(locale="vi-VN", viewport=PHONE, device_scale_factor=2, bypass_csp=True)
    context.set_default_timeout(15_000)
    return context


def problems_of(page, name: str) -> list[str]:
    """Every problem of the page now open, each line naming the page."""
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"cong-{name}-360.png"), full_page=True)
    found = []
    width = page.evaluate("document.scrollingElement.scrollWidth")
    if width > PHONE["width"]:
        found.append(f"{name}: the page is {width} px wide")
    h1 = page.locator("h1").count()
    if h1 != 1:
        found.append(f"{name}: {h1} h1 headings")
    levels = page.evaluate(HEADING_LEVELS_JS)
    skips = [f"h{a}→h{b}" for a, b in zip(levels, levels[1:], strict=False) if b > a + 1]
    if skips or (levels and levels[0] != 1):
        found.append(f"{name}: headings out of order {levels}")
    dangling = page.evaluate(DANGLING_DESCRIBEDBY_JS)
    if dangling:
        found.append(f"{name}: aria-describedby names missing elements {dangling}")
    found += [f"{name}: {v}" for v in axe_violations(page) if v["impact"] in ("serious", "critical")]
    return found
