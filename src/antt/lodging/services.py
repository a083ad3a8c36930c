"""Every write of declarations (contract: services.py).

**Arrivals** come in batches (`declare_batch`): one form submission, one spreadsheet or one API
call. The batch is the unit of the idempotency key (`lodging_batch_idem`: a retried sending gets
the stored batch back, nothing written) and of the choice between "all or nothing" and "keep the
valid rows". A batch runs in one transaction: the batch row, the declarations, the watchlist
alerts and one audit entry commit together; a crash writes nothing and records the batch as
`failed` in a separate transaction (a retry with the same key then runs again).

The write path is built for the issue's benchmark (10,000 guests through the API at no less
than a quarter of a plain COPY): rows are cleaned into plain objects without any query per row
(`codes_on`, the deadline rules and the watchlist are cached in-process), duplicates against the
guests staying now are found with one query for the whole batch, ids come from
`ids.allocate(n)` and the rows go in with one COPY (`bulk.write_declarations`).

**Departures, corrections and cancellations** are new rows of the ledger that carry the whole
guest record as it now stands and reference the row they replace; the old row only loses
`is_current` (`select_for_update` on it serialises two changes of one stay). A departed or
cancelled stay cannot change again; a cancellation is only possible within
`CANCEL_WINDOW` of the declaration (later, the commune police correct it).

Audit entries carry counts, kinds and the names of changed fields, never personal data.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from antt.core import audit
from antt.core.models import AuditEvent
from antt.establishments.models import Establishment
from antt.lodging import bulk, deadlines, ids
from antt.lodging.codes import codes_on
from antt.lodging.errors import LodgingError, exc_summary
from antt.lodging.models import Alert, Declaration, DeclarationBatch
from antt.lodging.validation import (
    ARRIVAL_FUTURE_TOLERANCE,
    RAW_KEYS,
    VN,
    CleanGuest,
    RowError,
    clean_guest,
)

logger = logging.getLogger(__name__)
Action = AuditEvent.Action
Source = DeclarationBatch.Source
Mode = DeclarationBatch.Mode
Status = DeclarationBatch.Status
Kind = Declaration.Kind
State = Declaration.State

CANCEL_WINDOW = timedelta(hours=24)  # application rule: later, the commune police correct the stay
PROGRESS_EVERY = 1000
LOCK_NAMESPACE = 601  # advisory-lock namespace of lodging sendings
SQLITE_CHUNK = 900  # doc numbers per IN (…) of the duplicate check on SQLite
GUEST_FIELDS = (
    "full_name",
    "name_folded",
    "birth_date",
    "birth_year",
    "sex",
    "doc_type",
    "doc_number",
    "nationality",
    "stats_nationality",
    "address",
    "phone",
    "arrived_at",
    "expected_departure",
    "room",
    "reason",
    "visa_kind",
    "visa_number",
    "visa_expiry",
    "entry_date",
    "port_of_entry",
    "mrz_checked",
)
_UNSEEN = object()
MSG_NOT_FOUND = "Không tìm thấy lượt lưu trú này của cơ sở."
MSG_ENDED = "Lượt lưu trú đã kết thúc (khách đã rời đi hoặc khai báo đã hủy): không thể thay đổi nữa."
MSG_FAILED = "Lỗi hệ thống, khai báo chưa được ghi nhận. Vui lòng gửi lại."


@dataclass
class BatchResult:
    batch: DeclarationBatch
    declarations: list[int] = field(default_factory=list)  # ids written (arrivals), in row order
    alerts: int = 0
    replayed: bool = False

    @property
    def errors(self) -> list[dict]:
        return list(self.batch.report or [])


class _Replay(Exception):
    def __init__(self, batch: DeclarationBatch):
        self.batch = batch


def _actor_name(user, api_key) -> str:
    if user is None and api_key is not None:
        return f"Khóa API {api_key}"
    return ""


def _watch():
    # Imported here: the watchlist module is another helper's, and imports this app's models.
    from antt.lodging import watch

    return watch


# --- arrivals ------------------------------------------------------------------------------------


def _stored_batch(establishment: Establishment, key: str) -> DeclarationBatch | None:
    return DeclarationBatch.objects.filter(establishment=establishment, idempotency_key=key).first()


def _replay(batch: DeclarationBatch) -> BatchResult:
    """The stored outcome of a batch sent before (nothing is written)."""
    written: list[int] = []
    alerts = 0
    if batch.accepted and batch.finished_at is not None:
        written = list(
            Declaration.objects.filter(
                establishment_id=batch.establishment_id,
                declared_at=batch.finished_at,  # the batch's moment of declaring (indexed with the establishment)
                batch_id=batch.id,
                kind=Kind.ARRIVAL,
            )
            .order_by("id")
            .values_list("id", flat=True)
        )
        alerts = Alert.objects.filter(stay_id__in=written).count() if written else 0  # an arrival is its stay
    return BatchResult(batch=batch, declarations=written, alerts=alerts, replayed=True)


def _open_batch(batch: DeclarationBatch, key: str) -> DeclarationBatch:
    """Insert the batch row (inside the batch's transaction). A concurrent sending with the same
    key makes the insert wait for it, then fail on `lodging_batch_idem`: replay theirs. A batch
    with the key that failed before is taken over (a retry after a crash runs again)."""
    if key:
        stored = DeclarationBatch.objects.select_for_update().filter(
            establishment_id=batch.establishment_id, idempotency_key=key
        )
        previous = stored.first()
        if previous is not None:
            if previous.status != Status.FAILED:
                raise _Replay(previous)
            for name in ("source", "mode", "total_rows", "file_name", "file_sha256", "created_by_id", "api_key_id"):
                setattr(previous, name, getattr(batch, name))
            previous.status, previous.accepted, previous.rejected, previous.processed = Status.PROCESSING, 0, 0, 0
            previous.report, previous.finished_at = [], None
            previous.save()
            return previous
    try:
        with transaction.atomic():
            batch.save(force_insert=True)
    except IntegrityError:
        if not key:
            raise
        stored = _stored_batch(Establishment(pk=batch.establishment_id), key)
        if stored is None:
            raise
        raise _Replay(stored) from None
    return batch


def _lock_establishment(establishment_id: int) -> None:
    """One sending at a time per establishment, until this transaction ends (PostgreSQL advisory
    lock; SQLite has one writer anyway): two sendings with the same guest at the same moment would
    otherwise both pass the duplicate check. Other establishments are not held up."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_NAMESPACE, establishment_id])


def _staying_by_doc(establishment_id: int, numbers: list[str]) -> dict[str, int]:
    """{doc_number: stay_id} of the guests staying now at the establishment, for these numbers.
    PostgreSQL: one query joining the numbers, sent as one array parameter (`unnest`: a hash join
    whichever side is larger; `= ANY` of 10,000 values would compare each row with each value);
    SQLite: one query per `SQLITE_CHUNK` numbers (its limit of parameters). Raw SQL: building
    an ORM `IN` of 10,000 values costs more than the query."""
    if not numbers:
        return {}
    table = Declaration._meta.db_table
    staying = "d.establishment_id = %s AND d.is_current AND d.state = %s"
    found: dict[str, int] = {}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"SELECT d.doc_number, d.stay_id FROM {table} d "  # noqa: S608 (the table name comes from the model)
                f"JOIN unnest(%s::text[]) AS n(doc) ON d.doc_number = n.doc WHERE {staying}",
                [numbers, establishment_id, State.STAYING.value],
            )
            found.update(cursor.fetchall())
        else:
            for start in range(0, len(numbers), SQLITE_CHUNK):
                chunk = numbers[start : start + SQLITE_CHUNK]
                marks = ", ".join(["%s"] * len(chunk))
                cursor.execute(
                    f"SELECT d.doc_number, d.stay_id FROM {table} d WHERE {staying} AND d.doc_number IN ({marks})",  # noqa: S608 (names from the model, values are parameters)
                    [establishment_id, State.STAYING.value, *chunk],
                )
                found.update(cursor.fetchall())
    return found


