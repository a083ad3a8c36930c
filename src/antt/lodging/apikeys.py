"""Authentication of an establishment's software (PMS) by its API key, and the per-key rate limit.

A key is `antt_lt_<prefix>_<secret>` (made once by `business.key_create` and shown once): the
8 characters after `antt_lt_` are `ApiKey.prefix` (unique, the lookup), and only
`sha256(full key).hexdigest()` is stored (`ApiKey.key_hash`, compared in constant time). The key
comes in `Authorization: Bearer <key>` or in `X-API-Key: <key>`.

A key is refused (401, with `WWW-Authenticate`) when it is missing, malformed, unknown, wrong or
revoked; the establishment behind a good key is refused (403) when it has ceased trading or has no
lodging line. Each key may make `ANTT_LODGING_API_RATE` calls ("120/m" by default; the fixed
window of `dossiers.ratelimit`) before it gets 429 with `Retry-After`. `last_used_at` is written
at most once a minute per key, so that a busy PMS does not turn every call into an UPDATE.

Why the refusal is answered by the endpoint (`keyed`) and not by ninja: an authentication class
can only return a caller or None, and ninja's refusal carries neither `WWW-Authenticate` nor
`Retry-After` nor our message. So both security classes below return a `Refusal` (truthy) instead
of None, the OpenAPI document still lists both schemes, and `keyed` turns the refusal into the
JSON answer with its headers before the endpoint runs.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.http import JsonResponse
from django.utils import timezone
from ninja.security import APIKeyHeader, HttpBearer

from antt.dossiers import ratelimit
from antt.establishments.models import BusinessLine, Establishment
from antt.lodging.models import ApiKey

KEY_START = "antt_lt_"
# antt_lt_ + 8-character prefix + "_" + the secret (URL-safe characters).
KEY_PATTERN = re.compile(re.escape(KEY_START) + r"([A-Za-z0-9_-]{8})_([A-Za-z0-9_-]{8,200})")
LAST_USED_EVERY = timedelta(minutes=1)
REALM = 'Bearer realm="antt-luu-tru"'

MISSING = (
    "Thiếu khóa API: gửi khóa trong header Authorization: Bearer <khóa> hoặc X-API-Key: <khóa> "
    "(cơ sở tạo khóa tại trang Thông báo lưu trú › Khóa API)."
)
INVALID = "Khóa API không hợp lệ hoặc không tồn tại."
REVOKED = "Khóa API này đã bị thu hồi: cơ sở tạo khóa mới tại trang Thông báo lưu trú › Khóa API."
CEASED = "Cơ sở đã chấm dứt hoạt động: không thể gửi thông báo lưu trú bằng khóa API này."
NOT_LODGING = "Cơ sở không đăng ký ngành, nghề kinh doanh dịch vụ lưu trú: không thể thông báo lưu trú."
RATE_LIMITED = "Quá nhiều yêu cầu với khóa API này: thử lại sau {seconds} giây."

# A stored hash compared against when the prefix is unknown, so that an unknown prefix and a
# wrong secret take the same time.
_DUMMY_HASH = hashlib.sha256(b"antt_lt_00000000_no-such-key").hexdigest()


@dataclass(frozen=True)
class Refusal:
    """Why a call is refused: answered by `refusal_response` (status, Vietnamese detail, headers)."""

    status: int
    message: str
    headers: dict[str, str] = field(default_factory=dict)


def api_rate() -> str:
    return getattr(settings, "ANTT_LODGING_API_RATE", "120/m")


def key_hash(full_key: str) -> str:
    """What `ApiKey.key_hash` stores for a key."""
    return hashlib.sha256(full_key.encode()).hexdigest()


def key_from_request(request) -> str | None:
    """The key sent in `Authorization: Bearer …` or `X-API-Key`, or None when neither is there."""
    header = request.headers.get("Authorization", "").strip()
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            return value.strip()
        # Another scheme (Basic, a session…) is not a key: fall through to X-API-Key.
    value = request.headers.get("X-API-Key", "").strip()
    return value or None


def _unauthorized(message: str, *, error: str = "invalid_token") -> Refusal:
    challenge = REALM if not error else f'{REALM}, error="{error}"'
    return Refusal(401, message, {"WWW-Authenticate": challenge})


def authenticate_key(full_key: str | None) -> ApiKey | Refusal:
    """The `ApiKey` (with its establishment loaded) for a key sent by a client, or a `Refusal`."""
    if not full_key:
        return _unauthorized(MISSING, error="")
    match = KEY_PATTERN.fullmatch(full_key)
    if match is None:
        return _unauthorized(INVALID)
    lodging_line = BusinessLine.objects.filter(establishments=OuterRef("establishment_id"), is_lodging=True)
    key = (
        ApiKey.objects.select_related("establishment")
        .annotate(has_lodging_line=Exists(lodging_line))
        .filter(prefix=match.group(1))
        .first()
    )
    matched = hmac.compare_digest(key.key_hash if key is not None else _DUMMY_HASH, key_hash(full_key))
    if key is None or not matched:
        return _unauthorized(INVALID)
    if key.revoked_at is not None:
        return _unauthorized(REVOKED)
    if key.establishment.status == Establishment.Status.CEASED:
        return Refusal(403, CEASED)
    if not key.has_lodging_line:
        return Refusal(403, NOT_LODGING)
    return key


def _touch(key: ApiKey) -> None:
    """Record the use, at most once a minute (one UPDATE, guarded so two workers do not both write)."""
    now = timezone.now()
    if key.last_used_at is not None and now - key.last_used_at < LAST_USED_EVERY:
        return
    ApiKey.objects.filter(pk=key.pk, last_used_at=key.last_used_at).update(last_used_at=now)
    key.last_used_at = now


def check_request(request) -> ApiKey | Refusal:
    """Authenticate the request's key, count it against the key's rate, note its use."""
    result = authenticate_key(key_from_request(request))
    if isinstance(result, Refusal):
        return result
    rate = api_rate()
    if not ratelimit.hit(f"key-{result.pk}", "lodging-api", rate):
        seconds = max(1, ratelimit.retry_after(rate))
        return Refusal(429, RATE_LIMITED.format(seconds=seconds), {"Retry-After": str(seconds)})
    _touch(result)
    return result


def refusal_response(refusal: Refusal) -> JsonResponse:
    response = JsonResponse(
        {"detail": refusal.message}, status=refusal.status, json_dumps_params={"ensure_ascii": False}
    )
    for name, value in refusal.headers.items():
        response[name] = value
    return response


# --- ninja security classes (the OpenAPI document's two schemes) --------------------------------


class LodgingApiKey(HttpBearer):
    """`Authorization: Bearer antt_lt_…` (or `X-API-Key`): always answers (see the module docstring)."""

    def __call__(self, request):
        return check_request(request)

    def authenticate(self, request, token):  # pragma: no cover - __call__ does the work
        return check_request(request)


class LodgingApiKeyHeader(APIKeyHeader):
    """`X-API-Key: antt_lt_…` (the same check; listed so that the document names the header)."""

    param_name = "X-API-Key"

    def __call__(self, request):
        return check_request(request)

    def authenticate(self, request, key):  # pragma: no cover - __call__ does the work
        return check_request(request)


API_KEY_AUTH = [LodgingApiKey(), LodgingApiKeyHeader()]


def keyed(view):
    """Decorate an endpoint that takes `API_KEY_AUTH`: answer a refusal (401/403/429) with its
    headers; otherwise `request.auth` is the `ApiKey` (with `.establishment`)."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        auth = getattr(request, "auth", None)
        if not isinstance(auth, ApiKey):
            return refusal_response(auth if isinstance(auth, Refusal) else _unauthorized(MISSING, error=""))
        return view(request, *args, **kwargs)

    return wrapper
