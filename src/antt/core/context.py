"""Who is acting and from where, for the audit trail.

The middleware sets these for a web request; commands and tasks set them with
`acting_as()` so that their writes are attributed too.
"""

from __future__ import annotations

import contextlib
from contextvars import ContextVar

current_user: ContextVar = ContextVar("antt_current_user", default=None)
current_ip: ContextVar = ContextVar("antt_current_ip", default=None)


def get_current_user():
    """The acting user, or None. The middleware stores a resolver, not the user, so
    that requests that write nothing (the API's reads, static files) never load the
    session and the user just for the audit trail."""
    value = current_user.get()
    return value() if callable(value) else value


@contextlib.contextmanager
def acting_as(user=None, ip: str | None = None):
    user_token = current_user.set(user)
    ip_token = current_ip.set(ip)
    try:
        yield
    finally:
        current_user.reset(user_token)
        current_ip.reset(ip_token)
