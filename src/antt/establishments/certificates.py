"""Security certificates (Giấy chứng nhận đủ điều kiện về an ninh, trật tự): issue, change,
re-issue, suspend, revoke, and the registry side of a returned one-stop dossier.

Every service validates its input (Vietnamese messages, `EstablishmentError` with the HTTP
status, nothing written on refusal), runs in one transaction, leaves a `CertificateEvent`, an
audit entry (numbers, codes and dates only: never the holder's name or ID number) and a row of
the change feed (`feed.record_certificate`). Rows two officers may change at once (the
establishment when a certificate is issued for it, the certificate when it is suspended or
revoked) are re-read under a row lock.

The law (docs/legal/establishments.md §3–§5):

* one certificate per business location covering all its lines (ND 96/2016/NĐ-CP Art. 23(1)):
  a second "cấp mới" while one is in force is refused (409), the way is "cấp đổi";
* the lines must be in force on the day of issue (`BusinessLine` validity) and registered on the
  establishment (422 otherwise);
* the holder is the person responsible for security and order (Art. 4(5), Art. 16), copied from
  the establishment at issue; no expiry unless a `valid_until` is given (Art. 15);
* cấp đổi (Art. 21(1)) makes a new certificate that `replaces` the old one, now REPLACED; cấp lại
  after a loss (Art. 21(2)) does the same with the old one VOID;
* temporary revocation of 3 to 6 months (Art. 18(2)) and indefinite revocation (Art. 18(1)),
  with the ground from `RevocationGround` (its month bounds are data); a revocation decision is
  Mẫu ĐK6 (TT 42/2017/TT-BCA Art. 4). When the breach concerns only some lines, only those are
  revoked (TT 42 Art. 4): the event lists them; when it covers every line still in force the
  whole certificate changes status;
* after an indefinite revocation on a ground with a waiting period (Art. 22: 12 or 24 months),
  a new certificate for the same responsible person is refused until the period has run.

Numbers (gap-free, `core.sequences`, one counter per issuing unit code and year):
``<seq>/GCN-ANTT/<unit code>/<yyyy>``, e.g. ``12/GCN-ANTT/CAX14797/2026``. `<unit code>` is the
same short code the violations papers use (`violations.services.numbering_code`: the unit's
electronic agency code, else a code read from its slug), so each number is unique across the
province and readable at a glance (which unit, which year). A paper certificate issued before
the system may be entered with the number printed on it (`number=`).
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from antt.api import webhooks
from antt.core import audit
from antt.core.models import AuditEvent
from antt.core.sequences import next_value
from antt.establishments import feed
from antt.establishments.errors import EstablishmentError
from antt.establishments.models import (
    BusinessLine,
    Certificate,
    CertificateEvent,
    Establishment,
    ProcedureAction,
    RevocationGround,
)
from antt.establishments.selectors_certificates import (
    LINE_REVOKED,
    LINE_SUSPENDED,
    LINE_VALID,
    LIVE,
    line_states,
)
from antt.establishments.services import refresh_plan, require_officer, strip_controls
from antt.org.models import Unit
from antt.org.roles import can
from antt.org.selectors import unit_is_visible

Action = AuditEvent.Action
S = Certificate.Status
Ev = CertificateEvent.Action
NUMBER_KIND = "GCN-ANTT"
MAX_NUMBER = 40

__all__ = [
    "apply_returned_dossier",
    "certificate_issue",
    "certificate_reissue",
    "certificate_change",
    "certificate_revoke",
    "certificate_suspend",
    "dossier_link_establishment",
    "procedure_action",
    "restore_expired_suspensions",
]


# --- helpers ---------------------------------------------------------------------------------


def _text(value, limit: int) -> str:
    return " ".join(strip_controls(value).split())[:limit]


def _codes(line_codes) -> list[str]:
    """The line codes as given, stripped, without repeats, in the order given."""
    out: list[str] = []
    for code in line_codes or ():
        code = str(code or "").strip()
        if code and code not in out:
            out.append(code)
    return out


def _next_number(unit: Unit, year: int) -> str:
    from antt.violations.services import numbering_code

    code = numbering_code(unit)
    seq = next_value(f"certificate:{code}", period=str(year))
    return f"{seq}/{NUMBER_KIND}/{code}/{year}"


def _lines_in_force(codes: list[str], day: date) -> list[BusinessLine]:
    """The rule rows of `codes` in force on `day`; 422 naming the first code that is not."""
    rows = {
        line.code: line
        for line in BusinessLine.objects.filter(BusinessLine.valid_on(day), code__in=codes).order_by("valid_from")
    }
    for code in codes:
        if code not in rows:
            known = BusinessLine.objects.filter(code=code).order_by("-valid_from").first()
            name = f"“{known.name}”" if known else f"mã “{code}”"
            raise EstablishmentError(
                f"Ngành, nghề {name} không có trong danh mục ngành, nghề kinh doanh có điều kiện về an ninh, "
                f"trật tự áp dụng ngày {day:%d/%m/%Y} (Điều 3 Nghị định 96/2016/NĐ-CP).",
                "lines",
                422,
            )
    return [rows[c] for c in codes]


def _check_registered(establishment: Establishment, lines: list[BusinessLine]) -> None:
    registered = set(establishment.lines.values_list("code", flat=True))
    for line in lines:
        if line.code not in registered:
            raise EstablishmentError(
                f"Cơ sở chưa đăng ký ngành, nghề “{line.name}”: chỉ cấp giấy chứng nhận cho ngành, nghề cơ sở "
                "đã đăng ký kinh doanh (cập nhật ngành, nghề của cơ sở trước).",
                "lines",
                422,
            )


def _check_reissue_wait(establishment: Establishment, issued_on: date) -> None:
    """ND 96 Art. 22: after an indefinite revocation on some grounds, no new certificate for the
    same responsible person before the ground's waiting period has run."""
    revoked = (
        Certificate.objects.filter(establishment=establishment, status=S.REVOKED).order_by("-updated_at", "-id").first()
    )
    if revoked is None:
        return
    event = (
        revoked.events.filter(action=Ev.REVOKE, ground__reissue_wait_months__gt=0)
        .select_related("ground")
        .order_by("-at", "-id")
        .first()
    )
    if event is None:
        return
    if (establishment.security_person_id_number or "") != (revoked.holder_id_number or ""):
        return  # the responsible person changed: Art. 22 lets the new person apply at once
    revoked_on = timezone.localtime(event.at).date()
    allowed = revoked_on + relativedelta(months=event.ground.reissue_wait_months)
    if issued_on < allowed:
        raise EstablishmentError(
            f"Giấy chứng nhận số {revoked.number} bị thu hồi ngày {revoked_on:%d/%m/%Y} "
            f"({event.ground.legal_basis}): chỉ được cấp mới từ ngày {allowed:%d/%m/%Y}, trừ khi thay đổi người "
            "chịu trách nhiệm về an ninh, trật tự (Điều 22 Nghị định 96/2016/NĐ-CP).",
            "issued_on",
            409,
        )


