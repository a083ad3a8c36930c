"""The audit trail: every write and every staff read of personal data.

Services call `record()` (or `record_change()` / `record_personal_read()`)
inside their transaction, so an audit entry exists if and only if the change was
committed. Entries are chained with an HMAC (`ANTT_AUDIT_KEY`, derived from
SECRET_KEY when unset): each entry's hash covers its content and the previous
entry's hash, so editing, inserting or removing one is detected by
`verify_chain()` / `manage.py audit_verify`. The application cannot change or
delete entries (model, queryset, admin), and neither can plain SQL: migration
`core.0004_audit_triggers` installs database triggers that refuse UPDATE and
DELETE. The chain is what catches someone who bypasses all of that (a DBA who
drops the trigger): it proves tampering, it does not prevent it.

Limits of the proof: removing entries from the *end* is detected through the
head row (`AuditHead`), which a DBA could rewind as well. Every append therefore
also logs the new head on the `antt.audit` logger (ship it to syslog/journald,
off the database host), and every backup manifest stores the head; `manage.py
audit_verify --anchor SEQ:HASH` checks the chain still contains such an anchor.

Scale: every append locks the single `AuditHead` row (`select_for_update`), so
appends are serialised across the whole system. An append is one indexed INSERT
plus one single-row UPDATE inside the caller's transaction, a few hundred
microseconds of lock time; a province (hundreds of officers, tens of thousands
of writes a day) stays far below one append per millisecond, so the lock is not
the bottleneck now, and one linear chain keeps verification simple. The lock is
held until the caller's transaction commits, so services must keep their
transactions short. At national scale (34 provinces, hundreds of millions of
guest declarations a year) the head becomes a hot spot: split the trail into
independent chains, one per partition key (province and month, matching the
table's monthly partitions), each with its own head row (`AuditHead.id` =
partition number), and verify the chains in parallel.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

from antt.core.context import current_ip, get_current_user
from antt.core.models import AuditEvent, AuditHead

Action = AuditEvent.Action
logger = logging.getLogger("antt.audit")

# Field names made of these words never reach the trail (passwords, API keys,
# TOTP secrets, tokens): `snapshot()` leaves them out and `record()` masks them.
SENSITIVE_WORDS = frozenset(
    {"password", "passwd", "secret", "key", "token", "salt", "credential", "credentials", "otp", "pin"}
)
REDACTED = "[đã ẩn]"
_WORD_SPLIT = re.compile(r"[^a-z0-9]+")


def is_sensitive(name: str) -> bool:
    """True for a field name such as `password`, `api_key`, `key_hash`, `totp_secret`."""
    return bool(SENSITIVE_WORDS.intersection(_WORD_SPLIT.split(str(name).lower())))


def _redact(value):
    if isinstance(value, dict):
        return {k: (REDACTED if is_sensitive(k) else _redact(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact(v) for v in value]
    return value


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


def _normal_ip(ip: str | None) -> str | None:
    """The address exactly as the database will give it back (IPv6 compressed)."""
    if not ip:
        return None
    return AuditEvent._meta.get_field("ip").get_prep_value(ip)


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
    actor_name: str = "",
) -> AuditEvent:
    """Append one entry. Call it inside the service's transaction.

    `actor` and `ip` default to the request's (`core.context`), so services
    rarely pass them. Values of sensitive keys in `changes` are masked.
    """
    actor = actor if actor is not None else get_current_user()
    ip = ip if ip is not None else current_ip.get()
    if obj is not None:
        object_type = object_type or object_label(obj)
        object_id = object_id or str(obj.pk if obj.pk is not None else "")
        object_repr = object_repr or str(obj)
    if not actor_name:
        actor_name = str(actor) if actor is not None else "hệ thống"
    with transaction.atomic():
        head, _ = AuditHead.objects.select_for_update().get_or_create(id=1)
        event = AuditEvent(
            seq=head.seq + 1,
            at=timezone.now(),
            actor=actor if getattr(actor, "pk", None) else None,
            actor_name=actor_name[:150],
            actor_unit_id=getattr(actor, "unit_id", None),
            ip=_normal_ip(ip),
            action=action[:20],
            object_type=object_type[:100],
            object_id=object_id[:64],
            object_repr=object_repr[:255],
            changes=_jsonable(_redact(changes or {})),
            reason=(reason or "")[:255],
            prev_hash=head.hash,
        )
        event.hash = compute_hash(event)
        event.save(force_insert=True)
        head.seq, head.hash = event.seq, event.hash
        head.save(update_fields=["seq", "hash"])
    # An anchor outside the database: with these lines shipped elsewhere, a
    # rewound head (entries cut from the end) is still caught.
    transaction.on_commit(lambda: logger.info("audit head seq=%s hash=%s", event.seq, event.hash))
    return event


def diff(before: dict, after: dict) -> dict:
    """{field: [old, new]} for the fields that changed."""
    return {k: [before.get(k), after.get(k)] for k in after if before.get(k) != after.get(k)}


def snapshot(obj: models.Model, fields: list[str] | None = None) -> dict:
    """The object's concrete field values as JSON, without sensitive fields."""
    names = fields or [f.attname for f in obj._meta.concrete_fields]
    return _jsonable({name: getattr(obj, name) for name in names if not is_sensitive(name)})


