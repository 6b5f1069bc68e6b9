"""Malformed, hostile, huge and oddly-encoded inbound posts: a clear 4xx, or a stored rejection for
mail that is authentic but unusable; never a 500, never garbled text, never half-written."""

import urllib.error
import urllib.request

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.models import Entry, InboundMessage
from tests import mailgun
from tests.concurrency import run_at_once
from tests.conftest import requires_postgres
from tests.processes import free_port, process_env, waitress

Outcome = InboundMessage.Outcome


def _raw(body: bytes, *, charset: str | None = "utf-8", headers: bytes = b"", to: bytes = b"rocket@in.idonethis.test"):
    content_type = b"text/plain" + (b"; charset=" + charset.encode() if charset else b"")
    return (
        b"From: Bob Baker <bob@example.com>\r\nTo: " + to + b"\r\nSubject: Re: What did you get done? November 26\r\n"
        b"Date: Thu, 26 Nov 2026 17:42:10 -0500\r\nMessage-ID: <odd-"
        + str(hash(body)).encode()
        + b"@example.com>\r\n"
        + headers
        + b"MIME-Version: 1.0\r\nContent-Type: "
        + content_type
        + b"\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        + body
        + b"\r\n"
    )


def _post_raw(client, raw: bytes, recipient: str = "rocket@in.idonethis.test"):
    return mailgun.post_fields(client, mailgun.signed_fields(raw, recipient=recipient))


def _texts():
    return [e.text for e in Entry.objects.order_by("pk")]


# --- authentic but oddly encoded: decoded, or replacement characters, never garbled --------------


@pytest.mark.parametrize("charset", ["unknown-8bit", "x-bogus"])
def test_it_decodes_a_body_whose_declared_charset_no_codec_knows(client, team, bob, charset):
    response = _post_raw(client, _raw("Café au lait – shipped".encode(), charset=charset))
    assert response.status_code == 200
    assert _texts() == ["Café au lait – shipped"]


def test_it_stores_a_raw_8bit_windows_1252_body_correctly(client, team, bob):
    response = _post_raw(client, _raw("Fixed the café’s menu – déjà vu".encode("cp1252"), charset="windows-1252"))
    assert response.status_code == 200
    assert _texts() == ["Fixed the café’s menu – déjà vu"]
    assert "café’s menu – déjà vu" in InboundMessage.objects.get().raw


def test_it_falls_back_to_windows_1252_when_no_charset_is_declared(client, team, bob):
    assert _post_raw(client, _raw("Résumé sent".encode("cp1252"), charset=None)).status_code == 200
    assert _texts() == ["Résumé sent"]


def test_it_falls_back_to_windows_1252_when_the_declared_utf8_is_a_lie(client, team, bob):
    assert _post_raw(client, _raw("Naïve fix – done".encode("cp1252"), charset="utf-8")).status_code == 200
    assert _texts() == ["Naïve fix – done"]


def test_it_uses_replacement_characters_for_bytes_no_fallback_can_read(client, team, bob):
    # 0x81 and 0x8d are undefined in windows-1252 and invalid as UTF-8.
    assert _post_raw(client, _raw(b"Shipped \x81\x8d the thing", charset="utf-8")).status_code == 200
    assert _texts() == ["Shipped \ufffd\ufffd the thing"]


def test_it_keeps_the_bytes_of_a_urlencoded_post_too(client, team, bob):
    import urllib.parse

    raw = _raw("Crème brûlée for the team".encode("cp1252"), charset="windows-1252")
    body = urllib.parse.urlencode(mailgun.signed_fields(raw, recipient="rocket@in.idonethis.test")).encode()
    response = client.generic(
        "POST",
        mailgun.INBOUND_PATH,
        body,
        content_type="application/x-www-form-urlencoded",
        HTTP_AUTHORIZATION=mailgun.basic_auth(),
    )
    assert response.status_code == 200
    mailgun.parse_stored()
    assert _texts() == ["Crème brûlée for the team"]


def test_it_reads_a_utf8_body_unchanged(client, team, bob):
    assert _post_raw(client, _raw("Shipped 🚀 naïvely".encode())).status_code == 200
    assert _texts() == ["Shipped 🚀 naïvely"]


