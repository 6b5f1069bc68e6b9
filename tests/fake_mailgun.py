"""A local HTTP server speaking the two Mailgun endpoints we use: sending (``POST /v3/<domain>/messages``,
what anymail calls) and the Events API (``GET /v3/<domain>/events``, what the reconciler asks).

A sent message is recorded as an ``accepted`` event under its Message-ID, as Mailgun does; tests can add
events, hide them (Mailgun's lag), make the API fail (``down``) or answer slowly. Every request is kept.
"""

import base64
import email.parser
import email.policy
import email.utils
import json
import threading
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

KEY = "key-test-mailgun-0123456789"
DOMAIN = "mg.idonethis.test"


class FakeMailgun:
    def __init__(self) -> None:
        self.events: list[dict] = []
        self.requests: list[dict] = []
        self.sent: list[dict] = []
        self.down = False  # answer 503 to everything
        self.delay = 0.0  # seconds before answering
        self.lagging = False  # record events, but do not show them yet

    def accepted(self, *, message_id: str, recipient: str, at: float | None = None) -> dict:
        event = {
            "id": uuid.uuid4().hex,
            "event": "accepted",
            "timestamp": at if at is not None else time.time(),
            "recipient": recipient,
            "message": {"headers": {"message-id": message_id.strip().strip("<>"), "to": recipient}},
            "visible": not self.lagging,
        }
        self.events.append(event)
        return event

    def search(self, query: dict) -> list[dict]:
        begin = float(query.get("begin", 0))
        end = float(query.get("end", 1e12))
        found = [e for e in self.events if e["visible"] and begin <= e["timestamp"] <= end]
        if "message-id" in query:
            found = [e for e in found if e["message"]["headers"]["message-id"] == query["message-id"]]
        if "recipient" in query:
            found = [e for e in found if e["recipient"] == query["recipient"]]
        if "event" in query:
            found = [e for e in found if e["event"] == query["event"]]
        return [{k: v for k, v in e.items() if k != "visible"} for e in found]


def _form(handler) -> dict:
    """anymail posts urlencoded fields (multipart only with attachments); both are read."""
    body = handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
    content_type = handler.headers.get("Content-Type", "")
    if content_type.startswith("multipart/"):
        parsed = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + body
        )
        fields: dict = {}
        for part in parsed.iter_parts():
            fields.setdefault(part.get_param("name", header="content-disposition"), []).append(part.get_content())
        return fields
    return urllib.parse.parse_qs(body.decode(), keep_blank_values=True)


class _Handler(BaseHTTPRequestHandler):
    fake: FakeMailgun

    def _answer(self, status: int, payload: dict) -> None:
        raw = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def _refused(self) -> bool:
        fake = self.fake
        url = urllib.parse.urlsplit(self.path)
        self.fake.requests.append(
            {"method": self.command, "path": url.path, "query": dict(urllib.parse.parse_qsl(url.query))}
        )
        if fake.delay:
            time.sleep(fake.delay)
        if fake.down:
            self._answer(503, {"message": "Service Unavailable"})
            return True
        expected = "Basic " + base64.b64encode(f"api:{KEY}".encode()).decode()
        if self.headers.get("Authorization") != expected:
            self._answer(401, {"message": "Invalid private key"})
            return True
        if not url.path.startswith(f"/v3/{DOMAIN}/"):
            self._answer(404, {"message": "Domain not found"})
            return True
        return False

    def do_GET(self) -> None:
        if self._refused():
            return
        url = urllib.parse.urlsplit(self.path)
        if url.path != f"/v3/{DOMAIN}/events":
            self._answer(404, {"message": "Not found"})
            return
        items = self.fake.search(dict(urllib.parse.parse_qsl(url.query)))
        self._answer(200, {"items": items, "paging": {}})

    def do_POST(self) -> None:
        if self._refused():
            return
        fields = _form(self)
        message_id = (fields.get("h:Message-Id") or [f"<{uuid.uuid4().hex}@{DOMAIN}>"])[0]
        for recipient in fields.get("to", []):
            self.fake.accepted(message_id=message_id, recipient=email.utils.parseaddr(recipient)[1])
        self.fake.sent.append(fields)
        self._answer(200, {"id": message_id, "message": "Queued. Thank you."})

    def log_message(self, *_args) -> None:
        pass


@pytest.fixture
def fake_mailgun(settings):
    """A running fake Mailgun, with EMAIL_BACKEND and anymail's settings pointing at it."""
    fake = FakeMailgun()
    server = ThreadingHTTPServer(("127.0.0.1", 0), type("Handler", (_Handler,), {"fake": fake}))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    settings.EMAIL_BACKEND = "anymail.backends.mailgun.EmailBackend"
    settings.ANYMAIL = {
        **settings.ANYMAIL,
        "MAILGUN_API_KEY": KEY,
        "MAILGUN_SENDER_DOMAIN": DOMAIN,
        "MAILGUN_API_URL": f"http://127.0.0.1:{server.server_port}/v3",
    }
    fake.port = server.server_port
    yield fake
    server.shutdown()
    server.server_close()
