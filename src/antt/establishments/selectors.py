"""Reads of the registry of establishments, each already limited to what the caller may see.

Staff need `establishment.view` (else PermissionDenied, a 403); the rows are those managed by
the user's unit and the units below it (`org.selectors.scope`). One establishment outside that
scope is a 404, never a 403 (do not reveal that it exists).

Search (`q`): every word of the query, folded like the stored `name_folded` (name and trade
name, lower case, no accents, đ → d), must appear in it — `name_folded LIKE '%word%'`, which the
pg_trgm GIN index of migration 0002 serves on PostgreSQL — unless the query is a tax code: then
it matches the normalised `tax_code` exactly (unique index) and nothing else. "karaoke anh duong" finds "Karaoke Ánh Dương".

Personal data (owner, representative, security-responsible person): lists and the detail page
show it masked (`masked_people`); `establishment_personal` returns it in full to roles with
`person.view` inside the unit scope and writes the read to the audit trail.
"""

from __future__ import annotations

import re
from datetime import date

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from antt.core import audit
from antt.core.identifiers import IdentifierError, check_business_code
from antt.core.text import fold
from antt.establishments.models import BusinessLine, Establishment
from antt.establishments.services import PERSONAL_FIELDS
from antt.org.models import AdminArea, Unit
from antt.org.roles import can
from antt.org.selectors import mask_phone, scope, unit_is_visible
from antt.violations.selectors import mask_id, mask_name

SEARCH_WORDS = 8
# sort key -> ordering (the list page's column links and the bench use these keys)
SORTS: dict[str, tuple[str, ...]] = {
    "name": ("name_folded", "id"),
    "tax_code": ("tax_code",),
    "unit": ("unit__path", "name_folded", "id"),
    "status": ("status", "name_folded", "id"),
    "updated": ("updated_at", "id"),
    "due": ("next_security_due", "id"),
    "risk": ("risk_score", "id"),
}
_TAX_LIKE = re.compile(r"[0-9][0-9 .-]{8,15}")


def _require_view(user) -> None:
    if not can(user, "establishment.view"):
        raise PermissionDenied("Bạn không có quyền xem sổ quản lý cơ sở.")


def may_see_personal(user) -> bool:
    """Full personal data for roles with person.view (a supervisor reads the registry, not people)."""
    return can(user, "establishment.view") and can(user, "person.view")


def visible_establishments(user) -> QuerySet[Establishment]:
    """Establishments managed by the user's unit or a unit below it."""
    _require_view(user)
    return scope(user, Establishment.objects.all())


def lines_in_force(day: date) -> QuerySet[BusinessLine]:
    """Business lines in force on `day` (ND 96 Art. 3 as dated data), in the order of the article."""
    return BusinessLine.objects.filter(BusinessLine.valid_on(day)).order_by("order", "code")


def clean_query(q: str | None) -> str:
    """A typed search: no NUL (PostgreSQL refuses it), trimmed, at most 100 characters."""
    return (q or "").replace("\x00", "").strip()[:100]


def name_words(q: str | None, field: str = "name_folded") -> Q | None:
    """Every word of `q`, folded like `Establishment.name_folded` (no accents, đ → d), inside
    `field` (a path to a `name_folded`); None for an empty query. The one name search of the
    registry, the certificates, fire premises, inspections and business accounts lists."""
    words = fold(clean_query(q)).split()[:SEARCH_WORDS]
    if not words:
        return None
    cond = Q()
    for word in words:
        cond &= Q(**{f"{field}__contains": word})
    return cond


def _tax_code_of(q: str) -> str | None:
    """The normalised tax code when the query is one (10, 10-3 or 12 digits)."""
    if not _TAX_LIKE.fullmatch(q):
        return None
    try:
        return check_business_code(q)
    except IdentifierError:
        return None


def search_filter(q: str) -> Q | None:
    """The WHERE of a registry search, or None for an empty query."""
    q = clean_query(q)
    code = _tax_code_of(q) if q else None
    if code is not None:
        # A name never holds a 10- or 12-digit number: the unique index alone answers.
        return Q(tax_code=code)
    return name_words(q)


def _unit_obj(unit) -> Unit | None:
    if unit is None or unit == "":
        return None
    if isinstance(unit, Unit):
        return unit
    try:
        return Unit.objects.filter(pk=int(unit)).first()
    except (TypeError, ValueError):
        return None


def establishment_list(
    user,
    *,
    q: str = "",
    unit=None,
    line: str | None = None,
    status: str | None = None,
    fire: bool | str | None = None,
    area=None,
    sort: str = "name",
) -> QuerySet[Establishment]:
    """Establishments the user may see, filtered and sorted (`SORTS`, "-" for descending).

    `unit` narrows to that unit and below (still inside the scope); `line` is a business line
    code; `fire` True = under fire-safety management (has a fire profile), False = not,
    "high_risk" = high fire risk; `area` an administrative area (object or id).
    """
    qs = visible_establishments(user)
    if unit not in (None, ""):
        unit_obj = _unit_obj(unit)
        if unit_obj is None:
            return qs.none()
        qs = qs.filter(unit__path__startswith=unit_obj.path)
    if line:
        through = Establishment.lines.through
        qs = qs.filter(Exists(through.objects.filter(establishment_id=OuterRef("pk"), businessline__code=line)))
    if status:
        if status not in Establishment.Status.values:
            return qs.none()
        qs = qs.filter(status=status)
    if fire == "high_risk":
        qs = qs.filter(fire__high_risk=True)
    elif fire is True:
        qs = qs.filter(fire__isnull=False)
    elif fire is False:
        qs = qs.filter(fire__isnull=True)
    if area not in (None, ""):
        area_id = area.pk if isinstance(area, AdminArea) else area
        try:
            qs = qs.filter(area_id=int(area_id))
        except (TypeError, ValueError):
            return qs.none()
    cond = search_filter(q)
    if cond is not None:
        qs = qs.filter(cond)
    desc = (sort or "").startswith("-")
    order = SORTS.get((sort or "name").lstrip("-"), SORTS["name"])
    return qs.order_by(*[("-" + f if desc else f) for f in order])


