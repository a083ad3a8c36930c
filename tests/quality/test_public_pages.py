"""The registry of public pages reports what it cannot check instead of dropping it."""

from tests.quality.public_pages import PAGES, PublicPage, PublicWorld, resolve_pages


def a_world(**overrides) -> PublicWorld:
    values = {"procedure_code": "1.001445", "online_procedure_code": "T.000001", "unit": None, "head": None}
    return PublicWorld(**{**values, **overrides})


def test_a_page_whose_url_is_not_defined_is_reported_missing():
    # given a page of an app that has not shipped it, and one that exists
    pages = (PublicPage("later", "nowhere:page"), PublicPage("home", "portal:home"))
    # when they are resolved
    found, missing = resolve_pages(a_world(), pages)
    # then the existing one is checked and the other named
    assert [(p.key, url) for p, url in found] == [("home", "/")]
    assert missing == ["later: no URL named 'nowhere:page' yet"]


def test_a_page_with_nothing_to_show_is_reported_not_checked():
    # given no published feedback in the world
    pages = tuple(p for p in PAGES if p.key == "feedback-published")
    # when resolved
    found, missing = resolve_pages(a_world(feedback_code=None), pages)
    # then it is named, with the reason
    assert found == [] and missing == ["feedback-published: nothing to show (the world has no object for it)"]


def test_the_query_string_is_part_of_the_url():
    page = next(p for p in PAGES if p.key == "catalogue-search")
    assert page.url(a_world()) == "/thu-tuc/?q=h%E1%BB%99+chi%E1%BA%BFu"


def test_every_public_page_of_the_contract_is_in_the_registry():
    names = {p.url_name for p in PAGES}
    contract = {
        "portal:home",
        "portal:announcements",
        "portal:announcement",
        "portal:contacts",
        "portal:figures",
        "catalog:procedure-list",
        "catalog:procedure-detail",
        "feedback:public-home",
        "feedback:new",
        "feedback:lookup",
        "feedback:published",
        "api:opendata-list",
        "api:opendata-detail",
    }
    assert contract <= names, contract - names
