"""Counter intake (tiếp nhận hồ sơ tại bộ phận một cửa): pick the procedure, type the applicant,
tick the documents, record the fee, print the receipt.

Thin: the catalogue selectors find the procedure, `services.dossier_receive` does the rest
(code, deadline, audit, notification). A hidden one-time token goes to the service as the
idempotency key, so a double click or a re-POST makes one dossier.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import path, reverse

from antt.catalog import selectors as catalog
from antt.catalog.models import Fee
from antt.dossiers import services
from antt.dossiers.forms import IntakeForm
from antt.dossiers.services import ApplicantData, DocumentReceipt, DossierInputError, UploadIn
from antt.dossiers.workflow import TransitionError
from antt.org.otp import staff_required
from antt.org.roles import can

SUGGESTIONS = 12
RESULTS = 30


def _require_receive(user) -> None:
    if not can(user, "dossier.receive"):
        raise PermissionDenied("Vai trò của bạn không được tiếp nhận hồ sơ.")


def _search(q: str, limit: int) -> list[catalog.ProcedureRow]:
    q = (q or "").strip()[: catalog.MAX_QUERY_LENGTH]
    if not q:
        return []
    rows = catalog.procedure_search(q=q, include_inactive=False)
    if len(rows) < limit:  # a code typed at the counter ("1.001234") finds its procedure too
        row = catalog.procedure_get(code=q.upper())
        if row is not None and row.in_force and all(r.procedure.pk != row.procedure.pk for r in rows):
            rows.insert(0, row)
    return rows[:limit]


def _counter_fee(version) -> int:
    """The version's fee for a submission at the counter (the first in-person line)."""
    fees = sorted((f for f in version.fees.all() if f.channel == Fee.Channel.IN_PERSON), key=lambda f: f.order)
    return fees[0].amount if fees else 0


@staff_required
def procedure_suggestions(request):
    """htmx fragment: the procedures matching what the officer types (accent-insensitive)."""
    _require_receive(request.user)
    rows = _search(request.GET.get("q", ""), SUGGESTIONS)
    return render(request, "dossiers/intake_suggestions.html", {"rows": rows, "q": request.GET.get("q", "")})


@staff_required
def intake(request):
    _require_receive(request.user)
    code = (request.GET.get("procedure") or "").strip()
    if not code:
        q = request.GET.get("q", "")
        return render(
            request, "dossiers/intake_pick.html", {"q": q, "rows": _search(q, RESULTS), "searched": bool(q.strip())}
        )
    row = catalog.procedure_get(code=code[:40])
    if row is None or not row.in_force or row.version is None:
        messages.error(request, "Thủ tục không tồn tại hoặc không còn hiệu lực; vui lòng chọn lại.")
        return render(request, "dossiers/intake_pick.html", {"q": "", "rows": [], "searched": False}, status=404)
    version = row.version
    fee = _counter_fee(version)
    if request.method != "POST":
        form = IntakeForm(version=version, officer=request.user, fee=fee)
        return _render_form(request, row, form, fee)
    form = IntakeForm(request.POST, request.FILES, version=version, officer=request.user, fee=fee)
    if form.is_valid():
        data = form.cleaned_data
        try:
            result = services.dossier_receive(
                officer=request.user,
                procedure=version,
                level=data["level"],
                applicant=ApplicantData(**form.applicant_values()),
                documents=[DocumentReceipt(**r) for r in form.document_receipts()],
                uploads=[UploadIn(file=f, required_document_id=doc_id) for doc_id, f in form.uploads()],
                unit=data["unit"],
                delivery=data["delivery"],
                fee_amount=data.get("fee_amount"),
                fee_paid=bool(data.get("fee_paid")),
                fee_receipt_ref=data.get("fee_receipt_ref") or "",
                idempotency_key=data["idempotency_key"],
            )
        except DossierInputError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        except TransitionError as exc:
            messages.error(request, exc.message)
            return _render_form(request, row, form, fee, status=exc.status)
        else:
            dossier = result.dossier
            if result.created:
                messages.success(request, f"Đã tiếp nhận hồ sơ {dossier.code}. In giấy tiếp nhận và hẹn trả kết quả.")
            else:
                messages.info(request, f"Biểu mẫu đã được gửi trước đó: hồ sơ {dossier.code} đã được tiếp nhận.")
            return redirect(reverse("dossiers:detail", args=[dossier.pk]) + "?moi=1")
    messages.error(request, "Hồ sơ chưa được tiếp nhận: vui lòng sửa các mục được đánh dấu.")
    return _render_form(request, row, form, fee, status=400)


def _render_form(request, row, form, fee, status=200):
    return render(
        request,
        "dossiers/intake_form.html",
        {"row": row, "procedure": row.procedure, "version": row.version, "form": form, "catalogue_fee": fee},
        status=status,
    )


urlpatterns = [
    path("tiep-nhan/", intake, name="intake"),
    path("tiep-nhan/thu-tuc/", procedure_suggestions, name="intake-procedures"),
]