# --- authentic but unusable mail: 200 (Mailgun must not retry) and a recorded rejection ----------


def test_it_takes_the_team_from_the_envelope_when_to_is_undisclosed_recipients(client, team, bob):
    raw = _raw(b"Shipped via bcc", to=b"undisclosed-recipients:;")
    assert _post_raw(client, raw).status_code == 200
    assert _texts() == ["Shipped via bcc"]


def test_it_records_two_addresses_in_from_as_a_rejection(client, team, bob):
    raw = _raw(b"Who wrote this?", headers=b"").replace(
        b"From: Bob Baker <bob@example.com>", b"From: bob@example.com, alice@example.com"
    )
    assert _post_raw(client, raw).status_code == 200
    stored = InboundMessage.objects.get()
    assert stored.outcome == Outcome.REJECTED and "From" in stored.parsed["rejected_because"]
    assert not Entry.objects.exists()


@pytest.mark.parametrize(
    "header",
    [b"From: \r\n", b"From: not an address at all\r\n", b"From: =?x-bogus?q?bob?= <bob@\xff\xfe.example>\r\n"],
)
def test_it_records_a_missing_or_unreadable_from_as_a_rejection(client, team, bob, header):
    raw = _raw(b"Anonymous").replace(b"From: Bob Baker <bob@example.com>\r\n", header)
    assert _post_raw(client, raw).status_code == 200
    assert InboundMessage.objects.get().outcome in (Outcome.REJECTED, Outcome.UNKNOWN_SENDER)
    assert not Entry.objects.exists()


@pytest.mark.parametrize(
    "header",
    [
        b"From: bob@example.com <evil@attacker.example>\r\n",  # others read evil@attacker.example
        b"From: <bob@example.com>@attacker.example\r\n",
        b"From: bob@example.com\r\n\tevil@attacker.example\r\n",
    ],
)
def test_it_rejects_a_from_header_that_names_a_member_only_to_one_parser(client, team, bob, header):
    raw = _raw(b"Forged").replace(b"From: Bob Baker <bob@example.com>\r\n", header)
    assert _post_raw(client, raw).status_code == 200
    stored = InboundMessage.objects.get()
    assert stored.outcome == Outcome.REJECTED and "different addresses" in stored.parsed["rejected_because"]
    assert not Entry.objects.exists()


@pytest.mark.parametrize(
    "header",
    [b'From: "Baker, Bob" <bob@example.com>\r\n', b"From: =?utf-8?q?B=C3=B6b?= <BOB@example.com>\r\n"],
)
def test_it_still_takes_a_plain_from_header_with_any_display_name(client, team, bob, header):
    assert _post_raw(client, _raw(b"Real").replace(b"From: Bob Baker <bob@example.com>\r\n", header)).status_code == 200
    assert _texts() == ["Real"]


def test_it_survives_a_message_that_is_not_mime_at_all(client, team, bob):
    assert _post_raw(client, b"\x00\xff\xfe garbage without headers \x00").status_code == 200
    assert InboundMessage.objects.get().outcome in (Outcome.REJECTED, Outcome.UNKNOWN_SENDER)
    assert not Entry.objects.exists()


