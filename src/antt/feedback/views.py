"""Rating pages: by the link sent to the applicant (public) and on the counter tablet (staff).

Views hold no rules: they read with `feedback.selectors`, write with
`feedback.services.rating_submit` and turn its `RatingError` into the page and the
status it names (400 missing answer, 403, 404, 409 not returned / already rated).
"""

from __future__ import annotations

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from antt.core.middleware import client_ip
from antt.dossiers.selectors import mask_name
from antt.feedback import selectors
from antt.feedback.models import RatingChannel
from antt.feedback.services import (
    ALREADY_RATED,
    NOT_RETURNED,
    RatingError,
    criteria_in_force,
    rating_date,
    rating_submit,
)
from antt.org.otp import staff_required
from antt.org.roles import can

# Soft limit for the public page: enough for a family rating several dossiers, not for guessing tokens.
LINK_RATE_LIMIT = 30
LINK_RATE_WINDOW = 600  # seconds


def _too_many(request, bucket: str, limit: int, window: int) -> bool:
    key = f"feedback:{bucket}:{client_ip(request) or '-'}"
    if cache.add(key, 1, window):
        return False
    try:
        return cache.incr(key) > limit
    except ValueError:  # expired between add and incr
        cache.add(key, 1, window)
        return False


def _answers(request, criteria) -> dict[str, str]:
    return {c.code: request.POST.get(f"q-{c.code}", "") for c in criteria}


def _form_context(dossier, criteria, *, answers=None, error=None, **extra) -> dict:
    return {
        "dossier": dossier,
        "masked_name": mask_name(dossier.applicant_name),
        "criteria": criteria,
        "answers": answers or {},
        "error": error,
        **extra,
    }


def _closed_message(dossier) -> str:
    return ALREADY_RATED if selectors.is_rated(dossier) else NOT_RETURNED


@require_http_methods(["GET", "POST"])
def rate_by_token(request, token: str):
    if _too_many(request, "link", LINK_RATE_LIMIT, LINK_RATE_WINDOW):
        return render(
            request,
            "feedback/message.html",
            {"heading": "Vui lòng thử lại sau", "message": "Ông/Bà đã gửi quá nhiều yêu cầu. Xin thử lại sau ít phút."},
            status=429,
        )
    dossier = selectors.dossier_for_link_rating(token)
    if dossier is None:
        return render(
            request,
            "feedback/message.html",
            {"heading": "Không tìm thấy hồ sơ", "message": "Đường liên kết đánh giá không đúng hoặc đã hết hiệu lực."},
            status=404,
        )
    if not selectors.may_be_rated(dossier):
        return render(
            request,
            "feedback/message.html",
            {"heading": "Đánh giá mức độ hài lòng", "message": _closed_message(dossier), "dossier": dossier},
            status=409,
        )
    criteria = criteria_in_force(rating_date(dossier))
    if request.method == "POST":
        answers = _answers(request, criteria)
        try:
            rating_submit(
                dossier=dossier, answers=answers, channel=RatingChannel.LINK, comment=request.POST.get("comment", "")
            )
        except RatingError as exc:
            context = _form_context(dossier, criteria, answers=answers, error=exc, comment=request.POST.get("comment"))
            return render(request, "feedback/rate.html", context, status=exc.status)
        return render(request, "feedback/thanks.html", {"dossier": dossier})
    return render(request, "feedback/rate.html", _form_context(dossier, criteria))


@staff_required
@require_http_methods(["GET", "POST"])
def counter_rating(request):
    """The counter tablet: the receptionist opens a returned dossier, the citizen answers."""
    if not can(request.user, "dossier.return"):
        raise PermissionDenied("Vai trò của bạn không được mở phiếu đánh giá tại quầy.")
    code = (request.POST.get("code") or request.GET.get("code") or "").strip()
    if request.method == "GET" and not code:
        return render(request, "feedback/counter_open.html", {})
    dossier = selectors.dossier_for_counter_rating(request.user, code)
    if dossier is None:
        return render(
            request,
            "feedback/counter_open.html",
            {"code": code, "error": "Không tìm thấy hồ sơ có mã này trong đơn vị của bạn."},
            status=404,
        )
    if not selectors.may_be_rated(dossier):
        return render(
            request, "feedback/counter_open.html", {"code": code, "error": _closed_message(dossier)}, status=409
        )
    criteria = criteria_in_force(rating_date(dossier))
    if request.method == "POST" and request.POST.get("step") == "submit":
        answers = _answers(request, criteria)
        try:
            rating_submit(
                dossier=dossier,
                answers=answers,
                channel=RatingChannel.COUNTER_TABLET,
                comment=request.POST.get("comment", ""),
                staff=request.user,
            )
        except RatingError as exc:
            context = _form_context(
                dossier, criteria, answers=answers, error=exc, tablet=True, comment=request.POST.get("comment")
            )
            return render(request, "feedback/rate.html", context, status=exc.status)
        return render(request, "feedback/thanks.html", {"dossier": dossier, "tablet": True})
    return render(request, "feedback/rate.html", _form_context(dossier, criteria, tablet=True))