def _event(certificate, action, *, officer=None, ground=None, decision_number="", reason="", until=None, lines=()):
    return CertificateEvent.objects.create(
        certificate=certificate,
        action=action,
        at=timezone.now(),
        actor=officer if getattr(officer, "pk", None) else None,
        actor_name=(_officer_name(officer) or "Hệ thống")[:150],
        ground=ground,
        decision_number=decision_number,
        reason=reason,
        until=until,
        lines=sorted(lines),
    )


def _officer_name(officer) -> str:
    if officer is None:
        return ""
    return getattr(officer, "full_name", "") or officer.get_username()


def _save(certificate: Certificate, fields: list[str]) -> None:
    """Write `fields` and move `row_version` (the caller holds the row lock)."""
    now = timezone.now()
    Certificate.objects.filter(pk=certificate.pk).update(
        row_version=F("row_version") + 1, updated_at=now, **{f: getattr(certificate, f) for f in fields}
    )
    certificate.row_version += 1
    certificate.updated_at = now


def _lock(certificate: Certificate, officer) -> Certificate:
    """The certificate re-read under a row lock; 404 when the officer may not see it, 409 when
    someone changed it since the officer's page was drawn."""
    seen_version = certificate.row_version
    locked = (
        Certificate.objects.select_for_update()
        .select_related("establishment__unit", "unit")
        .filter(pk=certificate.pk)
        .first()
    )
    if locked is None or not (
        unit_is_visible(officer, locked.unit) or unit_is_visible(officer, locked.establishment.unit)
    ):
        raise EstablishmentError("Không tìm thấy giấy chứng nhận.", status=404)
    if seen_version is not None and seen_version != locked.row_version:
        raise EstablishmentError(
            "Giấy chứng nhận vừa được cán bộ khác cập nhật. Vui lòng tải lại trang để xem tình trạng mới nhất.",
            status=409,
        )
    return locked


