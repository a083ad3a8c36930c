"""Unmatched URLs: JSON under /api/, the site's page elsewhere."""

import pytest
from django.test import Client


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/v1/violations/decisions/%0Aabc", "/api/v1/khong-co/", "/api/v2/ping"])
def test_an_api_url_no_route_matches_answers_json_in_vietnamese(path):
    # when an API client sends a path no pattern accepts (a newline inside a path parameter)
    response = Client().get(path)
    # then the answer is the API's JSON error, not Django's HTML page
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"detail": "Không tìm thấy địa chỉ API này."}


@pytest.mark.django_db
def test_a_page_url_no_route_matches_stays_html():
    response = Client().get("/khong-co-trang-nay/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
