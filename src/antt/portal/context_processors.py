from django.conf import settings


def site(request):
    return {
        "site_name": settings.ANTT_SITE_NAME,
        "require_2fa": settings.ANTT_REQUIRE_2FA,
    }
