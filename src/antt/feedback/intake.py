"""Receiving feedback (phản ánh, kiến nghị) from anyone, without signing in.

    cleaned = validate(request.POST)                  # IntakeInvalid {field: Vietnamese message}
    result = submit(data=cleaned, client=client_hash(ip), files=request.FILES.getlist("tep"),
                    form_token=request.POST.get("ft"), honeypot=request.POST.get("website"))

`submit()` does everything in one transaction: the tracking code (`codes.next_code`), the
feedback row, its attachments (checked by `core.uploads`), the "submit" event, the audit
entry and the notification to the sender (code only, never the content). A failure anywhere
leaves nothing behind: the rows roll back and the files already stored are deleted.

Abuse controls (no accounts, so nothing here may lose a real citizen's message):
- rate limits per client (`ANTT_FEEDBACK_RATE`, `ANTT_FEEDBACK_DAILY_RATE`), keyed by the
  client hash, counted only for submissions that would be written → `RateLimited`;
- the same text from the same client within 24 hours → `Duplicate` (the earlier code only
  when the phone matches too, otherwise a generic answer);
- a honeypot field, a signed form timestamp (sent < 3 s or > 2 h after the form was drawn),
  link stuffing and gibberish → kept in state `suspected_spam` with `spam_reasons`; an officer
  releases or refuses it (feedback.workflow). Nothing is deleted. No SMS/e-mail goes out for
  them (a bot must not be able to make us text arbitrary numbers); the sender still gets the
  code on the page.

`client_hash` is an HMAC of the client address with SECRET_KEY: the address itself is never
stored. Text is stored exactly as typed (after refusing NUL and control characters); pages
escape it on output.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from antt.core import audit, notify
from antt.core.text import fold
from antt.core.uploads import UploadError, check_upload, max_upload_bytes, store_upload
from antt.dossiers import ratelimit
from antt.feedback import codes, deadlines
from antt.feedback.models import (
    Feedback,
    FeedbackAttachment,
    FeedbackEvent,
    FeedbackKind,
    FeedbackState,
    FeedbackSubject,
    FeedbackTopic,
    SenderKind,
)
from antt.org.models import Unit

# Limits of the text fields (the model's max_length, and a bound for the free text).
TITLE_MAX = 200
CONTENT_MIN = 20
CONTENT_MAX = 5000
NAME_MAX = 150
ORG_MAX = 255
ADDRESS_MAX = 255
EMAIL_MAX = 254
DOSSIER_CODE_MAX = 60

# The signed form timestamp: faster than this is a script, slower than this a replayed page.
FORM_MIN_SECONDS = 3
FORM_MAX_SECONDS = 2 * 3600
DUPLICATE_WINDOW = timedelta(hours=24)
MAX_LINKS = 3

# spam_reasons as stored (the officers read them as they are).
REASON_HONEYPOT = "Trường ẩn chống thư rác đã bị điền (thường do chương trình tự động)."
REASON_TOO_FAST = "Gửi quá nhanh sau khi mở biểu mẫu (dưới 3 giây)."
REASON_STALE = "Biểu mẫu đã mở quá 2 giờ trước khi gửi."
REASON_NO_TOKEN = "Thiếu hoặc sai dấu thời gian của biểu mẫu."  # noqa: S105 - a message, not a secret
REASON_LINKS = "Chứa nhiều đường liên kết."
REASON_GIBBERISH = "Nội dung giống chuỗi ký tự vô nghĩa."

RATE_LIMITED = (
    "Đã có quá nhiều phản ánh, kiến nghị được gửi từ địa chỉ mạng này trong thời gian ngắn. "
    "Nội dung ông/bà đã nhập vẫn được giữ nguyên bên dưới; vui lòng gửi lại sau."
)
DUPLICATE_GENERIC = (
    "Phản ánh, kiến nghị có nội dung này đã được tiếp nhận trong 24 giờ qua; ông/bà không cần gửi lại. "
    "Mã tra cứu đã được gửi đến số điện thoại đã khai khi gửi lần đầu."
)
UNAVAILABLE = "Hệ thống chưa sẵn sàng tiếp nhận phản ánh, kiến nghị. Vui lòng thử lại sau hoặc liên hệ trực tiếp."

# Control characters, and lone surrogates (possible in JSON "\\ud800", not storable as UTF-8).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_CONTROL_LINE = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")
_URL = re.compile(r"(?:https?://|www\.)\S+|\b[a-z0-9-]+\.(?:com|net|org|xyz|top|info|ru|cn|vn|io|biz)\b", re.I)
_PHONE = re.compile(r"^(?:\+84|84|0)\d{9,10}$")
_VOWELS = set("aeiouy")


class IntakeInvalid(ValueError):
    """The input is refused; `errors` maps a field name (or "__all__") to a Vietnamese message."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__(next(iter(errors.values()), "Dữ liệu không hợp lệ."))


