"""The v2 API over real HTTP (a waitress process), spoken the way clients of the original spoke it."""

import http.client
import json

import pytest

from core.models import Entry
from tests.core.api.conftest import token_for
from tests.processes import free_port, process_env, wait_for, waitress

pytestmark = [pytest.mark.processes, pytest.mark.django_db(transaction=True)]


def _send(port: int, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type"), response.read()
    finally:
        connection.close()


def _up(port: int) -> bool:
    try:
        return _send(port, "GET", "/health")[0] in (200, 503)
    except OSError:
        return False


@pytest.fixture
def server(alice, team):
    port = free_port()
    with waitress(port, env=process_env(), threads=2):
        wait_for(lambda: _up(port), what="waitress")
        yield port


def test_an_oauth2_style_client_posts_its_fields_in_the_query_string_with_a_bearer_token(server, alice, team):
    # The original's own CLI (Ruby oauth2 gem): token.post(path, params: {...}) sends no body at all.
    status, content_type, body = _send(
        server,
        "POST",
        f"/api/v2/entries?body=Shipped+it+%E2%9C%93&team_id={team.hash_id}",
        headers={"Authorization": f"Bearer {token_for(alice)}", "Content-Length": "0"},
    )
    assert (status, content_type) == (200, "application/json"), body
    assert json.loads(body)["body"] == "Shipped it \u2713"
    assert Entry.objects.get(team=team).text == "Shipped it \u2713"


def test_a_rails_style_token_header_and_a_trailing_slash(server, alice, team):
    headers = {"Authorization": f'Token token="{token_for(alice)}"'}
    status, content_type, body = _send(server, "GET", "/api/v2/teams/", headers=headers)
    assert (status, content_type) == (200, "application/json")
    assert team.hash_id in {t["hash_id"] for t in json.loads(body)}


def test_every_refusal_is_json(server, alice, team):
    token = token_for(alice)
    auth = {"Authorization": f"Token {token}"}
    deep = b'{"body": ' + b"[" * 50_000 + b"]" * 50_000 + b"}"
    for method, path, body, headers in [
        ("GET", "/api/v2/noop", None, {}),
        ("POST", "/api/v2/entries", deep, {**auth, "Content-Type": "application/json"}),
        ("POST", "/api/v2/entries", b'{"body": "x"}', auth),
        ("GET", "/api/v2/noop", None, {**auth, "Host": "elsewhere.example"}),
        ("GET", "/api", None, auth),
    ]:
        status, content_type, answer = _send(server, method, path, body, headers)
        assert 400 <= status < 500, (path, status, answer[:200])
        assert content_type == "application/json", (path, content_type)
        assert "error" in json.loads(answer)
    assert not Entry.objects.exists()
