"""Reads for the public feedback pages and API: no personal data ever leaves these functions.

- `find_for_sender(code, phone_last4)`: the sender's own view (state, dates, unit, answer),
  found by the tracking code plus the last four digits of the phone; an unknown code and
  wrong digits both give None (the caller answers one generic 404).
- `published_page(q, topic, page)`, `published_one(code)`: the published Q&A, built only
  from `public_question` / `public_answer` (written by officers, redacted), never from the
  sender's own text or contact details.
- `rules_in_force()`, `active_topics()`, `procedure_choices()`: what the pages show.
"""

from __future__ import annotations

import hmac
from datetime import date

from django.core.paginator import Paginator
from django.db.models import Q
from django.utils import timezone

from antt.feedback import codes
from antt.feedback.models import (
    Feedback,
    FeedbackDeadlineRule,
    FeedbackKind,
    FeedbackState,
    FeedbackSubject,
    FeedbackTopic,
)
from antt.feedback.workflow import PUBLISHABLE

PAGE_SIZE = 10
QUERY_MAX = 100
_SENDER_COLUMNS = (
    "id",
    "code",
    "kind",
    "subject",
    "state",
    "received_at",
    "classify_due",
    "accepted_at",
    "answer_due",
    "answered_at",
    "answer",
    "refusal_reason",
    "sender_phone",
    "sender_satisfied",
    "unit__name",
    "topic__name",
)


def find_for_sender(code: str, phone_last4: str) -> dict | None:
    """The sender's view of one feedback, or None (unknown code or wrong digits alike)."""
    code = codes.normalise(code)
    if not codes.looks_valid(code) or not (phone_last4 or "").isdigit() or len(phone_last4) != 4:
        return None
    row = Feedback.objects.filter(code=code).values(*_SENDER_COLUMNS).first()
    # Compare even when not found, so the two failures cost about the same.
    stored = (row or {}).get("sender_phone", "") or "----"
    if row is None or not hmac.compare_digest(stored[-4:], phone_last4):
        return None
    state = row["state"]
    answered = state in (FeedbackState.ANSWERED, FeedbackState.CLOSED)
    shown_state = FeedbackState.RECEIVED if state == FeedbackState.SUSPECTED_SPAM else state
    return {
        "id": row["id"],
        "code": row["code"],
        "kind_label": str(FeedbackKind(row["kind"]).label),
        "subject_label": str(FeedbackSubject(row["subject"]).label),
        "state": shown_state,
        "state_label": str(FeedbackState(shown_state).label),
        "received_at": timezone.localtime(row["received_at"]),
        "classify_due": row["classify_due"],
        "accepted_at": timezone.localtime(row["accepted_at"]) if row["accepted_at"] else None,
        "answer_due": row["answer_due"],
        "answered_at": timezone.localtime(row["answered_at"]) if row["answered_at"] else None,
        "unit": row["unit__name"],
        "topic": row["topic__name"] or "",
        "answer": row["answer"] if answered else "",
        "refusal_reason": row["refusal_reason"] if state == FeedbackState.NOT_ACCEPTED else "",
        "answered": answered,
        "sender_satisfied": row["sender_satisfied"],
        "can_rate": answered and row["sender_satisfied"] is None,
    }


def _published():
    return Feedback.objects.filter(published=True, state__in=PUBLISHABLE).exclude(public_answer="")


def published_page(q: str = "", topic: str = "", page: int | str = 1):
    """One page of published Q&A, newest first; `q` searches the published texts, `topic` is a code."""
    rows = _published()
    q = " ".join((q or "").split())[:QUERY_MAX]
    if q:
        rows = rows.filter(Q(public_question__icontains=q) | Q(public_answer__icontains=q) | Q(code__iexact=q))
    if topic:
        rows = rows.filter(topic__code=topic[:40])
    rows = rows.order_by("-published_at", "-id").values(
        "code", "kind", "public_question", "public_answer", "published_at", "answered_at", "topic__name", "unit__name"
    )
    paginator = Paginator(rows, PAGE_SIZE)
    result = paginator.get_page(page)
    result.object_list = [_public_row(r) for r in result.object_list]
    return result


def _public_row(row: dict) -> dict:
    return {
        "code": row["code"],
        "kind_label": str(FeedbackKind(row["kind"]).label),
        "question": row["public_question"],
        "answer": row["public_answer"],
        "published_at": timezone.localtime(row["published_at"]) if row["published_at"] else None,
        "answered_at": timezone.localtime(row["answered_at"]) if row["answered_at"] else None,
        "topic": row["topic__name"] or "",
        "unit": row["unit__name"],
    }


def published_one(code: str) -> dict | None:
    code = codes.normalise(code)
    if not codes.looks_valid(code):
        return None
    row = (
        _published()
        .filter(code=code)
        .values(
            "code",
            "kind",
            "public_question",
            "public_answer",
            "published_at",
            "answered_at",
            "topic__name",
            "unit__name",
        )
        .first()
    )
    return _public_row(row) if row else None


def rules_in_force(on: date | None = None) -> list[dict]:
    """The legal times in force today, one row per subject: classify and answer working days."""
    on = on or timezone.localdate()
    rows = FeedbackDeadlineRule.objects.filter(valid_from__lte=on).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=on)
    )
    table: dict[str, dict] = {}
    for rule in rows.order_by("subject", "stage", "valid_from"):
        entry = table.setdefault(
            rule.subject, {"subject": rule.subject, "label": str(FeedbackSubject(rule.subject).label)}
        )
        entry[rule.stage] = rule.working_days
        entry.setdefault("bases", []).append(rule.legal_basis)
        entry["verified"] = entry.get("verified", True) and rule.verified
    order = list(FeedbackSubject.values)
    return sorted(table.values(), key=lambda e: order.index(e["subject"]))


def active_topics() -> list[FeedbackTopic]:
    return list(FeedbackTopic.objects.filter(is_active=True).only("id", "code", "name"))


def procedure_choices() -> list[tuple[str, list[tuple[int, str]]]]:
    """Procedures grouped by field, for the optional select of the form."""
    from antt.catalog.models import Procedure

    groups: dict[str, list[tuple[int, str]]] = {}
    for pk, name, field_name in Procedure.objects.order_by("field__appendix", "field__name", "name").values_list(
        "id", "name", "field__name"
    ):
        groups.setdefault(field_name, []).append((pk, name))
    return list(groups.items())
