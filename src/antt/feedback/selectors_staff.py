"""Reads of feedback for officers: every queryset passes `org.selectors.scope` (the officer's
unit and the units below it) and needs `feedback.view`.

    feedback_list(user, state=…, topic=…, subject=…, unit=…, overdue=…, due_soon=…, q=…, sort=…)
    feedback_get(user, code)           # 404 outside the officer's units
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied
from django.db.models import Case, DateField, F, Q, QuerySet, When
from django.http import Http404
from django.utils import timezone

from antt.core import audit, calendar
from antt.feedback.models import Feedback, FeedbackState
from antt.feedback.workflow import OPEN_STATES
from antt.org.models import Unit
from antt.org.roles import can
from antt.org.selectors import scope

S = FeedbackState
PAGE_SIZE = 25
DUE_SOON_WORKING_DAYS = 2
PERSONAL_FIELDS = ["sender_name", "org_name", "sender_phone", "sender_email", "sender_address", "content"]

# sort key → order_by fields ("-" in front of the key reverses)
SORTS = {
    "received": ("received_at", "id"),
    "due": ("due", "received_at", "id"),
    "code": ("code",),
    "state": ("state", "-received_at"),
}
DEFAULT_SORT = "-received"


def require(user, capability: str) -> None:
    if not can(user, capability):
        raise PermissionDenied("Bạn không có quyền xem phản ánh, kiến nghị.")


def _due_expr():
    """The due date of the current step: classification while received, the answer once accepted."""
    return Case(
        When(state__in=[S.RECEIVED, S.SUSPECTED_SPAM], then=F("classify_due")),
        When(state=S.ACCEPTED, then=F("answer_due")),
        default=None,
        output_field=DateField(),
    )


def feedback_for(user) -> QuerySet[Feedback]:
    require(user, "feedback.view")
    return scope(user, Feedback.objects.all()).annotate(due=_due_expr())


def today() -> date:
    return calendar.local(timezone.now()).date()


def feedback_list(
    user,
    *,
    state: str = "",
    topic=None,
    subject: str = "",
    unit: Unit | None = None,
    overdue: bool = False,
    due_soon: bool = False,
    q: str = "",
    sort: str = DEFAULT_SORT,
) -> QuerySet[Feedback]:
    qs = feedback_for(user).select_related("unit", "topic")
    if state:
        qs = qs.filter(state=state)
    if topic is not None:
        qs = qs.filter(topic=topic)
    if subject:
        qs = qs.filter(subject=subject)
    if unit is not None:
        qs = qs.filter(unit__path__startswith=unit.path)
    day = today()
    if overdue:
        qs = qs.filter(Q(state__in=OPEN_STATES) & (Q(due__lt=day) | Q(is_late=True)))
    if due_soon:
        qs = qs.filter(
            state__in=OPEN_STATES, due__gte=day, due__lte=calendar.add_working_days(day, DUE_SOON_WORKING_DAYS)
        )
    q = (q or "").replace("\x00", "").strip()[:100]
    if q:
        qs = qs.filter(Q(code__icontains=q) | Q(title__icontains=q) | Q(content__icontains=q))
    desc = sort.startswith("-")
    fields = SORTS.get(sort.lstrip("-"), SORTS["received"])
    if sort.lstrip("-") not in SORTS:
        desc = True
    return qs.order_by(*[(f[1:] if f.startswith("-") else "-" + f) if desc else f for f in fields])


def feedback_get(user, code: str) -> Feedback:
    code = str(code)
    if len(code) > 30 or "\x00" in code:  # never a code; PostgreSQL refuses NUL characters
        require(user, "feedback.view")
        raise Http404("Không tìm thấy phản ánh, kiến nghị.")
    try:
        return feedback_for(user).select_related("unit", "topic", "answered_by", "procedure", "dossier").get(code=code)
    except Feedback.DoesNotExist:
        raise Http404("Không tìm thấy phản ánh, kiến nghị.") from None


ACTION_LABELS = {
    "submit": "Gửi phản ánh, kiến nghị",
    "accept": "Nhận xử lý",
    "refuse": "Không tiếp nhận xử lý",
    "release": "Xác định không phải thư rác",
    "transfer": "Chuyển đơn vị",
    "answer": "Trả lời",
    "publish": "Công khai",
    "unpublish": "Hủy công khai",
    "close": "Kết thúc",
    "mark_late": "Quá hạn",
    "notify_failed": "Không gửi được thông báo",
    "satisfaction": "Người gửi cho ý kiến về kết quả",
}


def _state_label(value: str) -> str:
    return FeedbackState(value).label if value in FeedbackState.values else value


def feedback_history(fb: Feedback) -> list[dict]:
    """The events, oldest first, with Vietnamese labels for the action and the states."""
    rows = []
    for e in fb.events.select_related("actor", "unit").order_by("at", "id"):
        rows.append(
            {
                "e": e,
                "action": ACTION_LABELS.get(e.action, e.action),
                "change": (
                    f"{_state_label(e.from_state)} → {_state_label(e.to_state)}"
                    if e.from_state and e.to_state and e.from_state != e.to_state
                    else ""
                ),
            }
        )
    return rows


def log_personal_read(fb: Feedback, reason: str = "Xem phản ánh, kiến nghị") -> None:
    audit.record_personal_read(fb, PERSONAL_FIELDS, reason=reason[:255])


def mask_name(name: str) -> str:
    """ "Đặng Thị Ngọc Hường" → "Đ*** T** N*** H****": enough to tell rows apart, nothing more."""
    return " ".join(word[0] + "*" * max(len(word) - 1, 2) for word in (name or "").split())


def filter_units(user) -> QuerySet[Unit]:
    """Units offered in the list's unit filter: the officer's unit and below."""
    return scope(user, Unit.objects.all(), unit_field=None).order_by("path")
