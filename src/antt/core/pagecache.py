"""A short cache of whole public pages for visitors who are not signed in.

The home page, the catalogue and a procedure's page are what most visitors open, and building
them costs 10–150 ms of ORM and template work against ~1.5 ms for a bare view (bench/portal.py).
For an anonymous GET they are the same for everyone, so the rendered response is kept for
`PUBLIC_PAGE_SECONDS` under a key of the full path and the language.

Never cached: a visitor with a session (signed in: the header names them) or pending messages,
anything but GET/HEAD, a status other than 200, a response that sets a cookie or whose page used
the CSRF token or the CSP nonce (either would be wrong for the next visitor).

Freshness: a change to announcements, contact points or the catalogue bumps a version in the
cache (`forget_public_pages`, connected to those models' saves and deletes), which retires every
kept page at once. With the in-process cache only the process that saved sees the bump; the
others serve their copy for at most `PUBLIC_PAGE_SECONDS`. With Redis (`ANTT_CACHE_URL`) all
workers share the pages and the version.
"""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.middleware.csp import get_nonce

PUBLIC_PAGE_SECONDS = 60
_VERSION_KEY = "public-pages:version"


def _version() -> int:
    version = cache.get(_VERSION_KEY)
    if version is None:
        cache.add(_VERSION_KEY, 1, timeout=None)
        version = cache.get(_VERSION_KEY) or 1
    return version


def forget_public_pages(*args, **kwargs) -> None:
    """Retire every cached public page (a signal receiver; also callable directly)."""
    try:
        cache.incr(_VERSION_KEY)
    except ValueError:
        cache.add(_VERSION_KEY, 2, timeout=None)


def _cacheable_request(request) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
    )


def public_page(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not _cacheable_request(request):
            return view(request, *args, **kwargs)
        key = f"public-page:{_version()}:{getattr(request, 'LANGUAGE_CODE', '')}:{request.get_full_path()}"
        response = cache.get(key)
        if response is not None:
            return response
        response = view(request, *args, **kwargs)
        if (
            response.status_code == 200
            and not getattr(response, "streaming", False)
            and not response.cookies
            and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
            and not get_nonce(request)
        ):
            cache.set(key, response, PUBLIC_PAGE_SECONDS)
        return response

    return wrapper
