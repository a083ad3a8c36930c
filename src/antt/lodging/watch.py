"""The watchlist: matching declarations against it, raising alerts, and the entry/alert services.

Matching (`find_matches`) runs inside every declaration batch (services.declare_batch), so it must
cost O(1) per guest: the active entries are loaded once per process into two dicts (by document
number, by folded name + birth date) and reloaded only when a cheap version query over
`WatchEntry` (count, max(updated_at)) answers something new, when the day changes (entries expire
by `valid_until`) or after `CACHE_TTL` at the latest (a change committed out of order cannot hide
for long).

An alert (`raise_alerts`) is raised in the declaration's transaction: the Alert row, one audit
entry, and an SMS through the outbox (`core.notify.queue`) to the heads and processors of the
establishment's police unit and of the unit that entered the person. The SMS carries the alert's
number only, never a name. The stay's rows are marked `watch_hit` (a legal hold against retention).

Entry and alert services follow the house rules: capability checked, scope checked (out of scope =
404), a transaction and an audit entry each, `LodgingError` for refusals (Vietnamese).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from operator import attrgetter
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from antt.core import audit, notify
from antt.core.text import fold
from antt.lodging.errors import LodgingError
from antt.lodging.models import Alert, Declaration, WatchEntry
from antt.org.models import Role, User
from antt.org.roles import can
from antt.org.selectors import unit_is_visible

logger = logging.getLogger("antt.lodging.watch")

VN = ZoneInfo("Asia/Ho_Chi_Minh")
CACHE_TTL = 60.0  # seconds: the longest a missed change can stay unseen
SMS_KEY = "lodging.alert"
ON_DUTY_ROLES = (Role.HEAD, Role.PROCESSOR)

DOCUMENT = Alert.Match.DOCUMENT
NAME_BIRTH = Alert.Match.NAME_BIRTH


# --- normalising ---------------------------------------------------------------------------------


def normal_doc(number) -> str:
    """A document number as compared: upper-cased, without spaces."""
    return "".join(str(number or "").split()).upper()


def normal_name(name_folded) -> str:
    """A folded name as compared (already folded by `core.text.fold`; spaces collapsed)."""
    return " ".join(str(name_folded or "").split()).lower()


def _get(row, name: str):
    if isinstance(row, Mapping):
        return row.get(name)
    return getattr(row, name, None)


_FIELDS = ("doc_number", "name_folded", "birth_date")
_read_attrs = attrgetter(*_FIELDS)


def _read_mapping(row) -> tuple:
    return row.get("doc_number"), row.get("name_folded"), row.get("birth_date")


def _read_loose(row) -> tuple:
    return tuple(getattr(row, name, None) for name in _FIELDS)


def _reader(row):
    """The fastest way to read the three fields of rows of this class (one C call for objects)."""
    if isinstance(row, Mapping):
        return _read_mapping
    return _read_attrs if all(hasattr(row, name) for name in _FIELDS) else _read_loose


def _as_date(value) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value:
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _today() -> date:
    return timezone.now().astimezone(VN).date()


# --- the in-process cache ------------------------------------------------------------------------


@dataclass
class _Index:
    version: tuple = ()
    day: date | None = None
    loaded_at: float = 0.0
    by_doc: dict[str, list[int]] = field(default_factory=dict)
    by_name_birth: dict[tuple[str, date], list[int]] = field(default_factory=dict)
    size: int = 0


_index = _Index()
_lock = threading.Lock()


def active_entries():
    """The entries that match today: active and not past `valid_until` (Vietnam time)."""
    return WatchEntry.objects.filter(is_active=True).filter(Q(valid_until__isnull=True) | Q(valid_until__gte=_today()))


def _version() -> tuple:
    agg = WatchEntry.objects.aggregate(n=Count("id"), m=Max("updated_at"))
    return (agg["n"], agg["m"])


def _load(version: tuple, day: date) -> _Index:
    by_doc: dict[str, list[int]] = {}
    by_name_birth: dict[tuple[str, date], list[int]] = {}
    size = 0
    for pk, doc, name, birth in active_entries().values_list("id", "doc_number", "name_folded", "birth_date"):
        size += 1
        doc = normal_doc(doc)
        if doc:
            by_doc.setdefault(doc, []).append(pk)
        name = normal_name(name)
        if name and birth:
            by_name_birth.setdefault((name, birth), []).append(pk)
    return _Index(version, day, time.monotonic(), by_doc, by_name_birth, size)


def _current_index() -> _Index:
    global _index
    version, day = _version(), _today()
    index = _index
    if index.version == version and index.day == day and time.monotonic() - index.loaded_at < CACHE_TTL:
        return index
    with _lock:
        index = _load(version, day)
        _index = index
    return index


def clear_cache() -> None:
    """Forget the loaded entries (tests; the version query makes this unnecessary otherwise)."""
    global _index
    _index = _Index()


# --- matching ------------------------------------------------------------------------------------


def find_matches(rows: Sequence) -> dict[int, list[tuple[int, str]]]:
    """{row index: [(watch_entry_id, "document" | "name_birth")]} for the rows that match an
    active entry: the same document number (upper-cased, spaces removed), or the same folded name
    and birth date. `rows`: objects or dicts with doc_number, name_folded (or full_name),
    birth_date. One version query per call, then dictionary look-ups (a few µs per row)."""
    if not rows:
        return {}
    index = _current_index()
    if not index.size:
        return {}
    by_doc, by_name_birth = index.by_doc, index.by_name_birth
    found: dict[int, list[tuple[int, str]]] = {}
    read, cls = None, None
    for i, row in enumerate(rows):
        if row.__class__ is not cls:
            cls = row.__class__
            read = _reader(row)
        doc, name, birth = read(row)
        hits = None
        if doc:
            ids = by_doc.get(doc.upper() if doc.__class__ is str and " " not in doc else normal_doc(doc))
            if ids:
                hits = [(pk, DOCUMENT) for pk in ids]
        if birth:
            if birth.__class__ is not date:
                birth = _as_date(birth)
            if not name:  # when given, folded by `core.text.fold` (lower case, single spaces)
                name = fold(_get(row, "full_name") or "")
            ids = by_name_birth.get((name, birth))
            if ids:
                if hits is None:
                    hits = [(pk, NAME_BIRTH) for pk in ids]
                else:
                    seen = {pk for pk, _ in hits}
                    hits.extend((pk, NAME_BIRTH) for pk in ids if pk not in seen)
        if hits:
            found[i] = hits
    return found


# --- alerts --------------------------------------------------------------------------------------


def sms_text(alert: Alert) -> str:
    return f"Cảnh báo lưu trú #{alert.pk}: mở hệ thống để xem"


def _on_duty_phones(unit_ids: set[int]) -> dict[int, list[str]]:
    """{unit id: [phones]} of the active heads and processors of those units."""
    phones: dict[int, list[str]] = {}
    officers = User.objects.filter(unit_id__in=unit_ids, role__in=ON_DUTY_ROLES, is_active=True).exclude(phone="")
    for unit_id, phone in officers.values_list("unit_id", "phone"):
        phones.setdefault(unit_id, []).append(phone)
    return phones


def raise_alerts(items: Sequence[Mapping]) -> list[Alert]:
    """Create the alerts of matched declarations, inside the declaration's transaction.

    items: {watch_entry_id, matched_on, declaration_id, stay_id, establishment_id, unit_id}.
    A stay already alerted for the same entry (a correction matched again, an entry added while
    the guest was already staying) is not alerted twice. Returns the new alerts."""
    if not items:
        return []
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("watch.raise_alerts() must run inside the declaration's transaction.")
    already = set(
        Alert.objects.filter(
            stay_id__in={item["stay_id"] for item in items},
            watch_entry_id__in={item["watch_entry_id"] for item in items},
        ).values_list("watch_entry_id", "stay_id")
    )
    now = timezone.now()
    alerts: list[Alert] = []
    for item in items:
        key = (item["watch_entry_id"], item["stay_id"])
        if key in already:
            continue
        already.add(key)
        alerts.append(
            Alert(
                watch_entry_id=item["watch_entry_id"],
                matched_on=item["matched_on"],
                declaration_id=item["declaration_id"],
                stay_id=item["stay_id"],
                establishment_id=item["establishment_id"],
                unit_id=item["unit_id"],
                status=Alert.Status.NEW,
                created_at=now,
            )
        )
    if not alerts:
        return []
    for alert in alerts:
        alert.save(force_insert=True)
    entry_units = dict(
        WatchEntry.objects.filter(pk__in={a.watch_entry_id for a in alerts}).values_list("id", "unit_id")
    )
    phones = _on_duty_phones({a.unit_id for a in alerts} | set(entry_units.values()))
    for alert in alerts:
        audit.record(
            audit.Action.CREATE,
            alert,
            changes={
                "watch_entry_id": alert.watch_entry_id,
                "matched_on": alert.matched_on,
                "declaration_id": alert.declaration_id,
                "stay_id": alert.stay_id,
                "establishment_id": alert.establishment_id,
                "unit_id": alert.unit_id,
            },
        )
        recipients = dict.fromkeys(
            [*phones.get(alert.unit_id, []), *phones.get(entry_units.get(alert.watch_entry_id), [])]
        )
        for phone in recipients:
            try:
                notify.queue(channel="sms", recipient=phone, body=sms_text(alert), key=SMS_KEY, obj=alert)
            except notify.NotifyError:  # a bad number on an officer's profile must not refuse the stay
                logger.warning("alert %s: an on-duty officer's phone is invalid", alert.pk)
    stays = {a.stay_id for a in alerts}
    Declaration.objects.filter(stay_id__in=stays, watch_hit=False).update(watch_hit=True)
    return alerts


def alert_items(declarations: Sequence, matches: dict[int, list[tuple[int, str]]]) -> list[dict]:
    """The items `raise_alerts` takes, from declarations (objects or dicts with id, stay_id,
    establishment_id, unit_id) and the matches `find_matches` found on them."""
    items = []
    for i, hits in matches.items():
        decl = declarations[i]
        for entry_id, matched_on in hits:
            items.append(
                {
                    "watch_entry_id": entry_id,
                    "matched_on": matched_on,
                    "declaration_id": _get(decl, "id"),
                    "stay_id": _get(decl, "stay_id"),
                    "establishment_id": _get(decl, "establishment_id"),
                    "unit_id": _get(decl, "unit_id"),
                }
            )
    return items


# --- entry services ------------------------------------------------------------------------------

ENTRY_FIELDS = ("kind", "doc_number", "full_name", "birth_date", "nationality", "basis", "note", "valid_until")
IDENTITY_FIELDS = ("doc_number", "full_name", "birth_date")
MAX_LEN = {"doc_number": 20, "full_name": 150, "nationality": 3, "basis": 200, "note": 500}


def _require(user, capability: str) -> None:
    if not can(user, capability):
        raise LodgingError("Bạn không có quyền thực hiện thao tác này với danh sách theo dõi.", status=403)


def _clean_entry(data: dict) -> dict:
    """Normalise and check the fields of an entry (Vietnamese errors naming the field)."""
    clean = dict(data)
    for name in ("full_name", "basis", "note", "nationality"):
        clean[name] = " ".join(str(clean.get(name) or "").split())
    clean["doc_number"] = normal_doc(clean.get("doc_number"))
    clean["nationality"] = clean["nationality"].upper()
    for name, limit in MAX_LEN.items():
        if len(clean[name]) > limit:
            raise LodgingError(f"Trường «{WatchEntry._meta.get_field(name).verbose_name}» dài quá {limit} ký tự.", name)
    if clean.get("kind") not in WatchEntry.Kind.values:
        raise LodgingError("Chọn loại đối tượng theo dõi.", "kind")
    if clean["doc_number"] and not (clean["doc_number"].isascii() and clean["doc_number"].isalnum()):
        raise LodgingError("Số giấy tờ chỉ gồm chữ cái và chữ số.", "doc_number")
    for name in ("birth_date", "valid_until"):
        value = clean.get(name)
        if value in ("", None):
            clean[name] = None
        elif not isinstance(value, date):
            raise LodgingError("Ngày không hợp lệ.", name)
    today = _today()
    if clean["birth_date"] and clean["birth_date"] > today:
        raise LodgingError("Ngày sinh không được sau ngày hôm nay.", "birth_date")
    if clean["valid_until"] and clean["valid_until"] < today:
        raise LodgingError("Ngày «theo dõi đến» không được trước ngày hôm nay.", "valid_until")
    if not clean["doc_number"] and not (clean["full_name"] and clean["birth_date"]):
        raise LodgingError("Cần nhập số giấy tờ, hoặc cả họ tên và ngày sinh của đối tượng.", "doc_number")
    if clean["full_name"] and not fold(clean["full_name"]):
        raise LodgingError("Họ và tên không hợp lệ.", "full_name")
    if not clean["basis"]:
        raise LodgingError("Nhập căn cứ (số quyết định truy nã, thông báo tìm người mất tích…).", "basis")
    return clean


def _check_duplicate(clean: dict, exclude: int | None = None) -> None:
    if not clean["doc_number"]:
        return
    same = WatchEntry.objects.filter(is_active=True, doc_number=clean["doc_number"])
    if exclude:
        same = same.exclude(pk=exclude)
    if same.exists():
        raise LodgingError("Số giấy tờ này đã có trong danh sách theo dõi đang hiệu lực.", "doc_number", status=409)


def _entry_changes(entry: WatchEntry) -> dict:
    """What the trail keeps of an entry: ids and kinds, never the person."""
    return {
        "kind": entry.kind,
        "unit_id": entry.unit_id,
        "by_document": bool(entry.doc_number),
        "by_name_birth": bool(entry.name_folded and entry.birth_date),
        "valid_until": entry.valid_until.isoformat() if entry.valid_until else None,
        "is_active": entry.is_active,
    }


def match_staying(entry: WatchEntry) -> list[Alert]:
    """Alerts for the guests staying now who match `entry` (one indexed query, then the matcher)."""
    if not entry.is_active:
        return []
    cond = Q()
    if entry.doc_number:
        cond |= Q(doc_number=entry.doc_number)
    if entry.name_folded and entry.birth_date:
        cond |= Q(name_folded=entry.name_folded, birth_date=entry.birth_date)
    if not cond:
        return []
    rows = list(
        Declaration.objects.filter(cond, is_current=True, state=Declaration.State.STAYING).only(
            "id", "stay_id", "establishment_id", "unit_id", "doc_number", "name_folded", "birth_date"
        )
    )
    matches = {i: [hit for hit in hits if hit[0] == entry.pk] for i, hits in find_matches(rows).items()}
    return raise_alerts(alert_items(rows, {i: hits for i, hits in matches.items() if hits}))


def watch_add(*, user, **fields) -> WatchEntry:
    """Put a person on the watchlist (unit = the user's unit); guests already staying who match
    raise alerts at once."""
    _require(user, "watchlist.manage")
    if not getattr(user, "unit_id", None):
        raise LodgingError("Tài khoản chưa thuộc đơn vị nào.", status=403)
    unknown = set(fields) - set(ENTRY_FIELDS)
    if unknown:
        raise LodgingError("Trường không hợp lệ.", sorted(unknown)[0])
    clean = _clean_entry({name: fields.get(name) for name in ENTRY_FIELDS})
    with transaction.atomic():
        _check_duplicate(clean)
        entry = WatchEntry(**clean, unit_id=user.unit_id, created_by=user)
        entry.save()
        audit.record(audit.Action.CREATE, entry, changes=_entry_changes(entry), actor=user)
        alerts = match_staying(entry)
    entry.alerts_raised = len(alerts)
    return entry


def _lock_entry(user, entry: WatchEntry) -> WatchEntry:
    _require(user, "watchlist.manage")
    locked = WatchEntry.objects.select_for_update().select_related("unit").filter(pk=entry.pk).first()
    if locked is None or not unit_is_visible(user, locked.unit):
        raise LodgingError("Không tìm thấy đối tượng theo dõi.", status=404)
    return locked


def watch_update(*, user, entry: WatchEntry, **fields) -> WatchEntry:
    """Change an active entry; a changed identity is matched again against the guests staying now."""
    unknown = set(fields) - set(ENTRY_FIELDS)
    if unknown:
        raise LodgingError("Trường không hợp lệ.", sorted(unknown)[0])
    with transaction.atomic():
        entry = _lock_entry(user, entry)
        if not entry.is_active:
            raise LodgingError("Đối tượng đã được gỡ khỏi danh sách theo dõi; không sửa được.", status=409)
        current = {name: getattr(entry, name) for name in ENTRY_FIELDS}
        clean = _clean_entry({**current, **fields})
        _check_duplicate(clean, exclude=entry.pk)
        changed = sorted(name for name in ENTRY_FIELDS if clean[name] != current[name])
        if not changed:
            return entry
        for name in changed:
            setattr(entry, name, clean[name])
        entry.save()
        # Field names only: the values are personal data.
        audit.record(audit.Action.UPDATE, entry, changes={"fields": changed, **_entry_changes(entry)}, actor=user)
        if set(changed) & set(IDENTITY_FIELDS):
            match_staying(entry)
    return entry


def watch_close(*, user, entry: WatchEntry, reason: str) -> WatchEntry:
    """Take a person off the watchlist (caught, found, decision withdrawn): no more alerts."""
    reason = " ".join(str(reason or "").split())
    if len(reason) < 5:
        raise LodgingError("Nhập lý do gỡ khỏi danh sách theo dõi (ít nhất 5 ký tự).", "reason")
    if len(reason) > 300:
        raise LodgingError("Lý do gỡ dài quá 300 ký tự.", "reason")
    with transaction.atomic():
        entry = _lock_entry(user, entry)
        if not entry.is_active:
            raise LodgingError("Đối tượng đã được gỡ khỏi danh sách theo dõi.", status=409)
        entry.is_active = False
        entry.closed_at = timezone.now()
        entry.closed_by = user
        entry.close_reason = reason
        entry.save()
        audit.record(audit.Action.TRANSITION, entry, changes={"is_active": [True, False]}, reason=reason, actor=user)
    return entry


# --- alert services ------------------------------------------------------------------------------

# action: (states it may start from, state it leads to)
ALERT_TRANSITIONS = {
    "acknowledge": ((Alert.Status.NEW,), Alert.Status.ACKNOWLEDGED),
    "close": ((Alert.Status.ACKNOWLEDGED,), Alert.Status.CLOSED),
}


def _alert_transition(*, user, alert: Alert, action: str) -> tuple[Alert, str]:
    from antt.lodging.selectors_watch import alert_is_visible

    _require(user, "alert.handle")
    locked = Alert.objects.select_for_update().select_related("unit", "watch_entry__unit").filter(pk=alert.pk).first()
    if locked is None or not alert_is_visible(user, locked):
        raise LodgingError("Không tìm thấy cảnh báo.", status=404)
    sources, target = ALERT_TRANSITIONS[action]
    if locked.status not in sources:
        raise LodgingError(
            f"Cảnh báo đang ở tình trạng «{locked.get_status_display()}»: không thực hiện được thao tác này.",
            status=409,
        )
    before = locked.status
    locked.status = target
    return locked, before


def alert_acknowledge(*, user, alert: Alert) -> Alert:
    """The officer on duty takes the alert (new → acknowledged)."""
    with transaction.atomic():
        alert, before = _alert_transition(user=user, alert=alert, action="acknowledge")
        alert.acknowledged_by = user
        alert.acknowledged_at = timezone.now()
        alert.save(update_fields=["status", "acknowledged_by", "acknowledged_at"])
        audit.record(audit.Action.TRANSITION, alert, changes={"status": [before, alert.status]}, actor=user)
    return alert


def alert_close(*, user, alert: Alert, outcome: str) -> Alert:
    """Close an acknowledged alert with what was done (acknowledged → closed)."""
    outcome = " ".join(str(outcome or "").split())
    if len(outcome) < 5:
        raise LodgingError("Nhập kết quả xử lý cảnh báo (ít nhất 5 ký tự).", "outcome")
    if len(outcome) > 500:
        raise LodgingError("Kết quả xử lý dài quá 500 ký tự.", "outcome")
    with transaction.atomic():
        alert, before = _alert_transition(user=user, alert=alert, action="close")
        alert.closed_by = user
        alert.closed_at = timezone.now()
        alert.outcome = outcome
        alert.save(update_fields=["status", "closed_by", "closed_at", "outcome"])
        # The outcome may name people: the trail keeps the transition, the row keeps the text.
        audit.record(audit.Action.TRANSITION, alert, changes={"status": [before, alert.status]}, actor=user)
    return alert
