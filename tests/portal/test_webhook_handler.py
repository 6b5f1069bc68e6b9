"""The web dyno's WSGI application: the email provider's webhooks go through a handler without the
browser's middleware (no session, user, messages, CSRF, static files or page policy), everything else
through the whole site's; both as waitress calls them."""

import io
import sys

import pytest
from django.test import RequestFactory

from core.models import InboundMessage
from ops.models import OpsSetting
from ops.selectors.maintenance import MAINTENANCE_KEY, maintenance_forget
from portal import handlers
from tests import mailgun

pytestmark = pytest.mark.django_db(transaction=True)

REPLY = (
    "From: Alice <alice@example.com>\r\nTo: team@in.example.com\r\nMessage-ID: <{n}@mail.example.com>\r\n"
    "Subject: Re: What did you get done today?\r\n\r\nShipped the {n} release\r\n"
)


@pytest.fixture(scope="module")
def application():
    return handlers.dispatching_application()


def _call(application, environ: dict) -> tuple[str, dict, bytes]:
    answer = {}

    def start_response(status, headers, exc_info=None):
        answer.update(status=status, headers=dict(headers))

    body = application({**environ, "wsgi.errors": sys.stderr}, start_response)
    try:
        content = b"".join(body)
    finally:
        body.close()
    return answer["status"], answer["headers"], content


def _webhook_post(n: str) -> dict:
    data, content_type = mailgun.multipart(mailgun.signed_fields(REPLY.format(n=n)))
    request = RequestFactory().generic(
        "POST", mailgun.INBOUND_PATH, data, content_type=content_type, HTTP_AUTHORIZATION=mailgun.basic_auth()
    )
    return {**request.environ, "wsgi.input": io.BytesIO(data)}


def test_the_webhook_handler_has_the_sites_middleware_but_the_browsers():
    kept = handlers.webhook_middleware()
    assert "ops.runtime.middleware.MaintenanceMiddleware" in kept
    assert "ops.runtime.middleware.RequestStatsMiddleware" in kept
    assert "django.middleware.security.SecurityMiddleware" in kept
    assert not {"django.contrib.sessions.middleware.SessionMiddleware"} & set(kept)


def test_a_signed_post_is_stored_through_the_webhook_handler(application):
    status, headers, _ = _call(application, _webhook_post("wsgi-1"))
    assert status.startswith("200")
    assert list(InboundMessage.objects.values_list("message_id", flat=True)) == ["<wsgi-1@mail.example.com>"]
    assert "Set-Cookie" not in headers and "Content-Security-Policy" not in headers


def test_a_forged_post_is_refused_through_the_webhook_handler(application):
    environ = _webhook_post("wsgi-2")
    environ["HTTP_AUTHORIZATION"] = mailgun.basic_auth("someone:else")
    status, _, _ = _call(application, environ)
    assert status.startswith("401") or status.startswith("400")
    assert not InboundMessage.objects.filter(message_id="<wsgi-2@mail.example.com>").exists()


def test_maintenance_answers_the_webhook_503_so_the_provider_retries(application):
    OpsSetting.objects.create(key=MAINTENANCE_KEY, value={"enabled": True, "retry_after": 60})
    maintenance_forget()
    try:
        status, headers, _ = _call(application, _webhook_post("wsgi-3"))
    finally:
        OpsSetting.objects.filter(key=MAINTENANCE_KEY).delete()
        maintenance_forget()
    assert status.startswith("503") and headers["Retry-After"] == "60"
    assert not InboundMessage.objects.filter(message_id="<wsgi-3@mail.example.com>").exists()


def test_pages_keep_the_whole_sites_middleware(application):
    environ = RequestFactory().get("/accounts/login/").environ
    status, headers, content = _call(application, {**environ, "wsgi.input": io.BytesIO()})
    assert status.startswith("200") and b'name="csrfmiddlewaretoken"' in content
    assert "Content-Security-Policy" in headers and "csrftoken" in headers.get("Set-Cookie", "")
