"""Posting email to our inbound webhook exactly as Mailgun's forward() route does (signed, raw MIME)."""

import base64
import hashlib
import hmac
import time
import uuid

from django.conf import settings

INBOUND_PATH = "/anymail/mailgun/inbound_mime/"


def signed_fields(raw: str, *, recipient: str = "", key: str | None = None) -> dict:
    key = key or settings.ANYMAIL["MAILGUN_WEBHOOK_SIGNING_KEY"]
    timestamp, token = str(int(time.time())), uuid.uuid4().hex
    signature = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    return {
        "timestamp": timestamp,
        "token": token,
        "signature": signature,
        "body-mime": raw,
        "recipient": recipient,
        "sender": "",
    }


def basic_auth(secret: str | None = None) -> str:
    secret = secret or settings.ANYMAIL["WEBHOOK_SECRET"]
    return "Basic " + base64.b64encode(secret.encode()).decode()


def post(client, raw: str, *, recipient: str = "", key: str | None = None, secret: str | None = None):
    return client.post(
        INBOUND_PATH, signed_fields(raw, recipient=recipient, key=key), HTTP_AUTHORIZATION=basic_auth(secret)
    )


def reply(
    *,
    sender: str = "bob@example.com",
    to: str = "rocket@in.idonethis.test",
    subject: str = "Re: What did you get done? – Rocket – November 26",
    body: str = "Shipped the thing",
    message_id: str | None = None,
    date: str = "Thu, 26 Nov 2026 17:42:10 -0500",
    headers: str = "",
) -> str:
    message_id = message_id or f"<{uuid.uuid4().hex}@mail.example.com>"
    return (
        f"From: {sender}\nTo: {to}\nSubject: {subject}\nDate: {date}\nMessage-ID: {message_id}\n{headers}"
        f"Content-Type: text/plain; charset=utf-8\n\n{body}\n"
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
