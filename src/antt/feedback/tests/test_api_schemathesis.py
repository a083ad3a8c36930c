"""schemathesis over the feedback endpoints of the OpenAPI document: no 500 on any input, every
response conforms to its documented schema (status code, content type, body), schema-invalid
input is refused. positive_data_acceptance is left out as in .ci/schemathesis.sh: an unknown
topic or dossier code, a phone that is not Vietnamese, fit the schema and rightly get a 422."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from antt.feedback.loaders import load_feedback_rules
from antt.org.models import Unit
from antt.org.tests.factories import make_unit

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application()).include(
    path_regex="^/api/v1/feedback"
)


@pytest.fixture
def _world(db, settings):
    # As Django's test client does: the raw WSGI app would otherwise close the test's connection
    # after each request (PostgreSQL then fails the next one).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    settings.ANTT_FEEDBACK_RATE = settings.ANTT_FEEDBACK_DAILY_RATE = settings.ANTT_LOOKUP_RATE = ""
    cache.clear()
    load_feedback_rules()
    Unit.objects.filter(slug="ttpvhcc").exists() or make_unit(
        "Trung tâm Phục vụ hành chính công tỉnh", level=Unit.Level.PROVINCE, slug="ttpvhcc"
    )
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_feedback_api_conforms_to_its_schema(case, _world):
    # GZipMiddleware compresses for clients that accept it; the WSGI transport does not inflate.
    response = case.call(headers={"Accept-Encoding": "identity"})
    assert response.status_code < 500, response.text
    case.validate_response(response, excluded_checks=[positive_data_acceptance])
    if response.status_code >= 400 and response.status_code != 405:
        assert response.json()["detail"]
