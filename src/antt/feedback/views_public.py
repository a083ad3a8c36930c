"""Public feedback pages (phản ánh, kiến nghị), no sign-in: thin views over `feedback.intake`
(writes) and `feedback.selectors_public` (reads).

    /phan-anh-kien-nghi/                     feedback:public-home   what can be sent, legal times, published answers
    /phan-anh-kien-nghi/gui/                 feedback:new           the form (POST → PRG to da-gui)
    /phan-anh-kien-nghi/da-gui/              feedback:sent          the code and due date
    /phan-anh-kien-nghi/tra-cuu/             feedback:lookup        code + last 4 phone digits (POST, rate-limited)
    /phan-anh-kien-nghi/cong-khai/<code>/    feedback:published     one published Q&A (404 unless published)

Everything the sender typed is echoed back through Django's auto-escaping only.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from antt.core.middleware import client_ip
from antt.core.uploads import max_upload_bytes
from antt.dossiers import ratelimit
from antt.feedback import intake, selectors_public
from antt.feedback.models import FeedbackKind, FeedbackSubject, SenderKind

SESSION_KEY = "feedback_sent"
LOOKUP_NOT_FOUND = "Không tìm thấy phản ánh, kiến nghị với mã và số điện thoại đã nhập."
LOOKUP_RATE_LIMITED = "Ông/bà đã tra cứu quá nhiều lần trong thời gian ngắn. Vui lòng thử lại sau ít phút."
TOO_LARGE = (
    "Tệp đính kèm quá lớn: tổng dung lượng gửi lên vượt quá {limit} MB nên biểu mẫu chưa được đọc. "
    "Vui lòng chọn tệp nhỏ hơn (có thể chụp lại hoặc nén PDF) rồi gửi lại."
)
FORM_ERROR = "Phản ánh, kiến nghị chưa gửi được: vui lòng sửa các mục được đánh dấu."
FILES_AGAIN = "Vì lý do an toàn, trình duyệt không giữ các tệp đã chọn: vui lòng chọn lại tệp nếu cần."

# name → (label, help text, required)
_FIELDS = {
    "title": ("Tiêu đề", "Tóm tắt trong một câu, tối đa 200 ký tự.", True),
    "content": ("Nội dung phản ánh, kiến nghị", "Trình bày rõ sự việc, thời gian, địa điểm, đề xuất (nếu có).", True),
    "dossier_code": ("Mã hồ sơ liên quan", "Nếu phản ánh về một hồ sơ: mã in trên giấy tiếp nhận.", False),
    "procedure": ("Thủ tục hành chính liên quan", "", False),
    "topic": ("Chủ đề", "", False),
    "sender_name": ("Họ và tên", "", True),
    "org_name": ("Tên tổ chức, doanh nghiệp", "Chỉ khi người gửi là tổ chức.", False),
    "sender_phone": ("Số điện thoại", "Để nhận mã tra cứu và liên hệ khi cần làm rõ.", True),
    "sender_email": ("Thư điện tử", "", False),
    "sender_address": ("Địa chỉ liên hệ", "", True),
    "files": ("Tệp đính kèm", "", False),
    "consent": ("", "", True),
    "kind": ("Loại", "", True),
    "subject": ("Nội dung liên quan đến", "", True),
    "sender_kind": ("Người gửi là", "", True),
}


def _field_context(values: dict, errors: dict) -> dict:
    out = {}
    for name, (label, help_text, required) in _FIELDS.items():
        out[name] = {
            "name": name,
            "id": f"id_{name}",
            "label": label,
            "help": help_text,
            "required": required,
            "value": values.get(name, ""),
            "error": errors.get(name, ""),
        }
    return out


def _form_values(post) -> dict:
    keep = ("kind", "subject", "topic", "title", "content", "dossier_code", "procedure", "sender_kind")
    keep += ("sender_name", "org_name", "sender_phone", "sender_email", "sender_address", "consent")
    return {k: str(post.get(k, ""))[: intake.CONTENT_MAX + 100] for k in keep}


def _render_form(request, *, values=None, errors=None, status=200, error="", info=""):
    values = values or {"kind": FeedbackKind.REFLECTION, "subject": "", "sender_kind": SenderKind.PERSON}
    errors = errors or {}
    context = {
        "f": _field_context(values, errors),
        "values": values,
        "errors": errors,
        "error": error,
        "info": info,
        "kinds": FeedbackKind.choices,
        "subjects": FeedbackSubject.choices,
        "sender_kinds": SenderKind.choices,
        "topics": selectors_public.active_topics(),
        "procedure_groups": selectors_public.procedure_choices(),
        "form_token": intake.form_token(),
        "max_files": intake.max_files(),
        "max_upload": max_upload_bytes(),
        "max_total": intake.max_total_bytes(),
        "content_max": intake.CONTENT_MAX,
    }
    return render(request, "feedback/public_form.html", context, status=status)


def _too_large(request) -> bool:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return length > intake.max_body_bytes()


def _csrf_refusal(request):
    """Django's CSRF check, run by hand: the view is exempt from the middleware only so that the
    size check comes first (the middleware reads request.POST, i.e. parses the whole body)."""
    return CsrfViewMiddleware(lambda r: None).process_view(request, _checked_view, (), {})


def _checked_view(request):  # pragma: no cover - a callback without csrf_exempt, never called
    raise AssertionError


@never_cache
@csrf_exempt
@require_http_methods(["GET", "POST"])
def new(request):
    """The form; a valid POST stores the feedback and redirects to /da-gui/ (PRG).

    An oversized body is refused (413) before anything reads it; then CSRF is checked as usual."""
    if request.method == "GET":
        values = {"kind": FeedbackKind.REFLECTION, "sender_kind": SenderKind.PERSON}
        dossier_code = (request.GET.get("ho_so") or "").strip()[:60]
        if dossier_code:
            values.update(dossier_code=dossier_code, subject=FeedbackSubject.DOSSIER)
        return _render_form(request, values=values)
    if _too_large(request):
        # Refuse before Django parses (and spools to disk) the multipart body.
        limit = intake.max_total_bytes() // (1024 * 1024)
        return _render_form(request, status=413, error=TOO_LARGE.format(limit=limit))
    refusal = _csrf_refusal(request)
    if refusal is not None:
        return refusal
    values = _form_values(request.POST)
    try:
        client = intake.client_hash(client_ip(request))
        data = intake.validate(request.POST, client=client)
        result = intake.submit(
            data=data,
            client=client,
            files=request.FILES.getlist("files"),
            form_token=request.POST.get("ft"),
            honeypot=request.POST.get("website", ""),
        )
    except intake.IntakeInvalid as exc:
        error = FORM_ERROR + (" " + FILES_AGAIN if request.FILES else "")
        return _render_form(request, values=values, errors=exc.errors, status=400, error=error)
    except intake.RateLimited as exc:
        response = _render_form(request, values=values, status=429, error=str(exc))
        response["Retry-After"] = str(exc.retry_after)
        return response
    except intake.Duplicate as exc:
        return _render_form(request, values=values, status=409, info=str(exc))
    except intake.IntakeUnavailable as exc:
        return _render_form(request, values=values, status=503, error=str(exc))
    feedback = result.feedback
    request.session[SESSION_KEY] = {
        "code": feedback.code,
        "classify_due": feedback.classify_due.isoformat(),
        "notified": result.notified,
    }
    return redirect("feedback:sent")


@never_cache
@require_GET
def sent(request):
    """The code and the due date of what was just sent (from the session: nothing in the URL)."""
    data = request.session.get(SESSION_KEY)
    if not data:
        return redirect("feedback:new")
    context = {
        "code": data["code"],
        "classify_due": date.fromisoformat(data["classify_due"]),
        "notified": data.get("notified") or [],
    }
    return render(request, "feedback/public_sent.html", context)


def lookup_rate() -> str:
    return getattr(settings, "ANTT_LOOKUP_RATE", "10/m")


def _lookup_form_values(post) -> dict:
    return {"code": str(post.get("code", ""))[:40], "phone_last4": ""}


@never_cache
@require_http_methods(["GET", "POST"])
def lookup(request):
    """Code + last 4 phone digits (POST only, never in a URL); also the sender's satisfied/not."""
    if request.method == "GET":
        return render(request, "feedback/public_lookup.html", {"values": {}, "errors": {}})
    if not ratelimit.allow(request, "feedback-lookup", lookup_rate()):
        context = {"values": _lookup_form_values(request.POST), "errors": {}, "error": LOOKUP_RATE_LIMITED}
        response = render(request, "feedback/public_lookup.html", context, status=429)
        response["Retry-After"] = str(ratelimit.retry_after(lookup_rate()))
        return response
    code = str(request.POST.get("code", "")).strip()
    last4 = str(request.POST.get("phone_last4", "")).strip()
    errors = {}
    if not code:
        errors["code"] = "Vui lòng nhập mã phản ánh, kiến nghị."
    elif len(code) > 40 or "\x00" in code:
        errors["code"] = "Mã phản ánh, kiến nghị không hợp lệ (ví dụ PAKN-260423-0001)."
    if not (len(last4) == 4 and last4.isdigit()):
        errors["phone_last4"] = "Vui lòng nhập đúng 4 chữ số cuối số điện thoại."
    values = {"code": code[:40], "phone_last4": ""}
    if errors:
        return render(request, "feedback/public_lookup.html", {"values": values, "errors": errors}, status=400)
    item = selectors_public.find_for_sender(code, last4)
    if item is None:
        context = {"values": values, "errors": {}, "error": LOOKUP_NOT_FOUND}
        return render(request, "feedback/public_lookup.html", context, status=404)
    message = ""
    status = 200
    opinion = request.POST.get("satisfied")
    if opinion in ("yes", "no"):
        try:
            intake.record_satisfaction(feedback_id=item["id"], satisfied=opinion == "yes")
            message = "Cảm ơn ông/bà đã cho ý kiến về câu trả lời."
        except intake.NotAllowed as exc:
            context = {"values": values, "errors": {}, "error": str(exc), "item": item, "last4": last4}
            return render(request, "feedback/public_lookup.html", context, status=409)
        item = selectors_public.find_for_sender(code, last4)
    elif opinion is not None:
        context = {"values": values, "errors": {}, "error": "Ý kiến không hợp lệ.", "item": item, "last4": last4}
        return render(request, "feedback/public_lookup.html", context, status=400)
    context = {"values": values, "errors": {}, "item": item, "last4": last4, "message": message}
    return render(request, "feedback/public_lookup.html", context, status=status)


