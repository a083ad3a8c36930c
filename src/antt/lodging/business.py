"""Writes of the establishment's own side: rooms, API keys, and the spreadsheet sendings.

Declarations themselves are written by `services` (the contract); this module only prepares the
file for `services.declare_batch` and keeps what the establishment needs afterwards (the report
with the file's line numbers, an Excel of the refused rows).

* Rooms (`room_add`, `room_update`, `room_disable`): the manager account only; the number is
  unique in the establishment; each change audited.
* API keys (`key_create`, `key_revoke`): the manager account only. The full key
  `antt_lt_<prefix>_<secret>` is returned once and never stored: the database keeps `prefix` (the 8
  random characters after `antt_lt_`, to find the key) and `key_hash = sha256(full key)`
  (`apikeys` authenticates with both).
* Files (`file_declare`, `file_queue`, the task `declare_file_task`): a file of at most
  `INLINE_ROWS` rows is declared in the request; a longer one is stored, declared by a background
  task (django tasks), and its progress is published in the cache (`progress_get`) and, when the
  service commits the batch early, in `DeclarationBatch.processed`.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import string
import uuid

from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.tasks import task
from django.utils import timezone

from antt.core import audit
from antt.establishments import selectors_business as est_selectors
from antt.establishments.models import Establishment
from antt.lodging import spreadsheets
from antt.lodging.errors import LodgingError, exc_summary
from antt.lodging.models import ApiKey, DeclarationBatch, Room

logger = logging.getLogger("antt.lodging")

KEY_PREFIX = "antt_lt_"
_PREFIX_ALPHABET = string.ascii_lowercase + string.digits
_SECRET_ALPHABET = string.ascii_letters + string.digits
SECRET_LENGTH = 40
INLINE_ROWS = 2000  # a longer file goes to the background task
PROGRESS_TTL = 6 * 3600


# --- who may -----------------------------------------------------------------------------------


def require_manager(user, establishment: Establishment) -> None:
    """LodgingError 403 unless `user` is the active manager account of `establishment`."""
    account = est_selectors.active_account(user)
    if account is None or account.establishment_id != establishment.pk:
        raise LodgingError("Tài khoản không thuộc cơ sở này.", status=403)
    if not account.is_manager:
        raise LodgingError("Chỉ tài khoản quản lý của cơ sở mới làm được việc này.", status=403)


# --- rooms -------------------------------------------------------------------------------------


def _room_fields(number, floor, beds, note) -> dict:
    number = " ".join(str(number or "").split())
    if not number:
        raise LodgingError("Nhập số phòng.", field="number")
    if len(number) > 20:
        raise LodgingError("Số phòng dài tối đa 20 ký tự.", field="number")
    floor = " ".join(str(floor or "").split())
    if len(floor) > 10:
        raise LodgingError("Tầng ghi tối đa 10 ký tự.", field="floor")
    try:
        beds = int(beds if beds not in (None, "") else 1)
    except (TypeError, ValueError):
        raise LodgingError("Số giường là một số nguyên.", field="beds") from None
    if not 1 <= beds <= 50:
        raise LodgingError("Số giường từ 1 đến 50.", field="beds")
    note = " ".join(str(note or "").split())
    if len(note) > 200:
        raise LodgingError("Ghi chú dài tối đa 200 ký tự.", field="note")
    return {"number": number, "floor": floor, "beds": beds, "note": note}


def _number_taken(establishment_id: int, number: str, exclude: int | None = None) -> bool:
    qs = Room.objects.filter(establishment_id=establishment_id, number__iexact=number)
    if exclude:
        qs = qs.exclude(pk=exclude)
    return qs.exists()


def room_add(*, establishment: Establishment, user, number, floor="", beds=1, note="") -> Room:
    require_manager(user, establishment)
    fields = _room_fields(number, floor, beds, note)
    if _number_taken(establishment.pk, fields["number"]):
        raise LodgingError(f"Cơ sở đã có phòng số “{fields['number']}”.", field="number", status=409)
    try:
        with transaction.atomic():
            room = Room.objects.create(establishment=establishment, **fields)
            audit.record_create(room, reason="Thêm phòng của cơ sở lưu trú")
    except IntegrityError:  # a concurrent add of the same number
        raise LodgingError(f"Cơ sở đã có phòng số “{fields['number']}”.", field="number", status=409) from None
    return room


def room_update(*, room: Room, user, number=None, floor=None, beds=None, note=None, is_active=None) -> Room:
    require_manager(user, room.establishment)
    fields = _room_fields(
        room.number if number is None else number,
        room.floor if floor is None else floor,
        room.beds if beds is None else beds,
        room.note if note is None else note,
    )
    if _number_taken(room.establishment_id, fields["number"], exclude=room.pk):
        raise LodgingError(f"Cơ sở đã có phòng số “{fields['number']}”.", field="number", status=409)
    try:
        with transaction.atomic():
            locked = Room.objects.select_for_update().get(pk=room.pk)
            before = audit.snapshot(locked)
            for name, value in fields.items():
                setattr(locked, name, value)
            if is_active is not None:
                locked.is_active = bool(is_active)
            locked.save()
            audit.record_change(locked, before, reason="Sửa thông tin phòng")
    except IntegrityError:
        raise LodgingError(f"Cơ sở đã có phòng số “{fields['number']}”.", field="number", status=409) from None
    return locked


def room_disable(*, room: Room, user) -> Room:
    """The room is no longer offered in the form's list; past declarations keep its number."""
    require_manager(user, room.establishment)
    with transaction.atomic():
        locked = Room.objects.select_for_update().get(pk=room.pk)
        if not locked.is_active:
            return locked
        before = audit.snapshot(locked)
        locked.is_active = False
        locked.save(update_fields=["is_active"])
        audit.record_change(locked, before, reason="Ngừng sử dụng phòng")
    return locked


