"""The officers' handling of feedback: one service per transition of `feedback.workflow`.

Every service, keyword-only, runs the same steps in one transaction:

1. capability (`org.roles.can`): `feedback.intake` for accept, refuse, release and transfer;
   `feedback.answer` for answer; `feedback.publish` for publish and unpublish; close for
   holders of either `feedback.answer` or `feedback.publish`. Missing → PermissionDenied (403).
2. scope: the row is re-read locked (`select_for_update`) through `org.selectors.scope`, so an
   officer whose unit does not see `feedback.unit` gets Http404 and nothing is written.
3. state: `workflow.target(action, state)` (TransitionError, a 400 with a Vietnamese message).
4. fields, one `FeedbackEvent` row and one audit entry (`audit.record_change`, TRANSITION,
   limited to `AUDIT_FIELDS`: the trail is immutable, so the texts, which may carry personal
   data, stay out of it).

Transfer rule (where a feedback may be sent): an active unit (`is_active`, `active_until` not
past) other than the current one that is either within the officer's reach (their unit or
below, `org.selectors.unit_is_visible`) or the province unit above the officer (the nearest
ancestor of level "province"), which routes on what a commune cannot reach (another commune's
matter). Officers of the intake unit (`ANTT_FEEDBACK_INTAKE_UNIT`, the public service centre, which
receives everything not tied to a dossier) may send to any active unit. Accepting may route at
the same time, under the same rule.

Lateness is sticky: `is_late` is set when a step is done after its due date (accepting or
refusing after `classify_due`, answering after `answer_due`) or by `mark_late` (the daily
command `feedback_daily`) on an open item past its due date, and never cleared, so the
on-time figures of `feedback.stats` count every item that missed any legal time.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from antt.core import audit, notify
from antt.core.calendar import local
from antt.core.uploads import UploadError, check_upload, store_upload
from antt.feedback import deadlines, redaction, workflow
from antt.feedback.models import Feedback, FeedbackAttachment, FeedbackEvent, FeedbackTopic
from antt.feedback.models import FeedbackState as S
from antt.org.models import Unit
from antt.org.roles import can
from antt.org.selectors import scope

AUDIT_FIELDS = [
    "state",
    "unit_id",
    "topic_id",
    "accepted_at",
    "answer_due",
    "answered_at",
    "answered_by_id",
    "is_late",
    "published",
    "published_at",
    "sender_satisfied",
]
# Who may do what (any one of the capabilities); the pages offer the forms by the same table.
CAPABILITIES = {
    "accept": ("feedback.intake",),
    "refuse": ("feedback.intake",),
    "release": ("feedback.intake",),
    "transfer": ("feedback.intake",),
    "answer": ("feedback.answer",),
    "publish": ("feedback.publish",),
    "unpublish": ("feedback.publish",),
    "close": ("feedback.answer", "feedback.publish"),
}
TEXT_LIMIT = 20_000
NOT_ALLOWED = "Bạn không có quyền thực hiện thao tác này đối với phản ánh, kiến nghị."


class FeedbackError(ValueError):
    """Refused input; `message` is Vietnamese, `field` names the form field it belongs to."""

    def __init__(self, message: str, field: str | None = None, status: int = 400):
        super().__init__(message)
        self.message = message
        self.field = field
        self.status = status


# --- Shared steps ---------------------------------------------------------------------------


def may_act(officer, action: str) -> bool:
    return any(can(officer, c) for c in CAPABILITIES.get(action, ()))


def _require(officer, action: str) -> None:
    if not may_act(officer, action):
        raise PermissionDenied(NOT_ALLOWED)


def _lock(officer, feedback: Feedback | int) -> Feedback:
    """The row, locked, if the officer's unit sees it; Http404 otherwise (nothing revealed)."""
    pk = feedback.pk if isinstance(feedback, Feedback) else feedback
    row = scope(officer, Feedback.objects.select_for_update(of=("self",))).filter(pk=pk).first()
    if row is None:
        raise Http404("Không tìm thấy phản ánh, kiến nghị.")
    return row


def _text(value, field: str, label: str, *, required: bool = True, limit: int = TEXT_LIMIT) -> str:
    text = (value or "").replace("\x00", "").strip()
    if required and not text:
        raise FeedbackError(f"Vui lòng nhập {label}.", field)
    if len(text) > limit:
        raise FeedbackError(f"{label[:1].upper()}{label[1:]} dài quá {limit:,} ký tự.".replace(",", "."), field)
    return text