def _duplicate(row: int | None, stay_id: int) -> RowError:
    return RowError(row, "doc_number", f"Khách đã được khai báo đang lưu trú tại cơ sở (lượt #{stay_id}).", "duplicate")


def _clean_rows(
    rows: Sequence, establishment: Establishment, now: datetime, progress: Callable[[int], None] | None
) -> tuple[list[tuple[int | None, CleanGuest, datetime]], list[RowError], int]:
    """Clean every row; (valid rows as (row number, guest, due), errors, rows with an error)."""
    codes = codes_on(now.astimezone(VN).date())
    book = deadlines.RuleBook()
    remote = deadlines.is_remote(establishment.area_id)
    valid: list[tuple[int | None, CleanGuest, datetime]] = []
    errors: list[RowError] = []
    bad = 0
    seen: dict[str, object] = {}
    for i, raw in enumerate(rows):
        number = i + 1
        if raw.__class__ is not dict and not isinstance(raw, Mapping):
            errors.append(RowError(number, "", "Dòng không đúng dạng (cần các cột của mẫu khai báo)."))
            bad += 1
            continue
        number = raw.get("_row", number)  # the spreadsheet's own row number, when the reader gives it
        guest, row_errors = clean_guest(raw, codes=codes, now=now, row=number)
        if guest is not None:
            try:
                due = book.due_at(guest.arrived_at, foreigner=guest.is_foreigner, remote=remote)
            except LodgingError as exc:
                row_errors = [RowError(number, exc.field, exc.message)]
            else:
                first = seen.get(guest.doc_number, _UNSEEN)
                if first is not _UNSEEN:
                    where = f" dòng {first}" if first is not None else ""
                    row_errors = [
                        RowError(number, "doc_number", f"Trùng số giấy tờ với{where} trong cùng lần gửi.", "duplicate")
                    ]
                else:
                    seen[guest.doc_number] = number
                    valid.append((number, guest, due))
        if row_errors:
            errors.extend(row_errors)
            bad += 1
        if progress is not None and (i + 1) % PROGRESS_EVERY == 0:
            progress(i + 1)
    if valid:
        staying = _staying_by_doc(establishment.pk, list(seen))
        if staying:
            kept = []
            for item in valid:
                stay_id = staying.get(item[1].doc_number)
                if stay_id is None:
                    kept.append(item)
                else:
                    errors.append(_duplicate(item[0], stay_id))
                    bad += 1
            valid = kept
    errors.sort(key=lambda e: (e.row is None, e.row if isinstance(e.row, int) else 0))
    return valid, errors, bad