# --- API keys ----------------------------------------------------------------------------------


def key_hash(full_key: str) -> str:
    return hashlib.sha256(full_key.encode("utf-8")).hexdigest()


def key_create(*, establishment: Establishment, name: str, user) -> tuple[ApiKey, str]:
    """A new key for the establishment's software: (the row, the full key to show once)."""
    require_manager(user, establishment)
    name = " ".join(str(name or "").split())
    if not name:
        raise LodgingError("Đặt tên gợi nhớ cho khóa (ví dụ: phần mềm quản lý khách sạn).", field="name")
    if len(name) > 100:
        raise LodgingError("Tên gợi nhớ dài tối đa 100 ký tự.", field="name")
    for _attempt in range(5):
        prefix = "".join(secrets.choice(_PREFIX_ALPHABET) for _ in range(8))
        secret = "".join(secrets.choice(_SECRET_ALPHABET) for _ in range(SECRET_LENGTH))
        full = f"{KEY_PREFIX}{prefix}_{secret}"
        try:
            with transaction.atomic():
                key = ApiKey.objects.create(
                    establishment=establishment, name=name, prefix=prefix, key_hash=key_hash(full), created_by=user
                )
                audit.record(
                    audit.Action.CREATE,
                    key,
                    changes={"name": name, "prefix": prefix},
                    reason="Tạo khóa API cho phần mềm của cơ sở lưu trú",
                )
        except IntegrityError:  # the prefix is taken (1 in 2.8e12): draw again
            continue
        return key, full
    raise LodgingError("Chưa tạo được khóa, vui lòng thử lại.", status=409)


def key_revoke(*, key: ApiKey, user) -> ApiKey:
    require_manager(user, key.establishment)
    with transaction.atomic():
        locked = ApiKey.objects.select_for_update().get(pk=key.pk)
        if locked.revoked_at is not None:
            return locked
        locked.revoked_at = timezone.now()
        locked.revoked_by = user
        locked.save(update_fields=["revoked_at", "revoked_by"])
        audit.record(
            audit.Action.TRANSITION,
            locked,
            changes={"revoked_at": locked.revoked_at.isoformat()},
            reason="Thu hồi khóa API của cơ sở lưu trú",
        )
    return locked


# --- files -------------------------------------------------------------------------------------


def _progress_key(establishment_id: int, idempotency_key: str) -> str:
    return f"lodging:file:{establishment_id}:{idempotency_key}"


def progress_get(establishment_id: int, idempotency_key: str) -> dict | None:
    """{"state": "queued"|"running"|"failed", "done": n, "total": n, "message": …} while a queued
    file has no committed batch yet."""
    return cache.get(_progress_key(establishment_id, idempotency_key))


def _progress_set(establishment_id: int, idempotency_key: str, **state) -> None:
    cache.set(_progress_key(establishment_id, idempotency_key), state, PROGRESS_TTL)


def rejected_path(batch_id) -> str:
    return f"lodging/rejected/{batch_id}.xlsx"


