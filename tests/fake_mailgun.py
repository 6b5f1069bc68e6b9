"""A local HTTP server speaking the Mailgun endpoints we use: sending (``POST /v3/<domain>/messages``, what
anymail calls), and the two APIs the reconciler can ask: the Events API (``GET /v3/<domain>/events``) and
the Logs API (``POST /v1/analytics/logs``, the request and response shapes of Mailgun's "List logs"
reference: RFC 2822 ``start``/``end``, ``events``, ``filter.AND`` conditions, ``pagination`` with ``sort``,
``limit`` ≤ 100 and an opaque ``token``; ``items`` with ``@timestamp`` and ``pagination.next``).

A sent message is recorded as an ``accepted`` event under its Message-ID, as Mailgun does; tests can add
events, hide them (Mailgun's lag), make the API fail (``down``) or answer slowly. Every request is kept.
For the Logs API alone a test can also make it answer one status (``logs_status``: 401, 429, 500 …) or
malformed JSON, page by fewer items, end its pages with a token to an empty page (as the Events API does),
and choose what its filter does with the attributes Mailgun does not document: honour them (and refuse
any other with a 400), ignore every filter, or match nothing on them (``logs_filter``).
"""

import base64
import datetime as dt
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
LOGS_PATH = "/v1/analytics/logs"


class FakeMailgun:
    def __init__(self) -> None:
        self.events: list[dict] = []
        self.requests: list[dict] = []
        self.sent: list[dict] = []
        self.down = False  # answer 503 to everything
        self.delay = 0.0  # seconds before answering
        self.lagging = False  # record events, but do not show them yet
        self.logs_status = 0  # answer the Logs API with this status instead (401, 429, 500, 503 …)
        self.logs_malformed = False  # answer the Logs API 200 with a body that is not JSON
        self.logs_page_size = 100  # fewer items a page than asked, to make it page
        self.logs_trailing_next = False  # the last page still carries a token (to an empty page)
        self.logs_filter = "honour"  # or "ignore" (every filter), or "blind" (message-id, recipient: nothing)

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

    def logs(self, body: dict) -> tuple[int, dict]:
        """``POST /v1/analytics/logs``: (status, payload)."""
        now = time.time()
        try:
            begin = _rfc2822(body["start"]) if "start" in body else now - 86400
            end = _rfc2822(body["end"]) if "end" in body else now
        except (TypeError, ValueError):
            return 400, {"message": "start and end must be RFC 2822 dates"}
        found = [e for e in self.events if e["visible"] and begin <= e["timestamp"] <= end]
        if body.get("events"):
            found = [e for e in found if e["event"] in body["events"]]
        for condition in (body.get("filter") or {}).get("AND", []):
            attribute, values = condition.get("attribute"), [v["value"] for v in condition.get("values", [])]
            if condition.get("comparator") != "=" or attribute not in LOGS_ATTRIBUTES:
                return 400, {"message": f"unsupported filter {attribute} {condition.get('comparator')}"}
            if self.logs_filter == "ignore":
                continue
            if self.logs_filter == "blind" and attribute != "domain":
                found = []
            found = [e for e in found if LOGS_ATTRIBUTES[attribute](e) in values]
        paging = body.get("pagination") or {}
        if paging.get("sort", "timestamp:asc") != "timestamp:asc" or int(paging.get("limit", 10)) > 100:
            return 400, {"message": "bad pagination"}
        found.sort(key=lambda e: e["timestamp"])
        offset = int(base64.urlsafe_b64decode(paging["token"]).decode()) if paging.get("token") else 0
        size = min(int(paging.get("limit", 10)), self.logs_page_size)
        page, more = found[offset : offset + size], offset + size < len(found)
        pagination = {"first": _token(0), "total": len(found)}
        if more or (self.logs_trailing_next and page):
            pagination["next"] = _token(offset + size)
        return 200, {
            "start": body.get("start"),
            "end": body.get("end"),
            "items": [_log_item(e) for e in page],
            "pagination": pagination,
            "aggregates": {},
        }


# The filter attributes the fake knows (Mailgun's reference shows only "domain"; the other two are the
# Events API's names, which the lookup assumes and guards against being wrong).
LOGS_ATTRIBUTES = {
    "domain": lambda e: DOMAIN,
    "message-id": lambda e: e["message"]["headers"]["message-id"],
    "recipient": lambda e: e["recipient"],
}


def _rfc2822(value: str) -> float:
    return email.utils.parsedate_to_datetime(value).timestamp()


def _token(offset: int) -> str:
    return base64.urlsafe_b64encode(str(offset).encode()).decode()


def _log_item(event: dict) -> dict:
    """An event as the Logs API shows it: ``@timestamp`` in ISO 8601 with milliseconds, domain as an object."""
    stamp = dt.datetime.fromtimestamp(event["timestamp"], tz=dt.UTC)
    mid = event["message"]["headers"]["message-id"]
    return {
        "id": event["id"],
        "event": event["event"],
        "@timestamp": stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}Z",
        "account": {"id": "12345"},
        "domain": {"name": DOMAIN},
        "recipient": event["recipient"],
        "recipient-domain": event["recipient"].rpartition("@")[2],
        # Mailgun's own sample shows the header with its angle brackets; the filter takes it without.
        "message": {**event["message"], "headers": {**event["message"]["headers"], "message-id": f"<{mid}>"}},
    }


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

    def _refused(self, body: bytes = b"") -> bool:
        fake = self.fake
        url = urllib.parse.urlsplit(self.path)
        self.fake.requests.append(
            {"method": self.command, "path": url.path, "query": dict(urllib.parse.parse_qsl(url.query)), "body": body}
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
        if not url.path.startswith(f"/v3/{DOMAIN}/") and url.path != LOGS_PATH:
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
        if urllib.parse.urlsplit(self.path).path == LOGS_PATH:
            self._logs()
            return
        if self._refused():
            return
        fields = _form(self)
        message_id = (fields.get("h:Message-Id") or [f"<{uuid.uuid4().hex}@{DOMAIN}>"])[0]
        for recipient in fields.get("to", []):
            self.fake.accepted(message_id=message_id, recipient=email.utils.parseaddr(recipient)[1])
        self.fake.sent.append(fields)
        self._answer(200, {"id": message_id, "message": "Queued. Thank you."})

    def _logs(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self._refused(raw):
            return
        fake = self.fake
        if fake.logs_status:
            self.send_response(fake.logs_status)
            if fake.logs_status == 429:
                self.send_header("Retry-After", "7")
            body = json.dumps({"message": "Too Many Requests" if fake.logs_status == 429 else "Oops"}).encode()
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        if fake.logs_malformed:
            raw_answer = b'{"items": [{"id": "x", "event": "accep'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw_answer)))
            self.end_headers()
            self.wfile.write(raw_answer)
            return
        if not self.headers.get("Content-Type", "").startswith("application/json"):
            self._answer(415, {"message": "application/json expected"})
            return
        try:
            body = json.loads(raw)
        except ValueError:
            self._answer(400, {"message": "malformed JSON"})
            return
        self._answer(*fake.logs(body))

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