def _page_number(raw) -> int:
    raw = str(raw or "1")
    return int(raw) if raw.isdigit() and len(raw) < 7 else 1


@require_GET
def home(request):
    """What may be sent, the legal times (from the rule rows), the published answers with search."""
    q = " ".join(str(request.GET.get("q", "")).replace("\x00", "").split())[: selectors_public.QUERY_MAX]
    topic = str(request.GET.get("chu_de", "")).strip()[:40]
    page = selectors_public.published_page(q, topic, _page_number(request.GET.get("trang")))
    query = urlencode([(k, v) for k, v in (("q", q), ("chu_de", topic)) if v])
    context = {
        "rules": selectors_public.rules_in_force(),
        "topics": selectors_public.active_topics(),
        "page": page,
        "q": q,
        "topic": topic,
        "query": query,
        "kinds": FeedbackKind.choices,
        "subjects": FeedbackSubject.choices,
    }
    return render(request, "feedback/public_home.html", context)


@require_GET
def published(request, code: str):
    item = selectors_public.published_one(code)
    if item is None:
        raise Http404("Không tìm thấy câu trả lời công khai.")
    return render(request, "feedback/public_published.html", {"item": item})


urlpatterns = [
    path("phan-anh-kien-nghi/", home, name="public-home"),
    path("phan-anh-kien-nghi/gui/", new, name="new"),
    path("phan-anh-kien-nghi/da-gui/", sent, name="sent"),
    path("phan-anh-kien-nghi/tra-cuu/", lookup, name="lookup"),
    path("phan-anh-kien-nghi/cong-khai/<str:code>/", published, name="published"),
]
