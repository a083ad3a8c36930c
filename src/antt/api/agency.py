"""Authentication of other agencies' systems by API key (`AgencyKey`), for ninja endpoints.

    from antt.api.agency import AgencyKeyAuth, key_units_q

    @router.get("/x", auth=AgencyKeyAuth("dossiers.status"), ...)
    def x(request):
        key = request.auth                       # the AgencyKey
        qs = Dossier.objects.filter(key_units_q(key, "unit"))

A key is sent as `Authorization: Bearer antt_<prefix>_<secret>`. The check, in order:
1. a token that is not of that form → `None` (ninja tries the endpoint's next auth, e.g. an old
   setting-based token or the staff session; if none accepts it → 401);
2. the key is found by its prefix and its SHA-256 compared in constant time; unknown, revoked
   (`is_active` false) or expired → `None` (→ 401: the caller learns nothing about which);
3. the key lacks the endpoint's scope → 403 with a Vietnamese message;
4. the key's own rate (`AgencyKey.rate`, `dossiers.ratelimit.hit` keyed by the key's id) → 429
   with `Retry-After`; its daily quota (`AgencyKey.daily_quota`, calls served today, all scopes)
   → 429 with `Retry-After` until midnight (local time).

Usage (`ApiUsage`, one row per key, day and scope) is counted here: the call (and a throttled
one) at once, with one `UPDATE ... SET calls = calls + 1` (a row is created on the day's first
call). Whether the call then failed (a 4xx/5xx after authentication: 404, 422...) is only known
after the view: `AgencyUsageMiddleware` adds it to `errors` (the auth leaves
`request.agency_usage`). Without the middleware every count but `errors` of non-auth failures
is still exact.

`last_used_at` is written at most once a minute per key (a conditional UPDATE).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from ninja.errors import HttpError
from ninja.security import HttpBearer

from antt.api.models import AgencyKey, ApiUsage
from antt.api.scopes import SCOPES
from antt.dossiers import ratelimit

KEY_PREFIX = "antt_"
META_SCOPE = "meta"  # ApiUsage.scope of calls that need no data scope (GET /agency/me, /usage)
LAST_USED_EVERY = timedelta(minutes=1)
# A dummy digest compared against when no key has the presented prefix, so that an unknown
# prefix costs about as much as a wrong secret.
_DUMMY_DIGEST = hashlib.sha256(b"antt-no-such-key").hexdigest()


def hash_key(plaintext: str) -> str:
    """The stored form of a key: SHA-256 hex of the whole `antt_<prefix>_<secret>` string."""
    return hashlib.sha256(plaintext.encode()).hexdigest()


def split_key(token: str) -> tuple[str, str] | None:
    """`antt_<prefix>_<secret>` → (prefix, secret); anything else → None."""
    if not token or len(token) > 200 or not token.startswith(KEY_PREFIX):
        return None
    prefix, sep, secret = token[len(KEY_PREFIX) :].partition("_")
    if not sep or not prefix or not secret or len(prefix) > 12:
        return None
    return prefix, secret


def find_key(token: str) -> AgencyKey | None:
    """The active, unexpired key this token is, or None (constant-time hash comparison)."""
    parts = split_key(token)
    if parts is None:
        return None
    key = AgencyKey.objects.filter(prefix=parts[0]).first()
    digest = hash_key(token)
    if not hmac.compare_digest(key.key_hash if key else _DUMMY_DIGEST, digest) or key is None:
        return None
    if not key.is_active or key.revoked_at is not None:
        return None
    if key.expires_at is not None and key.expires_at <= timezone.now():
        return None
    return key


# --- Usage --------------------------------------------------------------------------------


def _today():
    return timezone.localdate()


def count_usage(key_id: int, scope: str, *, calls: int = 0, errors: int = 0, throttled: int = 0, day=None) -> None:
    """Add to the key's counters of `day` (today) and `scope`: an F() update, a row created on
    the first call of the day (a concurrent creator is caught and the update retried)."""
    day = day or _today()
    changes = {}
    if calls:
        changes["calls"] = F("calls") + calls
    if errors:
        changes["errors"] = F("errors") + errors
    if throttled:
        changes["throttled"] = F("throttled") + throttled
    if not changes:
        return
    rows = ApiUsage.objects.filter(key_id=key_id, day=day, scope=scope)
    if rows.update(**changes):
        return
    try:
        with transaction.atomic():
            ApiUsage.objects.create(
                key_id=key_id, day=day, scope=scope, calls=calls, errors=errors, throttled=throttled
            )
    except IntegrityError:
        rows.update(**changes)


def served_today(key: AgencyKey) -> int:
    """Calls of the key today that were not refused by the rate or quota (all scopes)."""
    totals = ApiUsage.objects.filter(key=key, day=_today()).aggregate(c=Sum("calls"), t=Sum("throttled"))
    return (totals["c"] or 0) - (totals["t"] or 0)


def _seconds_to_midnight() -> int:
    now = timezone.localtime()
    midnight = timezone.make_aware(datetime.combine(now.date() + timedelta(days=1), time.min), now.tzinfo)
    return max(1, int((midnight - now).total_seconds()) + 1)


def touch_last_used(key: AgencyKey) -> None:
    """Write `last_used_at`, at most once a minute per key."""
    now = timezone.now()
    if key.last_used_at is not None and now - key.last_used_at < LAST_USED_EVERY:
        return
    AgencyKey.objects.filter(pk=key.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_EVERY)
    ).update(last_used_at=now)
    key.last_used_at = now


@dataclass
class UsageMark:
    """Left on the request by the auth for `AgencyUsageMiddleware`."""

    key_id: int
    scope: str
    counted_error: bool = False


# --- Errors -------------------------------------------------------------------------------


class AgencyThrottled(HttpError):
    """429 with a Retry-After header (the handler is registered in `antt.api.api_agency`)."""

    def __init__(self, message: str, retry_after: int):
        super().__init__(429, message)
        self.retry_after = retry_after


def scope_denied_message(scope: str) -> str:
    return f"Khóa API không được cấp phạm vi “{scope}” ({SCOPES.get(scope, scope)})."


# --- The auth class ----------------------------------------------------------------------


class AgencyKeyAuth(HttpBearer):
    """ninja auth for an agency's API key with `scope` (one of `antt.api.scopes.SCOPES`; None =
    any valid key, for the key's own information).

    `request.auth` is the `AgencyKey`. Returns None for a token that is not an agency key or
    is unknown/revoked/expired (so other auths of the endpoint may still accept it); raises
    `HttpError(403)` for a missing scope and `AgencyThrottled` (429) over the rate or quota.
    """

    openapi_description = "Khóa API của cơ quan: `Authorization: Bearer antt_<tiền tố>_<bí mật>`."

    def __init__(self, scope: str | None):
        if scope is not None and scope not in SCOPES:
            raise ValueError(f"Unknown agency scope {scope!r}")
        self.scope = scope
        # Usage of the scope-free endpoints (the key's own information) is counted as "meta".
        self.usage_scope = scope or META_SCOPE
        super().__init__()

    def authenticate(self, request, token):
        key = find_key(token)
        if key is None:
            return None
        scope = self.usage_scope
        request.agency_usage = UsageMark(key.pk, scope)
        if self.scope is not None and self.scope not in (key.scopes or []):
            count_usage(key.pk, scope, calls=1, errors=1)
            request.agency_usage.counted_error = True
            raise HttpError(403, scope_denied_message(self.scope))
        if not ratelimit.hit(f"key{key.pk}", "agency", key.rate):
            self._throttled(request, key)
            raise AgencyThrottled(
                f"Khóa API đã vượt giới hạn {key.rate} lượt gọi. Vui lòng thử lại sau.",
                ratelimit.retry_after(key.rate),
            )
        if key.daily_quota and served_today(key) >= key.daily_quota:
            self._throttled(request, key)
            raise AgencyThrottled(
                f"Khóa API đã dùng hết {key.daily_quota} lượt gọi của ngày hôm nay. Vui lòng thử lại vào ngày mai.",
                _seconds_to_midnight(),
            )
        count_usage(key.pk, scope, calls=1)
        touch_last_used(key)
        return key

    def _throttled(self, request, key):
        count_usage(key.pk, self.usage_scope, calls=1, errors=1, throttled=1)
        request.agency_usage.counted_error = True


def file_view_key(request, token: str, scope: str):
    """The same checks as `AgencyKeyAuth(scope)` for plain (non-ninja) views, such as the agencies'
    CSV/Excel files: (key, None) when the token is an agency key allowed here; (None, response) with
    a Vietnamese 403 or 429 (with Retry-After); (None, None) when the token is not an agency key
    (the view then tries its other credentials)."""
    from django.http import HttpResponse

    try:
        key = AgencyKeyAuth(scope).authenticate(request, token)
    except AgencyThrottled as exc:
        response = HttpResponse(str(exc), status=429, content_type="text/plain; charset=utf-8")
        response["Retry-After"] = str(exc.retry_after)
        return None, response
    except HttpError as exc:
        return None, HttpResponse(str(exc), status=exc.status_code, content_type="text/plain; charset=utf-8")
    return key, None


class AgencyUsageMiddleware:
    """Counts a call that failed after authentication (a 4xx/5xx answer) in `ApiUsage.errors`.

    Add "antt.api.agency.AgencyUsageMiddleware" to MIDDLEWARE. It costs nothing on requests
    that no agency key authenticated.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        mark = getattr(request, "agency_usage", None)
        if mark is not None and not mark.counted_error and response.status_code >= 400:
            count_usage(mark.key_id, mark.scope, errors=1)
            mark.counted_error = True
        return response


# --- Data restriction ---------------------------------------------------------------------


def key_unit_paths(key: AgencyKey) -> list[str]:
    """Materialised paths of the key's units (cached on the key object); [] = the whole province."""
    paths = getattr(key, "_unit_paths", None)
    if paths is None:
        paths = list(key.units.values_list("path", flat=True))
        key._unit_paths = paths
    return paths


def key_units_q(key: AgencyKey, unit_field: str | None = "unit") -> Q:
    """A Q restricting a queryset to the key's units and the units below them (no units = all).

    `unit_field` is the lookup from the model to its Unit ("unit", "dossier__unit"), None for
    a queryset of Unit itself.
    """
    paths = key_unit_paths(key)
    if not paths:
        return Q()
    lookup = f"{unit_field}__path__startswith" if unit_field else "path__startswith"
    q = Q(**{lookup: paths[0]})
    for path in paths[1:]:
        q |= Q(**{lookup: path})
    return q


def key_sees_unit(key: AgencyKey, unit) -> bool:
    """Whether a row of `unit` (a Unit or None) is inside the key's units."""
    paths = key_unit_paths(key)
    if not paths:
        return True
    return unit is not None and any(unit.path.startswith(p) for p in paths)
