"""Reads of security certificates, each already limited to what the caller may see.

Staff with `establishment.view` see a certificate when its establishment is managed by their
unit (or a unit below it) or when their unit (or one below) issued it: the provincial
department (PC06) sees what it issued for establishments that communes manage, and the commune
sees the certificates of its establishments whoever issued them (`org.selectors.scope`, by path).

The state of each line of a certificate comes from its events (`line_states`): a partial
suspension or revocation (TT 42/2017/TT-BCA Art. 4: only the lines concerned) leaves the
certificate valid and marks only those lines; the certificate's own `status` says what holds
for the whole paper. The public verification page (`public_view`) shows the business data and
those states, never the holder's name or ID number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from antt.establishments.feed import shared_tax_code
from antt.establishments.models import BusinessLine, Certificate, CertificateEvent, Establishment, LineAuthority
from antt.establishments.selectors import clean_query, name_words
from antt.org.roles import can
from antt.org.selectors import scope, unit_is_visible
from antt.violations.selectors import mask_id, mask_name

S = Certificate.Status
LIVE = (S.VALID, S.SUSPENDED)

# Line states (per line of one certificate).
LINE_VALID, LINE_SUSPENDED, LINE_REVOKED = "valid", "suspended", "revoked"
LINE_LABELS = {
    LINE_VALID: "Còn hiệu lực",
    LINE_SUSPENDED: "Bị thu hồi có thời hạn",
    LINE_REVOKED: "Bị thu hồi",
}
SORTS = {"issued": "issued_on", "number": "number", "name": "establishment__name_folded", "status": "status"}
# The events that change the state of a line (`line_states` replays them).
LINE_EVENT_ACTIONS = (
    CertificateEvent.Action.SUSPEND,
    CertificateEvent.Action.RESTORE,
    CertificateEvent.Action.REVOKE,
)


@dataclass(frozen=True)
class LineState:
    code: str
    name: str
    state: str
    until: date | None = None

    @property
    def label(self) -> str:
        text = LINE_LABELS[self.state]
        if self.state == LINE_SUSPENDED and self.until:
            text += f" đến hết ngày {self.until:%d/%m/%Y}"
        return text


# --- scoping ----------------------------------------------------------------------------


def visible_certificates(user) -> QuerySet[Certificate]:
    """Certificates of establishments the user's units manage, or issued by them (none without
    `establishment.view`)."""
    if not can(user, "establishment.view"):
        return Certificate.objects.none()
    base = Certificate.objects.all()
    return scope(user, base, "establishment__unit") | scope(user, base, "unit")


def may_see(user, certificate: Certificate) -> bool:
    return can(user, "establishment.view") and (
        unit_is_visible(user, certificate.unit) or unit_is_visible(user, certificate.establishment.unit)
    )


def certificate_get(user, pk) -> Certificate:
    """One certificate the user may see, with what its pages need; 404 otherwise."""
    return get_object_or_404(
        visible_certificates(user).select_related(
            "establishment__unit", "establishment__area", "unit__parent", "replaces", "replaced_by", "dossier"
        ),
        pk=pk,
    )


def certificate_list(
    user, *, q: str = "", status: str | None = None, unit=None, line: str | None = None, sort: str = "-issued"
) -> QuerySet[Certificate]:
    """The certificates list: number or establishment (name without diacritics, tax code), status,
    issuing or managing unit (with the units below it), line."""
    qs = visible_certificates(user)
    q = clean_query(q)
    if q:
        by_name = name_words(q, "establishment__name_folded") or Q(pk__in=[])
        qs = qs.filter(Q(number__icontains=q) | Q(establishment__tax_code=q) | by_name)
    if status:
        qs = qs.filter(status=status)
    if unit is not None:
        qs = qs.filter(Q(unit__path__startswith=unit.path) | Q(establishment__unit__path__startswith=unit.path))
    if line:
        qs = qs.filter(lines__code=line).distinct()
    key = SORTS.get((sort or "").lstrip("-"), "issued_on")
    direction = "-" if (sort or "-issued").startswith("-") else ""
    return (
        qs.select_related("establishment", "unit", "replaced_by")
        .prefetch_related("lines")
        .order_by(f"{direction}{key}", "-id")
    )


def live_certificate(establishment: Establishment) -> Certificate | None:
    """The establishment's certificate in force (valid or suspended): at most one (ND 96 Art. 23(1))."""
    return (
        Certificate.objects.filter(establishment=establishment, status__in=LIVE).order_by("-issued_on", "-id").first()
    )


# --- line states ------------------------------------------------------------------------


def line_events_prefetch() -> Prefetch:
    """Prefetch for a list of certificates whose line states are shown (`line_states` reads
    `certificate.line_events` when it is there instead of one query per certificate)."""
    return Prefetch(
        "events",
        queryset=CertificateEvent.objects.filter(action__in=LINE_EVENT_ACTIONS).order_by("at", "id"),
        to_attr="line_events",
    )