def _check_not_ended(certificate: Certificate) -> None:
    if certificate.status == S.REVOKED:
        raise EstablishmentError("Giấy chứng nhận đã bị thu hồi.", status=409)
    if certificate.status == S.CEASED:
        raise EstablishmentError(
            "Giấy chứng nhận đã hết hiệu lực do cơ sở chấm dứt hoạt động (Điều 17 Nghị định 96/2016/NĐ-CP).",
            status=409,
        )
    if certificate.status in (S.REPLACED, S.VOID):
        raise EstablishmentError(
            f"Giấy chứng nhận số {certificate.number} đã được cấp đổi hoặc cấp lại, không còn giá trị.", status=409
        )


def _ground(code: str, day: date) -> RevocationGround:
    ground = (
        RevocationGround.objects.filter(RevocationGround.valid_on(day), code=(code or "").strip())
        .order_by("-valid_from")
        .first()
    )
    if ground is None:
        raise EstablishmentError("Vui lòng chọn căn cứ thu hồi (Điều 18 Nghị định 96/2016/NĐ-CP).", "ground", 400)
    return ground


def _decision_and_reason(decision_number, reason) -> tuple[str, str]:
    decision = _text(decision_number, 40)
    reason = strip_controls(reason).strip()[:2000]
    if not decision:
        raise EstablishmentError("Vui lòng nhập số quyết định thu hồi (Mẫu ĐK6).", "decision_number", 400)
    if not reason:
        raise EstablishmentError("Vui lòng nêu lý do thu hồi.", "reason", 400)
    return decision, reason


def _targets(certificate: Certificate, line_codes, today: date, *, allowed_states: tuple[str, ...]) -> tuple:
    """(codes acted on, whole?) for a suspension or revocation: no codes = every line in an
    allowed state; a code not on the certificate is 422, one already revoked or suspended 409."""
    states = {s.code: s for s in line_states(certificate, today)}
    open_codes = [c for c, s in states.items() if s.state in allowed_states]
    codes = _codes(line_codes)
    if not codes:
        codes = open_codes
    for code in codes:
        s = states.get(code)
        if s is None:
            raise EstablishmentError(
                f"Ngành, nghề mã “{code}” không có trên giấy chứng nhận số {certificate.number}.", "lines", 422
            )
        if s.state == LINE_REVOKED:
            raise EstablishmentError(f"Ngành, nghề “{s.name}” của giấy chứng nhận đã bị thu hồi.", "lines", 409)
        if s.state not in allowed_states:
            raise EstablishmentError(
                f"Ngành, nghề “{s.name}” đang bị thu hồi có thời hạn đến hết ngày {s.until:%d/%m/%Y}.", "lines", 409
            )
    if not codes:
        raise EstablishmentError("Giấy chứng nhận không còn ngành, nghề nào để thu hồi.", "lines", 409)
    return codes, set(codes) >= set(open_codes), states


# --- issue, change, re-issue -------------------------------------------------------------


