"""Checks on uploaded documents (citizens' online dossiers, counter officers' scans).

    checked = check_upload(request.FILES["file"])            # UploadError (a ValueError) when refused
    stored = store_upload(checked, prefix="dossiers")        # StoredFile(name, size, sha256, ...)

The type is decided by the content (magic bytes), never by the file name or the
browser's content type: a program renamed `.pdf` is refused. Images are opened with
Pillow (`verify()`, then fully decoded, so a truncated or forged image is refused, and
decompression bombs hit Pillow's pixel limit); a PDF needs the `%PDF-` header, an
`%%EOF` marker near the end and no encryption dictionary (an encrypted PDF cannot be
read, signed or archived by the office). The file is stored byte for byte (no
re-encoding: it may carry a digital signature) under `<prefix>/<yyyy>/<mm>/<uuid4>.<ext>`;
the citizen's file name is kept, sanitised, as metadata only, never in the path.

Settings: `ANTT_UPLOAD_MAX_BYTES` (default 10 MiB).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import uuid
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.utils import timezone

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
NAME_LIMIT = 200
_CHUNK = 64 * 1024
# How far from the end a PDF's `%%EOF` may be: writers add a newline or a few bytes of
# padding after it; some scanners pad more.
_PDF_TAIL = 2048
# The trailer (or the xref stream that replaces it) sits at the end, or near the start
# for linearised files; that is where an /Encrypt entry would be.
_PDF_TRAILER_WINDOW = 8192


@dataclass(frozen=True)
class Kind:
    label: str
    extension: str
    content_type: str
    magic: bytes
    pillow_format: str = ""


KINDS = {
    "pdf": Kind("PDF", "pdf", "application/pdf", b"%PDF-"),
    "jpeg": Kind("JPG", "jpg", "image/jpeg", b"\xff\xd8\xff", "JPEG"),
    "png": Kind("PNG", "png", "image/png", b"\x89PNG\r\n\x1a\n", "PNG"),
}


class UploadError(ValueError):
    """An uploaded file was refused; the message is for the citizen or officer, in Vietnamese."""


@dataclass(frozen=True)
class CheckedUpload:
    """A file that passed `check_upload`: its detected type and the fingerprint of its bytes."""

    file: File
    kind: str
    size: int
    sha256: str
    original_name: str

    @property
    def extension(self) -> str:
        return KINDS[self.kind].extension

    @property
    def content_type(self) -> str:
        return KINDS[self.kind].content_type


@dataclass(frozen=True)
class StoredFile:
    """Where a checked upload was kept; the fields a model stores next to its FileField."""

    name: str
    size: int
    sha256: str
    content_type: str
    original_name: str


def max_upload_bytes() -> int:
    return int(getattr(settings, "ANTT_UPLOAD_MAX_BYTES", DEFAULT_MAX_BYTES))


def _size_label(size: int) -> str:
    """10485760 -> '10 MB', 2621440 -> '2,5 MB', 500 -> '500 byte' (Vietnamese decimal comma)."""
    if size < 1024 * 1024:
        return f"{size} byte" if size < 1024 else f"{size // 1024} KB"
    value = size / (1024 * 1024)
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return f"{text.replace('.', ',')} MB"


def _kinds_label(kinds) -> str:
    labels = [KINDS[k].label for k in kinds]
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " hoặc " + labels[-1]


_UNSAFE_NAME_CHARS = re.compile(r'[\x00-\x1f\x7f<>:"|?*]')


def sanitise_name(name: str) -> str:
    """The file's own name without any folder part, control or reserved characters, ≤ 200 chars.

    '../../etc/passwd.pdf' -> 'passwd.pdf', 'C:\\Users\\a\\Đơn đề nghị.pdf' -> 'Đơn đề nghị.pdf'.
    """
    name = unicodedata.normalize("NFC", str(name or ""))
    name = re.split(r"[\\/]", name)[-1]
    name = _UNSAFE_NAME_CHARS.sub("", name).strip().strip(".").strip()
    if not name:
        return "tep-dinh-kem"
    if len(name) > NAME_LIMIT:
        stem, dot, ext = name.rpartition(".")
        if dot and 0 < len(ext) <= 10:
            name = stem[: NAME_LIMIT - len(ext) - 1].rstrip() + "." + ext
        else:
            name = name[:NAME_LIMIT]
    return name


def _detect(head: bytes) -> str | None:
    for kind, spec in KINDS.items():
        if head.startswith(spec.magic):
            return kind
    return None


def _read_all(uploaded, limit: int, label: str) -> tuple[bytes, bytes, int, str]:
    """Stream the file once: head, tail, size, SHA-256; stop as soon as it passes `limit`."""
    digest = hashlib.sha256()
    size = 0
    head = b""
    tail = b""
    uploaded.seek(0)
    for chunk in uploaded.chunks(_CHUNK) if hasattr(uploaded, "chunks") else iter(lambda: uploaded.read(_CHUNK), b""):
        size += len(chunk)
        if size > limit:
            raise UploadError(f"Tệp “{label}” vượt quá {_size_label(limit)}.")
        digest.update(chunk)
        if len(head) < _PDF_TRAILER_WINDOW:
            head = (head + chunk)[:_PDF_TRAILER_WINDOW]
        tail = (tail + chunk)[-_PDF_TRAILER_WINDOW:]
    uploaded.seek(0)
    return head, tail, size, digest.hexdigest()


def _check_pdf(head: bytes, tail: bytes, label: str) -> None:
    if b"%%EOF" not in tail[-_PDF_TAIL:]:
        raise UploadError(f"Tệp PDF “{label}” bị hỏng hoặc chưa tải lên hết (thiếu phần kết thúc %%EOF).")
    if b"/Encrypt" in tail or b"/Encrypt" in head:
        raise UploadError(f"Tệp PDF “{label}” bị mã hóa hoặc đặt mật khẩu; vui lòng gửi bản không mã hóa.")


def _check_image(uploaded, kind: str, label: str) -> None:
    from PIL import Image, UnidentifiedImageError

    broken = UploadError(f"Tệp ảnh “{label}” bị hỏng hoặc không đúng định dạng {KINDS[kind].label}.")
    try:
        with warnings.catch_warnings():
            # Past Image.MAX_IMAGE_PIXELS Pillow warns, past twice that it refuses: refuse both.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            uploaded.seek(0)
            with Image.open(uploaded) as image:
                if image.format != KINDS[kind].pillow_format:
                    raise broken
                image.verify()
            uploaded.seek(0)
            with Image.open(uploaded) as image:
                image.load()  # verify() does not decode JPEG data; a truncated scan fails here
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise UploadError(f"Ảnh “{label}” có kích thước điểm ảnh quá lớn.") from exc
    except UploadError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise broken from exc
    finally:
        uploaded.seek(0)


def check_upload(uploaded_file, *, kinds=("pdf", "jpeg", "png"), max_bytes: int | None = None) -> CheckedUpload:
    """Accept a PDF/JPEG/PNG by its content, size and integrity; raise UploadError otherwise.

    `uploaded_file` is a Django UploadedFile (or any File); it is read, never changed.
    """
    unknown = set(kinds) - set(KINDS)
    if unknown:
        raise ValueError(f"Unknown upload kinds: {sorted(unknown)}")
    limit = max_bytes if max_bytes is not None else max_upload_bytes()
    original_name = sanitise_name(getattr(uploaded_file, "name", "") or "")
    declared = getattr(uploaded_file, "size", None)
    if declared is not None and declared > limit:
        raise UploadError(f"Tệp “{original_name}” vượt quá {_size_label(limit)}.")
    head, tail, size, sha256 = _read_all(uploaded_file, limit, original_name)
    if size == 0:
        raise UploadError(f"Tệp “{original_name}” rỗng (0 byte).")
    kind = _detect(head)
    if kind is None or kind not in kinds:
        raise UploadError(f"Chỉ nhận tệp {_kinds_label(kinds)}; tệp “{original_name}” không phải loại này.")
    if kind == "pdf":
        _check_pdf(head, tail, original_name)
    else:
        _check_image(uploaded_file, kind, original_name)
    return CheckedUpload(file=uploaded_file, kind=kind, size=size, sha256=sha256, original_name=original_name)


_PREFIX = re.compile(r"^[a-z0-9][a-z0-9_-]*(/[a-z0-9][a-z0-9_-]*)*$")


def store_upload(checked: CheckedUpload, *, prefix: str) -> StoredFile:
    """Save the checked bytes unchanged under `<prefix>/<yyyy>/<mm>/<uuid4>.<ext>` in the default storage."""
    if not _PREFIX.match(prefix or ""):
        raise ValueError(f"Invalid storage prefix {prefix!r}: lowercase path segments only.")
    today = timezone.localdate()
    wanted = f"{prefix}/{today:%Y}/{today:%m}/{uuid.uuid4().hex}.{checked.extension}"
    checked.file.seek(0)
    name = default_storage.save(wanted, File(checked.file, name=wanted))
    stored_size = default_storage.size(name)
    if stored_size != checked.size:
        default_storage.delete(name)
        raise OSError(f"Stored {stored_size} bytes of {checked.size} for {name}.")
    return StoredFile(
        name=name,
        size=checked.size,
        sha256=checked.sha256,
        content_type=checked.content_type,
        original_name=checked.original_name,
    )
