"""The OpenAPI schema at /api/v2/schema matches what the endpoints return: schemathesis fuzzes every v2
operation against it (a bounded number of examples each), with a real token and, for half the cases,
real ids, so that generated bodies reach the services. No input may cause a 5xx."""

import json
import re
import zlib

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from core.services.entries import entry_create
from tests.core.api.conftest import token_for

EXAMPLES_PER_OPERATION = 20


def generated_schema() -> dict:
    """The schema /api/v2/schema serves (test_the_served_schema_is_the_generated_one checks it), made
    without a request: schemathesis needs it when the tests are collected."""
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    return json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))


@pytest.fixture
def in_process_requests(db):
    # As Django's test client does: a request ending must not close the test's connection (and transaction).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def alices_world(alice, team):
    goal = entry_create(author=alice, team=team, text="[ ] fuzzed goal")
    return {"token": token_for(alice), "team_hash": team.hash_id, "entry_hash": goal.hash_id}


schema = schemathesis.openapi.from_dict(generated_schema())
schema.app = WSGIHandler()


def _sometimes_real(case, world) -> None:
    """Half the cases (decided by the case itself, so a failure replays) aim at Alice's real objects."""
    if zlib.crc32(repr((case.path_parameters, case.query, case.body)).encode()) % 2:
        return
    for name in ("team_hash", "entry_hash"):
        if case.path_parameters and name in case.path_parameters:
            case.path_parameters[name] = world[name]
    if isinstance(case.body, dict) and "team_id" in case.body:
        case.body["team_id"] = world["team_hash"]


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_every_v2_operation_answers_per_its_schema(case, alices_world, in_process_requests):
    _sometimes_real(case, alices_world)
    case.call_and_validate(
        headers={"Authorization": f"Token {alices_world['token']}"},
        checks=[not_a_server_error, response_schema_conformance, content_type_conformance],
    )


def test_the_schema_is_openapi_3_and_only_v2(db, client):
    response = client.get("/api/v2/schema", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    document = json.loads(response.content)
    assert document["openapi"].startswith("3.")
    assert all(path.startswith("/api/v2/") for path in document["paths"])
    assert not any(path.startswith(("/api/v2/schema", "/api/v2/docs")) for path in document["paths"])
    assert set(document["paths"]) >= {
        "/api/v2/noop",
        "/api/v2/teams",
        "/api/v2/teams/{team_hash}",
        "/api/v2/teams/{team_hash}/entries",
        "/api/v2/entries",
        "/api/v2/entries/{entry_hash}",
    }
    assert document["components"]["securitySchemes"]["tokenAuth"]["name"] == "Authorization"


def test_the_served_schema_is_the_generated_one(db, client):
    served = json.loads(client.get("/api/v2/schema", HTTP_ACCEPT="application/json").content)
    assert served == generated_schema()


def test_the_schema_documents_list_headers_and_error_bodies(db, client):
    document = json.loads(client.get("/api/v2/schema", HTTP_ACCEPT="application/json").content)
    listing = document["paths"]["/api/v2/entries"]["get"]["responses"]
    assert set(listing["200"]["headers"]) == {"Link", "X-Total", "X-Per-Page", "X-Page"}
    assert document["components"]["schemas"]["PaginatedEntryList"]["type"] == "array"
    for operations in document["paths"].values():
        for operation in operations.values():
            for code in ("400", "401", "429", "503"):
                ref = operation["responses"][code]["content"]["application/json"]["schema"]["$ref"]
                assert ref == "#/components/schemas/Error"
            assert "Retry-After" in operation["responses"]["429"]["headers"]


def test_the_docs_page_renders_and_loads_only_our_own_scripts(db, client):
    response = client.get("/api/v2/docs")
    assert response.status_code == 200
    page = response.content.decode()
    assert "swagger-ui" in page
    assert "<script>" not in page.replace(" ", "")  # no inline script: the strict CSP allows only files
    assert "cdn" not in page.lower()


def test_docs_api_md_shows_every_v2_operation_and_every_legacy_endpoint():
    from tests.processes import ROOT

    doc = (ROOT / "docs" / "api.md").read_text()
    for path, operations in generated_schema()["paths"].items():
        for method in operations:
            if (method, path) == ("post", "/api/v2/entries/{entry_hash}"):
                assert "(PUT and POST do the same)" in doc  # shown with PATCH, which it equals
                continue
            # Any name for a path parameter will do: "{hash_id}" reads better than "{entry_hash}".
            heading = re.escape(f"### {method.upper()} ") + re.sub(r"\\\{\w+\\\}", r"\\{\\w+\\}", re.escape(path))
            assert re.search(heading + r"( |$)", doc, re.MULTILINE), (method, path)
    for endpoint in ("GET /api/v0.1/teams/", "GET /api/v0.1/teams/{short_name}/", "POST /api/v0.1/dones/"):
        assert f"### {endpoint}" in doc