def certificate_issue(
    *,
    officer,
    establishment: Establishment,
    line_codes,
    issued_on: date | None = None,
    valid_until: date | None = None,
    dossier=None,
    kind: str = Certificate.Kind.NEW,
    replaces: Certificate | None = None,
    number: str = "",
    unit: Unit | None = None,
    reason: str = "",
) -> Certificate:
    """Issue a certificate: from a returned one-stop dossier (`dossier`: the procedure was approved
    by the head, the desk returns it) or directly by an officer with `certificate.manage` (data
    entry of a paper certificate, `number` and `unit` as printed on it).

    `kind` "change"/"reissue" with `replaces` makes the old certificate REPLACED/VOID; `line_codes`
    empty then means the old certificate's lines still in force.
    """
    direct = dossier is None
    if direct:
        require_officer(officer, "certificate.manage")
    if kind not in Certificate.Kind.values:
        raise EstablishmentError("Hình thức cấp không hợp lệ.", "kind", 400)
    today = timezone.localdate()
    issued_on = issued_on or today
    if not isinstance(issued_on, date):
        raise EstablishmentError("Ngày cấp không hợp lệ.", "issued_on", 400)
    if issued_on > today:
        raise EstablishmentError("Ngày cấp không được sau ngày hiện tại.", "issued_on", 422)
    if valid_until is not None and (not isinstance(valid_until, date) or valid_until <= issued_on):
        raise EstablishmentError(
            "Ngày hết hạn phải sau ngày cấp (Điều 15 Nghị định 96/2016/NĐ-CP: để trống khi giấy chứng nhận không có "
            "thời hạn).",
            "valid_until",
            422,
        )
    number = _text(number, MAX_NUMBER + 1) if direct else ""
    if len(number) > MAX_NUMBER:
        raise EstablishmentError(f"Số giấy chứng nhận tối đa {MAX_NUMBER} ký tự.", "number", 400)
    if direct:
        unit = unit or officer.unit
        if not unit_is_visible(officer, unit):
            raise EstablishmentError("Đơn vị cấp không hợp lệ.", "unit", 400)
    else:
        unit = dossier.unit
    if kind == Certificate.Kind.NEW and replaces is not None:
        raise EstablishmentError("Cấp mới không thay cho giấy chứng nhận khác; chọn cấp đổi hoặc cấp lại.", "kind", 400)
    reason = strip_controls(reason).strip()[:2000]

    with transaction.atomic():
        est = Establishment.objects.select_for_update().select_related("unit").filter(pk=establishment.pk).first()
        if est is None or (direct and not unit_is_visible(officer, est.unit)):
            raise EstablishmentError("Không tìm thấy cơ sở.", status=404)
        if est.status == Establishment.Status.CEASED:
            raise EstablishmentError(
                "Cơ sở đã chấm dứt hoạt động: không cấp giấy chứng nhận (Điều 17 Nghị định 96/2016/NĐ-CP).",
                status=409,
            )
        old = None
        live = Certificate.objects.filter(establishment=est, status__in=LIVE).order_by("-id").first()
        if replaces is not None:
            old = Certificate.objects.select_for_update().filter(pk=replaces.pk).first()
            if old is None or old.establishment_id != est.pk:
                raise EstablishmentError("Giấy chứng nhận được thay không phải của cơ sở này.", "replaces", 400)
            _check_not_ended(old)
            if old.status == S.SUSPENDED:
                raise EstablishmentError(
                    f"Giấy chứng nhận số {old.number} đang bị thu hồi có thời hạn đến hết ngày "
                    f"{old.suspended_until:%d/%m/%Y}: chỉ cấp đổi, cấp lại khi hết thời hạn thu hồi.",
                    status=409,
                )
        elif live is not None:
            if kind == Certificate.Kind.NEW:
                raise EstablishmentError(
                    f"Cơ sở đang có Giấy chứng nhận số {live.number} còn hiệu lực; mỗi địa điểm kinh doanh chỉ có một "
                    "giấy chứng nhận cho mọi ngành, nghề (Điều 23 khoản 1 Nghị định 96/2016/NĐ-CP). "
                    "Dùng thủ tục cấp đổi để bổ sung, thay đổi ngành, nghề.",
                    "kind",
                    409,
                )
            raise EstablishmentError(
                f"Cơ sở đang có Giấy chứng nhận số {live.number}: cấp đổi, cấp lại phải thay cho giấy đó.",
                "replaces",
                409,
            )
        codes = _codes(line_codes)
        if old is not None:
            states = line_states(old, today)
            if not codes:
                codes = [s.code for s in states if s.state == LINE_VALID]
            for s in states:
                if s.code in codes and s.state != LINE_VALID:
                    raise EstablishmentError(
                        f"Ngành, nghề “{s.name}” đã bị thu hồi trên giấy chứng nhận số {old.number}; "
                        "không cấp đổi, cấp lại cho ngành, nghề này.",
                        "lines",
                        409,
                    )
            if valid_until is None:
                valid_until = old.valid_until if old.valid_until and old.valid_until > issued_on else None
        if not codes:
            raise EstablishmentError("Vui lòng chọn ít nhất một ngành, nghề kinh doanh.", "lines", 400)
        lines = _lines_in_force(codes, issued_on)
        _check_registered(est, lines)
        holder = _text(est.security_person_name, 200)
        if not holder:
            raise EstablishmentError(
                "Cơ sở chưa có người chịu trách nhiệm về an ninh, trật tự (Điều 4 khoản 5 Nghị định 96/2016/NĐ-CP): "
                "cập nhật thông tin cơ sở trước khi cấp giấy chứng nhận.",
                "holder",
                422,
            )
        if kind == Certificate.Kind.NEW:
            _check_reissue_wait(est, issued_on)
        if number:
            if Certificate.objects.filter(number=number).exists():
                raise EstablishmentError(f"Số giấy chứng nhận {number} đã có trong hệ thống.", "number", 409)
        else:
            number = _next_number(unit, issued_on.year)
        cert = Certificate.objects.create(
            number=number,
            establishment=est,
            unit=unit,
            kind=kind,
            issued_on=issued_on,
            valid_until=valid_until,
            replaces=old,
            dossier=dossier,
            holder_name=holder,
            holder_id_number=_text(est.security_person_id_number, 20),
            issued_by=officer if getattr(officer, "pk", None) else None,
        )
        cert.lines.set(lines)
        source = f"Hồ sơ {dossier.code}" if dossier is not None else "Cấp trực tiếp (nhập giấy chứng nhận)"
        _event(cert, Ev.ISSUE, officer=officer, reason=" · ".join(p for p in (source, reason) if p), lines=codes)
        audit.record(
            Action.CREATE,
            cert,
            changes={
                "number": cert.number,
                "establishment": est.pk,
                "kind": kind,
                "lines": codes,
                "unit": unit.pk,
                "issued_on": issued_on.isoformat(),
                "valid_until": valid_until.isoformat() if valid_until else None,
                "dossier": dossier.code if dossier is not None else None,
                "replaces": old.number if old is not None else None,
            },
            actor=officer,
            reason=reason[:255],
        )
        if old is not None:
            before = old.status
            old.status = S.REPLACED if kind == Certificate.Kind.CHANGE else S.VOID
            _save(old, ["status"])
            _event(
                old,
                Ev.REPLACE,
                officer=officer,
                reason=f"{cert.get_kind_display()}: thay bằng giấy chứng nhận số {cert.number}",
                lines=[line.code for line in old.lines.all()],
            )
            audit.record(
                Action.TRANSITION,
                old,
                changes={"status": [before, old.status], "replaced_by": cert.number},
                actor=officer,
            )
            feed.record_certificate(old, "replaced" if old.status == S.REPLACED else "voided")
        feed.record_certificate(cert, "issued")
        # The certificate's date starts the periodic-inspection clock of a new establishment.
        refresh_plan(cert.establishment)
    return cert


