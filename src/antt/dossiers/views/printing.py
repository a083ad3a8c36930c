"""Staff views that print a dossier's official forms as PDF (opened inline, ready to print).

Thin: the dossier is read through `selectors.dossier_get` (404 when the officer may not see it),
the form is drawn by `dossiers.printing`, and every print, which shows the applicant's personal
data, is logged with `selectors.log_personal_read`. Roles without person.view (a supervisor) get 403.
The register (Sổ theo dõi hồ sơ) is printed from the work lists (`printing.register_pdf`).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path
from django.views.decorators.http import require_GET

from antt.dossiers import printing, selectors
from antt.dossiers.models import Dossier
from antt.org.otp import staff_required


def _dossier(request, pk: int) -> Dossier:
    dossier = selectors.dossier_get(request.user, pk)
    if dossier is None:
        raise Http404("Không tìm thấy hồ sơ.")
    if not selectors.may_see_personal_data(request.user, dossier):
        raise PermissionDenied("Vai trò của bạn không được in biểu mẫu có thông tin cá nhân của người nộp hồ sơ.")
    return dossier


def _pdf(dossier: Dossier, render, *, reason: str, filename: str) -> HttpResponse:
    try:
        content = render()
    except printing.PrintError as exc:
        raise Http404(exc.message) from exc
    selectors.log_personal_read(dossier, reason=reason)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}-{dossier.code}.pdf"'
    response["Cache-Control"] = "no-store"  # personal data: never kept by a shared cache
    return response


@require_GET
@staff_required
def print_receipt(request, pk: int):
    dossier = _dossier(request, pk)
    return _pdf(
        dossier,
        lambda: printing.receipt_pdf(dossier),
        reason="In giấy tiếp nhận hồ sơ và hẹn trả kết quả",
        filename="giay-tiep-nhan",
    )


@require_GET
@staff_required
def print_supplement_request(request, pk: int, number: int):
    dossier = _dossier(request, pk)
    supplement = get_object_or_404(dossier.supplement_requests.select_related("requested_by__unit"), number=number)
    supplement.dossier = dossier
    return _pdf(
        dossier,
        lambda: printing.supplement_request_pdf(supplement),
        reason=f"In phiếu yêu cầu bổ sung, hoàn thiện hồ sơ lần {number}",
        filename=f"phieu-yeu-cau-bo-sung-{number}",
    )


@require_GET
@staff_required
def print_refusal(request, pk: int):
    dossier = _dossier(request, pk)
    return _pdf(
        dossier,
        lambda: printing.refusal_pdf(dossier),
        reason="In phiếu từ chối tiếp nhận giải quyết hồ sơ",
        filename="phieu-tu-choi",
    )


@require_GET
@staff_required
def print_apology(request, pk: int, number: int):
    dossier = _dossier(request, pk)
    apology = get_object_or_404(dossier.apologies.select_related("issued_by"), number=number)
    apology.dossier = dossier
    return _pdf(
        dossier,
        lambda: printing.apology_pdf(apology),
        reason=f"In văn bản xin lỗi và hẹn lại ngày trả kết quả lần {number}",
        filename=f"van-ban-xin-loi-{number}",
    )


@require_GET
@staff_required
def print_stop_notice(request, pk: int):
    dossier = _dossier(request, pk)
    return _pdf(
        dossier,
        lambda: printing.stop_notice_pdf(dossier),
        reason="In thông báo dừng giải quyết hồ sơ",
        filename="thong-bao-dung-giai-quyet",
    )


@require_GET
@staff_required
def print_control_slip(request, pk: int):
    dossier = _dossier(request, pk)
    return _pdf(
        dossier,
        lambda: printing.control_slip_pdf(dossier),
        reason="In phiếu kiểm soát quá trình giải quyết hồ sơ",
        filename="phieu-kiem-soat",
    )


urlpatterns = [
    path("ho-so/<int:pk>/in/giay-tiep-nhan/", print_receipt, name="print-receipt"),
    path(
        "ho-so/<int:pk>/in/yeu-cau-bo-sung/<int:number>/",
        print_supplement_request,
        name="print-supplement-request",
    ),
    path("ho-so/<int:pk>/in/tu-choi/", print_refusal, name="print-refusal"),
    path("ho-so/<int:pk>/in/xin-loi/<int:number>/", print_apology, name="print-apology"),
    path("ho-so/<int:pk>/in/dung-giai-quyet/", print_stop_notice, name="print-stop-notice"),
    path("ho-so/<int:pk>/in/phieu-kiem-soat/", print_control_slip, name="print-control-slip"),
]
