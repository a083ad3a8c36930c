"""The staff page of one dossier and the actions on it.

The detail page shows the dossier to anyone of its units with dossier.view; the
applicant's full personal data only to roles with person.view, each such read
logged. Every action is a POST to its own URL carrying the row version the
officer saw, so that a page left open while a colleague acted conflicts (409)
instead of overwriting. Services decide what is allowed; this module only
translates their errors: TransitionError → its status, DossierInputError → 400.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from antt.core.calendar import CalendarRangeError
from antt.dossiers import deadlines, forms, selectors, services
from antt.dossiers.models import OPEN_STATUSES, Dossier, Status, StepState, Timeliness
from antt.dossiers.selectors_staff import assignable_officers, dossier_steps, may_act, target_step
from antt.dossiers.services import DossierInputError
from antt.dossiers.workflow import TRANSITIONS, TransitionError, actions_available
from antt.org.models import Role
from antt.org.otp import staff_required
from antt.org.roles import can


@dataclass(frozen=True)
class ActionSpec:
    """How one action is offered and performed: its URL slug, form, service call and messages."""

    slug: str
    label: str
    form: type[forms.ActionForm]
    run: Callable  # (officer, dossier, cleaned_data) -> None
    done: str
    button: str = "Xác nhận"
    officers: bool = False  # the form offers officers of the target step
    documents: bool = False  # the form offers the version's documents
    files: bool = False


def _label(action: str, default: str) -> str:
    return str(TRANSITIONS[action].label) if action in TRANSITIONS else default


S = services
ACTIONS: dict[str, ActionSpec] = {
    "accept": ActionSpec(
        "tiep-nhan",
        _label("accept", ""),
        forms.NoteForm,
        lambda u, d, c: S.dossier_accept(officer=u, dossier=d, note=c["note"]),
        "Đã tiếp nhận hồ sơ; thời hạn giải quyết bắt đầu tính.",
        "Tiếp nhận",
    ),
    "request_supplement": ActionSpec(
        "yeu-cau-bo-sung",
        _label("request_supplement", ""),
        forms.SupplementForm,
        lambda u, d, c: S.dossier_request_supplement(officer=u, dossier=d, items=c["all_items"], reasons=c["reasons"]),
        "Đã gửi yêu cầu bổ sung, hoàn thiện hồ sơ (Mẫu 02).",
        "Gửi yêu cầu bổ sung",
        documents=True,
    ),
    "refuse": ActionSpec(
        "tu-choi",
        _label("refuse", ""),
        forms.ReasonsForm,
        lambda u, d, c: S.dossier_refuse(officer=u, dossier=d, reasons=c["reasons"]),
        "Đã từ chối tiếp nhận hồ sơ (Mẫu 03).",
        "Từ chối",
    ),
    "start": ActionSpec(
        "chuyen-xu-ly",
        _label("start", ""),
        forms.AssignForm,
        lambda u, d, c: S.dossier_start(officer=u, dossier=d, assignee=c["assignee"], note=c["note"]),
        "Đã chuyển hồ sơ sang xử lý.",
        "Chuyển xử lý",
        officers=True,
    ),
    "forward": ActionSpec(
        "chuyen-buoc",
        _label("forward", ""),
        forms.AssignForm,
        lambda u, d, c: S.dossier_forward(officer=u, dossier=d, assignee=c["assignee"], note=c["note"]),
        "Đã chuyển hồ sơ sang bước tiếp theo.",
        "Chuyển bước",
        officers=True,
    ),
    "assign": ActionSpec(
        "giao-xu-ly",
        "Giao cán bộ xử lý bước hiện tại",
        forms.AssignRequiredForm,
        lambda u, d, c: S.dossier_assign(officer=u, dossier=d, assignee=c["assignee"]),
        "Đã giao hồ sơ cho cán bộ.",
        "Giao",
        officers=True,
    ),
    "attach_result": ActionSpec(
        "dinh-kem-ket-qua",
        "Đính kèm kết quả giải quyết",
        forms.ResultForm,
        lambda u, d, c: S.dossier_attach_result(officer=u, dossier=d, name=c["name"], upload=c.get("file")),
        "Đã đính kèm kết quả.",
        "Đính kèm",
        files=True,
    ),
    "approve": ActionSpec(
        "phe-duyet",
        _label("approve", ""),
        forms.NoteForm,
        lambda u, d, c: S.dossier_approve(officer=u, dossier=d, note=c["note"]),
        "Đã phê duyệt kết quả; hồ sơ chờ trả kết quả.",
        "Phê duyệt",
    ),
    "send_back": ActionSpec(
        "tra-lai",
        _label("send_back", ""),
        forms.SendBackForm,
        lambda u, d, c: S.dossier_send_back(officer=u, dossier=d, reasons=c["reasons"], assignee=c["assignee"]),
        "Đã trả lại hồ sơ để xử lý lại.",
        "Trả lại",
        officers=True,
    ),
    "request_fee": ActionSpec(
        "yeu-cau-nop-phi",
        _label("request_fee", ""),
        forms.FeeRequestForm,
        lambda u, d, c: S.dossier_request_fee(officer=u, dossier=d, amount=c["amount"], note=c["note"]),
        "Đã yêu cầu thực hiện nghĩa vụ tài chính.",
        "Gửi yêu cầu",
    ),
    "record_payment": ActionSpec(
        "ghi-nhan-nop-phi",
        "Ghi nhận đã nộp phí, lệ phí",
        forms.PaymentForm,
        lambda u, d, c: S.dossier_record_payment(officer=u, dossier=d, online=False, reference=c["reference"]),
        "Đã ghi nhận nộp phí, lệ phí.",
        "Ghi nhận",
    ),
    "apologise": ActionSpec(
        "xin-loi-hen-lai",
        "Xin lỗi và hẹn lại ngày trả kết quả (Mẫu 04)",
        forms.ApologyForm,
        lambda u, d, c: S.dossier_apologise(officer=u, dossier=d, reason=c["reason"], new_due_date=c["new_due_date"]),
        "Đã ban hành văn bản xin lỗi và hẹn lại ngày trả kết quả.",
        "Ban hành",
    ),
    "return": ActionSpec(
        "tra-ket-qua",
        _label("return", ""),
        forms.NoteForm,
        lambda u, d, c: S.dossier_return(officer=u, dossier=d, note=c["note"]),
        "Đã trả kết quả cho công dân.",
        "Trả kết quả",
    ),
    "stop": ActionSpec(
        "dung-xu-ly",
        _label("stop", ""),
        forms.ReasonsForm,
        lambda u, d, c: S.dossier_stop(officer=u, dossier=d, reasons=c["reasons"]),
        "Đã dừng xử lý hồ sơ.",
        "Dừng xử lý",
    ),
    "withdraw": ActionSpec(
        "rut-ho-so",
        _label("withdraw", ""),
        forms.OptionalReasonsForm,
        lambda u, d, c: S.dossier_withdraw(officer=u, dossier=d, reasons=c["reasons"]),
        "Đã ghi nhận công dân rút hồ sơ.",
        "Rút hồ sơ",
    ),
}

# History rows: the service's action names in words (the transitions' own labels, plus these).
EVENT_LABELS = {
    "receive": "Tiếp nhận hồ sơ tại bộ phận một cửa",
    "submit": "Nộp hồ sơ trực tuyến",
    "assign": "Giao cán bộ xử lý",
    "attach_result": "Đính kèm kết quả",
    "apologise": "Xin lỗi và hẹn lại ngày trả",
    "fee_paid": "Nộp phí, lệ phí",
    **{a: str(t.label) for a, t in TRANSITIONS.items()},
}

DEADLINE_CLASSES = {
    deadlines.DeadlineState.ON_TIME: "ok",
    deadlines.DeadlineState.DUE_SOON: "warn",
    deadlines.DeadlineState.LATE: "late",
}
TIMELINESS_CLASSES = {Timeliness.EARLY: "ok", Timeliness.ON_TIME: "ok", Timeliness.LATE: "late"}


def _may_record_payment(user, d: Dossier) -> bool:
    return (
        d.fee_amount > 0
        and d.fee_paid_at is None
        and d.status in OPEN_STATUSES
        and (can(user, "dossier.receive") or can(user, "dossier.process"))
    )


def available(user, d: Dossier, current_step=None, now=None) -> list[str]:
    """The actions to offer on the page, in ACTIONS order.

    The workflow table decides by status and role; the page also leaves out what the
    service would refuse at this step (approve outside the head's step, an apology while
    on time), so that the buttons shown are the ones that can succeed.
    """
    names = set(actions_available(d.status, user))
    if _may_record_payment(user, d):
        names.add("record_payment")
    head_step = current_step is not None and current_step.role == Role.HEAD
    if not head_step:
        names -= {"approve", "send_back"}
    if head_step or current_step is None:
        names.discard("forward")
    if "apologise" in names and (
        d.due_at is None or deadlines.deadline_state(d.due_at, now) == deadlines.DeadlineState.ON_TIME
    ):
        names.discard("apologise")
    return [a for a in ACTIONS if a in names and may_act(user, d, a)]


def _form_kwargs(action: str, d: Dossier, steps) -> dict:
    spec = ACTIONS[action]
    kwargs = {"dossier": d, "auto_id": f"id_{action}_%s"}  # several forms on one page: unique ids
    if spec.officers:
        kwargs["officers"] = assignable_officers(d, target_step(d, action, steps))
    if spec.documents:
        kwargs["documents"] = list(d.procedure_version.documents.all())
    return kwargs


def _deadline_badge(due_at, now) -> dict | None:
    state = deadlines.deadline_state(due_at, now)
    if state is None:
        return None
    return {"css": DEADLINE_CLASSES[state], "text": deadlines.DeadlineState.LABELS[state]}


def _dossier_deadline(d: Dossier, now) -> dict | None:
    if d.status in OPEN_STATUSES:
        if d.status == Status.NEW_ONLINE:
            return {"css": "info", "text": "Chưa tiếp nhận (chưa tính thời hạn)"}
        if d.clock_paused_at is not None:
            return {"css": "info", "text": "Tạm dừng tính thời hạn (chờ bổ sung)"}
        badge = _deadline_badge(d.due_at, now)
        if badge and d.status == Status.PROCESSED and d.timeliness:
            badge["text"] += f" · xử lý xong {Timeliness(d.timeliness).label.lower()}"
        return badge
    if d.timeliness:
        return {"css": TIMELINESS_CLASSES[d.timeliness], "text": Timeliness(d.timeliness).label}
    return None


def _print_link(label: str, name: str, *args) -> dict | None:
    try:
        return {"label": label, "url": reverse(f"dossiers:{name}", args=args)}
    except NoReverseMatch:
        return None


def _print_links(d: Dossier, supplements, apologies) -> list[dict]:
    links = []
    if d.received_at is not None:
        links.append(_print_link("Giấy tiếp nhận hồ sơ và hẹn trả kết quả (Mẫu 01)", "print-receipt", d.pk))
    for req in supplements:
        links.append(
            _print_link(
                f"Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ lần {req.number}",
                "print-supplement-request",
                d.pk,
                req.number,
            )
        )
    if d.status == Status.NOT_RECEIVED:
        links.append(_print_link("Phiếu từ chối tiếp nhận, giải quyết hồ sơ", "print-refusal", d.pk))
    for apology in apologies:
        links.append(
            _print_link(f"Văn bản xin lỗi và hẹn lại lần {apology.number}", "print-apology", d.pk, apology.number)
        )
    if d.status == Status.STOPPED:
        links.append(_print_link("Thông báo dừng giải quyết hồ sơ", "print-stop-notice", d.pk))
    links.append(_print_link("Phiếu kiểm soát quá trình giải quyết hồ sơ (Mẫu 06)", "print-control-slip", d.pk))
    return [link for link in links if link]


def _applicant(d: Dossier, full: bool) -> dict:
    if full:
        return {
            "full": True,
            "name": d.applicant_name,
            "id_number": d.applicant_id_number,
            "birth_date": d.applicant_birth_date,
            "phone": d.applicant_phone,
            "email": d.applicant_email,
            "area": d.applicant_area,
            "address": d.applicant_address,
            "representative": d.representative_name,
        }
    return {
        "full": False,
        "name": selectors.mask_name(d.applicant_name),
        "id_number": selectors.mask_digits(d.applicant_id_number),
        "phone": selectors.mask_digits(d.applicant_phone),
        "representative": selectors.mask_name(d.representative_name),
    }


def _render_detail(request, d: Dossier, *, bound: dict | None = None, status: int = 200):
    user = request.user
    now = timezone.now()
    full = selectors.may_see_personal_data(user, d)
    if full:
        selectors.log_personal_read(d)
    steps = dossier_steps(d)
    for step in steps:
        if step.state == StepState.ACTIVE:
            step.badge = _deadline_badge(step.due_at, now) if d.clock_paused_at is None else None
        elif step.timeliness:
            step.badge = {"css": TIMELINESS_CLASSES[step.timeliness], "text": Timeliness(step.timeliness).label}
        else:
            step.badge = None
    events = list(d.events.select_related("to_unit", "to_user").order_by("at", "id"))
    for event in events:
        event.label = EVENT_LABELS.get(event.action, event.action)
    supplements = list(d.supplement_requests.all())
    apologies = list(d.apologies.all())
    results = list(d.results.all())
    documents = list(d.documents.order_by("round", "id"))
    bound = bound or {}
    action_forms = []
    current_step = next((s for s in steps if s.pk == d.current_step_id), None)
    for action in available(user, d, current_step, now):
        spec = ACTIONS[action]
        form = bound.get(action) or spec.form(**_form_kwargs(action, d, steps))
        action_forms.append(
            {
                "action": action,
                "spec": spec,
                "form": form,
                "url": reverse(f"dossiers:action-{action}", args=[d.pk]),
                "open": action in bound,
            }
        )
    context = {
        "dossier": d,
        "status_css": "closed" if d.status not in OPEN_STATUSES else "open",
        "deadline": _dossier_deadline(d, now),
        "applicant": _applicant(d, full),
        "documents": documents,
        "steps": steps,
        "current_step": current_step,
        "events": events,
        "supplements": supplements,
        "apologies": apologies,
        "results": results,
        "action_forms": action_forms,
        "print_links": _print_links(d, supplements, apologies),
        "just_received": request.GET.get("moi") == "1",
        "receipt_url": (_print_link("", "print-receipt", d.pk) or {}).get("url"),
        "may_download": full,
        # Appendix 3 (security certificates) and 7 (fire safety) act on the establishments
        # registry when returned: the officer ties the dossier to its establishment first.
        "establishment_link_url": (
            reverse("establishments:dossier-link", args=[d.code])
            if d.status in OPEN_STATUSES and (d.procedure.seed_ref or "")[:2] in ("3.", "7.")
            else None
        ),
    }
    return render(request, "dossiers/detail.html", context, status=status)


def _get_or_404(user, pk) -> Dossier:
    d = selectors.dossier_get(user, pk)
    if d is None:
        raise Http404("Không tìm thấy hồ sơ.")
    return d


@staff_required
def dossier_detail(request, pk: int):
    if not can(request.user, "dossier.view"):
        raise PermissionDenied("Vai trò của bạn không được xem hồ sơ.")
    return _render_detail(request, _get_or_404(request.user, pk))


def _action_view(action: str):
    spec = ACTIONS[action]

    @require_POST
    @staff_required
    def view(request, pk: int):
        if not can(request.user, "dossier.view"):
            raise PermissionDenied("Vai trò của bạn không được xem hồ sơ.")
        d = _get_or_404(request.user, pk)
        if not may_act(request.user, d, action):
            raise PermissionDenied("Hồ sơ do đơn vị khác giải quyết; đơn vị của bạn chỉ tiếp nhận và trả kết quả.")
        steps = dossier_steps(d) if spec.officers else None
        form = spec.form(request.POST, request.FILES if spec.files else None, **_form_kwargs(action, d, steps))
        if not form.is_valid():
            first = next(iter(form.errors.values()))[0]
            messages.error(request, f"{spec.label}: {first}")
            return _render_detail(request, d, bound={action: form}, status=400)
        d.row_version = form.cleaned_data["row_version"]
        try:
            spec.run(request.user, d, form.cleaned_data)
        except TransitionError as exc:
            if exc.status == 404:
                raise Http404(exc.message) from exc
            messages.error(request, exc.message)
            return _render_detail(request, _get_or_404(request.user, pk), status=exc.status)
        except DossierInputError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            messages.error(request, f"{spec.label}: {exc.message}")
            return _render_detail(request, _get_or_404(request.user, pk), bound={action: form}, status=400)
        except CalendarRangeError as exc:  # a date the working calendar does not know
            messages.error(request, f"{spec.label}: {exc}")
            return _render_detail(request, _get_or_404(request.user, pk), bound={action: form}, status=400)
        messages.success(request, spec.done)
        return redirect("dossiers:detail", pk=d.pk)

    view.__name__ = f"dossier_{action}"
    return view


def _file_response(stored_name: str, filename: str, content_type: str):
    if not stored_name or not default_storage.exists(stored_name):
        raise Http404("Không tìm thấy tệp.")
    response = FileResponse(
        default_storage.open(stored_name, "rb"), filename=filename or stored_name.rsplit("/", 1)[-1]
    )
    if content_type:
        response["Content-Type"] = content_type
    return response


def _may_download(request, d: Dossier) -> None:
    if not selectors.may_see_personal_data(request.user, d):
        raise PermissionDenied("Vai trò của bạn không được xem giấy tờ của công dân.")


@staff_required
def document_file(request, pk: int, doc_pk: int):
    """A scan handed in with the dossier, streamed from storage; every download is logged."""
    d = _get_or_404(request.user, pk)
    _may_download(request, d)
    doc = d.documents.filter(pk=doc_pk).exclude(file="").first()
    if doc is None:
        raise Http404("Không tìm thấy tệp.")
    response = _file_response(doc.file.name, doc.original_name, doc.content_type)
    selectors.log_personal_read(d, reason=f"Tải giấy tờ: {doc.name}"[:255])
    return response


@staff_required
def result_file(request, pk: int, result_pk: int):
    """A result file of the dossier (it names the applicant), streamed and logged."""
    d = _get_or_404(request.user, pk)
    _may_download(request, d)
    result = d.results.filter(pk=result_pk).exclude(file="").first()
    if result is None:
        raise Http404("Không tìm thấy tệp.")
    ext = result.file.name.rsplit(".", 1)[-1] if "." in result.file.name else "pdf"
    response = _file_response(result.file.name, f"{result.code}.{ext}", result.content_type)
    selectors.log_personal_read(d, reason=f"Tải kết quả: {result.code}"[:255])
    return response


urlpatterns = [
    path("ho-so/<int:pk>/", dossier_detail, name="detail"),
    path("ho-so/<int:pk>/giay-to/<int:doc_pk>/", document_file, name="document-file"),
    path("ho-so/<int:pk>/ket-qua/<int:result_pk>/", result_file, name="result-file"),
    *[
        path(f"ho-so/<int:pk>/{spec.slug}/", _action_view(action), name=f"action-{action}")
        for action, spec in ACTIONS.items()
    ],
]