def _arrival_rows(
    valid: list[tuple[int | None, CleanGuest, datetime]],
    new_ids: list[int],
    hits: dict[int, list],
    *,
    establishment: Establishment,
    batch: DeclarationBatch,
    source: str,
    user,
    now: datetime,
) -> list[dict]:
    base = {
        "replaces_id": None,
        "kind": Kind.ARRIVAL.value,
        "is_current": True,
        "state": State.STAYING.value,
        "establishment_id": establishment.pk,
        "unit_id": establishment.unit_id,
        "area_id": establishment.area_id,
        "lodging_kind": establishment.lodging_kind or "",
        "departed_at": None,
        "declared_at": now,
        "source": source,
        "batch_id": batch.id,
        "created_by_id": getattr(user, "pk", None),
        "note": "",
        "anonymised_at": None,
    }
    out = []
    for i, ((_, g, due), pk) in enumerate(zip(valid, new_ids, strict=True)):
        row = base.copy()
        row.update(
            id=pk,
            stay_id=pk,
            full_name=g.full_name,
            name_folded=g.name_folded,
            birth_date=g.birth_date,
            birth_year=g.birth_year,
            sex=g.sex,
            doc_type=g.doc_type,
            doc_number=g.doc_number,
            nationality=g.nationality,
            stats_nationality=g.stats_nationality,
            address=g.address,
            phone=g.phone,
            arrived_at=g.arrived_at,
            expected_departure=g.expected_departure,
            room=g.room,
            reason=g.reason,
            visa_kind=g.visa_kind,
            visa_number=g.visa_number,
            visa_expiry=g.visa_expiry,
            entry_date=g.entry_date,
            port_of_entry=g.port_of_entry,
            mrz_checked=g.mrz_checked,
            due_at=due,
            is_late=now > due,
            watch_hit=i in hits,
        )
        out.append(row)
    return out


