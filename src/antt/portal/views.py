from django.shortcuts import redirect, render

from antt.org.otp import staff_required
from antt.portal.navigation import CATALOG_URLS, actions_for, optional_url


def home(request):
    """Public home: the three things citizens come for, and the staff sign-in."""
    return render(request, "portal/home.html", {"catalog_url": optional_url(*CATALOG_URLS)})


def staff_home(request):
    """The officer's next steps, as cards of what their role allows; a business account (the
    same sign-in page) goes to its own page instead."""
    user = request.user
    if user.is_authenticated and not getattr(user, "is_officer", False) and hasattr(user, "establishment_account"):
        return redirect("establishments:business-home")
    return _staff_home(request)


@staff_required
def _staff_home(request):
    return render(request, "portal/staff_home.html", {"actions": actions_for(request.user)})