_ODD_VALUES = [
    b"undisclosed-recipients:;",
    b"bob@example.com, alice@example.com",
    b'"" <@>',
    b"@",
    b"<>",
    b"Bob <bob@example.com",
    b"=?x-bogus?q?caf=E9?= <bob@example.com>",
    b"=?utf-8?b?!!!?=",
    b"text/plain; charset=unknown-8bit",
    b"text/plain; charset*=x-bogus''%ff",
    b"text/html; charset=utf-16",
    b"multipart/mixed; boundary=",
    b"multipart/alternative",
    b"message/rfc822",
    b"base64",
    b"quoted-printable",
    b"x-uuencode",
    b"Thu, 31 Dec 99999 25:61:61 +9999",
    b"Mon, 1 Jan 0001 00:00:00 -2359",
    b"auto-replied",
    b"rocket@in.idonethis.test",
    b"bob@example.com",
    "Bob Bäker <bob@example.com>".encode(),
    "Bob Bäker <bob@example.com>".encode("cp1252"),
]
_HEADERS = ["From", "To", "Cc", "Subject", "Date", "Message-ID", "Content-Type", "Content-Transfer-Encoding"]
_line = st.binary(max_size=60).map(lambda b: b.replace(b"\r", b"").replace(b"\n", b""))


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(
    headers=st.dictionaries(st.sampled_from(_HEADERS), st.sampled_from(_ODD_VALUES) | _line, max_size=8),
    body=st.binary(max_size=200) | st.sampled_from([b"Shipped \xe9", b"=E9=\r\n", b"--\r\n\x00", b"begin 644 x\n"]),
)
def test_it_answers_any_signed_mail_with_200_or_4xx_never_500(client, team, bob, headers, body):
    raw = b"".join(name.encode() + b": " + value + b"\r\n" for name, value in headers.items()) + b"\r\n" + body
    # The test client re-raises any exception a view lets through, so a 500 fails here with its traceback.
    response = _post_raw(client, raw)
    assert response.status_code == 200 or 400 <= response.status_code < 500


_PIECES = [b"\r\n", b"\n", b"\r", b"\r\n\r\n", b"\n\n", b"\n\r\n", b"\r\r", b" folded", b"\tfolded", b":"]
_PIECES += [b"From: bob@x", b"Subject: hi", b"Message-ID: <a@b>", b"not a header line", b"\x00\xff", b"--b"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES) | st.binary(max_size=12), max_size=40))
def test_the_webhooks_headers_only_read_sees_every_header_the_whole_message_has(pieces):
    from email.parser import BytesParser
    from email.policy import compat32

    from core import inbound_mail

    mime = b"".join(pieces)
    whole = BytesParser(policy=compat32).parsebytes(mime, headersonly=True)
    assert inbound_mail.headers(mime).items() == whole.items()


@pytest.mark.parametrize("value", [*_ODD_VALUES, b"Bob Baker <bob@example.com>", b"bob@example.com (Bob)", b""])
def test_the_stored_preview_of_the_sender_never_fails_and_reads_a_plain_address_as_the_worker_does(value):
    from core import inbound_mail

    head = inbound_mail.headers(b"From: " + value + b"\r\nSubject: x\r\n\r\nbody")
    preview = inbound_mail.sender_preview(head)
    address, problem = inbound_mail.sender(head)
    if not problem:
        assert preview == address


# --- malformed or hostile posts: a clear 4xx and nothing stored ---------------------------------


def test_it_rejects_a_signed_post_without_body_mime(client, team):
    fields = {**mailgun.signature(), "recipient": "rocket@in.idonethis.test", "attachment-count": "1"}
    assert mailgun.post_fields(client, fields).status_code == 400
    assert not InboundMessage.objects.exists()


@pytest.mark.parametrize(
    "body, content_type",
    [
        (b"", "application/x-www-form-urlencoded"),
        (b"", "multipart/form-data; boundary=x"),
        (b"hello=world&spam=1", "application/x-www-form-urlencoded"),
        (b'{"event-data": {"event": "delivered"}}', "application/json"),
        (b"\x00\x01\x02 junk", "application/octet-stream"),
        (b"--nope\r\ngarbage", "multipart/form-data; boundary=x"),
        (b"--x\r\nContent-Disposition: form-data\r\n\r\nno name\r\n--x--\r\n", "multipart/form-data; boundary=x"),
        (b"anything", "multipart/form-data"),
    ],
)
def test_it_answers_4xx_to_anonymous_junk(client, team, body, content_type):
    response = client.generic("POST", mailgun.INBOUND_PATH, body, content_type=content_type)
    assert 400 <= response.status_code < 500
    assert not InboundMessage.objects.exists()


def test_it_answers_405_to_a_get(client):
    assert client.get(mailgun.INBOUND_PATH).status_code == 405


def test_it_rejects_a_post_with_thousands_of_fields(client, team):
    fields = {**mailgun.signed_fields(mailgun.reply()), **{f"junk-{n}": "x" for n in range(2000)}}
    assert mailgun.post_fields(client, fields).status_code == 400
    assert not InboundMessage.objects.exists()


