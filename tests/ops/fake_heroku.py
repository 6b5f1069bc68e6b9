"""A local HTTP server that speaks the few Heroku Platform API endpoints the portal uses.

It keeps a formation and dynos in memory, checks the bearer token and the version-3 Accept header,
and records every request, so tests prove what the portal sends without touching the real API.
"""

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

TOKEN = "heroku-test-token-0123456789abcdef"
APP = "idonethis-test"


class FakeHeroku:
    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.maintenance = False
        self.formation = {kind: {"quantity": n, "size": "Standard-1X"} for kind, n in (("web", 2), ("worker", 1),
                                                                                      ("beat", 1))}
        self.dynos = [self._dyno(kind, n) for kind, spec in self.formation.items()
                      for n in range(1, spec["quantity"] + 1)]

    @staticmethod
    def _dyno(kind: str, n: int) -> dict:
        return {"name": f"{kind}.{n}", "type": kind, "state": "up", "size": "Standard-1X",
                "updated_at": "2026-11-26T10:00:00Z", "release": {"version": 42}, "command": kind}

    def _formation_json(self, kind: str) -> dict:
        return {"type": kind, "command": kind, **self.formation[kind]}

    def handle(self, method: str, path: str, body: dict) -> tuple[int, object]:
        base = f"/apps/{APP}"
        if not path.startswith(base):
            return 404, {"id": "not_found", "message": "Couldn't find that app."}
        rest = path[len(base):]
        if method == "GET" and rest == "/formation":
            return 200, [self._formation_json(k) for k in self.formation]
        if method == "GET" and rest == "/dynos":
            return 200, self.dynos
        if method == "PATCH" and rest == "":
            self.maintenance = bool(body.get("maintenance"))
            return 200, {"name": APP, "maintenance": self.maintenance}
        if match := re.fullmatch(r"/formation/([\w-]+)", rest):
            kind = match[1]
            if method == "PATCH" and kind in self.formation:
                self.formation[kind]["quantity"] = int(body["quantity"])
                return 200, self._formation_json(kind)
        if method == "DELETE" and re.fullmatch(r"/(dynos|formations)/[\w.-]+", rest):
            return 202, {}
        return 404, {"id": "not_found", "message": f"No {method} {rest}"}


class _Handler(BaseHTTPRequestHandler):
    fake: FakeHeroku

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length)) if length else {}
        self.fake.requests.append({"method": self.command, "path": self.path, "body": body,
                                   "authorization": self.headers.get("Authorization"),
                                   "accept": self.headers.get("Accept")})
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            status, payload = 401, {"id": "unauthorized", "message": "Invalid credentials provided."}
        elif "version=3" not in (self.headers.get("Accept") or ""):
            status, payload = 400, {"id": "bad_request", "message": "Please specify a version."}
        else:
            status, payload = self.fake.handle(self.command, self.path, body)
        raw = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    do_GET = do_PATCH = do_DELETE = _serve

    def log_message(self, *_args) -> None:
        pass


@pytest.fixture
def fake_heroku(settings):
    """A running fake Platform API, with the portal's settings pointing at it."""
    fake = FakeHeroku()
    handler = type("Handler", (_Handler,), {"fake": fake})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    settings.HEROKU_API_URL = f"http://127.0.0.1:{server.server_port}"
    settings.HEROKU_API_TOKEN = TOKEN
    settings.HEROKU_APP_NAME = APP
    yield fake
    server.shutdown()
    server.server_close()
