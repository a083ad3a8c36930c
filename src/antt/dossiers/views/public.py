"""Public pages of a dossier: the lookup by code + phone digits, the QR-token page (status,
timeline, supplement upload, result download, rating link).

No account: the secret is either the code plus the last four digits of the applicant's
phone (POST, never in the URL) or the receipt's unguessable token. An unknown code and
wrong digits answer the same 404 with the same message. Only the masked name and no
other personal data appear; the result file is offered on the token page only (the token
is the stronger secret).
"""

from __future__ import annotations

from django import forms
from django.apps import apps
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import FieldError
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from antt.core.money import format_vnd
from antt.core.uploads import UploadError, check_upload, max_upload_bytes
from antt.dossiers import ratelimit, services
from antt.dossiers.api_public import (
    NOT_FOUND,
    RATE_LIMITED,
    find_by_code,
    find_by_token,
    lookup_rate,
    public_events,
    summary,
)
from antt.dossiers.models import Delivery, Dossier, DossierResult, Status, SupplementRequest
from antt.dossiers.workflow import TransitionError

MISSING_LINK = "Không tìm thấy hồ sơ. Đường liên kết có thể đã bị sao chép thiếu; hãy mở lại từ tin nhắn hoặc mã QR."


class LookupForm(forms.Form):
    code = forms.CharField(
        label="Mã hồ sơ",
        max_length=60,
        help_text="In trên giấy tiếp nhận hồ sơ, ví dụ H56.14-260423-0001.",
        error_messages={"required": "Vui lòng nhập mã hồ sơ.", "max_length": "Mã hồ sơ tối đa 60 ký tự."},
    )
    phone_last4 = forms.RegexField(
        label="4 chữ số cuối số điện thoại",
        regex=r"^[0-9]{4}$",
        help_text="Số điện thoại đã khai khi nộp hồ sơ.",
        error_messages={
            "required": "Vui lòng nhập 4 chữ số cuối số điện thoại.",
            "invalid": "Vui lòng nhập đúng 4 chữ số.",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})
        self.fields["phone_last4"].widget.attrs.update(
            {"inputmode": "numeric", "autocomplete": "off", "maxlength": "4", "pattern": "[0-9]{4}"}
        )


def supplement_rate() -> str:
    return getattr(settings, "ANTT_SUPPLEMENT_RATE", "10/h")


def _too_many(request, template: str, context: dict, rate: str):
    context = {**context, "error": RATE_LIMITED}
    response = render(request, template, context, status=429)
    response["Retry-After"] = str(ratelimit.retry_after(rate))
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def lookup(request):
    """/tra-cuu/: the form, and on POST the dossier (200), a generic 404, 400 on bad input, 429."""
    if request.method == "GET":
        return render(request, "dossiers/public_lookup.html", {"form": LookupForm()})
    if not ratelimit.allow(request, "lookup", lookup_rate()):
        return _too_many(request, "dossiers/public_lookup.html", {"form": LookupForm()}, lookup_rate())
    form = LookupForm(request.POST)
    if not form.is_valid():
        return render(request, "dossiers/public_lookup.html", {"form": form}, status=400)
    row = find_by_code(form.cleaned_data["code"], form.cleaned_data["phone_last4"])
    if row is None:
        blank = LookupForm(initial={"code": form.cleaned_data["code"]})
        return render(request, "dossiers/public_lookup.html", {"form": blank, "error": NOT_FOUND}, status=404)
    context = {"form": LookupForm(), "dossier": summary(row, public_events(row["id"]))}
    return render(request, "dossiers/public_lookup.html", context)


def _rating_url(row: dict, token: str) -> str | None:
    """The rating link of a returned dossier not yet rated (the feedback app's page), else None."""
    if row["status"] != Status.RETURNED:
        return None
    try:
        url = reverse("feedback:rate-token", args=[token])
    except NoReverseMatch:
        return None
    try:
        rating = apps.get_model("feedback", "Rating")
        if rating.objects.filter(dossier_id=row["id"]).exists():
            return None
    except (LookupError, FieldError):
        pass
    return url