def line_states(certificate: Certificate, today: date | None = None, events=None) -> list[LineState]:
    """Each line of the certificate with its state today, replayed from the certificate's events
    (`events`, else the prefetched `line_events`, else read here).

    A suspension whose last day has passed counts as over even before the daily job
    (`restore_expired_suspensions`) has written its RESTORE event.
    """
    today = today or timezone.localdate()
    lines = sorted(certificate.lines.all(), key=lambda line: (line.order, line.code))
    state: dict[str, tuple[str, date | None]] = {line.code: (LINE_VALID, None) for line in lines}
    if events is None:
        events = getattr(certificate, "line_events", None)
    if events is None:
        events = certificate.events.filter(action__in=LINE_EVENT_ACTIONS).order_by("at", "id")
    for event in events:
        for code in event.lines or ():
            if code not in state:
                continue
            current = state[code][0]
            if event.action == CertificateEvent.Action.REVOKE:
                state[code] = (LINE_REVOKED, None)
            elif event.action == CertificateEvent.Action.SUSPEND and current != LINE_REVOKED:
                state[code] = (LINE_SUSPENDED, event.until)
            elif event.action == CertificateEvent.Action.RESTORE and current == LINE_SUSPENDED:
                state[code] = (LINE_VALID, None)
    out = []
    for line in lines:
        kind, until = state[line.code]
        if kind == LINE_SUSPENDED and until is not None and until < today:
            kind, until = LINE_VALID, None
        if certificate.status == S.REVOKED:
            kind, until = LINE_REVOKED, None
        out.append(LineState(line.code, line.name, kind, until))
    return out


def status_text(certificate: Certificate, today: date | None = None) -> str:
    """The certificate's state in one Vietnamese phrase (the verify page, lists, the PDF reprint note)."""
    today = today or timezone.localdate()
    if certificate.status == S.SUSPENDED and certificate.suspended_until:
        if certificate.suspended_until < today:
            return "Còn hiệu lực (đã hết thời hạn thu hồi)"
        return f"Bị thu hồi có thời hạn đến hết ngày {certificate.suspended_until:%d/%m/%Y}"
    if certificate.status == S.REPLACED:
        successor = _successor(certificate)
        return f"Đã được cấp đổi bằng Giấy chứng nhận số {successor.number}" if successor else "Đã được cấp đổi"
    if certificate.status == S.VOID:
        successor = _successor(certificate)
        return (
            f"Hết giá trị, đã được cấp lại bằng Giấy chứng nhận số {successor.number}"
            if successor
            else "Hết giá trị (đã cấp lại)"
        )
    if certificate.status == S.VALID and certificate.valid_until and certificate.valid_until < today:
        return f"Hết thời hạn (có giá trị đến ngày {certificate.valid_until:%d/%m/%Y})"
    return str(certificate.get_status_display())


def _successor(certificate: Certificate) -> Certificate | None:
    try:
        return certificate.replaced_by
    except Certificate.DoesNotExist:
        return None


def status_state(certificate: Certificate, today: date | None = None) -> str:
    """A CSS-friendly state: ok / warn / bad (valid, suspended or expired, revoked or replaced)."""
    today = today or timezone.localdate()
    if certificate.status == S.VALID:
        if certificate.valid_until and certificate.valid_until < today:
            return "bad"
        return "ok"
    if certificate.status == S.SUSPENDED:
        return "warn"
    return "bad"


# --- personal data ------------------------------------------------------------------------


def may_see_personal(user, certificate: Certificate) -> bool:
    return can(user, "person.view") and may_see(user, certificate)


def holder_display(user, certificate: Certificate, *, full: bool = False) -> dict:
    """The holder as a staff page shows it: masked, or in full when asked for and allowed (the
    caller logs the full read with `log_holder_read`)."""
    allowed = may_see_personal(user, certificate)
    if full and allowed:
        return {"full": True, "name": certificate.holder_name, "id_number": certificate.holder_id_number}
    return {
        "full": False,
        "may_reveal": allowed,
        "name": mask_name(certificate.holder_name),
        "id_number": mask_id(certificate.holder_id_number, 4),
    }


def log_holder_read(certificate: Certificate, reason: str) -> None:
    from antt.core import audit

    audit.record_personal_read(certificate, ["holder_name", "holder_id_number"], reason=reason[:255])


# --- the public verification --------------------------------------------------------------


def by_token(token: str) -> Certificate | None:
    if not token or "\x00" in token or len(token) > 40:
        return None
    return (
        Certificate.objects.select_related("establishment__area", "unit", "replaces")
        .prefetch_related("lines")
        .filter(verify_token=token)
        .first()
    )


