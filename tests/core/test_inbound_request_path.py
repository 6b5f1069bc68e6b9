"""The webhook request's cheaper path (issue 14): what each shortcut leaves exactly as it was.

The multipart reader is the library's push parser (the bytes of every field as the library's buffered
reader gives them), the view skips anymail's per-request decorator wrappers (the marks stay on the view
function), the store's statement is bound by the server (the same row, the same errors), and the
answer, which only a mail provider reads, skips building the Content-Security-Policy."""

import io
from pathlib import Path

import multipart
import pytest
from anymail.webhooks.base import AnymailCoreWebhookView
from django.db import DatabaseError, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import resolve
from django.views import View

from core.db import server_binding_cursor
from core.models import InboundMessage
from core.web import inbound as web_inbound
from tests import mailgun

CORPUS = Path(__file__).parent / "reply_corpus"


class _Request:
    """What ``_multipart_fields`` reads of a request: its Content-Type and its body."""

    def __init__(self, body: bytes, content_type: str):
        self.META = {"CONTENT_TYPE": content_type}
        self.read = io.BytesIO(body).read


def _library_fields(body: bytes, content_type: str) -> list[tuple[bytes, bytes]]:
    """The fields as the library's buffered reader (what the webhook used before) gives them."""
    boundary = multipart.parse_options_header(content_type)[1]["boundary"]
    parser = multipart.MultipartParser(io.BytesIO(body), boundary, content_length=len(body), part_limit=100)
    fields = []
    for part in parser:
        if part.filename is None and part.name:
            fields.append((part.name.encode(), part.raw))
        part.close()
    return fields


def _odd_posts() -> list[tuple[bytes, str]]:
    boundary = "odd-boundary"
    crlf_in_value = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="body-mime"\r\n\r\n'
        "From: a@example.com\r\n\r\nline\r\n--not-the-boundary\r\n\r\n"
        f'\r\n--{boundary}\r\nContent-Disposition: form-data; name="empty"\r\n\r\n'
        f'\r\n--{boundary}\r\nContent-Disposition: form-data; name="photo"; filename="p.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n" + "\xff" * 3 + f"\r\n--{boundary}\r\n"
        'Content-Disposition: form-data; name="token"\r\n\r\nabc'
        f'\r\n--{boundary}\r\nContent-Disposition: form-data; name="token"\r\n\r\nlast'
        f"\r\n--{boundary}--\r\n"
    ).encode("latin-1")
    large = mailgun.multipart({"body-mime": b"\xe9\x00\r\n" * 100_000, "recipient": "rocket@in.idonethis.test"})
    return [(crlf_in_value, f"multipart/form-data; boundary={boundary}"), large]


@pytest.mark.parametrize("name", sorted(p.name for p in CORPUS.glob("*.eml")))
def test_the_multipart_reader_gives_each_corpus_reply_byte_for_byte_as_the_library_reader(name):
    raw = (CORPUS / name).read_bytes()
    body, content_type = mailgun.multipart(mailgun.signed_fields(raw, recipient="rocket@in.idonethis.test", key="k"))
    fields = web_inbound._multipart_fields(_Request(body, content_type), len(body))
    assert fields == _library_fields(body, content_type)
    assert dict(fields)[b"body-mime"] == raw


@pytest.mark.parametrize("post", _odd_posts(), ids=["crlf-empty-file-repeated", "large-8bit"])
def test_the_multipart_reader_matches_the_library_reader_on_odd_posts_and_drops_files(post):
    body, content_type = post
    fields = web_inbound._multipart_fields(_Request(body, content_type), len(body))
    assert fields == _library_fields(body, content_type)
    assert b"photo" not in dict(fields)


@pytest.mark.parametrize(
    "body",
    [b"--b\r\nContent-Disposition: form-data; name=x\r\n\r\nunterminated", b"no boundary at all", b"--b\n\nbad"],
)
def test_the_multipart_reader_refuses_a_malformed_post_with_400(body):
    with pytest.raises(web_inbound._Refused) as refused:
        web_inbound._multipart_fields(_Request(body, "multipart/form-data; boundary=b"), len(body))
    assert refused.value.status == 400


def test_the_only_dispatch_skipped_is_anymails_which_adds_nothing_but_decorator_marks():
    """The view calls View.dispatch past anymail's: if anymail ever gives a webhook class a dispatch
    of its own, this fails and the shortcut must be looked at again."""
    for view_class in (web_inbound.MailgunInboundView, web_inbound._guarded(AnymailCoreWebhookView)):
        defining = [c for c in view_class.__mro__ if "dispatch" in vars(c)]
        assert defining == [web_inbound.InboundPostMixin, AnymailCoreWebhookView, View]


@pytest.mark.django_db
def test_the_webhook_stays_csrf_exempt_and_answers_without_a_content_security_policy(team, bob):
    client = Client(enforce_csrf_checks=True)
    response = mailgun.post(client, mailgun.reply(), recipient="rocket@in.idonethis.test", parse=False)
    assert response.status_code == 200
    assert "Content-Security-Policy" not in response
    assert InboundMessage.objects.count() == 1
    assert resolve(mailgun.INBOUND_PATH).func.csrf_exempt is True


def test_pages_still_carry_the_content_security_policy(client):
    assert "default-src 'self'" in client.get("/accounts/login/")["Content-Security-Policy"]


@pytest.mark.django_db
def test_a_server_bound_statement_is_logged_and_its_errors_are_djangos():
    with CaptureQueriesContext(connection) as queries, server_binding_cursor(connection) as cursor:
        cursor.execute("SELECT %s::int + %s, %s", [1, 2, "text"])
        assert cursor.fetchone() == (3, "text")
    assert len(queries.captured_queries) == 1
    with pytest.raises(DatabaseError), server_binding_cursor(connection) as cursor:
        cursor.execute("SELECT * FROM no_such_table WHERE id = %s", [1])