class RateLimited(Exception):
    def __init__(self, retry_after: int):
        self.retry_after = retry_after
        super().__init__(RATE_LIMITED)


class Duplicate(Exception):
    """Already received; `code` is the earlier tracking code when the phone matches, else ""."""

    def __init__(self, code: str = ""):
        self.code = code
        msg = (
            f"Phản ánh, kiến nghị này đã được tiếp nhận với mã {code}; ông/bà không cần gửi lại."
            if code
            else DUPLICATE_GENERIC
        )
        super().__init__(msg)


class IntakeUnavailable(Exception):
    """A configuration gap (no intake unit, no deadline rule): the sender is told to retry."""


@dataclass(frozen=True)
class FeedbackInput:
    kind: str
    subject: str
    title: str
    content: str
    sender_kind: str
    sender_name: str
    sender_phone: str
    sender_address: str
    sender_email: str = ""
    org_name: str = ""
    topic_id: int | None = None
    procedure_id: int | None = None
    dossier_code: str = ""


@dataclass
class SubmitResult:
    feedback: Feedback
    notified: list[str] = field(default_factory=list)


# --- Validation -------------------------------------------------------------------------


def _text(raw: Mapping, name: str) -> str:
    value = raw.get(name, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        value = str(value)
    return unicodedata.normalize("NFC", value)


def _line(raw, name, label, errors, *, required=True, max_len=255) -> str:
    value = _text(raw, name).strip()
    if _CONTROL_LINE.search(value):
        errors[name] = f"{label} chứa ký tự điều khiển không hợp lệ."
    elif required and not value:
        errors[name] = f"Vui lòng nhập {label.lower()}."
    elif len(value) > max_len:
        errors[name] = f"{label} tối đa {max_len} ký tự (đã nhập {len(value)})."
    return value


def _choice(raw, name, choices, message, errors) -> str:
    value = _text(raw, name).strip()
    if value not in choices.values:
        errors[name] = message
    return value


def _optional_id(raw, name, model, message, errors, **filters) -> int | None:
    value = _text(raw, name).strip()
    if not value:
        return None
    if not value.isdigit() or len(value) > 12 or not model.objects.filter(pk=int(value), **filters).exists():
        errors[name] = message
        return None
    return int(value)


def normalise_phone(value: str) -> str:
    """'0912 345 678' → '0912345678'; '+84912345678' → '0912345678'."""
    digits = re.sub(r"[\s.\-()]", "", value or "")
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) >= 11:
        digits = "0" + digits[2:]
    return digits


