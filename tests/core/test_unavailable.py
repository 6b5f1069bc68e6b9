"""The server-error handler: database errors answer 503 (JSON for API, webhook and Slack paths), others 500."""

import json

from django.db import OperationalError

from core.web.unavailable import server_error


def _handled(request, error):
    try:
        raise error
    except Exception:  # Django calls handler500 inside its own except block, as here
        return server_error(request)


def test_it_answers_a_clear_503_page_when_the_database_is_unreachable(rf):
    response = _handled(rf.get("/t/abc/"), OperationalError("couldn't get a connection after 5.00 sec"))
    assert response.status_code == 503 and response["Retry-After"] == "30"
    body = response.content.decode()
    assert "Back in a moment" in body and "app.css" in body and "<script" not in body and "style=" not in body


def test_it_answers_json_503_to_senders_that_retry(rf):
    response = _handled(rf.post("/slack/commands/"), OperationalError("the database did not answer within 6 s"))
    body = json.loads(response.content)
    assert response.status_code == 503 and body["retry_after"] == 30 and "database" in body["error"]


def test_it_leaves_other_errors_to_djangos_500(rf):
    assert _handled(rf.get("/"), KeyError("bug")).status_code == 500


def test_it_answers_other_errors_with_json_500_on_api_paths(rf):
    response = _handled(rf.post("/api/v2/entries"), KeyError("bug"))
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {"error": "Internal server error"}
