"""What the staff pages of the establishments app share: the capability check, the 4xx status of
a service's refusal, query strings for pagers and sort links, URLs of pages that may not exist,
and putting a service's refusal back on its form field."""

from __future__ import annotations

import re

from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.urls import NoReverseMatch, reverse

from antt.establishments.errors import EstablishmentError
from antt.org.roles import can

PAGE_SIZE = 25
_ID = re.compile(r"[0-9]{1,18}")


def require(user, capability: str, message: str) -> None:
    """403 with `message` unless the user's role has `capability`."""
    if not can(user, capability):
        raise PermissionDenied(message)


def error_status(exc: EstablishmentError) -> int:
    """The HTTP status of a refusal: the service's 4xx, else 400 (a refusal is never a 500)."""
    return exc.status if 400 <= exc.status < 500 else 400


def put_error(form, exc: EstablishmentError) -> None:
    """The refusal's message next to its field (or on top of the form)."""
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def query_string(request, drop=("page",)) -> str:
    """The request's query string without the `drop` keys (pager and sort links add their own)."""
    query = request.GET.copy()
    for key in drop:
        query.pop(key, None)
    return query.urlencode()


def sort_links(request, current: str, keys) -> dict:
    """{key: {"href", "aria"}} for column headers: a click sorts by the key, a second click reverses."""
    base = query_string(request, ("page", "sort"))
    links = {}
    for key in keys:
        next_sort = f"-{key}" if current == key else key
        aria = "ascending" if current == key else "descending" if current == f"-{key}" else ""
        links[key] = {"href": f"?{base + '&' if base else ''}sort={next_sort}", "aria": aria}
    return links


def optional_url(name: str, *args) -> str | None:
    """The URL of a named page, or None when it does not exist (or does not take these args)."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def id_param(value) -> int | None:
    """A database id typed in a query parameter (ASCII digits, at most 18), else None."""
    text = str(value or "").strip()
    return int(text) if _ID.fullmatch(text) else None


def page_of(queryset, number, per_page: int = PAGE_SIZE) -> Page:
    """`Paginator(queryset, per_page).get_page(number)`, without the COUNT(*) when the first page
    is not full (a search that finds a few rows, a tax code that finds one): that page's rows
    are the whole count. Junk page numbers fall back to the first or last page, as get_page does."""
    paginator = Paginator(queryset, per_page)
    if str(number or "1").strip() != "1":
        return paginator.get_page(number)
    head = list(queryset[: per_page + 1])
    if len(head) <= per_page:
        paginator.__dict__["count"] = len(head)  # the cached_property, filled without a query
    return Page(head[:per_page], 1, paginator)
