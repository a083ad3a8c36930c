"""Reads of fire-safety premises, each already limited to what the caller may see.

`establishment.view` is needed (else PermissionDenied, a 403); establishments are those of the
user's unit and the units below it (`org.selectors.scope`), one outside that scope is a 404.
Nothing here shows personal data (fire profiles and records carry none), so nothing is logged.

`fire_premises` is the list of fire-managed establishments with SQL filters for what their file
lacks (the same rules as `fire.fire_gap_items`, written as EXISTS subqueries on the index
`firerec_est_kind` so that a unit of thousands of premises filters in one query);
`page_gaps` computes the gap messages of one page of rows with a single extra query.
"""

from __future__ import annotations

from datetime import date

from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from antt.establishments import fire
from antt.establishments.models import Establishment, FireProfile, FireRecord
from antt.establishments.selectors import clean_query, name_words
from antt.org.roles import can
from antt.org.selectors import scope, unit_is_visible

Kind = FireRecord.Kind
SORTS = {
    "name": ("establishment__name_folded", "pk"),
    "-name": ("-establishment__name_folded", "-pk"),
    "category": ("category__appendix", "category__item", "establishment__name_folded"),
    "-category": ("-category__appendix", "-category__item", "establishment__name_folded"),
    "risk": ("-high_risk", "-establishment__risk_score", "establishment__name_folded"),
    "-risk": ("high_risk", "establishment__risk_score", "establishment__name_folded"),
    "due": ("establishment__next_fire_due", "establishment__name_folded"),
    "-due": ("-establishment__next_fire_due", "establishment__name_folded"),
}
MISSING_CHOICES = [
    ("any", "Còn thiếu bất kỳ mục nào"),
    ("plan", "Chưa có phương án chữa cháy"),
    ("training", "Huấn luyện PCCC chưa có hoặc đã hết hạn"),
    ("equipment", "Chưa kiểm định phương tiện trong 12 tháng"),
    ("insurance", "Thiếu bảo hiểm cháy, nổ bắt buộc"),
    ("design", "Thiếu văn bản thẩm định thiết kế"),
]


def _require_view(user) -> None:
    if not can(user, "establishment.view"):
        raise PermissionDenied("Bạn không có quyền xem hồ sơ cơ sở.")


def fire_establishment_get(user, pk) -> Establishment:
    """One establishment the user may see (403 without the capability, 404 outside the scope)."""
    _require_view(user)
    establishment = scope(user, Establishment.objects.select_related("unit", "area")).filter(pk=pk).first()
    if establishment is None:
        raise Http404("Không tìm thấy cơ sở.")
    return establishment


def fire_profile_of(establishment: Establishment) -> FireProfile | None:
    return FireProfile.objects.select_related("category").filter(establishment=establishment).first()


def fire_record_list(user, establishment: Establishment, kind: str | None = None) -> QuerySet[FireRecord]:
    """The establishment's fire-safety file, newest first."""
    _require_view(user)
    if not unit_is_visible(user, establishment.unit):
        raise Http404("Không tìm thấy cơ sở.")
    qs = FireRecord.objects.filter(establishment=establishment).select_related("dossier")
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("-issued_on", "-id")


# --- the list of fire-safety premises -----------------------------------------------------------


def _records(kind: str, *extra: Q) -> QuerySet:
    return FireRecord.objects.filter(*extra, establishment=OuterRef("establishment"), kind=kind)