def _event(fb: Feedback, action: str, from_state: str, officer, note: str = "", unit: Unit | None = None) -> None:
    FeedbackEvent.objects.create(
        feedback=fb,
        action=action,
        from_state=from_state,
        to_state=fb.state,
        unit=unit or fb.unit,
        actor=officer if getattr(officer, "pk", None) else None,
        note=note,
        at=timezone.now(),
    )


def _finish(fb: Feedback, before: dict, action: str, officer, note: str = "", unit: Unit | None = None) -> Feedback:
    fb.save()
    _event(fb, action, before["state"], officer, note, unit)
    audit.record_change(fb, before, audit.Action.TRANSITION, reason=f"Phản ánh, kiến nghị: {action}")
    return fb


def _today() -> date:
    return local(timezone.now()).date()


def transfer_targets(officer, current: Unit | None = None):
    """Units the officer may send a feedback to (see the module docstring), active, by path."""
    today = _today()
    units = Unit.objects.filter(is_active=True).exclude(active_until__lt=today)
    if current is not None:
        units = units.exclude(pk=current.pk)
    if not getattr(officer, "unit_id", None):
        return units.none()
    if officer.unit.slug == settings.ANTT_FEEDBACK_INTAKE_UNIT:
        # The intake unit (the public service centre) receives what is not tied to a dossier and
        # routes it to whichever police unit is responsible: every active unit.
        return units.order_by("path")
    province = _province_of(officer.unit)
    visible = units.filter(path__startswith=officer.unit.path)
    if province is not None:
        visible = visible | units.filter(pk=province.pk)
    return visible.order_by("path")


def _province_of(unit: Unit) -> Unit | None:
    ids = [int(x) for x in unit.path.strip("/").split("/") if x]
    chain = {u.pk: u for u in Unit.objects.filter(pk__in=ids)}
    for pk in reversed(ids):
        u = chain.get(pk)
        if u is not None and u.level == Unit.Level.PROVINCE:
            return u
    return None


def _check_target(officer, fb: Feedback, unit: Unit | int | None) -> Unit:
    if unit in (None, ""):
        raise FeedbackError("Vui lòng chọn đơn vị nhận.", "unit")
    pk = unit.pk if isinstance(unit, Unit) else unit
    target = transfer_targets(officer, fb.unit).filter(pk=pk).first()
    if target is None:
        if pk == fb.unit_id:
            raise FeedbackError("Phản ánh, kiến nghị đang ở chính đơn vị này.", "unit")
        raise FeedbackError(
            "Chỉ chuyển được đến đơn vị đang hoạt động thuộc phạm vi của đơn vị bạn hoặc Công an tỉnh.", "unit"
        )
    return target


# --- Transitions ----------------------------------------------------------------------------


@transaction.atomic
def feedback_accept(
    *, officer, feedback: Feedback | int, topic: FeedbackTopic | int | None, unit=None, note=""
) -> Feedback:
    """Accept for handling under a topic; the answer is then due by the rule in force."""
    _require(officer, "accept")
    fb = _lock(officer, feedback)
    before = audit.snapshot(fb, AUDIT_FIELDS)
    to = workflow.target("accept", fb.state)
    if topic in (None, ""):
        raise FeedbackError("Vui lòng chọn chủ đề.", "topic")
    topic_pk = topic.pk if isinstance(topic, FeedbackTopic) else topic
    topic_obj = FeedbackTopic.objects.filter(pk=topic_pk, is_active=True).first()
    if topic_obj is None:
        raise FeedbackError("Chủ đề không hợp lệ.", "topic")
    if unit not in (None, "") and (unit.pk if isinstance(unit, Unit) else unit) != fb.unit_id:
        fb.unit = _check_target(officer, fb, unit)
    now = timezone.now()
    try:
        due = deadlines.answer_due(fb.subject, now, fb.received_at)
    except deadlines.NoRule as exc:
        raise FeedbackError(str(exc)) from exc
    fb.state, fb.topic, fb.accepted_at, fb.answer_due = to, topic_obj, now, due
    fb.is_late = fb.is_late or _today() > fb.classify_due
    return _finish(fb, before, "accept", officer, _text(note, "note", "ghi chú", required=False, limit=2000))


