"""What Django answers for a URL no route matches: JSON under /api/, the site's page elsewhere.

An API client (or the schemathesis fuzzer) that sends a path no pattern accepts — a decision
number with a newline in it, say — must get the API's own JSON error, in Vietnamese, not Django's
HTML page.
"""

from django.http import JsonResponse
from django.views import defaults


def not_found(request, exception=None):
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"detail": "Không tìm thấy địa chỉ API này."}, status=404, json_dumps_params={"ensure_ascii": False}
        )
    return defaults.page_not_found(request, exception)
