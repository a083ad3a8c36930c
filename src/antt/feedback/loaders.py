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