@transaction.atomic
def feedback_refuse(*, officer, feedback: Feedback | int, reason: str) -> Feedback:
    """Not for the police to handle (or spam): the reason is shown to the sender in the lookup."""
    _require(officer, "refuse")
    fb = _lock(officer, feedback)
    before = audit.snapshot(fb, AUDIT_FIELDS)
    to = workflow.target("refuse", fb.state)
    reason = _text(reason, "reason", "lý do không tiếp nhận", limit=2000)
    fb.state, fb.refusal_reason = to, reason
    fb.is_late = fb.is_late or _today() > fb.classify_due
    return _finish(fb, before, "refuse", officer)


@transaction.atomic
def feedback_release(*, officer, feedback: Feedback | int, note: str = "") -> Feedback:
    """A suspected spam that is not: back to received, to be classified as any other."""
    _require(officer, "release")
    fb = _lock(officer, feedback)
    before = audit.snapshot(fb, AUDIT_FIELDS)
    fb.state = workflow.target("release", fb.state)
    return _finish(fb, before, "release", officer, _text(note, "note", "ghi chú", required=False, limit=2000))


@transaction.atomic
def feedback_transfer(*, officer, feedback: Feedback | int, unit: Unit | int, note: str = "") -> Feedback:
    """Send to another unit (the transfer rule of the module docstring); the state is unchanged."""
    _require(officer, "transfer")
    fb = _lock(officer, feedback)
    before = audit.snapshot(fb, AUDIT_FIELDS)
    fb.state = workflow.target("transfer", fb.state)
    fb.unit = _check_target(officer, fb, unit)
    note = _text(note, "note", "ghi chú", required=False, limit=2000)
    return _finish(fb, before, "transfer", officer, note, unit=fb.unit)


@transaction.atomic
def feedback_answer(*, officer, feedback: Feedback | int, text: str, upload=None) -> Feedback:
    """Answer (with an optional PDF/JPEG/PNG); the sender is told by SMS, with the code and the lookup link."""
    _require(officer, "answer")
    fb = _lock(officer, feedback)
    before = audit.snapshot(fb, AUDIT_FIELDS)
    to = workflow.target("answer", fb.state)
    text = _text(text, "answer", "nội dung trả lời")
    checked = None
    if upload is not None:
        try:
            checked = check_upload(upload)
        except UploadError as exc:
            raise FeedbackError(str(exc), "attachment") from exc
    now = timezone.now()
    fb.state, fb.answer, fb.answered_at, fb.answered_by = to, text, now, officer
    fb.is_late = fb.is_late or (fb.answer_due is not None and local(now).date() > fb.answer_due)
    _finish(fb, before, "answer", officer)
    if checked is not None:
        stored = store_upload(checked, prefix="feedback")
        FeedbackAttachment.objects.create(
            feedback=fb,
            from_officer=True,
            file=stored.name,
            name=stored.original_name[:200],
            kind=checked.kind,
            size=stored.size,
            sha256=stored.sha256,
        )
    _notify_answered(fb)
    return fb


def lookup_url() -> str:
    try:
        path = reverse("feedback:lookup")
    except Exception:  # the public pages are another helper's; the address is fixed by the contract
        path = "/phan-anh-kien-nghi/tra-cuu/"
    return settings.ANTT_PUBLIC_BASE_URL.rstrip("/") + path


def _notify_answered(fb: Feedback) -> None:
    """SMS (and e-mail when given) with the code and the lookup link only: never the answer itself."""
    body = (
        f"Phản ánh, kiến nghị {fb.code} đã có trả lời. Xem tại {lookup_url()} "
        "(nhập mã và 4 số cuối điện thoại của bạn)."
    )
    targets = [("sms", fb.sender_phone)]
    if fb.sender_email:
        targets.append(("email", fb.sender_email))
    for channel, recipient in targets:
        try:
            notify.queue(
                channel=channel,
                recipient=recipient,
                subject=f"Trả lời phản ánh, kiến nghị {fb.code}",
                body=body,
                key="feedback.answered",
                obj=fb,
                data={"code": fb.code},
            )
        except notify.NotifyError:
            # A number the intake accepted but the outbox refuses: the answer stands, the
            # sender still finds it through the lookup; the history says why no message left.
            FeedbackEvent.objects.create(
                feedback=fb, action="notify_failed", from_state=fb.state, to_state=fb.state,
                unit=fb.unit, note=f"Không gửi được thông báo qua {channel}.", at=timezone.now(),
            )  # fmt: skip