def _alert_items(rows: list[dict], hits: dict[int, list]) -> list[dict]:
    items = []
    for i, matched in hits.items():
        row = rows[i]
        for entry_id, matched_on in matched:
            items.append(
                {
                    "watch_entry_id": entry_id,
                    "matched_on": matched_on,
                    "declaration_id": row["id"],
                    "stay_id": row["stay_id"],
                    "establishment_id": row["establishment_id"],
                    "unit_id": row["unit_id"],
                }
            )
    return items


def _run_batch(
    batch: DeclarationBatch,
    rows: Sequence,
    *,
    establishment: Establishment,
    key: str,
    user,
    api_key,
    now: datetime,
    progress: Callable[[int], None] | None,
) -> BatchResult:
    batch = _open_batch(batch, key)
    _lock_establishment(establishment.pk)
    valid, errors, bad = _clean_rows(rows, establishment, now, progress)
    written: list[int] = []
    alerts = []
    if valid and not (errors and batch.mode == Mode.ALL_OR_NOTHING):
        watch = _watch()
        hits = watch.find_matches([g for _, g, _ in valid])
        new_ids = ids.allocate(len(valid))
        decl_rows = _arrival_rows(
            valid, new_ids, hits, establishment=establishment, batch=batch, source=batch.source, user=user, now=now
        )
        bulk.write_declarations(decl_rows)
        if hits:
            alerts = watch.raise_alerts(_alert_items(decl_rows, hits))
        written = new_ids
    batch.accepted = len(written)
    batch.rejected = bad
    batch.processed = len(rows)
    batch.report = [e.as_dict() for e in errors]
    batch.status = Status.DONE if written else Status.REJECTED
    batch.finished_at = now
    batch.save(update_fields=["accepted", "rejected", "processed", "report", "status", "finished_at"])
    if progress is not None:
        progress(len(rows))
    audit.record(
        Action.CREATE,
        batch,
        changes={
            "source": batch.source,
            "mode": batch.mode,
            "status": batch.status,
            "total_rows": batch.total_rows,
            "accepted": batch.accepted,
            "rejected": batch.rejected,
            "alerts": len(alerts),
            "api_key_id": batch.api_key_id,
        },
        actor=user,
        actor_name=_actor_name(user, api_key),
    )
    return BatchResult(batch=batch, declarations=written, alerts=len(alerts), replayed=False)


def _record_failure(batch: DeclarationBatch, key: str, user, api_key) -> DeclarationBatch:
    """After a crash (the batch's transaction rolled back): keep a `failed` batch, so the sender
    sees what happened; its own transaction."""
    with transaction.atomic():
        previous = _stored_batch(Establishment(pk=batch.establishment_id), key) if key else None
        if previous is not None:
            if previous.status != Status.FAILED:
                return previous  # someone else's sending with this key succeeded meanwhile
            batch = previous
        batch.status = Status.FAILED
        batch.accepted = batch.rejected = batch.processed = 0
        batch.report = [{"row": None, "field": "", "message": MSG_FAILED}]
        batch.finished_at = timezone.now()
        batch.save(force_insert=previous is None)
        audit.record(
            Action.SYSTEM,
            batch,
            changes={"source": batch.source, "status": batch.status, "total_rows": batch.total_rows},
            reason="Lần gửi khai báo lưu trú gặp lỗi hệ thống, không ghi nhận dòng nào",
            actor=user,
            actor_name=_actor_name(user, api_key),
        )
    return batch


