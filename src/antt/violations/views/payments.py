"""Payment pages: the demo bank app, the treasury statement import, the suspension CSV feed.

* `/tra-cuu-vi-pham/ngan-hang-thu-nghiem/<token>/` (demo gateway only): plays the payer's
  banking app after scanning the decision's VietQR code: it shows what the app reads from the
  code (account, amount, note) and, on "Xác nhận chuyển khoản", sends the confirmation a
  provider would send, signed the same way, through the same code path as the API
  (`payments.provider_confirm`).
* `/vi-pham/doi-soat-kho-bac/` (staff with `violation.reconcile`): upload a statement
  (CSV or Excel), see past imports; `/vi-pham/doi-soat-kho-bac/<id>/`: the result per line.
* `/vi-pham/tuoc-giay-phep.csv`: the suspension feed as CSV (staff session with
  `violation.view`, or an agency's Bearer token; see `violations.api`).
"""

from __future__ import annotations

import csv
import secrets

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from antt.api.agency import file_view_key
from antt.core.middleware import client_ip
from antt.core.money import NBSP, format_vnd
from antt.core.vietqr import parse_payload
from antt.org.otp import staff_gate, staff_required
from antt.org.roles import can
from antt.violations import payments
from antt.violations.api import FEED_MAX, feed_client, suspension_page
from antt.violations.api_public import PAYABLE, qr_payload
from antt.violations.models import PenaltyDecision, TreasuryStatement, TreasuryStatementLine
from antt.violations.rules import ViolationError

# --- The demo bank app ------------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def demo_bank(request, token: str):
    """A stand-in for the payer's banking app (demo gateway only)."""
    from antt.violations import rules

    if payments.gateway_name() != "demo" or "\x00" in token or len(token) > 40:
        raise Http404
    decision = PenaltyDecision.objects.select_related("unit").filter(token=token).first()
    if decision is None:
        raise Http404
    total = rules.amount_due_on(decision, timezone.localdate())[2] if decision.status in PAYABLE else 0
    context = {"decision": decision, "lookup_done": False}
    if total <= 0:
        context["message"] = "Quyết định này không còn khoản nào phải nộp."
        return render(request, "violations/payments_demo_bank.html", context, status=409)
    scanned = parse_payload(qr_payload(decision, total))
    context.update(scanned=scanned, amount=format_vnd(scanned["amount"], sep=NBSP))
    if request.method == "GET":
        return render(request, "violations/payments_demo_bank.html", context)
    if request.POST.get("decision") != "pay":
        context["message"] = "Bạn đã hủy giao dịch. Có thể quét mã và chuyển khoản lại bất cứ lúc nào."
        return render(request, "violations/payments_demo_bank.html", context)
    body = payments.demo_callback_body(
        decision=decision,
        amount=scanned["amount"],
        transaction_id="DEMO" + secrets.token_hex(8).upper(),
        payer_name="NGUOI NOP THU NGHIEM",
    )
    answer = payments.provider_confirm(body=body, signature=payments.sign(body), ip=client_ip(request))
    context.update(answer=answer.body, ok=answer.status == 200)
    return render(request, "violations/payments_demo_done.html", context, status=answer.status)


# --- The treasury statement -------------------------------------------------------------------------


class StatementForm(forms.Form):
    file = forms.FileField(
        label="Tệp sao kê (CSV hoặc Excel)",
        help_text=(
            "Các cột: Số tham chiếu, Ngày hiệu lực (dd/mm/yyyy), Số tiền (đồng), Nội dung "
            "(hoặc transaction_ref, value_date, amount, description)."
        ),
        error_messages={"required": "Vui lòng chọn tệp sao kê.", "empty": "Tệp sao kê rỗng (0 byte)."},
    )


def _require_reconcile(user) -> None:
    if not can(user, "violation.reconcile"):
        raise PermissionDenied("Vai trò của bạn không được đối soát sao kê Kho bạc.")


@staff_required
@require_http_methods(["GET", "POST"])
def treasury_list(request):
    _require_reconcile(request.user)
    statements = TreasuryStatement.objects.select_related("imported_by").order_by("-imported_at")[:50]
    context = {"form": StatementForm(), "statements": statements}
    if request.method == "GET":
        return render(request, "violations/payments_treasury_list.html", context)
    form = StatementForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "violations/payments_treasury_list.html", {**context, "form": form}, status=400)
    try:
        statement = payments.treasury_statement_import(officer=request.user, file=form.cleaned_data["file"])
    except payments.StatementError as exc:
        context.update(form=form, error=exc.message, errors=exc.errors[:200], error_count=len(exc.errors))
        return render(request, "violations/payments_treasury_list.html", context, status=exc.status)
    except ViolationError as exc:
        context.update(form=form, error=exc.message)
        return render(request, "violations/payments_treasury_list.html", context, status=exc.status)
    return redirect("violations:treasury-detail", pk=statement.pk)


