"""The versioned JSON API root: /api/v1/ (django-ninja).

Each domain app contributes a router from its own `api.py`; this module only
assembles them, renders JSON with readable Vietnamese, and turns every error
into a Vietnamese message with a 4xx status.
"""

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.renderers import BaseRenderer


class VietnameseJSONRenderer(BaseRenderer):
    media_type = "application/json"

    def render(self, request, data, *, response_status):
        return json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False)


api = NinjaAPI(
    title="ANTT API — Công an tỉnh Thanh Hóa",
    version="1",
    description=(
        "API của hệ thống ANTT: danh mục thủ tục hành chính, đơn vị, lịch làm việc. "
        'Mọi lỗi trả về JSON `{"detail": "..."}` bằng tiếng Việt với mã 4xx.'
    ),
    urls_namespace="api-1",
    renderer=VietnameseJSONRenderer(),
    openapi_url="/openapi.json",
    docs_url="/docs",
)


def _field_label(loc) -> str:
    parts = [str(p) for p in loc if p not in ("query", "path", "body", "form", "header", "cookie")]
    return ".".join(parts) or "yêu cầu"


def _error_message(err: dict) -> str:
    kind = err.get("type", "")
    field = _field_label(err.get("loc", ()))
    if kind == "missing":
        return f"Thiếu tham số bắt buộc: {field}."
    if kind.startswith("int") or kind.startswith("float"):
        return f"Tham số {field} phải là số."
    if kind.startswith("date") or kind.startswith("datetime") or kind.startswith("time"):
        return f"Tham số {field} không đúng định dạng ngày giờ (ví dụ 2026-04-23T09:30)."
    if kind.startswith("bool"):
        return f"Tham số {field} phải là true hoặc false."
    if kind in ("less_than_equal", "greater_than_equal", "less_than", "greater_than"):
        return f"Tham số {field} nằm ngoài khoảng cho phép."
    if kind in ("enum", "literal_error"):
        return f"Giá trị của {field} không hợp lệ."
    if kind.startswith("string_too"):
        return f"Độ dài của {field} không hợp lệ."
    if kind == "json_invalid":
        return "Nội dung gửi lên không phải JSON hợp lệ."
    return f"Giá trị của {field} không hợp lệ."


@api.exception_handler(ValidationError)
def on_validation_error(request, exc: ValidationError):
    errors = [{"field": _field_label(e.get("loc", ())), "message": _error_message(e)} for e in exc.errors]
    detail = errors[0]["message"] if errors else "Dữ liệu không hợp lệ."
    return api.create_response(request, {"detail": detail, "errors": errors}, status=422)


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return api.create_response(request, {"detail": "Không tìm thấy."}, status=404)


@api.exception_handler(AuthenticationError)
def on_auth_error(request, exc):
    return api.create_response(request, {"detail": "Chưa đăng nhập hoặc phiên đã hết hạn."}, status=401)


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    if exc.status_code == 400 and str(exc).startswith("Cannot parse request body"):
        # ninja's own message for a body that is not JSON: say it in Vietnamese, as a 422 like
        # every other invalid input.
        return api.create_response(request, {"detail": "Nội dung gửi lên không phải JSON hợp lệ."}, status=422)
    return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)


class PingOut(Schema):
    status: str


@api.get("/ping", response=PingOut, tags=["Hệ thống"], summary="Kiểm tra máy chủ còn hoạt động")
def ping(request):
    """A bare endpoint: no database, no work. The load balancer's health check and
    the baseline of the benchmarks."""
    return {"status": "ok"}


def _register_routers():
    """Import each app's router. Apps add themselves here, one line each."""
    from antt.core.api import router as core_router

    api.add_router("/calendar", core_router, tags=["Lịch làm việc"])
    from antt.org.api import router as org_router

    api.add_router("/", org_router, tags=["Đơn vị và cán bộ"])
    from antt.catalog.api import router as catalog_router

    api.add_router("/procedures", catalog_router, tags=["Thủ tục hành chính"])
    # The public lookup first: its POST /dossiers/lookup must match before the staff router's
    # /dossiers/{code} (ninja makes one URL pattern per path; Django takes the first match).
    from antt.dossiers.api_public import router as dossiers_public_router

    api.add_router("/dossiers", dossiers_public_router, tags=["Tra cứu hồ sơ"])
    from antt.dossiers.api import router as dossiers_router

    api.add_router("/dossiers", dossiers_router, tags=["Hồ sơ"])
    # Same order rule: the public lookup before the staff routes under /violations.
    from antt.violations.api_public import router as violations_public_router

    api.add_router("/violations", violations_public_router, tags=["Tra cứu vi phạm, nộp phạt"])
    from antt.violations.api import router as violations_router

    api.add_router("/violations", violations_router, tags=["Xử lý vi phạm hành chính"])
    from antt.violations.api_stats import router as violations_stats_router

    api.add_router("/violations", violations_stats_router, tags=["Thống kê vi phạm hành chính"])
    from antt.establishments.api import router as establishments_router

    api.add_router("/establishments", establishments_router, tags=["Cơ sở kinh doanh có điều kiện, PCCC"])
    from antt.lodging.api import router as lodging_router

    api.add_router("/lodging", lodging_router, tags=["Thông báo lưu trú"])
    from antt.lodging.api_stats import router as lodging_stats_router

    api.add_router("/lodging", lodging_stats_router, tags=["Thống kê lưu trú"])
    from antt.feedback.api import router as feedback_router

    api.add_router("/feedback", feedback_router, tags=["Phản ánh, kiến nghị"])
    # Webhooks first: /agency/webhooks… must match before any catch-all of the agency router.
    from antt.api.api_webhooks import router as webhooks_router

    api.add_router("/agency/webhooks", webhooks_router, tags=["Cơ quan: sự kiện (webhook)"])
    from antt.api.api_agency import router as agency_router

    api.add_router("/agency", agency_router, tags=["Cơ quan: kết nối dữ liệu"])


_register_routers()