def declare_batch(
    *,
    establishment: Establishment,
    rows: Sequence[Mapping],
    source: str,
    mode: str = Mode.ALL_OR_NOTHING,
    idempotency_key: str = "",
    user=None,
    api_key=None,
    file_name: str = "",
    file_sha256: str = "",
    now: datetime | None = None,
    progress: Callable[[int], None] | None = None,
) -> BatchResult:
    """Declare the arrivals of `rows` (raw guests, see `validation.RAW_KEYS`; a row may carry
    `_row`, its number in the sender's file, used in the report). Refusals of the whole sending
    (no rows, too many, bad source or mode, key too long) raise `LodgingError`; row problems go
    to the batch's report. A crash returns the batch with status `failed`."""
    if source not in Source.values:
        raise LodgingError("Cách gửi khai báo không hợp lệ.", field="source")
    if mode not in Mode.values:
        raise LodgingError("Cách ghi nhận không hợp lệ (chỉ nhận khi mọi dòng hợp lệ, hoặc bỏ dòng lỗi).", field="mode")
    rows = rows if isinstance(rows, list) else list(rows)
    if not rows:
        raise LodgingError("Không có khách nào để khai báo.", field="rows")
    limit = settings.ANTT_LODGING_MAX_ROWS
    if len(rows) > limit:
        raise LodgingError(f"Mỗi lần gửi tối đa {limit:,} khách; đề nghị chia nhỏ.".replace(",", "."), "rows", 413)
    key = (idempotency_key or "").strip()
    if len(key) > DeclarationBatch._meta.get_field("idempotency_key").max_length:
        raise LodgingError("Khóa chống gửi trùng (Idempotency-Key) dài quá 80 ký tự.", field="idempotency_key")
    now = now or timezone.now()
    if key:
        stored = _stored_batch(establishment, key)
        if stored is not None and stored.status != Status.FAILED:
            return _replay(stored)
    batch = DeclarationBatch(
        id=uuid.uuid4(),
        establishment_id=establishment.pk,
        source=source,
        mode=mode,
        idempotency_key=key,
        status=Status.PROCESSING,
        total_rows=len(rows),
        file_name=(file_name or "")[:200],
        file_sha256=file_sha256 or "",
        created_by_id=getattr(user, "pk", None),
        api_key_id=getattr(api_key, "pk", None),
    )
    try:
        with transaction.atomic():
            return _run_batch(
                batch,
                rows,
                establishment=establishment,
                key=key,
                user=user,
                api_key=api_key,
                now=now,
                progress=progress,
            )
    except _Replay as replay:
        return _replay(replay.batch)
    except Exception as exc:
        logger.error("lodging batch %s of establishment %s failed: %s", batch.id, establishment.pk, exc_summary(exc))
        return BatchResult(batch=_record_failure(batch, key, user, api_key))


def declare_one(*, establishment: Establishment, raw: Mapping, source: str = Source.FORM, user=None, now=None):
    """The quick form: one guest. A bad row raises `LodgingError` (400, the first problem's field;
    `.errors` holds them all); a guest already staying, 409."""
    result = declare_batch(establishment=establishment, rows=[raw], source=source, user=user, now=now)
    if result.batch.status == Status.FAILED:
        raise LodgingError(MSG_FAILED, status=503)
    if not result.declarations:
        report = result.batch.report or [{"field": "", "message": "Khai báo không được ghi nhận."}]
        duplicate = next((e for e in report if e.get("code") == "duplicate"), None)
        first = duplicate or report[0]
        exc = LodgingError(first["message"], field=first.get("field", ""), status=409 if duplicate else 400)
        exc.errors = [{**e, "row": None} for e in report]
        raise exc
    return Declaration.objects.get(pk=result.declarations[0])


# --- changes of a stay ---------------------------------------------------------------------------


def stay_current(establishment: Establishment, stay_id) -> Declaration:
    """The current row of one of the establishment's stays (another's stay: 404)."""
    try:
        stay_id = int(stay_id)
    except (TypeError, ValueError):
        raise LodgingError(MSG_NOT_FOUND, field="stay_id", status=404) from None
    row = Declaration.objects.filter(establishment_id=establishment.pk, stay_id=stay_id, is_current=True).first()
    if row is None:
        raise LodgingError(MSG_NOT_FOUND, field="stay_id", status=404)
    return row


def _lock_current(establishment: Establishment, stay_id) -> Declaration:
    """The stay's current row, locked. When another change of the stay commits while we wait,
    the row we waited for is no longer current: read the new one and lock it."""
    for _ in range(3):
        current = stay_current(establishment, stay_id)
        locked = (
            Declaration.objects.select_for_update()
            .filter(pk=current.pk, arrived_at=current.arrived_at, is_current=True)
            .first()
        )
        if locked is not None:
            return locked
    raise LodgingError("Lượt lưu trú vừa được cập nhật; đề nghị tải lại trang.", field="stay_id", status=409)


