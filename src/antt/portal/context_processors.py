from django.conf import settings

from antt.portal.navigation import nav_items


def site(request):
    """Site name, the role-based navigation and whether the 2FA-off demo banner applies."""
    user = getattr(request, "user", None)
    return {
        "site_name": settings.ANTT_SITE_NAME,
        "require_2fa": settings.ANTT_REQUIRE_2FA,
        "demo_2fa_off": not settings.ANTT_REQUIRE_2FA,
        "signed_in": bool(user is not None and user.is_authenticated),
        "nav_items": nav_items(request),
    }