def validate(raw: Mapping, *, client: str = "") -> FeedbackInput:
    """Check a submission (form POST or JSON); IntakeInvalid with every problem found at once.

    With `client`, looking up a dossier code counts against the lookup rate (ANTT_LOOKUP_RATE) of
    that client, so the form cannot be used to probe which dossier codes exist."""
    errors: dict[str, str] = {}
    kind = _choice(raw, "kind", FeedbackKind, "Vui lòng chọn phản ánh hay kiến nghị.", errors)
    subject = _choice(raw, "subject", FeedbackSubject, "Vui lòng chọn nội dung liên quan.", errors)
    title = _line(raw, "title", "Tiêu đề", errors, max_len=TITLE_MAX)

    content = _text(raw, "content").replace("\r\n", "\n").strip()
    if _CONTROL.search(content):
        errors["content"] = "Nội dung chứa ký tự điều khiển không hợp lệ (ví dụ ký tự NUL)."
    elif len(content) < CONTENT_MIN:
        errors["content"] = f"Vui lòng trình bày rõ nội dung (ít nhất {CONTENT_MIN} ký tự)."
    elif len(content) > CONTENT_MAX:
        errors["content"] = f"Nội dung tối đa {CONTENT_MAX} ký tự (đã nhập {len(content)}); có thể gửi kèm tệp."

    sender_kind = _choice(raw, "sender_kind", SenderKind, "Vui lòng chọn người gửi là cá nhân hay tổ chức.", errors)
    sender_name = _line(raw, "sender_name", "Họ và tên", errors, max_len=NAME_MAX)
    org_name = _line(raw, "org_name", "Tên tổ chức", errors, required=False, max_len=ORG_MAX)
    if sender_kind == SenderKind.ORGANISATION and not org_name and "org_name" not in errors:
        errors["org_name"] = "Vui lòng nhập tên tổ chức, doanh nghiệp."
    sender_address = _line(raw, "sender_address", "Địa chỉ", errors, max_len=ADDRESS_MAX)

    phone_raw = _line(raw, "sender_phone", "Số điện thoại", errors, max_len=20)
    phone = normalise_phone(phone_raw)
    if phone_raw and "sender_phone" not in errors and not _PHONE.match(phone):
        errors["sender_phone"] = "Số điện thoại không hợp lệ (ví dụ 0912 345 678)."

    email = _line(raw, "sender_email", "Thư điện tử", errors, required=False, max_len=EMAIL_MAX)
    if email and "sender_email" not in errors:
        try:
            validate_email(email)
        except ValidationError:
            errors["sender_email"] = "Địa chỉ thư điện tử không hợp lệ."

    topic_id = _optional_id(raw, "topic", FeedbackTopic, "Chủ đề không hợp lệ.", errors, is_active=True)
    from antt.catalog.models import Procedure

    procedure_id = _optional_id(raw, "procedure", Procedure, "Thủ tục không hợp lệ.", errors)
    dossier_code = _line(raw, "dossier_code", "Mã hồ sơ", errors, required=False, max_len=DOSSIER_CODE_MAX)
    dossier_code = re.sub(r"\s+", "", dossier_code).upper()
    if dossier_code and "dossier_code" not in errors:
        from antt.dossiers.models import Dossier

        rate = getattr(settings, "ANTT_LOOKUP_RATE", "10/m")
        if client and not ratelimit.hit(client, "feedback-dossier", rate):
            raise RateLimited(ratelimit.retry_after(rate))
        if not Dossier.objects.filter(code=dossier_code).exists():
            errors["dossier_code"] = "Không tìm thấy hồ sơ có mã này; vui lòng kiểm tra lại hoặc để trống."

    consent = raw.get("consent")
    if consent not in (True, "on", "1", "true", "yes"):
        errors["consent"] = "Vui lòng đồng ý cho cơ quan xử lý dữ liệu cá nhân để tiếp nhận, trả lời phản ánh."

    if errors:
        raise IntakeInvalid(errors)
    return FeedbackInput(
        kind=kind,
        subject=subject,
        title=title,
        content=content,
        sender_kind=sender_kind,
        sender_name=sender_name,
        sender_phone=phone,
        sender_address=sender_address,
        sender_email=email,
        org_name=org_name if sender_kind == SenderKind.ORGANISATION else "",
        topic_id=topic_id,
        procedure_id=procedure_id,
        dossier_code=dossier_code,
    )


# --- Abuse controls ---------------------------------------------------------------------

_FORM_SALT = "antt.feedback.form"


def form_token(*, now_ts: float | None = None) -> str:
    """A signed timestamp drawn into the form (hidden field `ft`)."""
    now_ts = timezone.now().timestamp() if now_ts is None else now_ts
    return signing.Signer(salt=_FORM_SALT).sign(str(int(now_ts)))


def form_token_reason(token: str | None, *, now_ts: float | None = None) -> str | None:
    """None when the form was drawn by us between 3 s and 2 h ago, else the spam reason."""
    if not token or not isinstance(token, str) or len(token) > 200:
        return REASON_NO_TOKEN
    try:
        drawn = int(signing.Signer(salt=_FORM_SALT).unsign(token))
    except (signing.BadSignature, ValueError):
        return REASON_NO_TOKEN
    now_ts = timezone.now().timestamp() if now_ts is None else now_ts
    age = now_ts - drawn
    if age < FORM_MIN_SECONDS:
        return REASON_TOO_FAST
    if age > FORM_MAX_SECONDS:
        return REASON_STALE
    return None


def client_hash(ip: str | None) -> str:
    """HMAC-SHA256 of the client address with SECRET_KEY: lets us count a client, not find it."""
    key = ("feedback-client:" + settings.SECRET_KEY).encode()
    return hmac.new(key, (ip or "-").encode(), hashlib.sha256).hexdigest()


def content_hash(title: str, content: str) -> str:
    """The same text typed twice (case, accents and spacing aside) gives the same hash."""
    return hashlib.sha256(f"{fold(title)}\n{fold(content)}".encode()).hexdigest()