@staff_required
@require_GET
def treasury_detail(request, pk: int):
    _require_reconcile(request.user)
    statement = get_object_or_404(TreasuryStatement.objects.select_related("imported_by"), pk=pk)
    lines = list(statement.lines.select_related("decision").order_by("line_no"))
    counts = dict.fromkeys(TreasuryStatementLine.Result.values, 0)
    for line in lines:
        counts[line.result] += 1
    summary = [(label, counts[value], value) for value, label in TreasuryStatementLine.Result.choices]
    for line in lines:
        line.amount_text = format_vnd(line.amount, sep=NBSP)
    return render(
        request,
        "violations/payments_treasury_detail.html",
        {"statement": statement, "lines": lines, "summary": summary},
    )


# --- The suspension feed as CSV ----------------------------------------------------------------------


CSV_COLUMNS = [
    ("id", "ID"),
    ("kind_label", "Loại giấy phép"),
    ("licence_number", "Số giấy phép"),
    ("licence_class", "Hạng"),
    ("holder_name", "Người được cấp"),
    ("holder_id_masked", "Số định danh (che)"),
    ("months", "Số tháng"),
    ("starts_on", "Từ ngày"),
    ("ends_on", "Đến hết ngày"),
    ("active", "Đang bị tước"),
    ("cancelled", "Đã hủy"),
    ("decision_number", "Số quyết định"),
    ("unit_name", "Đơn vị xử phạt"),
    ("updated_at", "Cập nhật lúc"),
]


def _csv_value(key: str, value) -> str:
    if isinstance(value, bool):
        return "có" if value else "không"
    if key in ("starts_on", "ends_on"):
        return value.strftime("%d/%m/%Y")
    if key == "updated_at":
        return timezone.localtime(value).isoformat()
    return str(value)


@never_cache
@require_GET
def suspension_csv(request):
    """The feed as CSV: an agency's Bearer token, or a signed-in officer (own units)."""
    header = request.headers.get("Authorization", "")
    token = header[7:].strip() if header.lower().startswith("bearer ") else ""
    caller, refusal = file_view_key(request, token, "suspensions.read") if token else (None, None)
    if refusal is not None:
        return refusal
    if caller is None and token:
        caller = feed_client(token)
    if caller is None:
        if header:
            return HttpResponse("Mã truy cập không hợp lệ.", status=401, content_type="text/plain; charset=utf-8")
        gate = staff_gate(request, officer=True)
        if gate is not None:
            return gate
        if not can(request.user, "violation.view"):
            raise PermissionDenied("Vai trò của bạn không được xem sổ theo dõi tước giấy phép.")
        caller = request.user
    since_text = request.GET.get("since", "")
    try:
        since = parse_datetime(since_text) if since_text and "\x00" not in since_text else None
    except ValueError:  # well formed but not a date, e.g. month 13
        since = None
    if since_text and since is None:
        return HttpResponse(
            "Tham số since không đúng định dạng ISO 8601.", status=400, content_type="text/plain; charset=utf-8"
        )
    if since is not None and timezone.is_naive(since):
        since = timezone.make_aware(since)
    try:
        after_id = max(int(request.GET.get("after_id", "0") or 0), 0)
        limit = min(max(int(request.GET.get("limit", str(FEED_MAX)) or FEED_MAX), 1), FEED_MAX)
    except ValueError:
        return HttpResponse(
            "Tham số after_id, limit phải là số nguyên.", status=400, content_type="text/plain; charset=utf-8"
        )
    page = suspension_page(caller, since=since, after_id=after_id, limit=limit, active_on=None)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="tuoc-giay-phep.csv"'
    if page["has_more"]:
        response["X-Next-Since"] = page["next"]["since"]
        response["X-Next-After-Id"] = str(page["next"]["after_id"])
    response.write("\ufeff")  # so that Excel reads UTF-8
    writer = csv.writer(response)
    writer.writerow([label for _, label in CSV_COLUMNS])
    for item in page["items"]:
        writer.writerow([_csv_value(key, item[key]) for key, _ in CSV_COLUMNS])
    return response


urlpatterns = [
    path("tra-cuu-vi-pham/ngan-hang-thu-nghiem/<str:token>/", demo_bank, name="demo-bank"),
    path("vi-pham/doi-soat-kho-bac/", treasury_list, name="treasury-list"),
    path("vi-pham/doi-soat-kho-bac/<int:pk>/", treasury_detail, name="treasury-detail"),
    path("vi-pham/tuoc-giay-phep.csv", suspension_csv, name="suspension-csv"),
]
