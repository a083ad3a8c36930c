from antt.core.context import current_ip, current_user


def client_ip(request) -> str | None:
    """The client's address. Behind the reverse proxy (ANTT_BEHIND_PROXY=1), nginx sets X-Real-IP;
    otherwise the header is the client's own claim and is ignored (it would let anyone dodge the
    rate limits and forge the audit trail's addresses)."""
    from django.conf import settings

    if settings.ANTT_BEHIND_PROXY:
        return request.META.get("HTTP_X_REAL_IP") or request.META.get("REMOTE_ADDR")
    return request.META.get("REMOTE_ADDR")


def _signed_in_user(request):
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


class RequestContextMiddleware:
    """Makes the signed-in user and the client address available to services."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user_token = current_user.set(lambda: _signed_in_user(request))
        ip_token = current_ip.set(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            current_user.reset(user_token)
            current_ip.reset(ip_token)
