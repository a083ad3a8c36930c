"""Writes on agencies' API keys: issue, update (scopes, units, limits), rotate, revoke.

A key is `antt_<prefix>_<secret>`: the prefix (8 hex characters, stored, shown in lists) finds
the row, the secret (`secrets.token_urlsafe(32)`, 256 bits) is never stored: only the SHA-256 of
the whole key is (`AgencyKey.key_hash`). `issue_key` and `rotate_key` return the plaintext
once, for the page to show; it reaches neither the database, nor the audit trail, nor a log.

Every write checks `agency.manage` when an actor is given (the staff pages always give one;
management commands and tests may pass `by=None`), runs in one transaction and leaves an audit
record (the hash is left out of it: `core.audit` drops fields named like `key_hash`).
"""

from __future__ import annotations

import secrets
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from antt.api.agency import KEY_PREFIX, hash_key
from antt.api.models import AgencyKey
from antt.api.scopes import SCOPES
from antt.core import audit
from antt.dossiers import ratelimit
from antt.org.models import Unit
from antt.org.roles import can

MAX_DAILY_QUOTA = 10_000_000
KEY_FIELDS = ["name", "contact", "prefix", "scopes", "rate", "daily_quota", "is_active", "expires_at", "revoked_at"]


def _require(by) -> None:
    if by is not None and not can(by, "agency.manage"):
        raise PermissionDenied("Bạn không có quyền quản lý khóa API của cơ quan.")


def require_manager(user) -> None:
    """The pages of agencies' keys and webhooks: `agency.manage` only (403 otherwise)."""
    if not can(user, "agency.manage"):
        raise PermissionDenied("Bạn không có quyền quản lý kết nối dữ liệu với cơ quan khác.")


def _new_plaintext() -> tuple[str, str, str]:
    """(prefix, plaintext, hash) of a fresh key whose prefix is not taken."""
    for _attempt in range(10):
        prefix = secrets.token_hex(4)
        if not AgencyKey.objects.filter(prefix=prefix).exists():
            break
    plaintext = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    return prefix, plaintext, hash_key(plaintext)


def _clean_scopes(scopes) -> list[str]:
    values = list(dict.fromkeys(str(s) for s in (scopes or [])))
    unknown = [s for s in values if s not in SCOPES]
    if unknown:
        raise ValidationError({"scopes": f"Phạm vi không hợp lệ: {', '.join(unknown)}."})
    if not values:
        raise ValidationError({"scopes": "Vui lòng chọn ít nhất một phạm vi dữ liệu."})
    return [s for s in SCOPES if s in values]  # the catalogue's order


def clean_rate(rate) -> str:
    """The rate as stored ("120/m"); ValidationError({"rate": ...}) when it is not a rate."""
    text = (rate or "").strip()
    try:
        parsed = ratelimit.parse_rate(text)
    except ValueError:
        parsed = False
    if not parsed:
        raise ValidationError({"rate": "Giới hạn tần suất phải có dạng số lượt/đơn vị thời gian, ví dụ 120/m, 10/s."})
    return text


def _clean_quota(quota) -> int:
    try:
        value = int(quota)
    except (TypeError, ValueError):
        value = 0
    if not 1 <= value <= MAX_DAILY_QUOTA:
        raise ValidationError(
            {"daily_quota": f"Số lượt tối đa mỗi ngày phải từ 1 đến {MAX_DAILY_QUOTA:,}.".replace(",", ".")}
        )
    return value


def _clean_expiry(expires_at: datetime | None, *, is_new: bool) -> datetime | None:
    if expires_at is not None and is_new and expires_at <= timezone.now():
        raise ValidationError({"expires_at": "Ngày hết hạn phải sau thời điểm hiện tại."})
    return expires_at


def _clean_units(units) -> list[Unit]:
    units = list(units or [])
    ids = [u.pk if isinstance(u, Unit) else int(u) for u in units]
    found = list(Unit.objects.filter(pk__in=ids))
    if len(found) != len(set(ids)):
        raise ValidationError({"units": "Có đơn vị không tồn tại."})
    return found


def _clean_text(value, field: str, label: str, max_length: int, *, required: bool) -> str:
    text = (value or "").strip()
    if "\x00" in text:
        raise ValidationError({field: f"{label} có ký tự không hợp lệ."})
    if required and not text:
        raise ValidationError({field: f"Vui lòng nhập {label.lower()}."})
    if len(text) > max_length:
        raise ValidationError({field: f"{label} dài quá {max_length} ký tự."})
    return text


def _unit_ids(key: AgencyKey) -> list[int]:
    return sorted(key.units.values_list("pk", flat=True))


