"""Pages of security certificates: the staff list and detail (suspend, revoke), the direct issue,
the PDF, the public verification page (QR) and the page that ties a one-stop dossier to its
establishment.

Thin: reads through `establishments.selectors_certificates` (already scoped: a certificate is
seen by the units that manage its establishment or issued it; out of scope is 404), writes
through `establishments.certificates`. An `EstablishmentError` becomes a 4xx page with its
Vietnamese message and the form as typed; nothing is written. The holder's name and ID number
are masked on the pages; showing them in full ("Xem đầy đủ") and printing the PDF are logged as
personal-data reads. The public page shows no personal data and is rate limited per address
like the other public lookups.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from antt.core.text import fold
from antt.dossiers import ratelimit
from antt.establishments import certificates as services
from antt.establishments import forms_certificates as forms
from antt.establishments import printing
from antt.establishments import selectors_certificates as selectors
from antt.establishments.errors import EstablishmentError
from antt.establishments.models import Certificate, CertificateEvent, EstablishmentAccount, ProcedureAction
from antt.establishments.views.common import error_status, id_param, optional_url, page_of, put_error, query_string
from antt.establishments.views.common import require as _require
from antt.org.otp import staff_gate, staff_required
from antt.org.roles import can
from antt.org.selectors import unit_is_visible, visible_units

RATE_LIMITED = "Bạn đã tra cứu quá nhiều lần trong thời gian ngắn. Vui lòng thử lại sau ít phút."
NOT_FOUND = (
    "Không tìm thấy giấy chứng nhận ứng với mã QR này. Giấy chứng nhận có thể không do Công an cấp qua hệ thống, "
    "hoặc đường dẫn bị sai. Liên hệ đơn vị Công an nơi cơ sở hoạt động để xác minh."
)


# --- helpers --------------------------------------------------------------------------------


def verify_rate() -> str:
    """The public verification's rate per address (ANTT_CERTIFICATE_VERIFY_RATE, else the lookups' rate)."""
    return getattr(settings, "ANTT_CERTIFICATE_VERIFY_RATE", None) or settings.ANTT_LOOKUP_RATE


def _safe(number: str) -> str:
    """An ASCII file name part: "12/GCN-ANTT/CAX14797/2026" -> "12-gcn-antt-cax14797-2026"."""
    return "".join(c if c.isascii() and (c.isalnum() or c in "-_") else "-" for c in fold(number))


# --- the list -------------------------------------------------------------------------------


@require_GET
@staff_required
def certificate_list(request):
    user = request.user
    _require(user, "establishment.view", "Bạn không có quyền xem giấy chứng nhận đủ điều kiện về ANTT.")
    form = forms.CertificateListForm(request.GET or None, units=visible_units(user).filter(is_active=True))
    status = 200
    data = {}
    if form.is_bound:
        if form.is_valid():
            data = form.cleaned_data
        else:
            messages.error(request, "Bộ lọc không hợp lệ; vui lòng kiểm tra lại.")
            status = 400
    qs = selectors.certificate_list(
        user,
        q=data.get("q") or "",
        status=data.get("status") or None,
        unit=data.get("unit"),
        line=data.get("line") or None,
        sort=data.get("sort") or "-issued",
    )
    if status != 200:
        qs = qs.none()
    page = page_of(qs, request.GET.get("page"))
    today = timezone.localdate()
    rows = [
        {
            "c": c,
            "status_text": selectors.status_text(c, today),
            "state": selectors.status_state(c, today),
            "lines": [line.name for line in c.lines.all()],
        }
        for c in page.object_list
    ]
    return render(
        request,
        "establishments/cert_list.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "query": query_string(request),
            "filters_open": bool(data) or status != 200,
            "registry_url": optional_url("establishments:list"),
        },
        status=status,
    )


# --- the detail page and its actions --------------------------------------------------------


def _events(certificate: Certificate) -> list[dict]:
    names = {line.code: line.name for line in certificate.lines.all()}
    out = []
    for e in certificate.events.select_related("ground").order_by("at", "id"):
        out.append(
            {
                "e": e,
                "lines": [names.get(code, code) for code in e.lines or ()],
                "all_lines": set(e.lines or ()) >= set(names),
            }
        )
    return out


def _detail_context(request, c: Certificate, *, bound: dict | None = None, full: bool = False) -> dict:
    user = request.user
    today = timezone.localdate()
    states = selectors.line_states(c, today)
    may_manage = can(user, "certificate.manage") and c.status in selectors.LIVE
    choices = [(s.code, s.name) for s in states if s.state != selectors.LINE_REVOKED]
    actions = []
    if may_manage:
        bound = bound or {}
        for key, label, button, form_class in (
            ("suspend", "Thu hồi có thời hạn (03–06 tháng)", "Thu hồi có thời hạn", forms.SuspendForm),
            ("revoke", "Thu hồi giấy chứng nhận", "Thu hồi", forms.RevokeForm),
        ):
            form = bound.get(key) or form_class(
                initial={"row_version": c.row_version}, line_choices=choices, auto_id=f"id_{key}_%s"
            )
            actions.append(
                {
                    "key": key,
                    "label": label,
                    "button": button,
                    "form": form,
                    "url": reverse(f"establishments:certificate-{key}", args=[c.pk]),
                    "open": key in bound,
                }
            )
    try:
        successor = c.replaced_by
    except Certificate.DoesNotExist:
        successor = None
    return {
        "c": c,
        "e": c.establishment,
        "status_text": selectors.status_text(c, today),
        "state": selectors.status_state(c, today),
        "lines": states,
        "events": _events(c),
        "holder": selectors.holder_display(user, c, full=full),
        "actions": actions,
        "successor": successor if successor is not None and selectors.may_see(user, successor) else None,
        "predecessor": c.replaces if c.replaces_id and selectors.may_see(user, c.replaces) else None,
        "establishment_url": optional_url("establishments:detail", c.establishment_id),
        "dossier_url": optional_url("dossiers:detail", c.dossier_id) if c.dossier_id else None,
        "pdf_url": reverse("establishments:certificate-pdf", args=[c.pk]) if can(user, "person.view") else None,
        "verify_url": printing.verify_url(c),
        "issue_url": (
            reverse("establishments:certificate-issue", args=[c.establishment_id])
            if can(user, "certificate.manage") and unit_is_visible(user, c.establishment.unit)
            else None
        ),
        "Action": CertificateEvent.Action,
    }


@require_GET
@staff_required
def certificate_detail(request, pk: int):
    user = request.user
    _require(user, "establishment.view", "Bạn không có quyền xem giấy chứng nhận đủ điều kiện về ANTT.")
    c = selectors.certificate_get(user, pk)
    full = request.GET.get("day-du") == "1"
    if full and not selectors.may_see_personal(user, c):
        raise PermissionDenied("Vai trò của bạn không được xem đầy đủ thông tin cá nhân.")
    context = _detail_context(request, c, full=full)
    if full:
        selectors.log_holder_read(c, reason="Xem người đứng tên giấy chứng nhận")
    return render(request, "establishments/cert_detail.html", context)


def _decision_view(key: str):
    form_class = forms.SuspendForm if key == "suspend" else forms.RevokeForm

    @require_POST
    @staff_required
    def view(request, pk: int):
        user = request.user
        _require(user, "establishment.view", "Bạn không có quyền xem giấy chứng nhận đủ điều kiện về ANTT.")
        _require(user, "certificate.manage", "Vai trò của bạn không được thu hồi giấy chứng nhận.")
        c = selectors.certificate_get(user, pk)
        choices = [(s.code, s.name) for s in selectors.line_states(c) if s.state != selectors.LINE_REVOKED]
        form = form_class(request.POST, line_choices=choices, auto_id=f"id_{key}_%s")
        if not form.is_valid():
            messages.error(request, "Vui lòng sửa các mục được đánh dấu.")
            return render(
                request, "establishments/cert_detail.html", _detail_context(request, c, bound={key: form}), status=400
            )
        data = form.cleaned_data
        c.row_version = data["row_version"]
        try:
            if key == "suspend":
                c = services.certificate_suspend(
                    officer=user,
                    certificate=c,
                    ground_code=data["ground"],
                    until=data["until"],
                    reason=data["reason"],
                    decision_number=data["decision_number"],
                    line_codes=data["lines"],
                )
                done = "Đã thu hồi có thời hạn."
            else:
                c = services.certificate_revoke(
                    officer=user,
                    certificate=c,
                    ground_code=data["ground"],
                    reason=data["reason"],
                    decision_number=data["decision_number"],
                    line_codes=data["lines"],
                )
                done = (
                    "Đã thu hồi giấy chứng nhận."
                    if c.status == Certificate.Status.REVOKED
                    else "Đã thu hồi ngành, nghề."
                )
        except EstablishmentError as exc:
            if exc.status == 404:
                raise Http404(exc.message) from exc
            put_error(form, exc)
            messages.error(request, exc.message)
            fresh = selectors.certificate_get(user, pk)
            return render(
                request,
                "establishments/cert_detail.html",
                _detail_context(request, fresh, bound={key: form}),
                status=error_status(exc),
            )
        messages.success(request, done)
        return redirect("establishments:certificate-detail", pk=pk)

    view.__name__ = f"certificate_{key}"
    return view


# --- the PDF --------------------------------------------------------------------------------


def _business_may_print(user, certificate: Certificate) -> bool:
    """An active account of the certificate's own establishment may print it (its own paper)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active or getattr(user, "role", ""):
        return False
    return EstablishmentAccount.objects.filter(
        user=user, establishment_id=certificate.establishment_id, status=EstablishmentAccount.Status.ACTIVE
    ).exists()


