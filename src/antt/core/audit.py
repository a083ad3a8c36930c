"""The audit trail: every write and every staff read of personal data.

Services call `record()` inside their transaction, so an audit entry exists if
and only if the change was committed. Entries are chained with an HMAC
(`ANTT_AUDIT_KEY`, derived from SECRET_KEY when unset) so that editing,
inserting or removing one is detected by `verify_chain()` / `manage.py
audit_verify`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

from antt.core.context import current_ip, current_user
from antt.core.models import AuditEvent, AuditHead

Action = AuditEvent.Action


def _key() -> bytes:
    key = settings.ANTT_AUDIT_KEY or ("audit:" + settings.SECRET_KEY)
    return key.encode()


def _canonical(event: AuditEvent) -> bytes:
    payload = {
        "seq": event.seq,
        "at": event.at.astimezone(timezone.UTC).isoformat(timespec="microseconds"),
        "actor": event.actor_id,
        "actor_name": event.actor_name,
        "actor_unit": event.actor_unit_id,
        "ip": event.ip,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "object_repr": event.object_repr,
        "changes": event.changes,
        "reason": event.reason,
        "prev": event.prev_hash,
    }
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, cls=DjangoJSONEncoder).encode()


def compute_hash(event: AuditEvent) -> str:
    return hmac.new(_key(), _canonical(event), hashlib.sha256).hexdigest()


def _jsonable(value):
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False))


def object_label(obj: models.Model) -> str:
    return f"{obj._meta.app_label}.{obj._meta.model_name}"


def record(
    action: str,
    obj: models.Model | None = None,
    *,
    changes: dict | None = None,
    reason: str = "",
    actor=None,
    ip: str | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
) -> AuditEvent:
    """Append one entry. Call it inside the service's transaction."""
    actor = actor if actor is not None else current_user.get()
    ip = ip if ip is not None else current_ip.get()
    if obj is not None:
        object_type = object_type or object_label(obj)
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:255]
    with transaction.atomic():
        head, _ = AuditHead.objects.select_for_update().get_or_create(id=1)
        event = AuditEvent(
            seq=head.seq + 1,
            at=timezone.now(),
            actor=actor if getattr(actor, "pk", None) else None,
            actor_name=(str(actor)[:150] if actor is not None else "hệ thống"),
            actor_unit_id=getattr(actor, "unit_id", None),
            ip=ip,
            action=action,
            object_type=object_type,
            object_id=object_id,
            object_repr=object_repr[:255],
            changes=_jsonable(changes or {}),
            reason=reason[:255],
            prev_hash=head.hash,
        )
        event.hash = compute_hash(event)
        event.save(force_insert=True)
        head.seq, head.hash = event.seq, event.hash
        head.save(update_fields=["seq", "hash"])
    return event


def diff(before: dict, after: dict) -> dict:
    """{field: [old, new]} for the fields that changed."""
    return {k: [before.get(k), after.get(k)] for k in after if before.get(k) != after.get(k)}


def snapshot(obj: models.Model, fields: list[str] | None = None) -> dict:
    names = fields or [f.attname for f in obj._meta.concrete_fields]
    return _jsonable({name: getattr(obj, name) for name in names})


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    problems: list[str]


def verify_chain() -> VerifyResult:
    """Walk the whole chain in order; report every break."""
    problems: list[str] = []
    prev_hash = ""
    expected_seq = 1
    checked = 0
    for event in AuditEvent.objects.order_by("seq").iterator(chunk_size=2000):
        checked += 1
        if event.seq != expected_seq:
            problems.append(f"Thiếu bản ghi số {expected_seq}–{event.seq - 1} (đã bị xóa).")
        if event.prev_hash != prev_hash:
            problems.append(f"Bản ghi số {event.seq}: không nối với bản ghi trước (chuỗi bị cắt hoặc chèn).")
        if not hmac.compare_digest(event.hash, compute_hash(event)):
            problems.append(f"Bản ghi số {event.seq}: nội dung đã bị sửa.")
        prev_hash = event.hash
        expected_seq = event.seq + 1
    head = AuditHead.objects.filter(id=1).first()
    if head is not None and (head.seq != expected_seq - 1 or head.hash != prev_hash):
        problems.append(
            f"Đầu chuỗi ghi số {head.seq}, nhưng bản ghi cuối cùng là số {expected_seq - 1}: "
            "bản ghi cuối đã bị xóa hoặc sửa."
        )
    return VerifyResult(ok=not problems, checked=checked, problems=problems)