def certificate_change(*, officer, certificate: Certificate, line_codes=None, **kwargs) -> Certificate:
    """Cấp đổi (ND 96 Art. 21(1)): a new certificate replaces `certificate` (now REPLACED)."""
    return certificate_issue(
        officer=officer,
        establishment=certificate.establishment,
        line_codes=line_codes,
        kind=Certificate.Kind.CHANGE,
        replaces=certificate,
        **kwargs,
    )


def certificate_reissue(*, officer, certificate: Certificate, line_codes=None, **kwargs) -> Certificate:
    """Cấp lại after a loss (ND 96 Art. 21(2)): the same content on a new certificate; the lost
    one is VOID."""
    return certificate_issue(
        officer=officer,
        establishment=certificate.establishment,
        line_codes=line_codes,
        kind=Certificate.Kind.REISSUE,
        replaces=certificate,
        **kwargs,
    )


# --- suspension, revocation, restoration -------------------------------------------------


def certificate_suspend(
    *,
    officer,
    certificate: Certificate,
    ground_code: str,
    until: date,
    reason: str,
    decision_number: str,
    line_codes=None,
) -> Certificate:
    """Thu hồi có thời hạn (ND 96 Art. 18(2)) from today through `until` (the last day), within the
    ground's month bounds (3 to 6 months); of the lines in `line_codes` only, or of the whole
    certificate when they are all its lines in force (TT 42 Art. 4)."""
    require_officer(officer, "certificate.manage")
    decision, reason = _decision_and_reason(decision_number, reason)
    today = timezone.localdate()
    ground = _ground(ground_code, today)
    if not ground.temporary:
        raise EstablishmentError(
            f"Căn cứ “{ground.text}” là trường hợp thu hồi không thời hạn: dùng thao tác thu hồi giấy chứng nhận.",
            "ground",
            422,
        )
    if not isinstance(until, date):
        raise EstablishmentError("Vui lòng nhập ngày hết thời hạn thu hồi.", "until", 400)
    lo = today + relativedelta(months=ground.min_months or 0) - timedelta(days=1)
    hi = today + relativedelta(months=ground.max_months or 0) - timedelta(days=1)
    if not lo <= until <= hi:
        raise EstablishmentError(
            f"Thời hạn thu hồi phải từ {ground.min_months or 0} đến {ground.max_months or 0} tháng ({ground.legal_basis}): "
            f"thu hồi từ hôm nay thì ngày cuối cùng phải trong khoảng {lo:%d/%m/%Y} – {hi:%d/%m/%Y}.",
            "until",
            422,
        )
    with transaction.atomic():
        cert = _lock(certificate, officer)
        _check_not_ended(cert)
        if cert.status == S.SUSPENDED and cert.suspended_until and cert.suspended_until >= today:
            raise EstablishmentError(
                f"Giấy chứng nhận đang bị thu hồi có thời hạn đến hết ngày {cert.suspended_until:%d/%m/%Y}.",
                status=409,
            )
        codes, whole, states = _targets(cert, line_codes, today, allowed_states=(LINE_VALID,))
        before = cert.status
        if whole:
            suspended = [s.until for s in states.values() if s.state == LINE_SUSPENDED and s.until]
            cert.status, cert.suspended_until = S.SUSPENDED, max([until, *suspended])
        _save(cert, ["status", "suspended_until"])
        _event(
            cert,
            Ev.SUSPEND,
            officer=officer,
            ground=ground,
            decision_number=decision,
            reason=reason,
            until=until,
            lines=codes,
        )
        audit.record(
            Action.TRANSITION,
            cert,
            changes={
                "action": "suspend",
                "status": [before, cert.status],
                "lines": sorted(codes),
                "whole": whole,
                "until": until.isoformat(),
                "ground": ground.code,
                "decision_number": decision,
            },
            actor=officer,
            reason=reason[:255],
        )
        feed.record_certificate(cert, "suspended" if whole else "lines_suspended")
    return cert


