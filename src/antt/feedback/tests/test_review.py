"""Review findings on the rating pages: bad tokens are 404s, the limit counts real clients."""

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from antt.dossiers.tests.factories import one_stop_world
from antt.feedback.tests.builders import at, finish, receive
from antt.feedback.views import LINK_RATE_LIMIT

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def test_a_nul_byte_in_the_rating_token_is_a_404_not_a_500(db):
    # when (PostgreSQL refuses NUL in a text parameter)
    response = Client(raise_request_exception=False).get("/danh-gia/%00/")
    # then
    assert response.status_code == 404


def test_behind_the_proxy_the_link_limit_counts_each_client_not_the_proxy(criteria, settings):
    # given a returned dossier, served behind the reverse proxy (every request from its address)
    settings.ANTT_BEHIND_PROXY = True
    w = one_stop_world(days=3)
    returned = finish(w, receive(w, at(2026, 5, 4, 9)), at(2026, 5, 5, 10))
    url = reverse("feedback:rate-token", args=[returned.token])
    client = Client(REMOTE_ADDR="10.0.0.1")
    # when one client uses up its limit
    for _ in range(LINK_RATE_LIMIT + 1):
        client.get(url, headers={"X-Real-IP": "203.0.113.7"})
    assert client.get(url, headers={"X-Real-IP": "203.0.113.7"}).status_code == 429
    # then another citizen behind the same proxy still opens the page
    assert client.get(url, headers={"X-Real-IP": "203.0.113.8"}).status_code == 200
