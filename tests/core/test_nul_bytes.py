"""A NUL byte where a page reads input (a URL segment, the query string, a cookie, a form field) is answered
400 before any view: PostgreSQL refuses NUL in text, so each of these was the database's error, a 500."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def _paths(team) -> list[str]:
    t = team.hash_id
    return [
        f"/t/{t}/search/?q=%00",
        f"/t/{t}/search/?q=a%00b",
        f"/t/{t}/tags/a%00/",
        f"/t/{t}/u/a%00/",
        f"/t/{t}/settings/hooks/a%00/",
        "/t/a%00/",
        "/e/a%00/",
        "/c/a%00/edit/",
        "/invitations/a%00/",
        "/o/a%00/",
        "/admin/ops/find/?q=ab%00",
    ]


def test_it_answers_a_nul_byte_in_a_url_or_query_string_with_a_400(alice, team):
    client = Client(raise_request_exception=False)
    client.force_login(alice)
    answers = {path: client.get(path).status_code for path in _paths(team)}
    assert answers == dict.fromkeys(answers, 400)


def test_it_answers_a_nul_byte_in_a_form_field_or_a_cookie_with_a_400(alice, team):
    client = Client(raise_request_exception=False)
    assert client.post("/accounts/login/", {"username": "a\x00@example.com", "password": "x"}).status_code == 400
    client.force_login(alice)
    assert client.post(f"/t/{team.hash_id}/search/", {"q": "\x00"}).status_code == 400
    client.cookies["theme"] = "dark\x00"
    assert client.get(f"/t/{team.hash_id}/").status_code == 400


def test_it_lets_ordinary_input_through(alice, team):
    client = Client(raise_request_exception=False)
    client.force_login(alice)
    assert client.get(f"/t/{team.hash_id}/search/?q=100%25+done").status_code == 200  # "%25" is "%", not NUL
    assert client.get(f"/t/{team.hash_id}/").status_code == 200
