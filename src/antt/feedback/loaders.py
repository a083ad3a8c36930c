"""Reference data of the feedback app: the rating criteria from `dossiers/data/rating_criteria.yaml`.

Idempotent: a criterion is keyed by (code, valid_from); a second run updates the
wording, options, dates and sources of the rows it finds and creates the missing
ones. Ratings keep pointing at the criterion row they were given under.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import yaml
from django.db import transaction

from antt.feedback.models import CriterionKind, RatingCriterion

CRITERIA_FILE = Path(__file__).resolve().parent.parent / "dossiers" / "data" / "rating_criteria.yaml"

# The question whose answer is the rating's overall level: "Chỉ số 11: Đánh giá tổng thể dịch vụ"
# of the Thanh Hóa form (rating_criteria.yaml; docs/legal/one-stop.md §4). A later set names its own.
OVERALL_CODES = frozenset({"nd61-11"})


def _date(value) -> date | None:
    if value in (None, ""):
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _check(entry: dict) -> None:
    kind = entry.get("kind")
    if kind not in CriterionKind.values:
        raise ValueError(f"rating criterion {entry.get('id')!r}: unknown kind {kind!r}")
    options = entry.get("options") or []
    if len(options) < 2 or len({o["code"] for o in options}) != len(options):
        raise ValueError(f"rating criterion {entry.get('id')!r}: options need distinct codes")
    if kind == CriterionKind.INDEX and any(not isinstance(o.get("points"), int) for o in options):
        raise ValueError(f"rating criterion {entry.get('id')!r}: every index option needs integer points")


def load_rating_criteria(path: Path = CRITERIA_FILE) -> str:
    """Create or update the rating criteria from the YAML file; returns a one-line summary."""
    with path.open(encoding="utf-8") as fh:
        entries = yaml.safe_load(fh) or []
    created = updated = 0
    with transaction.atomic():
        for order, entry in enumerate(entries, start=1):
            _check(entry)
            values = {
                "order": order,
                "kind": entry["kind"],
                "question": entry["question"].strip(),
                "options": [
                    {"code": str(o["code"]), "label": str(o["label"]).strip(), "points": o.get("points")}
                    for o in entry["options"]
                ],
                "overall": entry["id"] in OVERALL_CODES,
                "valid_to": _date(entry.get("valid_to")),
                "legal_basis": entry.get("legal_basis") or "",
                "source": entry.get("source") or "",
                "confidence": entry.get("confidence") or "",
            }
            _, was_created = RatingCriterion.objects.update_or_create(
                code=entry["id"], valid_from=_date(entry["valid_from"]), defaults=values
            )
            created += was_created
            updated += not was_created
    return f"Tiêu chí đánh giá mức độ hài lòng: {created} mới, {updated} cập nhật."


# --- Phản ánh, kiến nghị: legal times and topics (issue 7) ---------------------------------

DATA_DIR = Path(__file__).resolve().parent / "data"
RULES_FILE = DATA_DIR / "feedback_rules.yaml"
TOPICS_FILE = DATA_DIR / "feedback_topics.yaml"


def _check_rule(entry: dict) -> None:
    from antt.feedback.models import FeedbackDeadlineRule, FeedbackSubject

    where = f"feedback rule {entry.get('subject')!r}/{entry.get('stage')!r}"
    if entry.get("subject") not in FeedbackSubject.values:
        raise ValueError(f"{where}: unknown subject")
    if entry.get("stage") not in FeedbackDeadlineRule.Stage.values:
        raise ValueError(f"{where}: unknown stage")
    days = entry.get("working_days")
    if not isinstance(days, int) or not 1 <= days <= 90:
        raise ValueError(f"{where}: working_days must be an integer 1..90")
    if not (entry.get("legal_basis") or "").strip():
        raise ValueError(f"{where}: legal_basis is required")


def load_feedback_rules(rules_path: Path = RULES_FILE, topics_path: Path = TOPICS_FILE) -> str:
    """Create or update the feedback deadline rules and topics from their YAML files.

    Idempotent: a rule is keyed by (subject, stage, valid_from), a topic by its code; a second
    run updates what it finds and creates what is missing. Returns a one-line Vietnamese summary.
    """
    from antt.catalog.models import Field
    from antt.feedback.models import FeedbackDeadlineRule, FeedbackTopic

    with rules_path.open(encoding="utf-8") as fh:
        rules = yaml.safe_load(fh) or []
    with topics_path.open(encoding="utf-8") as fh:
        topics = yaml.safe_load(fh) or []
    counts = {"rule_new": 0, "rule_upd": 0, "topic_new": 0, "topic_upd": 0}
    with transaction.atomic():
        for entry in rules:
            _check_rule(entry)
            _, was_created = FeedbackDeadlineRule.objects.update_or_create(
                subject=entry["subject"],
                stage=entry["stage"],
                valid_from=_date(entry["valid_from"]),
                defaults={
                    "working_days": entry["working_days"],
                    "valid_to": _date(entry.get("valid_to")),
                    "legal_basis": " ".join(str(entry["legal_basis"]).split()),
                    "source": entry.get("source") or "",
                    "verified": bool(entry.get("verified")),
                },
            )
            counts["rule_new" if was_created else "rule_upd"] += 1
        fields = {f.slug: f for f in Field.objects.filter(slug__in=[t.get("field") for t in topics if t.get("field")])}
        for order, entry in enumerate(topics, start=1):
            if not entry.get("code") or not entry.get("name"):
                raise ValueError(f"feedback topic #{order}: code and name are required")
            _, was_created = FeedbackTopic.objects.update_or_create(
                code=entry["code"],
                defaults={
                    "name": entry["name"].strip(),
                    "order": order,
                    "field": fields.get(entry.get("field") or ""),
                    "is_active": entry.get("is_active", True),
                },
            )
            counts["topic_new" if was_created else "topic_upd"] += 1
    return (
        f"Thời hạn xử lý phản ánh, kiến nghị: {counts['rule_new']} mới, {counts['rule_upd']} cập nhật; "
        f"chủ đề: {counts['topic_new']} mới, {counts['topic_upd']} cập nhật."
    )
