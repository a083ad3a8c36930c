"""Bearer tokens of outside agencies, kept as hashes in a setting.

A setting such as `ANTT_SHARING_TOKENS` holds "label=sha256hex,label=sha256hex" (or a list of
such items): the SHA-256 of each agency's token and a label naming the agency. A presented token
is hashed and compared in constant time with every stored hash. Used by the suspension feed
(violations), the establishments registry (sharing) and the lodging statistics.
"""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings


def hashed_tokens(setting: str) -> dict[str, str]:
    """{sha256 hex: label} from the setting (a string "label=hash,..." or a list)."""
    raw = getattr(settings, setting, "") or ""
    items = raw.split(",") if isinstance(raw, str) else list(raw)
    out = {}
    for item in items:
        label, _, digest = str(item).strip().rpartition("=")
        digest = digest.strip().lower()
        if len(digest) == 64:
            out[digest] = label.strip() or "cơ quan"
    return out


def token_label(token: str, setting: str) -> str | None:
    """The label of the agency whose token this is, or None (constant-time comparison against
    every stored hash)."""
    if not token or len(token) > 200:
        return None
    digest = hashlib.sha256(token.encode()).hexdigest()
    found = None
    for stored, label in hashed_tokens(setting).items():
        if hmac.compare_digest(stored, digest):
            found = label
    return found
