"""Reads for the work lists, the register exports and the deadline warnings.

Every list starts from `selectors.visible_dossiers(user)` (the one scoping gate) and
narrows it by tab, filters and sort. The tabs follow the work of a one-stop desk
(issue 3 point 8): to receive, in progress, to approve, to return, late, due soon,
all; each can be seen for the whole (visible) unit or only for what is assigned to
the officer ("của tôi").

Deadlines: a dossier's clock runs while it is received and not paused for a
supplement (`CLOCK_STATUSES`); "late" is `due_at < now`, "due soon" is
`now <= due_at < deadlines.due_soon_cutoff(now)`, the same window the detail page
and the scheduled warnings use. Lists never show personal data other than the
applicant's name (needed to find a dossier; masked for roles without person.view, who
cannot search by it either); ID numbers and phones stay on the detail page.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.core.paginator import Paginator
from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.functional import cached_property

from antt.core.text import fold
from antt.dossiers import deadlines
from antt.dossiers.deadlines import DeadlineState
from antt.dossiers.models import PORTAL_CODES, Channel, Dossier, DossierStep, Status, StepState, Timeliness
from antt.dossiers.selectors import visible_dossiers, visible_unit_ids
from antt.org.models import Role
from antt.org.roles import can

PAGE_SIZE = 50
# Past this many rows the list says "more than N" instead of counting millions of rows.
COUNT_CAP = 10_000
# An export is a register of a period or a work list, not a dump of the database.
EXPORT_LIMIT = 50_000

# Statuses in which the appointment clock runs (with `clock_paused_at` empty): deadline states apply.
CLOCK_STATUSES = (Status.RECEIVED, Status.PROCESSING, Status.FEE_REQUESTED, Status.PROCESSED)


class Tab:
    RECEIVE = "cho-tiep-nhan"
    PROCESSING = "dang-xu-ly"
    APPROVE = "cho-phe-duyet"
    RETURN = "cho-tra-ket-qua"
    LATE = "qua-han"
    DUE_SOON = "sap-den-han"
    ALL = "tat-ca"

    LABELS = {
        RECEIVE: "Chờ tiếp nhận",
        PROCESSING: "Đang xử lý",
        APPROVE: "Chờ phê duyệt",
        RETURN: "Chờ trả kết quả",
        LATE: "Quá hạn",
        DUE_SOON: "Sắp đến hạn",
        ALL: "Tất cả",
    }
    # Tabs where "của tôi" narrows to the officer's own work; the others are the desk's shared queue.
    PERSONAL = (PROCESSING, APPROVE, LATE, DUE_SOON, ALL)


class Scope:
    MINE = "cua-toi"
    UNIT = "don-vi"
    LABELS = {MINE: "Của tôi", UNIT: "Cả đơn vị"}


SORTS = {
    "code": "Mã hồ sơ",
    "received": "Ngày nộp",
    "due": "Hẹn trả",
    "status": "Trạng thái",
}

DEADLINE_FILTERS = {
    DeadlineState.ON_TIME: DeadlineState.LABELS[DeadlineState.ON_TIME],
    DeadlineState.DUE_SOON: DeadlineState.LABELS[DeadlineState.DUE_SOON],
    DeadlineState.LATE: DeadlineState.LABELS[DeadlineState.LATE],
}


@dataclass
class ListFilters:
    """What the officer asked for: a tab, a scope and the filter form's values (already validated)."""

    tab: str = Tab.ALL
    scope: str = Scope.UNIT
    q: str = ""
    procedure_id: int | None = None
    field_id: int | None = None
    status: str = ""
    channel: str = ""
    unit_id: int | None = None
    received_from: date | None = None
    received_to: date | None = None
    deadline: str = ""
    sort: str = ""

    def as_audit(self) -> dict:
        """The filter as it goes into the audit trail of an export (JSON, no empty values)."""
        out = {}
        for name, value in self.__dict__.items():
            if value in (None, ""):
                continue
            out[name] = value.isoformat() if isinstance(value, date) else value
        return out


def default_scope(user) -> str:
    """A processor starts on their own work; desks, heads and supervisors on the unit's."""
    if can(user, "dossier.process") and not can(user, "dossier.approve"):
        return Scope.MINE
    return Scope.UNIT


def clock_running() -> Q:
    return Q(status__in=CLOCK_STATUSES, clock_paused_at__isnull=True, due_at__isnull=False)


def _local_start(d: date) -> datetime:
    return timezone.make_aware(datetime.combine(d, time.min), timezone.get_default_timezone())


def _handled_here(qs: QuerySet, user) -> QuerySet:
    """Processing work belongs to the handling unit (`workflow.may_act`): filter on `unit` alone,
    which also lets PostgreSQL read the (unit, status, due_at) index in order instead of walking
    the due-date index of the whole table (bench/dossiers.py measured 1 s → ms)."""
    units = visible_unit_ids(user)
    return qs if units is None else qs.filter(unit_id__in=units)