def certificate_revoke(
    *,
    officer,
    certificate: Certificate,
    ground_code: str,
    reason: str,
    decision_number: str,
    line_codes=None,
) -> Certificate:
    """Thu hồi không thời hạn (ND 96 Art. 18(1)); of some lines only (TT 42 Art. 4) or of the whole
    certificate. Revoking a revoked certificate (or line) is a 409."""
    require_officer(officer, "certificate.manage")
    decision, reason = _decision_and_reason(decision_number, reason)
    today = timezone.localdate()
    ground = _ground(ground_code, today)
    if ground.temporary:
        raise EstablishmentError(
            f"Căn cứ “{ground.text}” là trường hợp thu hồi có thời hạn: dùng thao tác thu hồi có thời hạn.",
            "ground",
            422,
        )
    with transaction.atomic():
        cert = _lock(certificate, officer)
        _check_not_ended(cert)
        codes, whole, _states = _targets(cert, line_codes, today, allowed_states=(LINE_VALID, LINE_SUSPENDED))
        before = cert.status
        if whole:
            cert.status, cert.suspended_until = S.REVOKED, None
        _save(cert, ["status", "suspended_until"])
        _event(cert, Ev.REVOKE, officer=officer, ground=ground, decision_number=decision, reason=reason, lines=codes)
        audit.record(
            Action.TRANSITION,
            cert,
            changes={
                "action": "revoke",
                "status": [before, cert.status],
                "lines": sorted(codes),
                "whole": whole,
                "ground": ground.code,
                "decision_number": decision,
            },
            actor=officer,
            reason=reason[:255],
        )
        feed.record_certificate(cert, "revoked" if whole else "lines_revoked")
        webhooks.on_certificate_revoked(
            cert, whole=whole, lines=codes, ground=ground, decision_number=decision, reason=reason
        )
    return cert


