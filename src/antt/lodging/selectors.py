"""Reads of the lodging declarations by the police, each already limited to what the caller may
see: THE scoping gate of the declarations (`declarations_for`), the police lists, the search by
person and a person's stay history.

Scope: staff with `lodging.view` see the declarations of the establishments managed by their
unit and the units below it (`Declaration.unit_id`, a sub-query on `Unit.path`). Officers of an
exit-entry unit (`settings.ANTT_LODGING_EXIT_ENTRY_UNITS`, comma-separated unit slugs) also see
every foreign guest (nationality other than VNM) of the units under their unit's parent: each
foreign guest's declaration is the foreigner's temporary-residence declaration (Luật
47/2014/QH13 Art. 33). Without `lodging.view`: PermissionDenied (403). A stay outside the scope
is a 404.

Name search (`name_query`): the words of the query folded like `name_folded` (no accents,
đ → d, lower case); every word must be a whole word of the name, in any order ("nguyen van an"
finds "Nguyễn Văn An"; "an" does not find "Lan"). PostgreSQL: `to_tsvector('simple',
name_folded) @@ to_tsquery('simple', 'w1 & w2')`, the expression of the GIN index of migration
0002. SQLite: `(' ' || name_folded || ' ') LIKE '% w %'` per word. A query typed with
diacritics is also matched against `full_name`: each accented word must appear there as typed,
so "Lê" does not return "Lệ".

Personal data: lists mask it (`mask_name`, `mask_doc`); a search (`lodging.search`) needs a
reason (≥ 10 characters) and writes a `SearchLog` row (criteria without personal data: the name
folded, document numbers masked) and a READ_PERSONAL audit entry.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import BooleanField, Count, Exists, Func, OuterRef, Q, QuerySet, Value
from django.http import Http404
from django.utils import timezone

from antt.core import audit
from antt.core.text import fold
from antt.establishments.models import Establishment
from antt.lodging.errors import LodgingError
from antt.lodging.models import Declaration, SearchLog
from antt.org.models import AdminArea, Unit
from antt.org.roles import can

VN = ZoneInfo("Asia/Ho_Chi_Minh")
VIETNAM = "VNM"
NAME_WORDS = 8
PAGE_SIZE = 50
REASON_MIN = 10
_WORD_CHARS = re.compile(r"[^a-z0-9]+")


# --- the scoping gate --------------------------------------------------------------------------


def _require(user, capability: str, message: str) -> None:
    if not can(user, capability):
        raise PermissionDenied(message)


def _exit_entry_slugs() -> set[str]:
    raw = getattr(settings, "ANTT_LODGING_EXIT_ENTRY_UNITS", "") or ""
    return {slug.strip() for slug in raw.split(",") if slug.strip()}


def is_exit_entry_officer(user) -> bool:
    """An officer of an exit-entry unit (sees every foreign guest under the unit's parent)."""
    unit = getattr(user, "unit", None) if getattr(user, "unit_id", None) else None
    return unit is not None and unit.slug in _exit_entry_slugs()


def scope_condition(user) -> Q | None:
    """The WHERE that limits declarations to what `user` may see, or None for nothing.
    (The watch and stats helpers may reuse it on their own querysets of Declaration.)"""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if not getattr(user, "unit_id", None):
        return None
    unit = user.unit
    cond = Q(unit_id__in=Unit.objects.filter(path__startswith=unit.path).values("id"))
    if unit.slug in _exit_entry_slugs():
        parent_path = unit.parent.path if unit.parent_id else unit.path
        cond |= Q(unit_id__in=Unit.objects.filter(path__startswith=parent_path).values("id")) & ~Q(nationality=VIETNAM)
    return cond


def declarations_for(user) -> QuerySet[Declaration]:
    """Every ledger row `user` may see (all kinds, all states; filter `is_current=True` for one
    row per stay). PermissionDenied without `lodging.view`."""
    _require(user, "lodging.view", "Bạn không có quyền xem thông tin lưu trú.")
    cond = scope_condition(user)
    if cond is None:
        return Declaration.objects.none()
    return Declaration.objects.filter(cond)


def _units_seen(user):
    """The units whose establishments' declarations `user` may see (some or all of them)."""
    unit = user.unit
    path = unit.parent.path if unit.slug in _exit_entry_slugs() and unit.parent_id else unit.path
    return Unit.objects.filter(path__startswith=path).values("id")


def establishment_choices(user, limit: int = 2000) -> list[dict]:
    """[{pk, name}] of the lodging establishments of the user's area (the filters' choices)."""
    if scope_condition(user) is None:
        return []
    lodging = Establishment.lines.through.objects.filter(establishment_id=OuterRef("pk"), businessline__is_lodging=True)
    qs = Establishment.objects.filter(Exists(lodging), unit_id__in=_units_seen(user))
    return list(qs.order_by("name_folded", "id").values("pk", "name")[:limit])


def commune_choices(user) -> list[dict]:
    """[{pk, name}] of the communes where the user's area has lodging establishments."""
    if scope_condition(user) is None:
        return []
    lodging = Establishment.lines.through.objects.filter(establishment_id=OuterRef("pk"), businessline__is_lodging=True)
    areas = Establishment.objects.filter(Exists(lodging), unit_id__in=_units_seen(user)).values("area_id")
    return list(AdminArea.objects.filter(pk__in=areas).order_by("name_folded", "id").values("pk", "name"))


def may_search(user) -> bool:
    return can(user, "lodging.view") and can(user, "lodging.search")


# --- masking -----------------------------------------------------------------------------------


def mask_name(name: str) -> str:
    """ "Nguyễn Văn An" → "Nguyễn V. A.": the family name and initials, enough to recognise."""
    words = (name or "").split()
    if not words:
        return ""
    return " ".join([words[0], *(f"{w[0]}." for w in words[1:])])


def mask_doc(number: str) -> str:
    """ "038090001234" → "•••••••••234": the last three characters only."""
    number = (number or "").strip()
    if len(number) <= 3:
        return "•" * len(number)
    return "•" * (len(number) - 3) + number[-3:]


# --- name search -------------------------------------------------------------------------------


class _TsMatch(Func):
    """`to_tsvector('simple', <column>) @@ to_tsquery('simple', <query>)`, written exactly as the
    GIN index `lodg_decl_name_fts` is, so the planner uses it."""

    output_field = BooleanField()
    conditional = True

    def as_sql(self, compiler, connection, **extra_context):
        column, column_params = compiler.compile(self.source_expressions[0])
        query, query_params = compiler.compile(self.source_expressions[1])
        sql = f"to_tsvector('simple'::regconfig, {column}) @@ to_tsquery('simple'::regconfig, {query})"
        return sql, (*column_params, *query_params)


class _PaddedLike(Func):
    """`(' ' || <column> || ' ') LIKE <pattern>`: a whole-word match on SQLite."""

    output_field = BooleanField()
    conditional = True

    def as_sql(self, compiler, connection, **extra_context):
        column, column_params = compiler.compile(self.source_expressions[0])
        pattern, pattern_params = compiler.compile(self.source_expressions[1])
        return f"(' ' || {column} || ' ') LIKE {pattern}", (*column_params, *pattern_params)


def _clean(text) -> str:
    return unicodedata.normalize("NFC", str(text or "").replace("\x00", "")).strip()[:150]


def name_words(text: str) -> list[str]:
    """The folded words of a typed name, only [a-z0-9] kept (safe inside a tsquery)."""
    words = []
    for word in fold(_clean(text)).split():
        word = _WORD_CHARS.sub("", word)
        if word and word not in words:
            words.append(word)
    return words[:NAME_WORDS]


def accented_words(text: str) -> list[str]:
    """The typed words that carry diacritics (or đ): these must appear as typed in full_name."""
    found = []
    for word in _clean(text).split():
        word = word.strip("'-.,")
        if word and fold(word) != word.lower():
            found.append(word)
    return found[:NAME_WORDS]


def name_query(qs: QuerySet, text: str) -> QuerySet:
    """`qs` narrowed to names holding every word of `text` (see the module docstring); an empty
    or unusable text (only punctuation) matches nothing."""
    words = name_words(text)
    if not words:
        return qs.none()
    if connection.vendor == "postgresql":
        qs = qs.filter(_TsMatch("name_folded", Value(" & ".join(words))))
    else:
        for word in words:
            qs = qs.filter(_PaddedLike("name_folded", Value(f"% {word} %")))
    for word in accented_words(text):
        qs = qs.filter(full_name__icontains=word)
    return qs


# --- search by person --------------------------------------------------------------------------

# The columns a result row shows (and nothing more: the search is benchmarked on this queryset).
RESULT_COLUMNS = (
    "id",
    "stay_id",
    "state",
    "establishment_id",
    "unit_id",
    "area_id",
    "room",
    "full_name",
    "birth_date",
    "sex",
    "doc_type",
    "doc_number",
    "nationality",
    "arrived_at",
    "departed_at",
    "is_late",
)


def normalise_doc(number: str) -> str:
    """A document number as stored: upper case, no spaces or dashes."""
    return re.sub(r"[\s\-.]", "", _clean(number)).upper()[:20]


def search_queryset(user, criteria: dict) -> QuerySet[Declaration]:
    """The search's query (current row of each stay, newest arrival first, only the shown
    columns), no log: the view pages it and logs it; the benchmark times it.

    `criteria` keys (all optional, already validated types): name (str), birth_date (date),
    doc_number (str), nationality (str), establishment (id), commune (area id), arrived_from,
    arrived_to (dates, Vietnam time, inclusive), state (str).
    """
    _require(user, "lodging.search", "Bạn không có quyền tra cứu thông tin lưu trú.")
    qs = declarations_for(user).filter(is_current=True)
    if criteria.get("doc_number"):
        qs = qs.filter(doc_number=normalise_doc(criteria["doc_number"]))
    if criteria.get("name"):
        qs = name_query(qs, criteria["name"])
    if criteria.get("birth_date"):
        qs = qs.filter(birth_date=criteria["birth_date"])
    if criteria.get("nationality"):
        qs = qs.filter(nationality=str(criteria["nationality"]).upper()[:3])
    if criteria.get("establishment"):
        qs = qs.filter(establishment_id=int(criteria["establishment"]))
    if criteria.get("commune"):
        qs = qs.filter(area_id=int(criteria["commune"]))
    if criteria.get("arrived_from"):
        qs = qs.filter(arrived_at__gte=day_start(criteria["arrived_from"]))
    if criteria.get("arrived_to"):
        qs = qs.filter(arrived_at__lt=day_start(criteria["arrived_to"] + timedelta(days=1)))
    if criteria.get("state") in Declaration.State.values:
        qs = qs.filter(state=criteria["state"])
    return qs.only(*RESULT_COLUMNS).order_by("-arrived_at", "-id")


def day_start(day: date) -> datetime:
    """00:00 of `day` in Vietnam, as an aware datetime."""
    return datetime.combine(day, time.min, tzinfo=VN)


def has_search_criteria(criteria: dict) -> bool:
    keys = ("name", "birth_date", "doc_number", "nationality", "establishment", "commune", "arrived_from", "arrived_to")
    return any(criteria.get(k) for k in keys)


def criteria_for_log(criteria: dict) -> dict:
    """What the SearchLog and the audit trail keep of a search (kept longer than the stays
    themselves): the name folded and masked like the lists ("nguyen v. a."), the year of a birth
    date, document numbers masked, other dates as ISO strings; nothing else personal."""
    logged = {}
    for key, value in criteria.items():
        if value in (None, "", [], ()):
            continue
        if key == "name":
            logged["name"] = mask_name(" ".join(name_words(value)))
        elif key == "birth_date" and isinstance(value, date):
            logged["birth_year"] = str(value.year)
        elif key == "doc_number":
            logged["doc_number"] = mask_doc(normalise_doc(value))
        elif isinstance(value, date):
            logged[key] = value.isoformat()
        else:
            logged[key] = str(value)[:40]
    return logged


def log_search(user, *, kind: str, criteria: dict, reason: str, results: int) -> SearchLog:
    """One SearchLog row and one READ_PERSONAL audit entry (same transaction)."""
    reason = _clean(reason)[:300]
    if len(reason) < REASON_MIN:
        raise LodgingError("Lý do tra cứu phải có ít nhất 10 ký tự (ví dụ số hồ sơ vụ việc).", field="reason")
    logged = {"kind": kind, **criteria_for_log(criteria)}
    with transaction.atomic():
        log = SearchLog.objects.create(
            user=user, unit_id=getattr(user, "unit_id", None), reason=reason, criteria=logged, results=results
        )
        audit.record(
            audit.Action.READ_PERSONAL,
            log,
            changes={"criteria": logged, "results": results},
            reason=reason,
            actor=user,
        )
    return log


@dataclass
class Page:
    rows: list
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def page_of(qs: QuerySet, number: int, size: int = PAGE_SIZE) -> Page:
    """Page `number` (1-based) without a COUNT: fetch size + 1 rows to know if a next exists."""
    text = str(number or "1").strip()
    number = max(1, min(int(text), 10_000)) if text.isascii() and text.isdigit() and len(text) < 7 else 1
    start = (number - 1) * size
    rows = list(qs[start : start + size + 1])
    return Page(rows=rows[:size], number=number, has_next=len(rows) > size)


def establishment_names(rows) -> dict[int, str]:
    """{establishment id: name} for the rows of a page, in one query."""
    ids = {r.establishment_id for r in rows}
    if not ids:
        return {}
    return dict(Establishment.objects.filter(pk__in=ids).values_list("pk", "name"))


def search_rows(rows, *, full_doc: bool) -> list[dict]:
    """Result rows for a page: full names (the search is the authorised read), the document
    number masked unless the search was by that exact number."""
    names = establishment_names(rows)
    return [
        {
            "d": d,
            "name": d.full_name,
            "doc": d.doc_number if full_doc else mask_doc(d.doc_number),
            "establishment": names.get(d.establishment_id, f"#{d.establishment_id}"),
        }
        for d in rows
    ]


# --- person history and one stay ---------------------------------------------------------------


def person_history(user, doc_number: str) -> list[Declaration]:
    """Every stay (its current row) of the person holding `doc_number`, in the user's scope, in
    date order (oldest first)."""
    _require(user, "lodging.search", "Bạn không có quyền tra cứu thông tin lưu trú.")
    number = normalise_doc(doc_number)
    if not number:
        return []
    return list(
        declarations_for(user)
        .filter(is_current=True, doc_number=number)
        .only(*RESULT_COLUMNS)
        .order_by("arrived_at", "id")[:500]
    )


def stay_ledger(user, stay_id) -> list[Declaration]:
    """Every row of one stay (oldest first), or 404 when the stay is outside the user's scope
    (`lodging.view`; the page shows them masked until a `lodging.search` officer gives a reason)."""
    try:
        stay_id = int(stay_id)
    except (TypeError, ValueError):
        raise Http404("Không tìm thấy lượt lưu trú.") from None
    rows = list(declarations_for(user).filter(stay_id=stay_id).order_by("declared_at", "id"))
    if not rows:
        raise Http404("Không tìm thấy lượt lưu trú.")
    return rows


def stay_ledgers(user, stay_ids) -> dict[int, list[Declaration]]:
    """{stay id: its rows, oldest first} for several stays, in one query (the history page)."""
    stay_ids = list(stay_ids)
    if not stay_ids:
        return {}
    found: dict[int, list[Declaration]] = {}
    qs = declarations_for(user).filter(stay_id__in=stay_ids).order_by("stay_id", "declared_at", "id")
    for d in qs.only("id", "stay_id", "kind", "state", "declared_at", "departed_at", "room", "note", "is_late"):
        found.setdefault(d.stay_id, []).append(d)
    return found


# --- police lists ------------------------------------------------------------------------------

STAYING_SORTS: dict[str, tuple[str, ...]] = {
    "arrived": ("arrived_at", "id"),
    "name": ("name_folded", "id"),
    "establishment": ("establishment_id", "arrived_at", "id"),
    "nationality": ("nationality", "arrived_at", "id"),
    "departure": ("expected_departure", "id"),
}
STAYING_COLUMNS = (
    "id",
    "stay_id",
    "establishment_id",
    "area_id",
    "room",
    "full_name",
    "doc_number",
    "nationality",
    "arrived_at",
    "expected_departure",
    "is_late",
    "visa_kind",
    "visa_number",
    "visa_expiry",
    "entry_date",
    "port_of_entry",
)


def staying_now(
    user,
    *,
    establishment: int | None = None,
    commune: int | None = None,
    nationality: str = "",
    foreign_only: bool = False,
    sort: str = "-arrived",
) -> QuerySet[Declaration]:
    """Guests staying now in the user's area: current rows in state `staying`."""
    qs = declarations_for(user).filter(is_current=True, state=Declaration.State.STAYING)
    if establishment:
        qs = qs.filter(establishment_id=establishment)
    if commune:
        qs = qs.filter(area_id=commune)
    if nationality:
        qs = qs.filter(nationality=nationality.upper()[:3])
    if foreign_only:
        qs = qs.exclude(nationality=VIETNAM)
    desc = (sort or "").startswith("-")
    order = STAYING_SORTS.get((sort or "").lstrip("-"), STAYING_SORTS["arrived"])
    return qs.only(*STAYING_COLUMNS).order_by(*[("-" + f if desc else f) for f in order])


def staying_rows(rows) -> list[dict]:
    """Rows of the staying / foreigners lists, masked."""
    names = establishment_names(rows)
    return [
        {
            "d": d,
            "name": mask_name(d.full_name),
            "doc": mask_doc(d.doc_number),
            "establishment": names.get(d.establishment_id, f"#{d.establishment_id}"),
        }
        for d in rows
    ]


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """[first day 00:00, next month's first day 00:00) of `month`, Vietnam time."""
    first = month.replace(day=1)
    nxt = (first + timedelta(days=32)).replace(day=1)
    return day_start(first), day_start(nxt)


def this_month() -> date:
    return timezone.now().astimezone(VN).date().replace(day=1)


def late_counts(user, month: date) -> list[dict]:
    """Per establishment of the user's area: arrivals declared in `month` (by arrival, Vietnam
    time), how many late, the late rate; most late first."""
    start, end = month_bounds(month)
    qs = (
        declarations_for(user)
        .filter(kind=Declaration.Kind.ARRIVAL, arrived_at__gte=start, arrived_at__lt=end)
        .values("establishment_id")
        .annotate(total=Count("id"), late=Count("id", filter=Q(is_late=True)))
        .order_by("-late", "-total", "establishment_id")
    )
    rows = list(qs[:500])
    names = dict(Establishment.objects.filter(pk__in=[r["establishment_id"] for r in rows]).values_list("pk", "name"))
    for r in rows:
        r["name"] = names.get(r["establishment_id"], f"#{r['establishment_id']}")
        r["rate"] = round(100 * r["late"] / r["total"], 1) if r["total"] else 0.0
    return rows


def home_counts(user) -> dict:
    """The police home page's figures for the user's area."""
    now = timezone.now()
    today = now.astimezone(VN).date()
    start, end = month_bounds(today)
    base = declarations_for(user)
    staying = base.filter(is_current=True, state=Declaration.State.STAYING)
    figures = staying.aggregate(
        staying=Count("id"),
        foreigners=Count("id", filter=~Q(nationality=VIETNAM)),
    )
    month = base.filter(kind=Declaration.Kind.ARRIVAL, arrived_at__gte=start, arrived_at__lt=end).aggregate(
        arrivals_today=Count("id", filter=Q(arrived_at__gte=day_start(today))),
        late_month=Count("id", filter=Q(is_late=True)),
    )
    return {**figures, **month}
