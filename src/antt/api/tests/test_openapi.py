"""The OpenAPI document at /api/v1/openapi.json is complete and usable by a client generator.

- it validates against the OpenAPI specification (`openapi-spec-validator`);
- every operation has a unique operationId, a summary, tags, and a declared success response,
  with a JSON schema for 200/201;
- the agency endpoints declare their errors (401/403/404/422/429);
- `openapi-python-client` generates a Python client from it, and that client calls GET
  /api/v1/ping and GET /api/v1/agency/me against the live server.

The two tools are development requirements (requested for requirements.lock). They are looked
for in this interpreter, else in the interpreter named by ANTT_OPENAPI_TOOLS_PYTHON (a separate
virtualenv with both installed: `python -m venv /tmp/tools && /tmp/tools/bin/pip install
openapi-python-client openapi-spec-validator`); without either, the tests that need them are
skipped, saying so.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import textwrap
from collections import Counter
from pathlib import Path

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

METHODS = ("get", "post", "put", "patch", "delete", "head", "options")
TOOLS_MISSING = (
    "openapi-python-client and openapi-spec-validator are not installed in this interpreter and "
    "ANTT_OPENAPI_TOOLS_PYTHON names no interpreter that has them (requested for requirements.lock)"
)


def tools_python() -> str | None:
    """An interpreter with openapi-python-client, openapi-spec-validator (and httpx, attrs)."""
    if importlib.util.find_spec("openapi_python_client") and importlib.util.find_spec("openapi_spec_validator"):
        return sys.executable
    named = os.environ.get("ANTT_OPENAPI_TOOLS_PYTHON", "")
    if named and Path(named).is_file():
        return named
    return None


@pytest.fixture
def document() -> dict:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def operations(document: dict):
    for path, item in document["paths"].items():
        for method, op in item.items():
            if method in METHODS:
                yield path, method, op


def test_every_operation_has_a_unique_id_summary_tags_and_a_success_schema(document):
    ops = list(operations(document))
    assert len(ops) > 40
    ids = Counter(op.get("operationId") for _, _, op in ops)
    assert None not in ids, "an operation without operationId"
    assert [i for i, n in ids.items() if n > 1] == []
    problems = []
    for path, method, op in ops:
        where = f"{method.upper()} {path}"
        if not (op.get("summary") or "").strip():
            problems.append(f"{where}: no summary")
        if not op.get("tags"):
            problems.append(f"{where}: no tags")
        responses = op.get("responses", {})
        success = [code for code in responses if str(code).startswith("2")]
        if not success:
            problems.append(f"{where}: no success response declared")
        for code in ("200", "201"):
            if code in responses:
                content = responses[code].get("content", {})
                schemas = [c.get("schema") for c in content.values()]
                if not schemas or not all(schemas):
                    problems.append(f"{where}: {code} without a schema")
    assert problems == []


def test_the_agency_endpoints_declare_their_errors(document):
    paths = document["paths"]
    expected = {
        ("/api/v1/agency/me", "get"): {"200", "401", "403", "422", "429"},
        ("/api/v1/agency/usage", "get"): {"200", "401", "403", "422", "429"},
        ("/api/v1/agency/dossiers/{code}", "get"): {"200", "401", "403", "404", "422", "429"},
        ("/api/v1/violations/suspensions", "get"): {"200", "401", "403", "422", "429"},
        ("/api/v1/establishments/", "get"): {"200", "401", "403", "422", "429"},
        ("/api/v1/lodging/statistics/guests", "get"): {"200", "401", "403", "422", "429"},
    }
    for (path, method), codes in expected.items():
        op = paths[path][method]
        assert codes <= set(op["responses"]), (path, sorted(op["responses"]))
        assert op["operationId"] and op["summary"]
        assert op.get("security"), f"{path}: no security requirement"
    me = paths["/api/v1/agency/me"]["get"]
    assert me["operationId"] == "agency_me"
    schema_ref = me["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    me_schema = document["components"]["schemas"][schema_ref.rsplit("/", 1)[1]]
    assert {"name", "prefix", "scopes", "units", "rate", "daily_quota", "today"} <= set(me_schema["properties"])
    # the bearer scheme of agency keys is documented
    schemes = document["components"]["securitySchemes"]
    assert any("antt_" in (s.get("description") or "") for s in schemes.values())


def test_the_document_validates_against_the_openapi_specification(document, tmp_path):
    python = tools_python()
    if python is None:
        pytest.skip(TOOLS_MISSING)
    spec = tmp_path / "openapi.json"
    spec.write_text(json.dumps(document), encoding="utf-8")
    check = "import json, sys; from openapi_spec_validator import validate; validate(json.load(open(sys.argv[1])))"
    result = subprocess.run([python, "-c", check, str(spec)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]


def test_a_generated_python_client_calls_the_live_server(live_server, tmp_path):
    python = tools_python()
    if python is None:
        pytest.skip(TOOLS_MISSING)
    from antt.api.agency_services import issue_key

    _, plaintext = issue_key(name="Máy khách sinh tự động", scopes=["dossiers.status"], rate="100/m")
    document = Client().get("/api/v1/openapi.json").json()
    spec = tmp_path / "openapi.json"
    spec.write_text(json.dumps(document), encoding="utf-8")
    config = tmp_path / "config.yaml"
    config.write_text("project_name_override: antt-client\npackage_name_override: antt_client\npost_hooks: []\n")
    out = tmp_path / "client"
    generate = subprocess.run(
        [python, "-m", "openapi_python_client", "generate", "--path", str(spec), "--output-path", str(out)]
        + ["--config", str(config)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert generate.returncode == 0, (generate.stdout + generate.stderr)[-3000:]
    # the generator skips an endpoint it cannot read and says so: none may be skipped
    assert "Warning" not in generate.stdout + generate.stderr, (generate.stdout + generate.stderr)[-3000:]

    ping_id = document["paths"]["/api/v1/ping"]["get"]["operationId"]
    script = textwrap.dedent(
        f"""
        import importlib, json, pathlib, sys
        root = pathlib.Path(sys.argv[1])
        sys.path.insert(0, str(root))
        from antt_client import AuthenticatedClient, Client

        def find(op_id):
            found = next((root / "antt_client" / "api").rglob(op_id + ".py"))
            parts = found.relative_to(root).with_suffix("").parts
            return importlib.import_module(".".join(parts))

        ping = find({ping_id!r}).sync_detailed(client=Client(base_url=sys.argv[2]))
        me = find("agency_me").sync_detailed(client=AuthenticatedClient(base_url=sys.argv[2], token=sys.argv[3]))
        refused = find("agency_me").sync_detailed(client=AuthenticatedClient(base_url=sys.argv[2], token="sai"))
        print(json.dumps({{
            "ping": [int(ping.status_code), ping.parsed.status],
            "me": [int(me.status_code), me.parsed.name, [s.code for s in me.parsed.scopes], me.parsed.today.calls],
            "refused": int(refused.status_code),
        }}))
        """
    )
    run = subprocess.run(
        [python, "-c", script, str(out), live_server.url, plaintext],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["ping"] == [200, "ok"]
    assert result["me"] == [200, "Máy khách sinh tự động", ["dossiers.status"], 1]
    assert result["refused"] == 401


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_no_two_schemas_share_a_component_name():
    """ninja names an OpenAPI component after the schema class: two classes with one name (say a
    `LookupOut` in two apps) silently share one component, and one operation then documents the
    other's response (schemathesis found the fine lookup documented as the feedback lookup)."""
    from ninja import Schema

    import antt.api.api  # noqa: F401 - every router imported

    names: dict[str, set[str]] = {}
    for cls in _subclasses(Schema):
        if cls.__module__.startswith("antt."):
            names.setdefault(cls.__name__, set()).add(f"{cls.__module__}.{cls.__qualname__}")
    components = set(antt.api.api.api.get_openapi_schema()["components"]["schemas"])
    clashes = {name: where for name, where in names.items() if len(where) > 1 and name in components}
    assert not clashes
