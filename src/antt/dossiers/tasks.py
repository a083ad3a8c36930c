"""Scheduled work of the one-stop shop: the deadline warnings (issue 3 point 4).

`deadline_warnings_send()` is the service; `warn_deadlines` (a Django task) and the
management command `dossier_deadline_warnings` (cron) are thin wrappers over it.

Each open dossier and each active step that is due soon or late is announced to the
officer it is assigned to and to the heads of the dossier's unit, by e-mail and SMS
through the notification outbox (`core.notify`, key "staff.deadline_warning"). The
in-app side is the banner of the work list ("N hồ sơ sắp đến hạn, M hồ sơ quá hạn"),
computed live, so it needs no stored notice.

Once a day: before queuing, the outbox is asked whether a warning with the same key,
object (dossier or step), state and officer was already queued since local midnight
(`created_at`, and the local day the warning was for, kept in its `data`).
A dossier that turns from due soon to late the same day is warned again, once.
The messages carry the dossier code and procedure, never the applicant's data.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import datetime, time

from django.conf import settings
from django.db import transaction
from django.tasks import task
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from antt.core import audit, calendar, notify
from antt.core.models import Notification
from antt.dossiers.deadlines import DeadlineState
from antt.dossiers.selectors_lists import DeadlineItem, deadline_watch
from antt.org.models import Role, User

logger = logging.getLogger("antt.dossiers")

WARNING_KEY = "staff.deadline_warning"
_LOOKUP_CHUNK = 500


@dataclass
class WarningSummary:
    dossiers: int = 0  # dossiers due soon or late
    steps: int = 0  # active steps due soon or late
    queued: int = 0  # outbox rows written
    already_warned: int = 0  # (object, state, officer) already warned today
    no_channel: int = 0  # officers with neither a valid e-mail nor phone


def _when(dt: datetime) -> str:
    return f"{calendar.local(dt):%H:%M ngày %d/%m/%Y}"


def _link(item: DeadlineItem) -> str:
    base = settings.ANTT_PUBLIC_BASE_URL.rstrip("/")
    try:
        return base + reverse("dossiers:detail", args=[item.dossier.pk])
    except NoReverseMatch:
        return base + reverse("dossiers:list")


def message_for(item: DeadlineItem) -> tuple[str, str]:
    """Subject and body of a warning (Vietnamese; the dossier code and procedure, nothing personal)."""
    d = item.dossier
    procedure = d.procedure.name[:120]
    late = item.state == DeadlineState.LATE
    if item.kind == "step":
        what = f"Bước “{item.obj.name}” của hồ sơ {d.code}"
        subject = f"{'Quá hạn' if late else 'Sắp đến hạn'}: bước xử lý hồ sơ {d.code}"
    else:
        what = f"Hồ sơ {d.code}"
        subject = f"{'Quá hạn' if late else 'Sắp đến hạn'}: hồ sơ {d.code}"
    if late:
        body = f"{what} ({procedure}) đã quá hạn từ {_when(item.due_at)}."
        if item.kind == "dossier":
            body += " Trước khi trả kết quả phải lập văn bản xin lỗi và hẹn lại ngày trả (Mẫu 04)."
    else:
        body = f"{what} ({procedure}) sắp đến hạn: {_when(item.due_at)}."
    return subject, f"{body} Xem: {_link(item)}"


def _object_key(item: DeadlineItem) -> tuple[str, str]:
    return audit.object_label(item.obj), str(item.obj.pk)


def _warned_today(items: list[DeadlineItem], day_start: datetime) -> set[tuple[str, str, str, int]]:
    """(object type, object id, state, officer id) already warned on the local day of `day_start`."""
    day = day_start.date().isoformat()
    by_type: dict[str, list[str]] = defaultdict(list)
    for item in items:
        object_type, object_id = _object_key(item)
        by_type[object_type].append(object_id)
    seen = set()
    for object_type, ids in by_type.items():
        for i in range(0, len(ids), _LOOKUP_CHUNK):
            rows = Notification.objects.filter(
                key=WARNING_KEY, object_type=object_type, object_id__in=ids[i : i + _LOOKUP_CHUNK]
            ).filter(created_at__gte=day_start)
            for object_id, data in rows.values_list("object_id", "data"):
                data = data or {}
                if data.get("day") != day:
                    continue
                seen.add((object_type, object_id, data.get("state", ""), data.get("officer_id")))
    return seen


def _heads_by_unit(unit_ids: set[int]) -> dict[int, list[User]]:
    heads: dict[int, list[User]] = defaultdict(list)
    for user in User.objects.filter(unit_id__in=unit_ids, role=Role.HEAD, is_active=True).order_by("pk"):
        heads[user.unit_id].append(user)
    return heads


def _queue(officer: User, item: DeadlineItem, day: str) -> int:
    """Queue the warning to each channel the officer has; the number of rows written."""
    subject, body = message_for(item)
    data = {
        "state": item.state,
        "officer_id": officer.pk,
        "day": day,
        "code": item.dossier.code,
        "kind": item.kind,
        "due": _when(item.due_at),
    }
    written = 0
    for channel, address in (("email", officer.email), ("sms", officer.phone)):
        if not (address or "").strip():
            continue
        try:
            notify.queue(
                channel=channel, recipient=address, subject=subject, body=body, key=WARNING_KEY, obj=item.obj, data=data
            )
        except notify.NotifyError as exc:
            logger.warning("deadline warning to officer %s via %s not queued: %s", officer.pk, channel, exc)
            continue
        written += 1
    return written


def deadline_warnings_send(*, now: datetime | None = None) -> WarningSummary:
    """Warn assignees and heads of the dossiers and steps due soon or late, once a day per state."""
    now = now or timezone.now()
    day_start = timezone.make_aware(
        datetime.combine(calendar.local(now).date(), time.min), timezone.get_default_timezone()
    )
    items = list(deadline_watch(now=now))
    summary = WarningSummary()
    if not items:
        return summary
    seen = _warned_today(items, day_start)
    heads = _heads_by_unit({item.dossier.unit_id for item in items})
    assignee_ids = {item.assignee_id for item in items if item.assignee_id}
    assignees = {u.pk: u for u in User.objects.filter(pk__in=assignee_ids, is_active=True)}
    for item in items:
        if item.kind == "step":
            summary.steps += 1
        else:
            summary.dossiers += 1
        recipients: dict[int, User] = {}
        if item.assignee_id in assignees:
            recipients[item.assignee_id] = assignees[item.assignee_id]
        for head in heads.get(item.dossier.unit_id, []):
            recipients.setdefault(head.pk, head)
        object_type, object_id = _object_key(item)
        for officer in recipients.values():
            if (object_type, object_id, item.state, officer.pk) in seen:
                summary.already_warned += 1
                continue
            with transaction.atomic():
                written = _queue(officer, item, day_start.date().isoformat())
            if written:
                summary.queued += written
                seen.add((object_type, object_id, item.state, officer.pk))
            else:
                summary.no_channel += 1
    return summary


@task()
def warn_deadlines() -> dict:
    """The scheduled deadline warnings (see `deadline_warnings_send`)."""
    return asdict(deadline_warnings_send())
