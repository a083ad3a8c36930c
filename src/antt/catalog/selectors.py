"""Reads of the catalogue. The catalogue is public: no unit scoping applies.

The listing loads every matching procedure with its versions and their levels
in a constant number of queries, then picks in Python the version to show (the
one in force on the date, else the latest). The catalogue holds a few hundred
procedures even nationally, so filtering the level and the online level on the
chosen version in Python is cheaper than expressing "the version in force" in
SQL; the text search, the expensive part, runs in the database on the folded
column (pg_trgm GIN index on PostgreSQL).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Prefetch, QuerySet
from django.utils import timezone

from antt.catalog.models import Field, OnlineLevel, Procedure, ProcedureVersion, TimeUnit
from antt.core.text import fold

MAX_QUERY_LENGTH = 200


def today() -> date:
    return timezone.localdate()


def version_in_force(procedure: Procedure, on: date | None = None) -> ProcedureVersion | None:
    """The version of `procedure` in force on `on` (default today), or None."""
    on = on or today()
    versions = getattr(procedure, "_prefetched_objects_cache", {}).get("versions")
    if versions is not None:
        return next((v for v in versions if v.is_in_force(on)), None)
    return procedure.versions.filter(valid_from__lte=on).exclude(valid_to__lt=on).order_by("-valid_from").first()


@dataclass
class ProcedureRow:
    """A procedure with the version to display and whether it is in force."""

    procedure: Procedure
    version: ProcedureVersion | None
    in_force: bool


def _pick_version(procedure: Procedure, on: date) -> tuple[ProcedureVersion | None, bool]:
    versions = list(procedure.versions.all())  # prefetched, newest first
    current = next((v for v in versions if v.is_in_force(on)), None)
    if current is not None:
        return current, True
    past = [v for v in versions if v.valid_from <= on]
    return (past[0] if past else (versions[-1] if versions else None)), False


def _base_queryset(detail: bool = False) -> QuerySet[Procedure]:
    versions = ProcedureVersion.objects.order_by("-valid_from").prefetch_related("levels")
    if detail:
        versions = versions.prefetch_related("documents", "fees", "steps")
    return Procedure.objects.select_related("field").prefetch_related(Prefetch("versions", queryset=versions))


def fields_list() -> QuerySet[Field]:
    return Field.objects.all()


def field_exists(slug: str) -> bool:
    return "\x00" not in slug and Field.objects.filter(slug=slug).exists()


def procedure_search(
    *,
    q: str | None = None,
    field: str | Field | None = None,
    level: str | None = None,
    online_level: str | None = None,
    on: date | None = None,
    include_inactive: bool = True,
) -> list[ProcedureRow]:
    """Procedures matching every word of `q` (accent-insensitive) and the filters.

    `field` is a Field or its slug; `level` and `online_level` apply to the
    version shown. Procedures no longer in force are included (with
    in_force=False) unless `include_inactive` is False.
    """
    on = on or today()
    qs = _base_queryset()
    if isinstance(field, str) and "\x00" in field:
        return []  # PostgreSQL refuses NUL in text; no slug contains one
    if field:
        qs = qs.filter(field=field) if isinstance(field, Field) else qs.filter(field__slug=field)
    for word in fold((q or "").replace("\x00", " ")).split():
        qs = qs.filter(name_folded__contains=word)
    rows = []
    for procedure in qs:
        version, in_force = _pick_version(procedure, on)
        if not in_force and not include_inactive:
            continue
        if level and (version is None or level not in {lv.level for lv in version.levels.all()}):
            continue
        if online_level and (version is None or version.online_level != online_level):
            continue
        rows.append(ProcedureRow(procedure=procedure, version=version, in_force=in_force))
    return rows


def procedure_get(*, code: str, on: date | None = None) -> ProcedureRow | None:
    """One procedure by code with every version and their children, or None."""
    if "\x00" in code:
        return None  # PostgreSQL refuses NUL in text; no code contains one
    procedure = _base_queryset(detail=True).filter(code=code).first()
    if procedure is None:
        return None
    version, in_force = _pick_version(procedure, on or today())
    return ProcedureRow(procedure=procedure, version=version, in_force=in_force)


def fields_with_counts() -> QuerySet[Field]:
    """Fields with their number of procedures (`n_procedures`), largest first (the portal's
    "popular fields")."""
    return (
        Field.objects.annotate(n_procedures=Count("procedures"))
        .filter(n_procedures__gt=0)
        .order_by("-n_procedures", "appendix", "name")
    )


def offered_online(version: ProcedureVersion | None) -> bool:
    """Full or partial online service AND a legal time (without one no due date can be given):
    the same test as the online submission page (`dossiers.views.online.offered_online`)."""
    if version is None or version.online_level not in (OnlineLevel.FULL, OnlineLevel.PARTIAL):
        return False
    if version.legal_time_unit == TimeUnit.SAME_DAY:
        return True
    return version.legal_time_amount is not None and bool(version.legal_time_unit)


@dataclass
class FormNeeded:
    """A form (mẫu đơn, tờ khai) the applicant fills in, as the catalogue names it."""

    code: str
    documents: list[str]


def forms_of(version: ProcedureVersion) -> list[FormNeeded]:
    """The distinct forms named by the version's required documents (`form_code`), in order."""
    out: dict[str, FormNeeded] = {}
    for doc in version.documents.all():
        code = (doc.form_code or "").strip()
        if code:
            out.setdefault(code, FormNeeded(code=code, documents=[])).documents.append(doc.name)
    return list(out.values())
