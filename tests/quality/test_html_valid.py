"""Every public page is valid HTML (the Nu HTML Checker, the W3C's validator): pages fetched with
the Django test client, written to files, checked in one java run.

Skipped with the reason when java or vnu.jar is missing here; in CI (`CI=true`) that is a failure.
"""

from __future__ import annotations

import os
import warnings

import pytest
from django.test import Client

from tests.quality import vnu
from tests.quality.public_pages import public_world, resolve_pages

pytestmark = pytest.mark.django_db


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


@pytest.fixture
def checker():
    reason = vnu.missing_tool()
    if reason:
        if _in_ci():
            pytest.fail(f"{reason}: CI must check the HTML.")
        pytest.skip(reason)
    return vnu


def test_the_checker_finds_an_error_in_broken_html(checker, tmp_path):
    # given a page with an unclosed element, a duplicate id and no title
    bad = tmp_path / "bad.html"
    bad.write_text('<!doctype html><html lang="vi"><body><p id="a">x<p id="a"><span></div></body></html>')
    good = tmp_path / "good.html"
    good.write_text('<!doctype html><html lang="vi"><head><title>Trang</title></head><body><p>Đúng</p></body></html>')
    # when both are checked in one run
    errors = checker.check_files([bad, good])
    # then the broken one has errors and the valid one none
    assert errors[bad], errors
    assert any("Duplicate ID" in e["message"] for e in errors[bad]), errors[bad]
    assert errors[good] == []


def test_every_public_page_is_valid_html(checker, settings, tmp_path):
    # given every public page the apps define now, with something to show
    settings.ANTT_LOOKUP_RATE = "0"
    world = public_world()
    pages, missing = resolve_pages(world)
    if missing:
        warnings.warn("public pages not checked: " + "; ".join(missing), stacklevel=1)
    assert len(pages) >= 8, missing
    client = Client(raise_request_exception=False)
    files, broken = {}, []
    for page, url in pages:
        response = client.get(url)
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            broken.append(f"{page.key} {url}: HTTP {response.status_code} {response['Content-Type']}")
            continue
        path = tmp_path / f"{page.key}.html"
        path.write_bytes(response.content)
        files[path] = f"{page.key} ({url})"
        if page.form:  # sent empty: the page again, with every error shown
            response = client.post(url, {})
            if response.status_code in (301, 302, 303):
                continue
            if response.status_code >= 500 or not response["Content-Type"].startswith("text/html"):
                broken.append(f"{page.key} sent empty: HTTP {response.status_code} {response['Content-Type']}")
                continue
            path = tmp_path / f"{page.key}-sent-empty.html"
            path.write_bytes(response.content)
            files[path] = f"{page.key} sent empty ({url})"
    # when the checker reads them all
    errors = checker.check_files(list(files))
    # then none has an error
    found = [
        f"{files.get(path, path)} line {e['line']}: {e['message']} — {e['extract']}"
        for path, errs in errors.items()
        for e in errs
    ]
    assert not broken + found, "\n".join(broken + found)