# --- huge replies: accepted up to Mailgun's own 25 MB, the text kept and the attachments not -------


def _with_attachment(text: str, *, attachment_bytes: int) -> str:
    import base64

    photo = base64.encodebytes(b"\xff\xd8" + b"\x00" * attachment_bytes).decode()
    return (
        "From: bob@example.com\nTo: rocket@in.idonethis.test\nSubject: Re: November 26\n"
        "Message-ID: <photo@example.com>\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b1\n\n"
        f"--b1\nContent-Type: text/plain; charset=utf-8\n\n{text}\n"
        f'--b1\nContent-Type: image/jpeg\nContent-Disposition: attachment; filename="photo.jpg"\n'
        f"Content-Transfer-Encoding: base64\n\n{photo}--b1--\n"
    )


def test_it_accepts_a_3mb_reply_with_a_photo_and_stores_the_text_not_the_photo(client, team, bob):
    response = mailgun.post(client, _with_attachment("Shipped, photo attached", attachment_bytes=3 * 1024 * 1024))
    assert response.status_code == 200
    assert _texts() == ["Shipped, photo attached"]
    stored = InboundMessage.objects.get()
    assert len(stored.raw) < 10_000 and "photo.jpg" in stored.raw


def _long_text(megabytes: int) -> str:
    return "Wrote the long report\n\n" + ("lorem ipsum " * 100 + "\n") * (870 * megabytes)


def test_it_accepts_a_3mb_text_reply_and_keeps_the_first_megabyte_for_support(client, team, bob):
    assert mailgun.post(client, mailgun.reply(body=_long_text(3))).status_code == 200
    assert _texts()[:2] == ["Wrote the long report", ("lorem ipsum " * 100).strip()]
    stored = InboundMessage.objects.get()
    assert 1_000_000 < len(stored.raw) < 1_100_000 and "truncated" in stored.raw[-100:]


def test_it_refuses_a_post_larger_than_the_providers_limit_with_413(client, team, settings):
    settings.INBOUND_MAX_BYTES = 1024 * 1024
    response = mailgun.post(client, _with_attachment("Too big", attachment_bytes=2 * 1024 * 1024))
    assert response.status_code == 413
    assert not InboundMessage.objects.exists()


@pytest.mark.processes
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", ["text", "attachment"])
def test_it_accepts_a_20mb_reply_through_waitress(team, bob, kind):
    port = free_port()
    if kind == "text":
        raw = mailgun.reply(body="Shipped the big one\n\n" + _long_text(20))
    else:
        raw = _with_attachment("Shipped the big one", attachment_bytes=20 * 1024 * 1024)
    body, content_type = mailgun.multipart(mailgun.signed_fields(raw, recipient="rocket@in.idonethis.test"))
    request = urllib.request.Request(f"http://127.0.0.1:{port}{mailgun.INBOUND_PATH}", data=body, method="POST")
    request.add_header("Content-Type", content_type)
    request.add_header("Authorization", mailgun.basic_auth())
    assert len(body) > 20_000_000

    def post():
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code
        except (urllib.error.URLError, ConnectionError):
            return None

    from tests.processes import wait_for

    with waitress(port, env=process_env(), threads=2):
        status = wait_for(post, timeout=60, what="waitress to answer the 20 MB post")
    assert status == 200
    assert mailgun.parse_stored() == 1  # what the worker does next
    assert _texts()[0] == "Shipped the big one"


# --- concurrency: the same signed message five times at once → one set of entries ---------------


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_it_creates_one_set_of_entries_when_the_same_signed_post_arrives_five_times_at_once(team, bob):
    fields = mailgun.signed_fields(mailgun.reply(body="One\nTwo"), recipient="rocket@in.idonethis.test")
    statuses = run_at_once(lambda: mailgun.post_fields(Client(), fields).status_code, times=5, timeout=60)
    assert statuses == [200] * 5
    assert _texts() == ["One", "Two"]
    assert InboundMessage.objects.count() == 1
