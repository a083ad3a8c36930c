"""What the units are told about their violation files, through the outbox (`core.notify`).

* seized items held past their legal time (`hold_until`, Luật XLVPHC Art. 125(8)): once per
  item (`SeizedItem.overdue_alerted_at`);
* records whose decision deadline (`decision_due_on`, Art. 66(1)) is near (within
  `due_soon_days`, a LegalParameter that is a convention, not law) or past, still without a
  decision: once per record, state and local day;
* decisions whose payment deadline has passed (marked late by `services.decisions_mark_late`):
  once per decision when it turns late.

The recipients are the heads of the unit that holds the file (role "head"), by e-mail and SMS
when their account has an address. Messages carry numbers, dates and links for staff, never
the violator's personal data (an SMS may be read by someone else).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from antt.core import audit, notify
from antt.core.models import Notification
from antt.org.models import Role, User
from antt.violations import rules
from antt.violations.models import DecisionStatus, PenaltyDecision, SeizedItem, ViolationRecord

logger = logging.getLogger("antt.violations")

SEIZED_KEY = "violations.seized_overdue"
RECORD_KEY = "violations.record_deadline"
LATE_KEY = "violations.decision_late"
_CHUNK = 500


def _heads(unit_ids: set[int]) -> dict[int, list[User]]:
    heads: dict[int, list[User]] = defaultdict(list)
    for user in User.objects.filter(unit_id__in=unit_ids, role=Role.HEAD, is_active=True).order_by("pk"):
        heads[user.unit_id].append(user)
    return heads


def _queue(users: list[User], *, key: str, obj, subject: str, body: str, data: dict) -> int:
    written = 0
    for user in users:
        for channel, address in (("email", user.email), ("sms", user.phone)):
            if not (address or "").strip():
                continue
            try:
                notify.queue(
                    channel=channel,
                    recipient=address,
                    subject=subject,
                    body=body,
                    key=key,
                    obj=obj,
                    data={**data, "officer_id": user.pk},
                )
            except notify.NotifyError as exc:
                logger.warning("%s to officer %s via %s not queued: %s", key, user.pk, channel, exc)
                continue
            written += 1
    return written


def alert_overdue_seized(today: date) -> int:
    """Alert the heads of each unit about its items held past `hold_until`; once per item.
    Returns the number of items alerted."""
    items = list(
        SeizedItem.objects.filter(status=SeizedItem.Status.HELD, hold_until__lt=today, overdue_alerted_at__isnull=True)
        .select_related("record")
        .order_by("unit_id", "hold_until", "pk")
    )
    heads = _heads({item.unit_id for item in items})
    count = 0
    for item in items:
        with transaction.atomic():
            locked = SeizedItem.objects.select_for_update().filter(pk=item.pk, overdue_alerted_at__isnull=True).first()
            if locked is None:
                continue
            record = item.record.number if item.record_id else ""
            _queue(
                heads.get(item.unit_id, []),
                key=SEIZED_KEY,
                obj=locked,
                subject="Tang vật, phương tiện quá hạn tạm giữ",
                body=(
                    f"Tang vật, phương tiện “{locked.description[:80]}”"
                    + (f" (biên bản số {record})" if record else "")
                    + f" đã quá hạn tạm giữ ngày {locked.hold_until:%d/%m/%Y}. Đề nghị xử lý theo Điều 125, 126 Luật XLVPHC."
                ),
                data={"hold_until": locked.hold_until.isoformat(), "record": record},
            )
            locked.overdue_alerted_at = timezone.now()
            locked.save(update_fields=["overdue_alerted_at"])
            audit.record(
                audit.Action.SYSTEM, locked, changes={"alert": "seized_overdue", "hold_until": locked.hold_until}
            )
            count += 1
    return count


def _already(key: str, object_type: str, ids: list[str], day: str) -> set[tuple[str, str]]:
    """(object id, state) already announced with `key` on `day`."""
    seen = set()
    for i in range(0, len(ids), _CHUNK):
        rows = Notification.objects.filter(key=key, object_type=object_type, object_id__in=ids[i : i + _CHUNK])
        for object_id, data in rows.values_list("object_id", "data"):
            data = data or {}
            if data.get("day") == day or key == LATE_KEY:
                seen.add((object_id, data.get("state", "")))
    return seen


def alert_record_deadlines(today: date) -> int:
    """Warn about open records whose decision deadline is near or past; once per record, state
    and day. Returns the number of records announced."""
    soon = today + timedelta(days=rules.parameter("due_soon_days", today))
    records = list(
        ViolationRecord.objects.filter(
            status__in=[ViolationRecord.Status.OPEN, ViolationRecord.Status.TRANSFERRED], decision_due_on__lte=soon
        ).order_by("decision_due_on", "pk")
    )
    if not records:
        return 0
    day = today.isoformat()
    seen = _already(RECORD_KEY, "violations.violationrecord", [str(r.pk) for r in records], day)
    target_unit = {
        r.pk: (r.transferred_to_id if r.status == ViolationRecord.Status.TRANSFERRED else r.unit_id) for r in records
    }
    heads = _heads(set(target_unit.values()))
    count = 0
    for r in records:
        state = "late" if r.decision_due_on < today else "due_soon"
        if (str(r.pk), state) in seen:
            continue
        if state == "late":
            body = f"Biên bản số {r.number} đã quá hạn ra quyết định xử phạt (hạn {r.decision_due_on:%d/%m/%Y})."
        else:
            body = f"Biên bản số {r.number} sắp đến hạn ra quyết định xử phạt: {r.decision_due_on:%d/%m/%Y}."
        with transaction.atomic():
            _queue(
                heads.get(target_unit[r.pk], []),
                key=RECORD_KEY,
                obj=r,
                subject="Hạn ra quyết định xử phạt",
                body=body,
                data={"state": state, "day": day, "number": r.number},
            )
        count += 1
    return count


def alert_late_decisions(today: date) -> int:
    """Tell the issuing unit about each decision that is late to pay; once per decision."""
    decisions = list(PenaltyDecision.objects.filter(status=DecisionStatus.LATE).order_by("pk"))
    if not decisions:
        return 0
    seen = _already(LATE_KEY, "violations.penaltydecision", [str(d.pk) for d in decisions], today.isoformat())
    heads = _heads({d.unit_id for d in decisions})
    count = 0
    for d in decisions:
        if (str(d.pk), "late") in seen:
            continue
        with transaction.atomic():
            _queue(
                heads.get(d.unit_id, []),
                key=LATE_KEY,
                obj=d,
                subject="Quyết định xử phạt quá hạn nộp phạt",
                body=(
                    f"Quyết định số {d.number} đã quá hạn nộp phạt ngày {d.payment_due_on:%d/%m/%Y}; "
                    "tiền chậm nộp đang được tính (Điều 78 Luật XLVPHC). Xem xét cưỡng chế thi hành."
                ),
                data={"state": "late", "day": today.isoformat(), "number": d.number},
            )
        count += 1
    return count
