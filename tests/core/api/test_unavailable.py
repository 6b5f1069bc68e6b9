"""The API in maintenance mode and through a database outage: a JSON 503 with Retry-After (clients retry),
never the site's HTML page."""

import pytest
from django.contrib.auth import get_user_model
from django.db import OperationalError, connection
from django.test import Client

from ops.services.maintenance import maintenance_set
from tests.core.api.conftest import token_for

PATHS = ["/api/v2/noop", "/api/v2/entries", "/api/v0.1/dones/", "/api/v2/schema", "/api/v2/nothing"]


@pytest.fixture
def root(db):
    return get_user_model().objects.create_superuser(email="root@idonethis.test", password="root-password-1")


def test_maintenance_mode_answers_json_503_even_with_a_good_token(root, alice):
    token = token_for(alice)
    maintenance_set(actor=root, enabled=True, message="Upgrading", retry_after=90)
    for path in PATHS:
        response = Client().get(path, headers={"Authorization": f"Token {token}"})
        assert response.status_code == 503, path
        assert response.json() == {"error": "Upgrading", "maintenance": True}
        assert response["Retry-After"] == "90"
    posted = Client().post("/api/v2/entries", {"body": "x"}, headers={"Authorization": f"Token {token}"})
    assert posted.status_code == 503 and not alice.entries.exists()
    maintenance_set(actor=root, enabled=False)
    assert Client().get("/api/v2/noop", headers={"Authorization": f"Token {token}"}).status_code == 200


def _database_down(execute, sql, params, many, context):
    raise OperationalError("the database did not answer within 6 s")


def test_a_database_outage_answers_json_503(alice):
    token = token_for(alice)
    client = Client(raise_request_exception=False)
    with connection.execute_wrapper(_database_down):
        for path in ("/api/v2/noop", "/api/v0.1/teams/"):
            response = client.get(path, headers={"Authorization": f"Token {token}"})
            assert response.status_code == 503, path
            assert "database" in response.json()["error"]
            assert response["Retry-After"]