def file_declare(
    *,
    establishment: Establishment,
    parsed: spreadsheets.ParsedFile,
    mode: str,
    idempotency_key: str,
    user,
    progress=None,
):
    """Declare the rows of a file (`services.declare_batch`, source "file"; each row carries
    `_row`, its line, which the report names), then store an Excel of the refused rows."""
    from antt.lodging import services

    result = services.declare_batch(
        establishment=establishment,
        rows=parsed.rows,
        source=DeclarationBatch.Source.FILE,
        mode=mode,
        idempotency_key=idempotency_key,
        user=user,
        file_name=parsed.name[:200],
        file_sha256=parsed.sha256,
        progress=progress,
    )
    if result.replayed:
        return result
    batch = result.batch
    index_of_line = {line: i for i, line in enumerate(parsed.lines)}
    by_index: dict[int, list[str]] = {}
    for entry in batch.report or []:
        index = index_of_line.get(entry.get("row"))
        if index is None:
            continue
        label = spreadsheets.column_label(entry.get("field", "")) if entry.get("field") else ""
        message = entry.get("message", "")
        by_index.setdefault(index, []).append(f"{label}: {message}" if label else message)
    if by_index:
        # Nothing written (all or nothing): every row goes back, to be sent again as one file;
        # valid rows written: only the refused ones.
        nothing_written = batch.status != DeclarationBatch.Status.DONE or not result.declarations
        indexes = range(len(parsed.rows)) if nothing_written else sorted(by_index)
        content = spreadsheets.rejected_xlsx(
            [parsed.rows[i] for i in indexes],
            [parsed.lines[i] for i in indexes],
            ["; ".join(by_index.get(i, [])) for i in indexes],
        )
        path = rejected_path(batch.pk)
        if default_storage.exists(path):
            default_storage.delete(path)
        default_storage.save(path, ContentFile(content))
    return result


def rejected_file(batch: DeclarationBatch) -> bytes | None:
    path = rejected_path(batch.pk)
    if not default_storage.exists(path):
        return None
    with default_storage.open(path, "rb") as handle:
        return handle.read()


def file_queue(
    *, establishment: Establishment, parsed: spreadsheets.ParsedFile, data: bytes, mode: str, idempotency_key: str, user
) -> bool:
    """Store a long file and queue `declare_file_task`; False when this key is already queued
    (a resubmitted form)."""
    if not idempotency_key:
        raise LodgingError("Thiếu mã lần gửi; tải lại trang rồi gửi lại.", field="file")
    state = {"state": "queued", "done": 0, "total": len(parsed.rows), "name": parsed.name}
    if not cache.add(_progress_key(establishment.pk, idempotency_key), state, PROGRESS_TTL):
        return False
    today = timezone.localdate()
    path = default_storage.save(
        f"lodging/uploads/{today:%Y}/{today:%m}/{uuid.uuid4().hex}.{parsed.kind}", ContentFile(data)
    )
    args = (establishment.pk, getattr(user, "pk", None), path, parsed.name, mode, idempotency_key)

    def enqueue():
        try:
            declare_file_task.enqueue(*args)
        except Exception:  # the file stays; the page says it waits
            logger.exception("could not enqueue lodging file %s", idempotency_key)
            _progress_set(establishment.pk, idempotency_key, state="failed", done=0, total=len(parsed.rows))

    transaction.on_commit(enqueue)
    return True


def file_run(establishment_id: int, user_id: int | None, path: str, name: str, mode: str, idempotency_key: str) -> str:
    """Declare a stored file (the body of `declare_file_task`); the stored file is deleted after."""
    from antt.org.models import User

    establishment = Establishment.objects.select_related("unit", "area").get(pk=establishment_id)
    user = User.objects.filter(pk=user_id).first() if user_id else None
    try:
        with default_storage.open(path, "rb") as handle:
            data = handle.read()
        parsed = spreadsheets.parse(name, data)
        total = len(parsed.rows)
        _progress_set(establishment_id, idempotency_key, state="running", done=0, total=total, name=name)

        def progress(done: int) -> None:
            _progress_set(establishment_id, idempotency_key, state="running", done=done, total=total, name=name)
            DeclarationBatch.objects.filter(establishment_id=establishment_id, idempotency_key=idempotency_key).update(
                processed=done
            )

        result = file_declare(
            establishment=establishment,
            parsed=parsed,
            mode=mode,
            idempotency_key=idempotency_key,
            user=user,
            progress=progress,
        )
        cache.delete(_progress_key(establishment_id, idempotency_key))
        return result.batch.status
    except LodgingError as exc:
        _progress_set(establishment_id, idempotency_key, state="failed", done=0, total=0, message=exc.message)
        return "failed"
    except Exception as exc:
        logger.error("lodging file %s failed: %s", idempotency_key, exc_summary(exc))
        _progress_set(
            establishment_id,
            idempotency_key,
            state="failed",
            done=0,
            total=0,
            message="Lỗi hệ thống khi xử lý tệp; chưa khách nào được ghi nhận. Vui lòng gửi lại.",
        )
        return "failed"
    finally:
        if default_storage.exists(path):
            default_storage.delete(path)


@task()
def declare_file_task(
    establishment_id: int, user_id: int | None, path: str, name: str, mode: str, idempotency_key: str
) -> str:
    """Background declaration of a long file (see `file_run`)."""
    return file_run(establishment_id, user_id, path, name, mode, idempotency_key)