@transaction.atomic
def feedback_close(*, officer, feedback: Feedback | int, sender_satisfied: bool | None = None, note="") -> Feedback:
    """End the handling. `sender_satisfied` is what the sender told the officer (by phone, at the
    counter) for the figures; what the sender gave through the public lookup is never overwritten."""
    _require(officer, "close")
    fb = _lock(officer, feedback)
    before = audit.snapshot(fb, AUDIT_FIELDS)
    fb.state = workflow.target("close", fb.state)
    if sender_satisfied is not None and fb.sender_satisfied is None:
        fb.sender_satisfied = sender_satisfied
    return _finish(fb, before, "close", officer, _text(note, "note", "ghi chú", required=False, limit=2000))


@transaction.atomic
def feedback_publish(*, officer, feedback: Feedback | int, public_question: str, public_answer: str) -> Feedback:
    """Make the question and answer public, after the personal-data check of `redaction`."""
    _require(officer, "publish")
    fb = _lock(officer, feedback)
    before = audit.snapshot(fb, AUDIT_FIELDS)
    if fb.state not in workflow.PUBLISHABLE:
        raise FeedbackError("Chỉ công khai được phản ánh, kiến nghị đã có trả lời.")
    question = _text(public_question, "public_question", "nội dung công khai")
    answer = _text(public_answer, "public_answer", "nội dung trả lời công khai")
    names = [fb.sender_name, fb.org_name]
    for field, value in (("public_question", question), ("public_answer", answer)):
        findings = redaction.find_personal_data(value, names=names)
        if findings:
            raise FeedbackError(
                f"Nội dung còn thông tin cá nhân ({redaction.describe(findings)}); "
                f"vui lòng thay bằng “{redaction.MASK}” trước khi công khai.",
                field,
            )
    fb.public_question, fb.public_answer = question, answer
    fb.published, fb.published_at = True, timezone.now()
    return _finish(fb, before, "publish", officer)


@transaction.atomic
def feedback_unpublish(*, officer, feedback: Feedback | int, reason: str = "") -> Feedback:
    _require(officer, "unpublish")
    fb = _lock(officer, feedback)
    before = audit.snapshot(fb, AUDIT_FIELDS)
    if not fb.published:
        raise FeedbackError("Phản ánh, kiến nghị này chưa được công khai.")
    fb.published = False
    return _finish(fb, before, "unpublish", officer, _text(reason, "reason", "lý do", required=False, limit=2000))


# --- Lateness -------------------------------------------------------------------------------


def due_date(fb: Feedback) -> date | None:
    """The date the current step is due: classification while received, the answer once accepted."""
    if fb.state in (S.RECEIVED, S.SUSPECTED_SPAM):
        return fb.classify_due
    if fb.state == S.ACCEPTED:
        return fb.answer_due
    return None


def mark_late(*, today: date | None = None) -> int:
    """Set `is_late` on open items past their due date (one event and audit entry each); the count."""
    today = today or _today()
    candidates = (
        Feedback.objects.filter(state__in=workflow.OPEN_STATES, is_late=False)
        .filter(Q(classify_due__lt=today) | Q(answer_due__lt=today))
        .values_list("pk", flat=True)
    )
    marked = 0
    for pk in list(candidates):
        with transaction.atomic():
            fb = Feedback.objects.select_for_update().filter(pk=pk, is_late=False).first()
            if fb is None or fb.state not in workflow.OPEN_STATES:
                continue
            due = due_date(fb)
            if due is None or due >= today:
                continue
            before = audit.snapshot(fb, AUDIT_FIELDS)
            fb.is_late = True
            fb.save(update_fields=["is_late"])
            _event(fb, "mark_late", fb.state, None, f"Quá hạn {due:%d/%m/%Y}.")
            audit.record_change(fb, before, audit.Action.UPDATE, reason="Phản ánh, kiến nghị quá hạn")
            marked += 1
    return marked
