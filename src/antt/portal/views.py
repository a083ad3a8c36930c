from django.shortcuts import render

from antt.org.otp import staff_required
from antt.portal.navigation import CATALOG_URLS, actions_for, optional_url


def home(request):
    """Public home: the three things citizens come for, and the staff sign-in."""
    return render(request, "portal/home.html", {"catalog_url": optional_url(*CATALOG_URLS)})


@staff_required
def staff_home(request):
    """The officer's next steps, as cards of what their role allows."""
    return render(request, "portal/staff_home.html", {"actions": actions_for(request.user)})