def _arrival_declared_at(current: Declaration) -> datetime:
    if current.kind == Kind.ARRIVAL:
        return current.declared_at
    arrival = Declaration.objects.filter(pk=current.stay_id).values_list("declared_at", flat=True).first()
    return arrival or current.declared_at


def _write_next(
    current: Declaration, *, kind: str, user, api_key, now: datetime, note: str = "", **changes
) -> Declaration:
    """The stay's next ledger row: a copy of the current one with `changes`; the current row
    loses `is_current` (and nothing else)."""
    row = {name: getattr(current, name) for name in bulk.COLUMNS}
    (pk,) = ids.allocate(1)
    row.update(
        id=pk,
        replaces_id=current.pk,
        kind=kind,
        is_current=True,
        declared_at=now,
        source=Source.API.value if api_key is not None and user is None else Source.FORM.value,
        batch_id=None,
        created_by_id=getattr(user, "pk", None),
        note=(note or "")[:300],
    )
    row.update(changes)
    Declaration.objects.filter(pk=current.pk, arrived_at=current.arrived_at).update(is_current=False)
    bulk.write_declarations([row])
    new = Declaration(**row)
    new._state.adding = False
    new._state.db = current._state.db
    return new


def _audit_change(new: Declaration, *, user, api_key, note: str, fields: list[str] | None = None) -> None:
    changes = {"kind": new.kind, "declaration_id": new.pk, "replaces_id": new.replaces_id, "state": new.state}
    if fields is not None:
        changes["fields"] = fields  # names only: the values are personal data
    audit.record(
        Action.TRANSITION,
        object_type="lodging.declaration",
        object_id=str(new.stay_id),
        object_repr=f"Lượt lưu trú #{new.stay_id}",
        changes=changes,
        reason=note,
        actor=user,
        actor_name=_actor_name(user, api_key),
    )


def _note(note: str, *, required: bool, what: str) -> str:
    note = " ".join((note or "").split())
    if required and len(note) < 5:
        raise LodgingError(f"Đề nghị ghi lý do {what} (ít nhất 5 ký tự).", field="note")
    if len(note) > 300:
        raise LodgingError("Lý do dài quá 300 ký tự.", field="note")
    return note


def depart(
    *, establishment: Establishment, stay_id: int, departed_at: datetime | None = None, user=None, api_key=None
) -> Declaration:
    """The guest left: a `departure` row with `state=departed` and `departed_at` (default now)."""
    now = timezone.now()
    departed_at = departed_at or now
    if departed_at.tzinfo is None:
        departed_at = departed_at.replace(tzinfo=VN)
    if departed_at > now + ARRIVAL_FUTURE_TOLERANCE:
        raise LodgingError("Thời điểm rời đi ở tương lai.", field="departed_at")
    with transaction.atomic():
        current = _lock_current(establishment, stay_id)
        if current.state != State.STAYING:
            raise LodgingError(MSG_ENDED, field="stay_id", status=409)
        if departed_at < current.arrived_at:
            raise LodgingError("Thời điểm rời đi trước thời điểm đến.", field="departed_at")
        new = _write_next(
            current,
            kind=Kind.DEPARTURE,
            user=user,
            api_key=api_key,
            now=now,
            state=State.DEPARTED,
            departed_at=departed_at,
        )
        _audit_change(new, user=user, api_key=api_key, note="")
    return new


def _raw_of(row: Declaration) -> dict:
    """The stored guest as a raw row (what `clean_guest` reads), to apply a correction onto."""
    birth = row.birth_date if row.birth_date is not None else (str(row.birth_year) if row.birth_year else "")
    return {
        "full_name": row.full_name,
        "birth_date": birth,
        "sex": row.sex,
        "doc_type": row.doc_type,
        "doc_number": row.doc_number,
        "nationality": row.nationality,
        "address": row.address,
        "phone": row.phone,
        "arrived_at": row.arrived_at,
        "expected_departure": row.expected_departure,
        "room": row.room,
        "reason": row.reason,
        "visa_kind": row.visa_kind,
        "visa_number": row.visa_number,
        "visa_expiry": row.visa_expiry,
        "entry_date": row.entry_date,
        "port_of_entry": row.port_of_entry,
    }