def record_create(obj: models.Model, *, reason: str = "") -> AuditEvent:
    """A create entry carrying the new object's (non-sensitive) values."""
    return record(Action.CREATE, obj, changes=snapshot(obj), reason=reason)


def record_change(obj: models.Model, before: dict, action: str = Action.UPDATE, *, reason: str = "") -> AuditEvent:
    """An update (or transition) entry with the diff against `before`.

    Take `before = snapshot(obj)` before changing the object, save it, then
    call this in the same transaction.
    """
    after = snapshot(obj, fields=list(before) or None)
    return record(action, obj, changes=diff(before, after), reason=reason)


def record_personal_read(subject: models.Model, fields: list[str], reason: str = "") -> AuditEvent:
    """Log that the current staff user looked at `fields` of a person's record."""
    return record(Action.READ_PERSONAL, subject, changes={"fields": list(fields)}, reason=reason)


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    problems: list[str]
    broken: list[int] = field(default_factory=list)
    head_seq: int = 0
    head_hash: str = ""


def verify_chain(anchors: list[tuple[int, str]] | None = None) -> VerifyResult:
    """Walk the whole chain in order; report every break, naming the entries.

    `anchors` are (seq, hash) pairs recorded elsewhere (logs, backup manifests);
    each must still be in the chain, unchanged.
    """
    problems: list[str] = []
    broken: list[int] = []
    prev_hash = ""
    expected_seq = 1
    checked = 0
    wanted = dict(anchors or [])
    found: dict[int, str] = {}
    for event in AuditEvent.objects.order_by("seq").iterator(chunk_size=2000):
        checked += 1
        if event.seq != expected_seq:
            problems.append(f"Thiếu bản ghi số {expected_seq}–{event.seq - 1} (đã bị xóa).")
            broken.extend(range(expected_seq, event.seq))
        if event.prev_hash != prev_hash:
            problems.append(f"Bản ghi số {event.seq}: không nối với bản ghi trước (chuỗi bị cắt hoặc chèn).")
            broken.append(event.seq)
        if not hmac.compare_digest(event.hash, compute_hash(event)):
            problems.append(f"Bản ghi số {event.seq}: nội dung đã bị sửa.")
            broken.append(event.seq)
        if event.seq in wanted:
            found[event.seq] = event.hash
        prev_hash = event.hash
        expected_seq = event.seq + 1
    last_seq = expected_seq - 1
    head = AuditHead.objects.filter(id=1).first()
    head_seq, head_hash = (head.seq, head.hash) if head is not None else (0, "")
    if head_seq != last_seq or head_hash != prev_hash:
        problems.append(
            f"Đầu chuỗi ghi số {head_seq}, nhưng bản ghi cuối cùng là số {last_seq}: bản ghi cuối đã bị xóa hoặc sửa."
        )
        broken.extend(range(last_seq + 1, head_seq + 1) if head_seq > last_seq else [last_seq])
    for seq, expected_hash in sorted(wanted.items()):
        if found.get(seq) != expected_hash:
            problems.append(f"Mốc đối chiếu số {seq}: không còn trong chuỗi hoặc đã bị thay đổi.")
            broken.append(seq)
    return VerifyResult(
        ok=not problems,
        checked=checked,
        problems=problems,
        broken=sorted(set(broken)),
        head_seq=head_seq,
        head_hash=head_hash,
    )
