"""Reads of the feedback app: the dossier to rate, and the rating aggregates (scoped to the user).

Satisfaction rate (tỷ lệ hài lòng): the share of ratings whose answer to the overall
question ("Đánh giá tổng thể dịch vụ", criterion nd61-11) is "Rất hài lòng" or
"Hài lòng". QĐ 766/QĐ-TTg measures satisfaction in handling procedures, but the
stored sources cut its formula off (shared/research/legal-facts.md §4;
docs/legal/one-stop.md §5); this definition follows the shape of the one QĐ 766
formula we have (feedback: (total − "không hài lòng") / total). Target: above 80%
(Quyết định 273/QĐ-UBND 2021 of Thanh Hóa, shared/seed/BRIEF.md).
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Avg, Count, Q, QuerySet, Sum

from antt.dossiers.models import Dossier, Status
from antt.feedback.models import SATISFIED_LEVELS, Rating, RatingAnswer, RatingCriterion
from antt.org.models import Unit
from antt.org.roles import can
from antt.org.selectors import scope, visible_units

SATISFACTION_TARGET = 0.80  # QĐ 273/QĐ-UBND (21/01/2021), Thanh Hóa: satisfaction above 80%
SATISFACTION_RATE_DOC = (
    "Tỷ lệ hài lòng = số phiếu có đánh giá tổng thể “Rất hài lòng” hoặc “Hài lòng” / tổng số phiếu đánh giá. "
    "Chỉ tiêu: trên 80% (Quyết định 273/QĐ-UBND ngày 21/01/2021 của Chủ tịch UBND tỉnh Thanh Hóa)."
)
GROUPS = {
    "unit": ("unit_id", "unit__name"),
    "procedure": ("procedure_id", "procedure__name"),
    "field": ("field_id", "field__name"),
    "officer": ("officer_id", "officer__full_name"),
}


def dossier_for_counter_rating(user, code: str) -> Dossier | None:
    """A dossier the counter officer may open the rating form for (any status), or None.

    The officer must be allowed to return results; the dossier must belong to a unit
    they see (as handler or as receiving desk).
    """
    code = (code or "").replace("\x00", "").strip().upper()[:60]
    if not code or not can(user, "dossier.return"):
        return None
    units = visible_units(user).values("pk")
    return (
        Dossier.objects.select_related("procedure", "unit", "receiving_unit")
        .filter(code=code)
        .filter(Q(unit__in=units) | Q(receiving_unit__in=units))
        .first()
    )


def dossier_for_link_rating(token: str) -> Dossier | None:
    token = (token or "").strip()
    if not token or len(token) > 40 or "\x00" in token:  # PostgreSQL refuses NUL in text
        return None
    return Dossier.objects.select_related("procedure", "unit").filter(token=token).first()


def is_rated(dossier: Dossier) -> bool:
    return Rating.objects.filter(dossier_id=dossier.pk).exists()


def may_be_rated(dossier: Dossier) -> bool:
    return dossier.status == Status.RETURNED and not is_rated(dossier)


def ratings(
    user,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    unit: Unit | None = None,
    field_id: int | None = None,
    procedure_id: int | None = None,
) -> QuerySet[Rating]:
    """Ratings the user may see (needs "reports.view"), given in [start, end), narrowed by the filters."""
    if not can(user, "reports.view"):
        return Rating.objects.none()
    qs = scope(user, Rating.objects.all())
    if start is not None:
        qs = qs.filter(created_at__gte=start)
    if end is not None:
        qs = qs.filter(created_at__lt=end)
    if unit is not None:
        qs = qs.filter(unit__path__startswith=unit.path)
    if field_id:
        qs = qs.filter(field_id=field_id)
    if procedure_id:
        qs = qs.filter(procedure_id=procedure_id)
    return qs


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _figures(row: dict) -> dict:
    count = row["count"]
    return {
        "count": count,
        "satisfied": row["satisfied"],
        "satisfaction_rate": _rate(row["satisfied"], count),
        "meets_target": (row["satisfied"] / count > SATISFACTION_TARGET) if count else None,
        "average_points": (row["points"] / count) if count else None,
        "average_max_points": (row["max_points"] / count) if count else None,
    }


_AGGREGATES = {
    "count": Count("*"),
    "satisfied": Count("pk", filter=Q(overall_level__in=SATISFIED_LEVELS)),
    "points": Sum("total_points", default=0),
    "max_points": Sum("max_points", default=0),
}


def rating_summary(user, **filters) -> dict:
    """Count, satisfaction rate and average points of the ratings in scope (one query)."""
    return _figures(ratings(user, **filters).aggregate(**_AGGREGATES))


def rating_by(user, group: str, **filters) -> list[dict]:
    """The summary figures per unit, procedure, field or officer (one query), largest first."""
    key, label = GROUPS[group]
    rows = ratings(user, **filters).values(key, label).annotate(**_AGGREGATES).order_by("-count", label)
    return [{"id": r[key], "name": r[label] or "—", **_figures(r)} for r in rows]


def rating_by_criterion(user, **filters) -> list[dict]:
    """Average points (indices) and answer counts per option, per criterion (two queries)."""
    scoped = ratings(user, **filters).values("pk")
    answers = RatingAnswer.objects.filter(rating__in=scoped)
    per_option = answers.values("criterion_id", "option_code").annotate(n=Count("*"))
    averages = {
        r["criterion_id"]: r
        for r in answers.values("criterion_id").annotate(n=Count("*"), avg=Avg("points")).order_by()
    }
    counts: dict[int, dict[str, int]] = {}
    for r in per_option.order_by():
        counts.setdefault(r["criterion_id"], {})[r["option_code"]] = r["n"]
    criteria = RatingCriterion.objects.filter(pk__in=list(averages)).order_by("valid_from", "order")
    return [
        {
            "code": c.code,
            "question": c.question,
            "kind": c.kind,
            "answers": averages[c.pk]["n"],
            "average_points": averages[c.pk]["avg"],
            "max_points": c.max_points,
            "options": [
                {"code": o["code"], "label": o["label"], "count": counts.get(c.pk, {}).get(o["code"], 0)}
                for o in c.options
            ],
        }
        for c in criteria
    ]