def _tab_filter(qs: QuerySet, tab: str, mine: bool, user, now: datetime, cutoff: datetime) -> QuerySet:
    if tab == Tab.RECEIVE:
        # A supplemented online dossier comes back as new_online: it is here again.
        return qs.filter(status=Status.NEW_ONLINE)
    if tab == Tab.RETURN:
        return qs.filter(status=Status.PROCESSED)
    if tab == Tab.PROCESSING:
        qs = _handled_here(qs.filter(status=Status.PROCESSING), user)
    elif tab == Tab.APPROVE:
        qs = _handled_here(qs.filter(status=Status.PROCESSING, current_step__role=Role.HEAD), user)
        if mine:
            # A head's queue: given to them, or to no one in particular.
            return qs.filter(Q(assignee=user) | Q(assignee__isnull=True))
    elif tab == Tab.LATE:
        qs = qs.filter(clock_running(), due_at__lt=now)
    elif tab == Tab.DUE_SOON:
        qs = qs.filter(clock_running(), due_at__gte=now, due_at__lt=cutoff)
    if mine:
        qs = qs.filter(assignee=user)
    return qs


def _deadline_filter(qs: QuerySet, state: str, now: datetime, cutoff: datetime) -> QuerySet:
    if state == DeadlineState.LATE:
        return qs.filter(clock_running(), due_at__lt=now)
    if state == DeadlineState.DUE_SOON:
        return qs.filter(clock_running(), due_at__gte=now, due_at__lt=cutoff)
    if state == DeadlineState.ON_TIME:
        return qs.filter(clock_running(), due_at__gte=cutoff)
    return qs


def _status_order():
    return Case(
        *[When(status=s, then=Value(n)) for s, n in PORTAL_CODES.items()],
        default=Value(99),
        output_field=IntegerField(),
    )


def _ordering(sort: str, tab: str) -> list:
    key = sort.lstrip("-")
    desc = sort.startswith("-")
    if key not in SORTS:
        # Work queues: the most urgent first; the whole list: the newest first.
        if tab in (Tab.ALL, Tab.RECEIVE):
            return ["-submitted_at", "-id"]
        return [F("due_at").asc(nulls_last=True), "id"]
    if key == "code":
        return ["-code" if desc else "code"]
    if key == "received":
        return ["-submitted_at", "-id"] if desc else ["submitted_at", "id"]
    if key == "due":
        return [F("due_at").desc(nulls_last=True), "-id"] if desc else [F("due_at").asc(nulls_last=True), "id"]
    order = _status_order()
    return [order.desc() if desc else order.asc(), "-submitted_at", "-id"]


def dossier_worklist(
    user, filters: ListFilters, *, now: datetime | None = None, cutoff: datetime | None = None
) -> QuerySet[Dossier]:
    """The dossiers of one tab of the work list, filtered and sorted, scoped to what `user` may see.

    Unknown values (a unit outside the user's scope, a status that does not exist) give
    an empty list, never someone else's rows: they come on top of `visible_dossiers`.
    """
    now = now or timezone.now()
    cutoff = cutoff or deadlines.due_soon_cutoff(now)
    qs = visible_dossiers(user)
    tab = filters.tab if filters.tab in Tab.LABELS else Tab.ALL
    mine = filters.scope == Scope.MINE and tab in Tab.PERSONAL
    qs = _tab_filter(qs, tab, mine, user, now, cutoff)
    q = (filters.q or "").replace("\x00", "").strip()[:100]
    if q:
        folded = fold(q)
        cond = Q(code__icontains=q)
        if folded and can(user, "person.view"):  # a supervisor finds dossiers by code, not by person
            cond |= Q(applicant_name_folded__contains=folded)
        qs = qs.filter(cond)
    if filters.procedure_id:
        qs = qs.filter(procedure_id=filters.procedure_id)
    if filters.field_id:
        qs = qs.filter(field_id=filters.field_id)
    if filters.status:
        qs = qs.filter(status=filters.status) if filters.status in Status.values else qs.none()
    if filters.channel:
        qs = qs.filter(channel=filters.channel) if filters.channel in Channel.values else qs.none()
    if filters.unit_id:
        qs = qs.filter(Q(unit_id=filters.unit_id) | Q(receiving_unit_id=filters.unit_id))
    if filters.received_from:
        qs = qs.filter(submitted_at__gte=_local_start(filters.received_from))
    if filters.received_to:
        qs = qs.filter(submitted_at__lt=_local_start(filters.received_to) + timedelta(days=1))
    if filters.deadline:
        qs = _deadline_filter(qs, filters.deadline, now, cutoff)
    return qs.order_by(*_ordering(filters.sort, tab))


def worklist_rows(qs: QuerySet[Dossier]) -> QuerySet[Dossier]:
    """Only the columns a list row shows (no personal data but the name), with one join per label."""
    return qs.select_related("procedure", "assignee").only(
        "id",
        "code",
        "status",
        "channel",
        "applicant_name",
        "submitted_at",
        "received_at",
        "due_at",
        "clock_paused_at",
        "timeliness",
        "procedure__id",
        "procedure__code",
        "procedure__name",
        "assignee__id",
        "assignee__username",
        "assignee__full_name",
    )