def restore_expired_suspensions(today: date | None = None) -> int:
    """End the temporary revocations whose last day is before `today` (run daily): the lines
    are in force again, a whole suspended certificate is VALID again. Returns how many
    certificates changed."""
    today = today or timezone.localdate()
    # A suspension is still open until a RESTORE event for the same last day follows it (each
    # RESTORE carries the `until` of the suspensions it ends); a revoked line stays a candidate
    # and is skipped below.
    open_suspension = CertificateEvent.objects.filter(
        certificate=OuterRef("pk"), action=Ev.SUSPEND, until__lt=today
    ).exclude(
        Exists(
            CertificateEvent.objects.filter(
                certificate=OuterRef("certificate"), action=Ev.RESTORE, until=OuterRef("until"), at__gt=OuterRef("at")
            )
        )
    )
    candidates = list(
        Certificate.objects.filter(status__in=LIVE)
        .filter(Exists(open_suspension) | Q(status=S.SUSPENDED, suspended_until__lt=today))
        .values_list("pk", flat=True)
        .order_by("pk")
    )
    changed = 0
    for pk in candidates:
        with transaction.atomic():
            cert = Certificate.objects.select_for_update().filter(pk=pk, status__in=LIVE).first()
            if cert is None:
                continue
            events = list(cert.events.filter(action__in=(Ev.SUSPEND, Ev.RESTORE, Ev.REVOKE)).order_by("at", "id"))
            # The states as the events leave them (`date.min`: no suspension counted as lapsed yet).
            raw = line_states(cert, date.min, events)
            lapsed: dict[date, list[str]] = {}
            for s in raw:
                if s.state == LINE_SUSPENDED and s.until and s.until < today:
                    lapsed.setdefault(s.until, []).append(s.code)
            still = [s for s in raw if s.state == LINE_SUSPENDED and s.until and s.until >= today]
            ends_whole = cert.status == S.SUSPENDED and not still
            if not lapsed and not ends_whole:
                continue
            before = cert.status
            if ends_whole:
                cert.status, cert.suspended_until = S.VALID, None
            _save(cert, ["status", "suspended_until"])
            for until, codes in sorted(lapsed.items()):
                _event(cert, Ev.RESTORE, reason="Hết thời hạn thu hồi có thời hạn", until=until, lines=codes)
            audit.record(
                Action.TRANSITION,
                cert,
                changes={
                    "action": "restore",
                    "status": [before, cert.status],
                    "lines": sorted(c for codes in lapsed.values() for c in codes),
                },
                actor_name="hệ thống",
            )
            feed.record_certificate(cert, "restored")
            changed += 1
    return changed


# --- the one-stop shop ---------------------------------------------------------------------


def procedure_action(dossier, day: date | None = None) -> ProcedureAction | None:
    """The registry action of this dossier's procedure, by its place in the seed, on the day it was
    returned (or `day`)."""
    seed_ref = dossier.procedure.seed_ref
    if not seed_ref:
        return None
    if day is None and dossier.returned_at:
        day = timezone.localtime(dossier.returned_at).date()
    qs = ProcedureAction.objects.filter(seed_ref=seed_ref)
    if day is not None:
        qs = qs.filter(ProcedureAction.valid_on(day))
    return qs.order_by("-valid_from").first()


def dossier_link(dossier) -> tuple[int | None, list[str]]:
    """(establishment id, line codes) stored on the dossier, or (None, []) when missing or malformed."""
    data = (dossier.form_data or {}).get("establishment") if isinstance(dossier.form_data, dict) else None
    if not isinstance(data, dict):
        return None, []
    raw = data.get("id")
    if isinstance(raw, bool) or not (
        isinstance(raw, int) or (isinstance(raw, str) and re.fullmatch(r"[0-9]{1,18}", raw))
    ):
        return None, []
    pk = int(raw)
    lines = data.get("lines") or []
    if not isinstance(lines, list):
        lines = []
    return (pk if pk > 0 else None), _codes(str(c) for c in lines)


def apply_returned_dossier(*, dossier, officer) -> None:
    """Called inside the transaction that returns `dossier` (signal `dossier_returned`): a "cấp
    mới" dossier issues the certificate, "cấp đổi"/"cấp lại" replace the establishment's
    certificate in force, an appendix-7 dossier adds to the fire-safety file. A missing
    establishment or a refused issue raises `TransitionError`: the return is refused and
    nothing is written."""
    from antt.dossiers.workflow import TransitionError

    action = procedure_action(dossier)
    if action is None:
        return
    if action.action == ProcedureAction.Action.FIRE_RECORD:
        from antt.establishments import fire

        fire.apply_returned_dossier(dossier=dossier, officer=officer, action=action)
        return
    pk, codes = dossier_link(dossier)
    establishment = Establishment.objects.filter(pk=pk).first() if pk else None
    if establishment is None or (action.action == ProcedureAction.Action.CERT_NEW and not codes):
        raise TransitionError(
            f"Hồ sơ {dossier.code} chưa gắn cơ sở và ngành nghề: cán bộ xử lý chọn cơ sở (trang “Gắn cơ sở”) "
            "trước khi trả kết quả.",
            409,
        )
    issued_on = timezone.localtime(dossier.returned_at).date() if dossier.returned_at else None
    try:
        if action.action == ProcedureAction.Action.CERT_NEW:
            certificate_issue(
                officer=officer, establishment=establishment, line_codes=codes, issued_on=issued_on, dossier=dossier
            )
            return
        old = Certificate.objects.filter(establishment=establishment, status__in=LIVE).order_by("-id").first()
        if old is None:
            raise TransitionError(
                f"Cơ sở “{establishment.name}” chưa có giấy chứng nhận còn hiệu lực để cấp đổi, cấp lại.", 409
            )
        kind = (
            Certificate.Kind.CHANGE if action.action == ProcedureAction.Action.CERT_CHANGE else Certificate.Kind.REISSUE
        )
        certificate_issue(
            officer=officer,
            establishment=establishment,
            line_codes=codes or None,
            issued_on=issued_on,
            dossier=dossier,
            kind=kind,
            replaces=old,
        )
    except EstablishmentError as exc:
        raise TransitionError(exc.message, exc.status if 400 <= exc.status < 500 else 409) from exc