@require_GET
def certificate_pdf(request, pk: int):
    """The certificate (Mẫu 01) inline. Staff: `establishment.view` + `person.view` in scope, the
    print logged; a business: its own establishment's certificate."""
    user = request.user
    c = (
        Certificate.objects.select_related("establishment__area", "unit__parent", "unit__area", "replaces")
        .prefetch_related("lines")
        .filter(pk=pk)
        .first()
    )
    business = c is not None and _business_may_print(user, c)
    if not business:
        gate = staff_gate(request)
        if gate is not None:
            return gate
        _require(user, "establishment.view", "Bạn không có quyền xem giấy chứng nhận đủ điều kiện về ANTT.")
        if c is None or not selectors.may_see(user, c):
            raise Http404("Không tìm thấy giấy chứng nhận.")
        if not can(user, "person.view"):
            raise PermissionDenied("Vai trò của bạn không được in văn bản có thông tin cá nhân.")
    content = printing.certificate_pdf(c)
    if not business:
        selectors.log_holder_read(c, reason="In giấy chứng nhận đủ điều kiện về ANTT")
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="giay-chung-nhan-{_safe(c.number)}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


# --- direct issue ---------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@staff_required
def certificate_issue(request, pk: int):
    """Issue outside the one-stop flow (`certificate.manage`): mostly entering paper certificates."""
    from antt.establishments.models import Establishment
    from antt.org.selectors import get_scoped_or_404

    user = request.user
    _require(user, "certificate.manage", "Vai trò của bạn không được cấp giấy chứng nhận trực tiếp.")
    e = get_scoped_or_404(user, Establishment.objects.select_related("unit", "area").prefetch_related("lines"), pk=pk)
    line_choices = [(line.code, line.name) for line in e.lines.all()]
    units = visible_units(user).filter(is_active=True)
    live = selectors.live_certificate(e)
    today = timezone.localdate()
    initial = {"issued_on": today, "unit": user.unit_id, "kind": Certificate.Kind.CHANGE if live else "new"}
    form = forms.IssueForm(request.POST or None, units=units, line_choices=line_choices, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            replaces = live if data["kind"] != Certificate.Kind.NEW else None
            try:
                c = services.certificate_issue(
                    officer=user,
                    establishment=e,
                    line_codes=data["lines"],
                    issued_on=data["issued_on"],
                    valid_until=data.get("valid_until"),
                    kind=data["kind"],
                    replaces=replaces,
                    number=data.get("number") or "",
                    unit=data["unit"],
                    reason=data.get("reason") or "",
                )
            except EstablishmentError as exc:
                if exc.status == 404:
                    raise Http404(exc.message) from exc
                put_error(form, exc)
                messages.error(request, exc.message)
                status = error_status(exc)
            else:
                messages.success(request, f"Đã cấp giấy chứng nhận số {c.number}.")
                return redirect("establishments:certificate-detail", pk=c.pk)
        else:
            messages.error(request, "Vui lòng sửa các mục được đánh dấu.")
            status = 400
    return render(
        request,
        "establishments/cert_issue.html",
        {
            "e": e,
            "form": form,
            "live": live,
            "kind_help": forms.KIND_HELP,
            "establishment_url": optional_url("establishments:detail", e.pk),
        },
        status=status,
    )


# --- the public verification ----------------------------------------------------------------


@never_cache
@require_GET
def certificate_verify(request, token: str):
    """/xac-minh-giay-chung-nhan/<token>/: what the QR code opens. No sign-in, no personal data."""
    if not ratelimit.allow(request, "certificate-verify", verify_rate()):
        response = render(request, "establishments/cert_verify.html", {"error": RATE_LIMITED}, status=429)
        response["Retry-After"] = str(ratelimit.retry_after(verify_rate()))
        return response
    c = selectors.by_token(token)
    if c is None:
        return render(request, "establishments/cert_verify.html", {"error": NOT_FOUND}, status=404)
    return render(
        request,
        "establishments/cert_verify.html",
        {"v": selectors.public_view(c), "checked_at": timezone.localtime()},
    )


# --- tie a dossier to its establishment -----------------------------------------------------


def _dossier_or_404(user, code: str):
    from antt.dossiers.selectors import visible_dossiers

    code = (code or "").strip()[:40]
    if "\x00" in code:
        raise Http404("Không tìm thấy hồ sơ.")
    d = visible_dossiers(user).select_related("procedure", "unit").filter(code=code).first()
    if d is None:
        raise Http404("Không tìm thấy hồ sơ.")
    return d


@require_http_methods(["GET", "POST"])
@staff_required
def dossier_link(request, code: str):
    """/ho-so/<code>/co-so/: the officer handling an appendix-3 (or 7) dossier picks the
    establishment it is about (search among the establishments they see) and its lines."""
    from antt.dossiers.models import OPEN_STATUSES

    user = request.user
    if not (can(user, "dossier.process") or can(user, "dossier.receive")) or not can(user, "establishment.view"):
        raise PermissionDenied("Vai trò của bạn không được gắn cơ sở cho hồ sơ.")
    d = _dossier_or_404(user, code)
    action = services.procedure_action(d, timezone.localdate())
    linked_pk, linked_codes = services.dossier_link(d)
    q = (request.GET.get("q") or "").strip()[:100]
    raw_pk = request.POST.get("establishment") if request.method == "POST" else request.GET.get("co-so")
    chosen_pk = id_param(raw_pk) if raw_pk else linked_pk
    chosen = selectors.linkable_establishment_get(user, chosen_pk) if chosen_pk else None
    needs_lines = action is not None and action.action != ProcedureAction.Action.FIRE_RECORD
    line_choices = [(line.code, line.name) for line in chosen.lines.all()] if chosen else []
    initial = {"establishment": chosen.pk if chosen else None}
    if chosen is not None and chosen.pk == linked_pk:
        initial["lines"] = linked_codes
    form = forms.LinkForm(request.POST or None, line_choices=line_choices, initial=initial)
    if needs_lines and action.action == ProcedureAction.Action.CERT_NEW:
        form.fields["lines"].label = "Ngành, nghề đề nghị cấp giấy chứng nhận"
    elif needs_lines:
        form.fields["lines"].label = "Ngành, nghề của giấy chứng nhận mới (để trống: giữ như giấy cũ)"
    status = 200
    if request.method == "POST":
        if action is None:
            messages.error(request, "Thủ tục của hồ sơ này không cần gắn cơ sở.")
            status = 409
        elif form.is_valid() and chosen is not None:
            try:
                services.dossier_link_establishment(
                    officer=user, dossier=d, establishment=chosen, line_codes=form.cleaned_data["lines"]
                )
            except EstablishmentError as exc:
                if exc.status == 404:
                    raise Http404(exc.message) from exc
                put_error(form, exc)
                messages.error(request, exc.message)
                status = error_status(exc)
            else:
                messages.success(request, f"Đã gắn cơ sở “{chosen.name}” với hồ sơ {d.code}.")
                return redirect(
                    optional_url("dossiers:detail", d.pk) or reverse("establishments:dossier-link", args=[d.code])
                )
        else:
            if chosen is None:
                form.add_error(None, "Vui lòng chọn cơ sở.")
            messages.error(request, "Vui lòng sửa các mục được đánh dấu.")
            status = 404 if chosen_pk and chosen is None else 400
    results = selectors.linkable_establishments(user, q) if q and request.method == "GET" else []
    warning = ""
    if chosen is not None and action is not None:
        live = selectors.live_certificate(chosen)
        if action.action == ProcedureAction.Action.CERT_NEW and live is not None:
            warning = (
                f"Cơ sở đang có Giấy chứng nhận số {live.number} còn hiệu lực: hồ sơ cấp mới sẽ bị từ chối khi trả "
                "kết quả (một địa điểm chỉ có một giấy chứng nhận); cơ sở cần làm thủ tục cấp đổi."
            )
        elif (
            action.action in (ProcedureAction.Action.CERT_CHANGE, ProcedureAction.Action.CERT_REISSUE) and live is None
        ):
            warning = "Cơ sở chưa có giấy chứng nhận còn hiệu lực để cấp đổi, cấp lại."
        if action.action != ProcedureAction.Action.FIRE_RECORD and chosen.pk == linked_pk:
            note = selectors.authority_note(d.unit, linked_codes)
            warning = f"{warning} {note}".strip()
    return render(
        request,
        "establishments/cert_dossier_link.html",
        {
            "d": d,
            "action": action,
            "open": d.status in OPEN_STATUSES,
            "q": q,
            "results": results,
            "searched": bool(q) and request.method == "GET",
            "chosen": chosen,
            "form": form,
            "needs_lines": needs_lines,
            "linked_pk": linked_pk,
            "warning": warning,
            "dossier_url": optional_url("dossiers:detail", d.pk),
        },
        status=status,
    )


urlpatterns = [
    path("giay-chung-nhan/", certificate_list, name="certificate-list"),
    path("giay-chung-nhan/<int:pk>/", certificate_detail, name="certificate-detail"),
    path("giay-chung-nhan/<int:pk>/pdf/", certificate_pdf, name="certificate-pdf"),
    path("giay-chung-nhan/<int:pk>/thu-hoi-co-thoi-han/", _decision_view("suspend"), name="certificate-suspend"),
    path("giay-chung-nhan/<int:pk>/thu-hoi/", _decision_view("revoke"), name="certificate-revoke"),
    path("co-so/<int:pk>/cap-giay-chung-nhan/", certificate_issue, name="certificate-issue"),
    path("xac-minh-giay-chung-nhan/<str:token>/", certificate_verify, name="certificate-verify"),
    path("ho-so/<str:code>/co-so/", dossier_link, name="dossier-link"),
]