def public_view(certificate: Certificate, today: date | None = None) -> dict:
    """What the public verification page shows: business data and the state, nothing personal."""
    today = today or timezone.localdate()
    e = certificate.establishment
    address = ", ".join(p for p in (e.address, e.area.name if e.area_id else "") if p)
    return {
        "number": certificate.number,
        "kind": certificate.get_kind_display(),
        "establishment": e.name,
        "trade_name": e.trade_name,
        "tax_code": shared_tax_code(e.tax_code),
        "address": address,
        "unit": certificate.unit.name,
        "issued_on": certificate.issued_on,
        "valid_until": certificate.valid_until,
        "status": certificate.status,
        "status_text": status_text(certificate, today),
        "state": status_state(certificate, today),
        "lines": line_states(certificate, today),
        "replaces": certificate.replaces.number if certificate.replaces_id else "",
        "establishment_ceased": e.status == Establishment.Status.CEASED,
    }


# --- the establishment page and the dossier link ----------------------------------------


def _url(name: str, *args) -> str | None:
    try:
        return reverse(f"establishments:{name}", args=args)
    except NoReverseMatch:
        return None


def detail_context(user, establishment) -> dict:
    """Context for the establishment page's certificates section (template establishments/detail_certificates.html)."""
    today = timezone.localdate()
    certificates = list(
        visible_certificates(user)
        .filter(establishment=establishment)
        .select_related("unit", "replaced_by")
        .prefetch_related("lines")
        .order_by("-issued_on", "-id")
    )
    rows = [
        {
            "c": c,
            "status_text": status_text(c, today),
            "state": status_state(c, today),
            "url": _url("certificate-detail", c.pk),
            "pdf_url": _url("certificate-pdf", c.pk),
            "lines": [line.name for line in c.lines.all()],
        }
        for c in certificates
    ]
    live = next((r for r in rows if r["c"].status in LIVE), None)
    may_manage = can(user, "certificate.manage") and unit_is_visible(user, establishment.unit)
    return {
        "certificates_section": {
            "rows": rows,
            "live": live,
            "may_issue": may_manage,
            "issue_url": _url("certificate-issue", establishment.pk) if may_manage else None,
        }
    }


def linkable_establishments(user, q: str, *, limit: int = 20) -> list[Establishment]:
    """Establishments the user may see whose name (without diacritics) or tax code matches `q`,
    for the page that ties a dossier to its establishment."""
    q = clean_query(q)
    if not q or not can(user, "establishment.view"):
        return []
    cond = (name_words(q) or Q(pk__in=[])) | Q(tax_code__startswith=q.replace(" ", ""))
    qs = scope(user, Establishment.objects.all(), "unit").filter(cond)
    return list(qs.select_related("area", "unit").prefetch_related("lines").order_by("name_folded", "id")[:limit])


def linkable_establishment_get(user, pk) -> Establishment | None:
    if not can(user, "establishment.view"):
        return None
    return (
        scope(user, Establishment.objects.all(), "unit")
        .select_related("area", "unit")
        .prefetch_related("lines")
        .filter(pk=pk)
        .first()
    )


def authority_note(unit, line_codes, day: date | None = None) -> str:
    """A reminder, not a refusal, when the table of issuing authorities (`LineAuthority`: ND 96
    Art. 24 as adapted after the 2025 police reform, unconfirmed) names another police level than
    `unit`'s for some of `line_codes`. Rows with a condition count as matching (the officer
    judges the condition); lines without a row are not mentioned. "" when nothing to say."""
    if unit is None or not line_codes:
        return ""
    day = day or timezone.localdate()
    rows = LineAuthority.objects.filter(LineAuthority.valid_on(day), line_code__in=list(line_codes))
    levels: dict[str, set] = {}
    for row in rows:
        levels.setdefault(row.line_code, set()).add(row.unit_level)
    names = dict(BusinessLine.objects.filter(code__in=list(levels)).values_list("code", "name"))
    labels = dict(LineAuthority._meta.get_field("unit_level").flatchoices)
    out = [
        f"{names.get(code, code)} ({', '.join(sorted(str(labels.get(lv, lv)) for lv in found))})"
        for code in line_codes
        if (found := levels.get(code)) and unit.level not in found
    ]
    if not out:
        return ""
    return (
        f"Lưu ý thẩm quyền: theo bảng thẩm quyền cấp giấy (Điều 24 Nghị định 96/2016/NĐ-CP; phân cấp sau "
        f"01/03/2025 đang chờ Công an tỉnh xác nhận), {unit.name} không phải cấp cấp giấy chứng nhận cho: "
        + "; ".join(out)
        + ". Kiểm tra lại thẩm quyền trước khi trả kết quả."
    )