def dossier_link_establishment(*, officer, dossier, establishment: Establishment, line_codes=()):
    """Tie a dossier of an appendix-3 (or appendix-7) procedure to its establishment and lines
    (`form_data["establishment"]`), so that its return acts on the registry. Done by an officer
    who handles the dossier (intake or processing) and sees the establishment."""
    from antt.dossiers.models import OPEN_STATUSES, Dossier

    if not (can(officer, "dossier.process") or can(officer, "dossier.receive")) or not can(
        officer, "establishment.view"
    ):
        raise EstablishmentError("Vai trò của bạn không được gắn cơ sở cho hồ sơ.", status=403)
    today = timezone.localdate()
    with transaction.atomic():
        d = Dossier.objects.select_for_update().select_related("procedure", "unit", "receiving_unit")
        d = d.filter(pk=dossier.pk).first()
        if d is None or not (unit_is_visible(officer, d.unit) or unit_is_visible(officer, d.receiving_unit)):
            raise EstablishmentError("Không tìm thấy hồ sơ.", status=404)
        if d.status not in OPEN_STATUSES:
            raise EstablishmentError("Hồ sơ đã kết thúc: không thay đổi cơ sở gắn với hồ sơ.", status=409)
        action = procedure_action(d, today)
        if action is None:
            raise EstablishmentError(
                "Thủ tục của hồ sơ này không cấp giấy chứng nhận ANTT hay bổ sung hồ sơ PCCC: không cần gắn cơ sở.",
                status=409,
            )
        est = Establishment.objects.filter(pk=establishment.pk).select_related("unit").first()
        if est is None or not unit_is_visible(officer, est.unit):
            raise EstablishmentError("Không tìm thấy cơ sở.", "establishment", 404)
        codes = _codes(line_codes) if action.action != ProcedureAction.Action.FIRE_RECORD else []
        if action.action == ProcedureAction.Action.CERT_NEW and not codes:
            raise EstablishmentError("Vui lòng chọn ngành, nghề đề nghị cấp giấy chứng nhận.", "lines", 400)
        if codes:
            _check_registered(est, _lines_in_force(codes, today))
        link = {"id": est.pk, "lines": codes}
        before = (d.form_data or {}).get("establishment")
        form_data = {**(d.form_data or {}), "establishment": link}
        now = timezone.now()
        Dossier.objects.filter(pk=d.pk).update(form_data=form_data, row_version=F("row_version") + 1, updated_at=now)
        d.form_data, d.row_version, d.updated_at = form_data, d.row_version + 1, now
        audit.record(
            Action.UPDATE,
            d,
            changes={"form_data.establishment": [before, link]},
            actor=officer,
            reason=f"Gắn cơ sở {est.tax_code} với hồ sơ",
        )
    return d


def certificates_end_with_establishment(*, officer, establishment, reason: str) -> int:
    """ND 96/2016 Art. 17(2): when the business ceases (dissolution, bankruptcy, cessation) its
    certificate in force becomes void, and the business returns it within 5 days. Called by
    `services.establishment_set_status` inside its transaction; returns how many ended."""
    ended = 0
    for cert in Certificate.objects.select_for_update().filter(establishment=establishment, status__in=LIVE):
        before = cert.status
        cert.status, cert.suspended_until = S.CEASED, None
        _save(cert, ["status", "suspended_until"])
        _event(cert, Ev.CEASE, officer=officer, reason=reason)
        audit.record(
            Action.TRANSITION,
            cert,
            changes={"status": [before, cert.status]},
            actor=officer,
            reason=f"Cơ sở chấm dứt hoạt động (Điều 17 khoản 2 Nghị định 96/2016/NĐ-CP): {reason}",
        )
        feed.record_certificate(cert, "ceased")
        ended += 1
    return ended