class CappedPaginator(Paginator):
    """A paginator that counts at most COUNT_CAP (+1) rows: a province-wide "all" list does not
    COUNT(*) a million rows to print "page 1 of 20,000"; past the cap it says "more than"."""

    cap = COUNT_CAP

    @cached_property
    def count(self) -> int:
        n = self.object_list.order_by()[: self.cap + 1].count()
        self.capped = n > self.cap
        return min(n, self.cap)

    capped = False


@dataclass(frozen=True)
class Badge:
    state: str  # css modifier
    text: str


def deadline_badge(dossier: Dossier, now: datetime, cutoff: datetime) -> Badge:
    """The deadline state of a row in colour and words: live for open work, the final class when done."""
    if dossier.timeliness and dossier.status not in (Status.PROCESSED,):
        return Badge(dossier.timeliness, Timeliness(dossier.timeliness).label)
    if dossier.status in CLOCK_STATUSES and dossier.due_at is not None:
        if dossier.clock_paused_at is not None:
            return Badge("paused", "Tạm dừng tính thời gian")
        if dossier.due_at < now:
            return Badge(DeadlineState.LATE, DeadlineState.LABELS[DeadlineState.LATE])
        if dossier.due_at < cutoff:
            return Badge(DeadlineState.DUE_SOON, DeadlineState.LABELS[DeadlineState.DUE_SOON])
        return Badge(DeadlineState.ON_TIME, DeadlineState.LABELS[DeadlineState.ON_TIME])
    if dossier.status == Status.SUPPLEMENT_REQUESTED:
        return Badge("paused", "Chờ bổ sung")
    if dossier.status == Status.NEW_ONLINE:
        return Badge("none", "Chưa tính hạn")
    return Badge("none", "—")


def banner_scope(user, qs: QuerySet[Dossier]) -> QuerySet[Dossier]:
    """What the deadline banner counts for `user`: a processor their own dossiers, others the unit's."""
    if can(user, "dossier.process") and not can(user, "dossier.approve"):
        return qs.filter(assignee=user)
    return qs


def deadline_banner(user, *, now: datetime | None = None, cutoff: datetime | None = None) -> dict[str, int]:
    """{"due_soon": N, "late": M} for the banner "N hồ sơ sắp đến hạn, M hồ sơ quá hạn" (one query)."""
    now = now or timezone.now()
    cutoff = cutoff or deadlines.due_soon_cutoff(now)
    qs = banner_scope(user, visible_dossiers(user)).filter(clock_running(), due_at__lt=cutoff)
    counts = qs.aggregate(late=Count("pk", filter=Q(due_at__lt=now)), due_soon=Count("pk", filter=Q(due_at__gte=now)))
    return {"due_soon": counts["due_soon"] or 0, "late": counts["late"] or 0}


def export_rows(qs: QuerySet[Dossier]) -> QuerySet[Dossier]:
    """The register's columns (personal data included: callers check person.view first)."""
    return qs.select_related("procedure", "unit", "receiving_unit", "received_by", "assignee", "applicant_area")


# --- Deadline warnings (the scheduled task: a system read, not a user's) ------------------


@dataclass
class DeadlineItem:
    """One thing to warn about: a dossier's appointment or an active step's budget, due soon or late."""

    kind: str  # "dossier" | "step"
    obj: Dossier | DossierStep
    dossier: Dossier
    state: str
    due_at: datetime
    assignee_id: int | None
    extra: dict = field(default_factory=dict)


def deadline_watch(*, now: datetime | None = None) -> Iterator[DeadlineItem]:
    """Every open dossier and active step whose deadline is before the due-soon cutoff.

    Read for the scheduled warning task, across all units (each warning then goes
    only to the officers of the dossier's unit). Paused dossiers are left out: their
    deadline moves when the applicant completes the dossier.
    """
    now = now or timezone.now()
    cutoff = deadlines.due_soon_cutoff(now)
    dossiers = (
        Dossier.objects.filter(clock_running(), due_at__lt=cutoff)
        .select_related("procedure", "unit")
        .only("id", "code", "status", "due_at", "unit_id", "unit__name", "assignee_id", "procedure__name")
        .order_by("due_at", "id")
    )
    for d in dossiers.iterator(chunk_size=1000):
        state = DeadlineState.LATE if d.due_at < now else DeadlineState.DUE_SOON
        yield DeadlineItem("dossier", d, d, state, d.due_at, d.assignee_id)
    steps = (
        DossierStep.objects.filter(
            state=StepState.ACTIVE,
            due_at__lt=cutoff,
            dossier__status__in=CLOCK_STATUSES,
            dossier__clock_paused_at__isnull=True,
        )
        .select_related("dossier", "dossier__procedure", "dossier__unit")
        .order_by("due_at", "id")
    )
    for s in steps.iterator(chunk_size=1000):
        state = DeadlineState.LATE if s.due_at < now else DeadlineState.DUE_SOON
        yield DeadlineItem("step", s, s.dossier, state, s.due_at, s.assignee_id or s.dossier.assignee_id)