def _token_context(row: dict, token: str) -> dict:
    context = {"dossier": summary(row, public_events(row["id"]), by_token=True), "token": token}
    if row["status"] == Status.SUPPLEMENT_REQUESTED:
        context["supplement"] = (
            SupplementRequest.objects.filter(dossier_id=row["id"])
            .order_by("-number")
            .values("number", "items", "reasons", "requested_at")
            .first()
        )
        context["max_upload"] = max_upload_bytes()
        if context["supplement"]:
            context["items"] = [
                {"index": i, "name": n, "error": ""} for i, n in enumerate(context["supplement"]["items"])
            ]
    if row["status"] == Status.RETURNED and row["delivery"] == Delivery.ONLINE:
        context["results"] = list(
            DossierResult.objects.filter(dossier_id=row["id"]).exclude(file="").values("number", "code", "name", "size")
        )
    context["rating_url"] = _rating_url(row, token)
    from antt.dossiers.models import CLOSED_STATUSES
    from antt.dossiers.payments import online_payment_enabled

    if (
        online_payment_enabled()
        and row["fee_amount"] > 0
        and row["fee_paid_at"] is None
        and row["status"] not in CLOSED_STATUSES
    ):
        context["fee_due"] = format_vnd(row["fee_amount"])
    return context


@never_cache
@require_http_methods(["GET", "POST"])
def by_token(request, token: str):
    """The QR / link page of one dossier; on POST, the applicant's supplement upload."""
    row = find_by_token(token)
    if row is None:
        return render(request, "dossiers/public_not_found.html", {"message": MISSING_LINK}, status=404)
    if request.method == "GET":
        return render(request, "dossiers/public_dossier.html", _token_context(row, token))
    return _supplement(request, row, token)


def _supplement(request, row: dict, token: str):
    context = _token_context(row, token)
    template = "dossiers/public_dossier.html"
    if not ratelimit.allow(request, "supplement", supplement_rate()):
        return _too_many(request, template, context, supplement_rate())
    supplement = context.get("supplement")
    if row["status"] != Status.SUPPLEMENT_REQUESTED or supplement is None:
        context["error"] = "Hồ sơ hiện không ở trạng thái chờ bổ sung; không cần tải thêm giấy tờ."
        return render(request, template, context, status=409)
    uploads, field_errors = [], {}
    for i, item in enumerate(supplement["items"]):
        upload = request.FILES.get(f"item_{i}")
        if upload is None:
            continue
        try:
            check_upload(upload)
        except UploadError as exc:
            field_errors[i] = str(exc)
            continue
        uploads.append(services.UploadIn(file=upload, name=item))
    note = (request.POST.get("note") or "").strip()[:1000]
    if not uploads and not field_errors:
        context["error"] = "Vui lòng chọn tệp cho ít nhất một giấy tờ cần bổ sung."
    elif field_errors:
        context["error"] = "Có tệp không hợp lệ; vui lòng chọn lại các tệp (trình duyệt không giữ tệp đã chọn)."
    else:
        try:
            services.dossier_supplement_submit(dossier=Dossier.objects.get(pk=row["id"]), uploads=uploads, note=note)
        except services.DossierInputError as exc:
            context["error"] = exc.message + " Vui lòng chọn lại các tệp (trình duyệt không giữ tệp đã chọn)."
        except TransitionError as exc:
            context["error"] = exc.message
            return render(request, template, context, status=exc.status)
        else:
            messages.success(request, "Đã nhận giấy tờ bổ sung. Cán bộ sẽ kiểm tra và tiếp tục giải quyết hồ sơ.")
            return redirect("dossiers:public-token", token=token, permanent=False)
    for item in context["items"]:
        item["error"] = field_errors.get(item["index"], "")
    context["note"] = note
    return render(request, template, context, status=400)


@never_cache
def result_file(request, token: str, number: int):
    """The electronic result of a returned dossier delivered online: only with the token."""
    row = find_by_token(token)
    if row is None or row["status"] != Status.RETURNED or row["delivery"] != Delivery.ONLINE:
        raise Http404(MISSING_LINK)
    result = (
        DossierResult.objects.filter(dossier_id=row["id"], number=number)
        .exclude(file="")
        .values("code", "file", "content_type")
        .first()
    )
    if result is None:
        raise Http404(MISSING_LINK)
    extension = result["file"].rsplit(".", 1)[-1] if "." in result["file"] else "pdf"
    return FileResponse(
        default_storage.open(result["file"], "rb"),
        as_attachment=True,
        filename=f"ket-qua-{result['code']}.{extension}",
        content_type=result["content_type"] or "application/octet-stream",
    )


urlpatterns = [
    path("tra-cuu/", lookup, name="public-lookup"),
    path("tra-cuu/ho-so/<str:token>/", by_token, name="public-token"),
    path("tra-cuu/ho-so/<str:token>/ket-qua/<int:number>/", result_file, name="public-result"),
]