def content_reasons(title: str, content: str) -> list[str]:
    """Link stuffing and gibberish: cheap signals, so the item is only held, never refused."""
    reasons = []
    text = f"{title}\n{content}"
    if len(_URL.findall(text)) > MAX_LINKS:
        reasons.append(REASON_LINKS)
    words = re.findall(r"[a-z]+", fold(_URL.sub(" ", text)))
    long_words = [w for w in words if len(w) >= 4]
    no_vowel = [w for w in long_words if not _VOWELS.intersection(w)]
    giant = [w for w in words if len(w) > 30]
    repeated = re.search(r"(.)\1{14,}", text)
    if (len(long_words) >= 4 and len(no_vowel) / len(long_words) > 0.4) or giant or repeated:
        reasons.append(REASON_GIBBERISH)
    return reasons


def feedback_rate() -> str:
    return getattr(settings, "ANTT_FEEDBACK_RATE", "5/h")


def feedback_daily_rate() -> str:
    return getattr(settings, "ANTT_FEEDBACK_DAILY_RATE", "20/d")


def max_files() -> int:
    return int(getattr(settings, "ANTT_FEEDBACK_MAX_FILES", 5))


def max_total_bytes() -> int:
    """All attachments of one feedback together (ANTT_FEEDBACK_MAX_TOTAL_BYTES, default 20 MiB)."""
    return int(getattr(settings, "ANTT_FEEDBACK_MAX_TOTAL_BYTES", 20 * 1024 * 1024))


def max_body_bytes() -> int:
    """The largest request body the form accepts (files + text); larger → 413 before reading it."""
    return max_total_bytes() + 1024 * 1024


def check_files(files: Sequence) -> list:
    """Each file by its content (PDF/JPEG/PNG), their number and their total size; IntakeInvalid otherwise."""
    files = [f for f in files if f is not None and getattr(f, "name", "")]
    if len(files) > max_files():
        raise IntakeInvalid({"files": f"Chỉ được gửi kèm tối đa {max_files()} tệp (đã chọn {len(files)})."})
    checked, problems, total = [], [], 0
    for upload in files:
        try:
            item = check_upload(upload, max_bytes=max_upload_bytes())
        except UploadError as exc:
            problems.append(str(exc))
            continue
        total += item.size
        checked.append(item)
    if total > max_total_bytes():
        problems.append(f"Tổng dung lượng tệp đính kèm vượt quá {max_total_bytes() // (1024 * 1024)} MB.")
    if problems:
        raise IntakeInvalid({"files": " ".join(problems)})
    return checked


def _earlier(client: str, digest: str, now) -> Feedback | None:
    return (
        Feedback.objects.filter(client_hash=client, content_hash=digest, received_at__gte=now - DUPLICATE_WINDOW)
        .only("code", "sender_phone")
        .order_by("-received_at")
        .first()
    )


def _intake_unit() -> Unit:
    slug = getattr(settings, "ANTT_FEEDBACK_INTAKE_UNIT", "ttpvhcc")
    unit = Unit.objects.filter(slug=slug).first()
    if unit is None:
        raise IntakeUnavailable(UNAVAILABLE)
    return unit


def _notify(feedback: Feedback) -> list[str]:
    from django.urls import reverse

    lookup = reverse("feedback:lookup")
    body = (
        f"Phản ánh, kiến nghị của ông/bà đã được tiếp nhận, mã {feedback.code}. "
        f"Tra cứu tại {lookup} bằng mã này và 4 số cuối điện thoại."
    )
    sent = []
    try:
        notify.queue(channel="sms", recipient=feedback.sender_phone, body=body, key="feedback.received", obj=feedback)
        sent.append("sms")
    except notify.NotifyError:
        pass  # a landline: the code is on the page and, when given, in the e-mail
    if feedback.sender_email:
        notify.queue(
            channel="email",
            recipient=feedback.sender_email,
            subject=f"Đã tiếp nhận phản ánh, kiến nghị {feedback.code}",
            body=body,
            key="feedback.received",
            obj=feedback,
        )
        sent.append("email")
    return sent


# --- The service ------------------------------------------------------------------------


def submit(
    *,
    data: FeedbackInput,
    client: str,
    files: Sequence = (),
    form_token: str | None = None,
    check_timing: bool = True,
    honeypot: str = "",
) -> SubmitResult:
    """Receive one feedback: code, row, files, event, audit, notification, all or nothing.

    Raises IntakeInvalid (bad files), Duplicate, RateLimited, IntakeUnavailable. `client` is
    `client_hash(ip)`. `check_timing=False` for the JSON API (no form drawn).
    """
    checked = check_files(files)
    now = timezone.now()
    digest = content_hash(data.title, data.content)
    earlier = _earlier(client, digest, now)
    if earlier is not None:
        raise Duplicate(earlier.code if earlier.sender_phone == data.sender_phone else "")
    for purpose, rate in (("feedback", feedback_rate()), ("feedback-day", feedback_daily_rate())):
        if not ratelimit.hit(client, purpose, rate):
            raise RateLimited(ratelimit.retry_after(rate))

    reasons = []
    if (honeypot or "").strip():
        reasons.append(REASON_HONEYPOT)
    if check_timing:
        reason = form_token_reason(form_token)
        if reason:
            reasons.append(reason)
    reasons += content_reasons(data.title, data.content)

    stored: list[str] = []
    try:
        with transaction.atomic():
            result = _create(data, client, digest, now, reasons, checked, stored)
    except Exception:
        for name in stored:
            default_storage.delete(name)
        raise
    return result