@transaction.atomic
def issue_key(
    *,
    name: str,
    contact: str = "",
    scopes: list[str],
    units=(),
    rate: str = "120/m",
    daily_quota: int = 50_000,
    expires_at: datetime | None = None,
    by=None,
) -> tuple[AgencyKey, str]:
    """Create a key; returns (key, plaintext). The plaintext is shown once and never stored."""
    _require(by)
    name = _clean_text(name, "name", "Tên hệ thống, cơ quan", 200, required=True)
    contact = _clean_text(contact, "contact", "Đầu mối liên hệ", 255, required=False)
    scopes = _clean_scopes(scopes)
    rate = clean_rate(rate)
    daily_quota = _clean_quota(daily_quota)
    expires_at = _clean_expiry(expires_at, is_new=True)
    unit_objs = _clean_units(units)
    prefix, plaintext, digest = _new_plaintext()
    key = AgencyKey.objects.create(
        name=name,
        contact=contact,
        prefix=prefix,
        key_hash=digest,
        scopes=scopes,
        rate=rate,
        daily_quota=daily_quota,
        expires_at=expires_at,
        created_by=by if getattr(by, "pk", None) else None,
    )
    key.units.set(unit_objs)
    changes = audit.snapshot(key, KEY_FIELDS)
    changes["units"] = _unit_ids(key)
    audit.record(audit.Action.CREATE, key, changes=changes, actor=by, reason="Cấp khóa API")
    return key, plaintext


@transaction.atomic
def update_key(key: AgencyKey, *, by=None, **changes) -> AgencyKey:
    """Change name, contact, scopes, units, rate, daily_quota or expires_at (audited diff)."""
    _require(by)
    allowed = {"name", "contact", "scopes", "units", "rate", "daily_quota", "expires_at"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "Không được phép thay đổi trường này."))
    key = AgencyKey.objects.select_for_update().get(pk=key.pk)
    before = audit.snapshot(key, KEY_FIELDS)
    before["units"] = _unit_ids(key)
    if "name" in changes:
        key.name = _clean_text(changes["name"], "name", "Tên hệ thống, cơ quan", 200, required=True)
    if "contact" in changes:
        key.contact = _clean_text(changes["contact"], "contact", "Đầu mối liên hệ", 255, required=False)
    if "scopes" in changes:
        key.scopes = _clean_scopes(changes["scopes"])
    if "rate" in changes:
        key.rate = clean_rate(changes["rate"])
    if "daily_quota" in changes:
        key.daily_quota = _clean_quota(changes["daily_quota"])
    if "expires_at" in changes:
        key.expires_at = _clean_expiry(changes["expires_at"], is_new=False)
    key.save()
    if "units" in changes:
        key.units.set(_clean_units(changes["units"]))
    after = audit.snapshot(key, KEY_FIELDS)
    after["units"] = _unit_ids(key)
    audit.record(audit.Action.UPDATE, key, changes=audit.diff(before, after), actor=by)
    return key


@transaction.atomic
def revoke_key(key: AgencyKey, *, by=None, reason: str = "") -> AgencyKey:
    """Stop the key at once (it answers 401 from now on). Revoking twice changes nothing."""
    _require(by)
    key = AgencyKey.objects.select_for_update().get(pk=key.pk)
    if not key.is_active:
        return key
    before = audit.snapshot(key, KEY_FIELDS)
    key.is_active = False
    key.revoked_at = timezone.now()
    key.save(update_fields=["is_active", "revoked_at"])
    after = audit.snapshot(key, KEY_FIELDS)
    reason = _clean_text(reason, "reason", "Lý do", 255, required=False)
    audit.record(
        audit.Action.TRANSITION, key, changes=audit.diff(before, after), actor=by, reason=reason or "Thu hồi khóa API"
    )
    return key


@transaction.atomic
def rotate_key(key: AgencyKey, *, by=None) -> tuple[AgencyKey, str]:
    """Give the key a new prefix and secret (the old one stops at once); same row, so its
    scopes, units, usage history and webhook subscriptions stay. Returns (key, new plaintext)."""
    _require(by)
    key = AgencyKey.objects.select_for_update().get(pk=key.pk)
    if not key.is_active:
        raise ValidationError("Khóa đã bị thu hồi, không thể cấp lại.")
    before = audit.snapshot(key, KEY_FIELDS)
    prefix, plaintext, digest = _new_plaintext()
    key.prefix, key.key_hash = prefix, digest
    key.save(update_fields=["prefix", "key_hash"])
    after = audit.snapshot(key, KEY_FIELDS)
    audit.record(audit.Action.UPDATE, key, changes=audit.diff(before, after), actor=by, reason="Cấp lại khóa API")
    return key, plaintext
