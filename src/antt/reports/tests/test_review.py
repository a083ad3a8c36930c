"""Review findings on the statistics page: custom dates out of range are a 400, never a 500."""

import pytest
from django.test import Client
from django.urls import reverse

from antt.dossiers.tests.factories import one_stop_world
from antt.org.otp import login_verified

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", ["reports:statistics", "reports:export-xlsx", "reports:export-pdf"])
@pytest.mark.parametrize(
    ("start", "end"),
    [("0001-01-01", "0001-12-31"), ("9999-01-01", "9999-12-31"), ("01/01/1999", "31/12/1999")],
)
def test_custom_periods_outside_the_supported_years_are_refused_with_400(db, name, start, end):
    # given a supervisor
    w = one_stop_world()
    client = Client(raise_request_exception=False)
    login_verified(client, w.supervisor)
    # when
    response = client.get(reverse(name), {"period": "custom", "date_from": start, "date_to": end})
    # then
    assert response.status_code == 400
    assert "01/01/2000" in response.content.decode()