def establishment_search(user, q: str, limit: int = 50) -> list[Establishment]:
    """The first `limit` establishments matching `q` by name, trade name or tax code (the list
    page's search; the benchmarked path)."""
    if not search_filter(q):
        return []
    return list(establishment_list(user, q=q).select_related("unit", "area")[: max(1, min(int(limit), 200))])


def establishment_get(user, pk) -> Establishment:
    """One establishment the user may see (404 otherwise), with what its page shows."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404("Không tìm thấy cơ sở.") from None
    e = (
        visible_establishments(user)
        .select_related("unit", "area", "fire", "fire__category")
        .prefetch_related("lines")
        .filter(pk=pk)
        .first()
    )
    if e is None:
        raise Http404("Không tìm thấy cơ sở.")
    return e


# The columns the registry list page shows (and nothing more: the list, and so the registry
# search, is benchmarked on this queryset, bench/establishments.py).
LIST_COLUMNS = (
    "id",
    "name",
    "trade_name",
    "tax_code",
    "address",
    "status",
    "next_security_due",
    "security_person_name",
    "unit__name",
    "area__name",
)


def for_list_page(qs: QuerySet) -> QuerySet:
    """`qs` narrowed to what a row of the list page shows, with its unit and commune (the
    lines come from `list_rows`)."""
    return qs.select_related("unit", "area").only(*LIST_COLUMNS)


def list_rows(establishments) -> list[dict]:
    """The rows of the list page: each establishment, its line names (one flat query on the
    through table for the whole page) and its security person, masked."""
    establishments = list(establishments)
    found: dict[int, list[tuple]] = {e.pk: [] for e in establishments}
    if found:
        catalogue = line_catalogue()
        pairs = Establishment.lines.through.objects.filter(establishment_id__in=list(found)).values_list(
            "establishment_id", "businessline_id"
        )
        pairs = list(pairs)
        if any(line_id not in catalogue for _, line_id in pairs):  # a line added since: read again
            catalogue = line_catalogue(fresh=True)
        for establishment_id, line_id in pairs:
            found[establishment_id].append(catalogue.get(line_id) or (0, "", f"#{line_id}"))
    return [
        {
            "e": e,
            "lines": [name for _, _, name in sorted(found[e.pk])],
            "people": {"security_person_name": mask_name(e.security_person_name)},
        }
        for e in establishments
    ]


LINE_CATALOGUE_SECONDS = 300


def line_catalogue(*, fresh: bool = False) -> dict[int, tuple[int, str, str]]:
    """{line id: (order, code, name)} of every business line (a few dozen rows), cached for five
    minutes: the list page names the lines of its rows without a join (a renamed line shows
    everywhere else at once, on the list within five minutes)."""
    from django.core.cache import cache

    def load():
        return {
            pk: (order, code, name)
            for pk, order, code, name in BusinessLine.objects.values_list("id", "order", "code", "name")
        }

    if fresh:
        cache.delete("establishments:line-catalogue")
    return cache.get_or_set("establishments:line-catalogue", load, LINE_CATALOGUE_SECONDS)


def masked_people(e: Establishment) -> dict:
    """The people of an establishment as lists and the detail page show them by default."""
    return {
        "owner_name": mask_name(e.owner_name),
        "representative_name": mask_name(e.representative_name),
        "representative_id_number": mask_id(e.representative_id_number),
        "representative_phone": mask_phone(e.representative_phone),
        "security_person_name": mask_name(e.security_person_name),
        "security_person_id_number": mask_id(e.security_person_id_number),
        "security_person_phone": mask_phone(e.security_person_phone),
    }


def establishment_personal(user, establishment: Establishment, reason: str = "") -> dict:
    """The full personal fields of an establishment, for a role with person.view inside the
    unit scope; the read is written to the audit trail (PermissionDenied / Http404 otherwise)."""
    _require_view(user)
    if not can(user, "person.view"):
        raise PermissionDenied("Vai trò của bạn không được xem đầy đủ dữ liệu cá nhân.")
    if not unit_is_visible(user, establishment.unit):
        raise Http404("Không tìm thấy cơ sở.")
    audit.record(
        audit.Action.READ_PERSONAL,
        establishment,
        changes={"fields": list(PERSONAL_FIELDS)},
        reason=(reason or "Xem dữ liệu cá nhân của cơ sở")[:255],
        actor=user,
    )
    return {name: getattr(establishment, name) for name in PERSONAL_FIELDS}