def correct(
    *, establishment: Establishment, stay_id: int, raw: Mapping, note: str, user=None, api_key=None
) -> Declaration:
    """Correct a staying guest's record: `raw` holds the fields that change (raw strings, as for a
    declaration); the new row carries the whole record, checked again like an arrival (an
    arrival older than the declaring window is kept) and matched against the watchlist again."""
    note = _note(note, required=True, what="sửa")
    now = timezone.now()
    with transaction.atomic():
        _lock_establishment(establishment.pk)  # a changed document number is checked for duplicates
        current = _lock_current(establishment, stay_id)
        if current.state != State.STAYING:
            raise LodgingError(MSG_ENDED, field="stay_id", status=409)
        merged = _raw_of(current)
        merged.update({k: v for k, v in raw.items() if k in RAW_KEYS})
        codes = codes_on(now.astimezone(VN).date())
        guest, errors = clean_guest(merged, codes=codes, now=now, check_arrival_age=False)
        if errors:
            exc = LodgingError(errors[0].message, field=errors[0].field)
            exc.errors = [e.as_dict() for e in errors]
            raise exc
        values = {name: getattr(guest, name) for name in GUEST_FIELDS}
        identity_same = all(
            values[n] == getattr(current, n) for n in ("doc_number", "nationality", "birth_date", "sex")
        )
        values["mrz_checked"] = guest.mrz_checked or (current.mrz_checked and identity_same)
        changed = [
            n for n in GUEST_FIELDS if n not in ("name_folded", "mrz_checked") and values[n] != getattr(current, n)
        ]
        if not changed:
            raise LodgingError("Không có thông tin nào thay đổi.", field="")
        if values["doc_number"] != current.doc_number:
            other = (
                Declaration.objects.filter(
                    establishment_id=establishment.pk,
                    is_current=True,
                    state=State.STAYING,
                    doc_number=values["doc_number"],
                )
                .exclude(stay_id=current.stay_id)
                .values_list("stay_id", flat=True)
                .first()
            )
            if other is not None:
                raise LodgingError(_duplicate(None, other).message, field="doc_number", status=409)
        if values["arrived_at"] != current.arrived_at or guest.is_foreigner != current.is_foreigner:
            due = deadlines.due_at(
                values["arrived_at"],
                foreigner=guest.is_foreigner,
                remote=deadlines.is_remote(current.area_id),
            )
            values["due_at"] = due
            values["is_late"] = deadlines.is_late(_arrival_declared_at(current), due)
        watch = _watch()
        hits = watch.find_matches([guest])
        if hits:
            values["watch_hit"] = True
        new = _write_next(current, kind=Kind.CORRECTION, user=user, api_key=api_key, now=now, note=note, **values)
        if hits:
            watch.raise_alerts(
                _alert_items(
                    [{name: getattr(new, name) for name in ("id", "stay_id", "establishment_id", "unit_id")}], hits
                )
            )
        _audit_change(new, user=user, api_key=api_key, note=note, fields=changed)
    return new


def cancel(*, establishment: Establishment, stay_id: int, note: str, user=None, api_key=None) -> Declaration:
    """Withdraw a declaration made by mistake, within `CANCEL_WINDOW` of declaring it: a
    `cancellation` row with `state=cancelled`. Later, only the commune police can correct it."""
    note = _note(note, required=True, what="hủy")
    now = timezone.now()
    with transaction.atomic():
        current = _lock_current(establishment, stay_id)
        if current.state == State.CANCELLED:
            raise LodgingError(MSG_ENDED, field="stay_id", status=409)
        if now - _arrival_declared_at(current) > CANCEL_WINDOW:
            raise LodgingError(
                f"Chỉ hủy được khai báo trong {int(CANCEL_WINDOW.total_seconds() // 3600)} giờ kể từ khi khai báo; "
                "đề nghị Công an xã, phường sửa.",
                field="stay_id",
                status=409,
            )
        new = _write_next(
            current, kind=Kind.CANCELLATION, user=user, api_key=api_key, now=now, note=note, state=State.CANCELLED
        )
        _audit_change(new, user=user, api_key=api_key, note=note)
    return new
