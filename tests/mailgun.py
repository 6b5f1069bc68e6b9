"""Posting email to our inbound webhook exactly as Mailgun's forward() route does (signed, raw MIME).

The webhook only stores; a worker parses. ``post`` and ``post_fields`` then do what the worker does
next, in this process (the task's own code), so a test reads the entries; ``parse=False`` stops at
what the web request did."""

import base64
import hashlib
import hmac
import time
import uuid

from django.conf import settings

INBOUND_PATH = "/anymail/mailgun/inbound_mime/"


def signature(*, key: str | None = None, timestamp: str | None = None, token: str | None = None) -> dict:
    """Mailgun's signature fields: HMAC-SHA256 of timestamp + token under the webhook signing key."""
    key = key or settings.ANYMAIL["MAILGUN_WEBHOOK_SIGNING_KEY"]
    timestamp = timestamp if timestamp is not None else str(int(time.time()))
    token = token or uuid.uuid4().hex
    digest = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    return {"timestamp": timestamp, "token": token, "signature": digest}


def signed_fields(raw: str | bytes, *, recipient: str = "", key: str | None = None, **signed) -> dict:
    return {**signature(key=key, **signed), "body-mime": raw, "recipient": recipient, "sender": ""}


def multipart(fields: dict) -> tuple[bytes, str]:
    """multipart/form-data as Mailgun posts it, byte-exact (``bytes`` values are sent as they are)."""
    boundary = uuid.uuid4().hex
    body = b""
    for name, value in fields.items():
        data = value if isinstance(value, bytes) else str(value).encode()
        body += f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode() + data + b"\r\n"
    return body + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def post_fields(client, fields: dict, *, path: str = INBOUND_PATH, secret: str | None = None, parse: bool = True):
    body, content_type = multipart(fields)
    response = client.generic("POST", path, body, content_type=content_type, HTTP_AUTHORIZATION=basic_auth(secret))
    if parse:
        parse_stored()
    return response


def parse_stored() -> int:
    """What a worker does with the parse messages the webhook enqueued: parse every stored email still
    owed, through the task itself. Returns how many it parsed."""
    from core.models import InboundMessage
    from scheduled.tasks import parse_inbound

    owed = list(InboundMessage.objects.filter(outcome=InboundMessage.Outcome.RECEIVED).values_list("pk", flat=True))
    for pk in owed:
        parse_inbound(inbound_id=pk)
    return len(owed)


def basic_auth(secret: str | None = None) -> str:
    secret = secret or settings.ANYMAIL["WEBHOOK_SECRET"]
    return "Basic " + base64.b64encode(secret.encode()).decode()


def post(
    client, raw: str, *, recipient: str = "", key: str | None = None, secret: str | None = None, parse: bool = True
):
    return post_fields(client, signed_fields(raw, recipient=recipient, key=key), secret=secret, parse=parse)


def reply(
    *,
    sender: str = "bob@example.com",
    to: str = "rocket@in.idonethis.test",
    subject: str = "Re: What did you get done? – Rocket – November 26",
    body: str = "Shipped the thing",
    message_id: str | None = None,
    date: str = "Thu, 26 Nov 2026 17:42:10 -0500",
    headers: str = "",
    charset: str = "utf-8",
) -> str:
    message_id = message_id or f"<{uuid.uuid4().hex}@mail.example.com>"
    return (
        f"From: {sender}\nTo: {to}\nSubject: {subject}\nDate: {date}\nMessage-ID: {message_id}\n{headers}"
        f"Content-Type: text/plain; charset={charset}\n\n{body}\n"
    )


def post_tracking(client, event_data: dict):
    """A Mailgun tracking webhook (JSON, signature block), as sent for delivered/failed events."""
    import json

    fields = signed_fields("")
    body = {
        "signature": {k: fields[k] for k in ("timestamp", "token", "signature")},
        "event-data": event_data,
    }
    return client.post(
        "/anymail/mailgun/tracking/", json.dumps(body), content_type="application/json", HTTP_AUTHORIZATION=basic_auth()
    )