def missing_q(what: str, today: date) -> Q:
    """Profiles whose file lacks `what` on `today` (see fire.fire_gap_items for the rules)."""
    in_force = Q(issued_on__lte=today) & (Q(valid_until__isnull=True) | Q(valid_until__gte=today))
    training_since = today - relativedelta(months=fire.training_valid_months())
    equipment_since = today - relativedelta(months=fire._gap_rule("equipment_max_age_months", 12))
    parts = {
        "plan": ~Exists(_records(Kind.FIREFIGHTING_PLAN, in_force)),
        "training": ~Exists(
            _records(
                Kind.TRAINING,
                Q(issued_on__lte=today),
                Q(valid_until__gte=today) | Q(valid_until__isnull=True, issued_on__gte=training_since),
            )
        ),
        "equipment": ~Exists(_records(Kind.EQUIPMENT, Q(issued_on__lte=today), Q(issued_on__gte=equipment_since))),
        "insurance": Q(insurance_required=True) & ~Exists(_records(Kind.INSURANCE, in_force)),
        "design": Q(needs_design_approval=True) & ~Exists(_records(Kind.DESIGN_APPROVAL, Q(issued_on__lte=today))),
    }
    if what == "any":
        combined = Q()
        for q in parts.values():
            combined |= q
        return combined
    return parts[what]


def fire_premises(
    user,
    *,
    q: str = "",
    category: str = "",
    appendix: str = "",
    high_risk: bool | None = None,
    missing: str = "",
    unit=None,
    sort: str = "name",
    today: date | None = None,
) -> QuerySet[FireProfile]:
    """Fire profiles of the establishments the user may see, filtered and sorted."""
    _require_view(user)
    today = today or timezone.localdate()
    qs = scope(user, FireProfile.objects.all(), "establishment__unit")
    if unit is not None:
        qs = qs.filter(establishment__unit=unit) if unit_is_visible(user, unit) else qs.none()
    name = name_words(q, "establishment__name_folded")
    if name is not None:
        qs = qs.filter(name | Q(establishment__tax_code=clean_query(q)))
    if category:
        qs = qs.filter(category__code=category)
    if appendix:
        qs = qs.filter(category__appendix=appendix)
    if high_risk is not None:
        qs = qs.filter(high_risk=high_risk)
    if missing:
        qs = qs.filter(missing_q(missing, today))
    return qs.select_related("establishment", "establishment__unit", "category").order_by(
        *SORTS.get(sort, SORTS["name"])
    )


def page_gaps(profiles, today: date) -> dict[int, list[fire.Gap]]:
    """{establishment id: gaps} for a page of profiles, with one query for all their records."""
    profiles = list(profiles)
    records: dict[int, list[FireRecord]] = {p.establishment_id: [] for p in profiles}
    for record in FireRecord.objects.filter(establishment_id__in=list(records)).only(
        "id", "establishment_id", "kind", "issued_on", "valid_until", "result"
    ):
        records[record.establishment_id].append(record)
    return {
        p.establishment_id: fire.fire_gap_items(p.establishment, today, profile=p, records=records[p.establishment_id])
        for p in profiles
    }


# --- the establishment page ----------------------------------------------------------------------


def _url(name: str, *args) -> str | None:
    try:
        return reverse(f"establishments:{name}", args=args)
    except NoReverseMatch:
        return None


def detail_context(user, establishment) -> dict:
    """Context for the establishment page's fire section (template establishments/detail_fire.html):
    everything under one key, `fire`, so that the three sections' contexts never collide."""
    _require_view(user)
    if not unit_is_visible(user, establishment.unit):
        raise Http404("Không tìm thấy cơ sở.")
    today = timezone.localdate()
    profile = fire_profile_of(establishment)
    records = list(fire_record_list(user, establishment))
    gaps = fire.fire_gap_items(establishment, today, profile=profile, records=records) if profile else []
    suggestion = None
    if profile is None:
        kind = fire.kind_for_establishment(establishment)
        suggestion = fire.suggest_category(kind, day=today) if kind else None
    return {
        "fire": {
            "profile": profile,
            "records": records[:20],
            "records_total": len(records),
            "gaps": gaps,
            "suggestion": suggestion,
            "can_manage": can(user, "establishment.manage"),
            "profile_url": _url("fire-profile", establishment.pk),
            "record_new_url": _url("fire-record-new", establishment.pk),
            "today": today,
        }
    }