def _create(data, client, digest, now, reasons, checked, stored) -> SubmitResult:
    from antt.dossiers.models import Dossier

    dossier = None
    unit_id = procedure_id = None
    if data.dossier_code:
        dossier = Dossier.objects.filter(code=data.dossier_code).only("id", "unit_id", "procedure_id").first()
        if dossier is None:
            raise IntakeInvalid(
                {"dossier_code": "Không tìm thấy hồ sơ có mã này; vui lòng kiểm tra lại hoặc để trống."}
            )
        unit_id, procedure_id = dossier.unit_id, dossier.procedure_id
    else:
        unit_id, procedure_id = _intake_unit().pk, data.procedure_id
    try:
        classify_due = deadlines.classify_due(data.subject, now)
    except deadlines.NoRule as exc:
        raise IntakeUnavailable(UNAVAILABLE) from exc

    state = FeedbackState.SUSPECTED_SPAM if reasons else FeedbackState.RECEIVED
    feedback = Feedback.objects.create(
        code=codes.next_code(now),
        kind=data.kind,
        subject=data.subject,
        topic_id=data.topic_id,
        title=data.title,
        content=data.content,
        dossier=dossier,
        procedure_id=procedure_id,
        unit_id=unit_id,
        state=state,
        sender_kind=data.sender_kind,
        sender_name=data.sender_name,
        org_name=data.org_name,
        sender_phone=data.sender_phone,
        sender_email=data.sender_email,
        sender_address=data.sender_address,
        received_at=now,
        classify_due=classify_due,
        client_hash=client,
        content_hash=digest,
        spam_reasons=reasons,
    )
    for item in checked:
        saved = store_upload(item, prefix="feedback")
        stored.append(saved.name)
        FeedbackAttachment.objects.create(
            feedback=feedback,
            from_officer=False,
            file=saved.name,
            name=saved.original_name,
            kind=item.kind,
            size=saved.size,
            sha256=saved.sha256,
        )
    FeedbackEvent.objects.create(
        feedback=feedback,
        action="submit",
        from_state="",
        to_state=state,
        unit_id=unit_id,
        actor=None,
        note="Nghi thư rác: " + " ".join(reasons) if reasons else "",
        at=now,
    )
    # No personal data and no free text in the immutable trail.
    audit.record(
        audit.Action.CREATE,
        feedback,
        changes={
            "code": feedback.code,
            "kind": feedback.kind,
            "subject": feedback.subject,
            "state": state,
            "unit": unit_id,
            "dossier": dossier.pk if dossier else None,
            "attachments": len(checked),
            "spam_reasons": len(reasons),
        },
    )
    notified = [] if reasons else _notify(feedback)
    return SubmitResult(feedback=feedback, notified=notified)


# --- The sender's opinion of the answer -------------------------------------------------


class NotAllowed(ValueError):
    """The opinion cannot be given now (not answered yet, or already given)."""


def record_satisfaction(*, feedback_id: int, satisfied: bool) -> Feedback:
    """The sender says whether the answer satisfied them: once, after it was answered."""
    with transaction.atomic():
        feedback = Feedback.objects.select_for_update().get(pk=feedback_id)
        if feedback.state not in (FeedbackState.ANSWERED, FeedbackState.CLOSED):
            raise NotAllowed("Chỉ có thể cho ý kiến sau khi phản ánh, kiến nghị đã được trả lời.")
        if feedback.sender_satisfied is not None:
            raise NotAllowed("Ông/bà đã cho ý kiến về câu trả lời này.")
        before = audit.snapshot(feedback, ["sender_satisfied"])
        feedback.sender_satisfied = bool(satisfied)
        feedback.save(update_fields=["sender_satisfied"])
        FeedbackEvent.objects.create(
            feedback=feedback,
            action="satisfaction",
            from_state=feedback.state,
            to_state=feedback.state,
            note="Người gửi hài lòng" if satisfied else "Người gửi không hài lòng",
            at=timezone.now(),
        )
        audit.record_change(feedback, before, reason="Người gửi cho ý kiến về câu trả lời")
    return feedback
