"""A local fake of the parts of Slack the integration calls: the Web API methods (as slack_sdk sends them),
the OAuth v2 and Sign in with Slack authorize pages, and an HTML rendering of what was posted to a channel.

Tests script its answers (an error for a channel, 429s with Retry-After, a revoked token) and read what it
received. It never talks to the real Slack.
"""

import html
import itertools
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

BOT_TOKEN = "xoxb-fake-bot-token-1234567890"
USER_TOKEN = "xoxp-fake-user-token-0987654321"
WORKSPACE = {"id": "T0FAKE", "name": "Rocket Works"}
CHANNELS = [{"id": "C0GENERAL", "name": "general"}, {"id": "C0DONE", "name": "done-list"}]


@dataclass
class Call:
    method: str
    params: dict
    headers: dict
    at: float


@dataclass
class FakeSlack:
    """Scriptable state, shared with the server's threads (guarded by ``lock``)."""

    users: dict = field(default_factory=lambda: {"U0ALICE": "Alice Archer"})
    next_user: str = "U0ALICE"  # who signs in next through Sign in with Slack
    channel_errors: dict = field(default_factory=dict)  # channel id -> Slack error code
    token_error: str = ""  # e.g. "token_revoked": every bot-token call fails with it
    rate_limits: list = field(default_factory=list)  # Retry-After seconds of the next chat.postMessage 429s
    calls: list = field(default_factory=list)
    posted: list = field(default_factory=list)
    revoked: list = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""
    _ts: itertools.count = field(default_factory=lambda: itertools.count(1))

    def calls_to(self, method: str) -> list[Call]:
        with self.lock:
            return [c for c in self.calls if c.method == method]

    def posts_to(self, channel: str) -> list[dict]:
        with self.lock:
            return [p for p in self.posted if p["channel"] == channel]

    # --- the Web API ----------------------------------------------------------------------------
    def answer(self, method: str, params: dict, headers: dict) -> tuple[int, dict, dict]:
        """(status, extra headers, JSON body) for one Web API call."""
        import time

        with self.lock:
            self.calls.append(Call(method, params, headers, time.monotonic()))
        handler = getattr(self, "api_" + method.replace(".", "_"), None)
        if handler is None:
            return 200, {}, {"ok": False, "error": "unknown_method"}
        return handler(params, headers)

    def _bot(self, headers: dict) -> dict | None:
        if headers.get("authorization") != f"Bearer {BOT_TOKEN}":
            return {"ok": False, "error": "invalid_auth"}
        if self.token_error:
            return {"ok": False, "error": self.token_error}
        return None

    def api_oauth_v2_access(self, params, headers):
        if not params.get("code"):
            return 200, {}, {"ok": False, "error": "invalid_code"}
        return (
            200,
            {},
            {
                "ok": True,
                "access_token": BOT_TOKEN,
                "token_type": "bot",
                "scope": "commands,chat:write,chat:write.public,channels:read",
                "bot_user_id": "U0BOT",
                "app_id": "A0FAKE",
                "team": WORKSPACE,
                "authed_user": {"id": self.next_user},
            },
        )

    def api_openid_connect_token(self, params, headers):
        return 200, {}, {"ok": True, "access_token": USER_TOKEN, "token_type": "Bearer", "id_token": "unused"}

    def api_openid_connect_userInfo(self, params, headers):
        if headers.get("authorization") != f"Bearer {USER_TOKEN}":
            return 200, {}, {"ok": False, "error": "invalid_auth"}
        return (
            200,
            {},
            {
                "ok": True,
                "sub": self.next_user,
                "https://slack.com/user_id": self.next_user,
                "https://slack.com/team_id": WORKSPACE["id"],
                "https://slack.com/team_name": WORKSPACE["name"],
                "name": self.users.get(self.next_user, "Someone"),
            },
        )

    def api_conversations_list(self, params, headers):
        refused = self._bot(headers)
        return 200, {}, refused or {"ok": True, "channels": CHANNELS, "response_metadata": {"next_cursor": ""}}

    def api_auth_revoke(self, params, headers):
        with self.lock:
            self.revoked.append(headers.get("authorization", ""))
        return 200, {}, {"ok": True, "revoked": True}

    def api_chat_postMessage(self, params, headers):
        refused = self._bot(headers)
        if refused:
            return 200, {}, refused
        with self.lock:
            if self.rate_limits:
                return 429, {"Retry-After": str(self.rate_limits.pop(0))}, {"ok": False, "error": "ratelimited"}
            error = self.channel_errors.get(params.get("channel"))
            if error:
                return 200, {}, {"ok": False, "error": error}
            ts = f"{1700000000 + next(self._ts)}.000100"
            self.posted.append({**params, "ts": ts})
        return 200, {}, {"ok": True, "channel": params.get("channel"), "ts": ts}

    # --- pages ----------------------------------------------------------------------------------
    def authorize_page(self, query: dict) -> str:
        """Slack's consent screen, reduced to an Allow link back to the app with a code."""
        back = query["redirect_uri"] + "?" + urlencode({"code": "fake-code-" + self.next_user, "state": query["state"]})
        scopes = html.escape(query.get("scope", ""))
        return (
            f"<html><body><h1>Fake Slack</h1><p>{html.escape(WORKSPACE['name'])} asks for: {scopes}</p>"
            f'<a id="allow" href="{html.escape(back)}">Allow</a></body></html>'
        )

    def channel_page(self, channel: str) -> str:
        """What was posted to a channel, rendered roughly as Slack shows it (blocks and attachments)."""
        items = "".join(_render_message(p) for p in self.posts_to(channel))
        name = next((c["name"] for c in CHANNELS if c["id"] == channel), channel)
        return (
            "<html><head><meta charset='utf-8'><style>"
            "body{font-family:Lato,Helvetica,Arial,sans-serif;margin:0;background:#fff;color:#1d1c1d;width:720px}"
            ".top{background:#3f0e40;color:#fff;padding:10px 16px;font-weight:bold}"
            ".msg{display:flex;padding:12px 16px;border-bottom:1px solid #eee}"
            ".avatar{width:36px;height:36px;border-radius:4px;background:#4a154b;color:#fff;text-align:center;"
            "line-height:36px;margin-right:10px;flex:none}.who{font-weight:900}.app{font-size:11px;background:#ddd;"
            "padding:1px 4px;border-radius:3px;margin-left:4px}h3{margin:6px 0;font-size:18px}p{margin:4px 0}"
            ".att{border-left:4px solid #ddd;padding:2px 10px;margin:6px 0}.ctx{color:#616061;font-size:12px}"
            "</style></head><body>"
            f"<div class='top'># {html.escape(name)}</div>{items}</body></html>"
        )


def _mrkdwn(text: str) -> str:
    """Enough of Slack's mrkdwn for a screenshot: *bold*, _italic_, <url|label>, line breaks."""
    import re

    out = html.escape(html.unescape(text), quote=False)
    out = re.sub(r"&lt;([^|&]+)\|([^&]+)&gt;", r"<a href='\1'>\2</a>", out)
    out = re.sub(r"\*([^*\n]+)\*", r"<b>\1</b>", out)
    out = re.sub(r"(?<!\w)_([^_\n]+)_(?!\w)", r"<i>\1</i>", out)
    return out.replace("\n", "<br>")


def _render_message(post: dict) -> str:
    parts = []
    for block in post.get("blocks") or []:
        if block["type"] == "header":
            parts.append(f"<h3>{html.escape(block['text']['text'])}</h3>")
        elif block["type"] == "section":
            parts.append(f"<p>{_mrkdwn(block['text']['text'])}</p>")
        elif block["type"] == "context":
            parts.append(f"<p class='ctx'>{' '.join(_mrkdwn(e['text']) for e in block['elements'])}</p>")
    for att in post.get("attachments") or []:
        parts.append(
            f"<div class='att' style='border-color:{html.escape(att.get('color', '#ddd'))}'>"
            f"<b>{html.escape(att.get('author_name', ''))}</b><br>{html.escape(att.get('title', ''))}"
            f"<p>{_mrkdwn(att.get('text', ''))}</p></div>"
        )
    if not parts:
        parts.append(f"<p>{_mrkdwn(post.get('text', ''))}</p>")
    return (
        "<div class='msg'><div class='avatar'>iD</div><div><span class='who'>iDoneThis</span>"
        f"<span class='app'>APP</span>{''.join(parts)}</div></div>"
    )


class _Handler(BaseHTTPRequestHandler):
    fake: FakeSlack

    def log_message(self, *args) -> None:  # quiet test output
        pass

    def _params(self) -> dict:
        url = urlsplit(self.path)
        params = {k: v[0] for k, v in parse_qs(url.query).items()}
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if body:
            if "json" in (self.headers.get("Content-Type") or ""):
                params.update(json.loads(body))
            else:
                params.update({k: v[0] for k, v in parse_qs(body.decode()).items()})
        return params

    def _reply(self, status: int, body: bytes, content_type: str, headers: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _handle(self) -> None:
        path = urlsplit(self.path).path
        params = self._params()
        if path.startswith("/api/"):
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, extra, body = self.fake.answer(path[len("/api/") :], params, headers)
            self._reply(status, json.dumps(body).encode(), "application/json; charset=utf-8", extra)
        elif path in ("/oauth/v2/authorize", "/openid/connect/authorize"):
            self._reply(200, self.fake.authorize_page(params).encode(), "text/html; charset=utf-8")
        elif path.startswith("/channels/"):
            self._reply(200, self.fake.channel_page(path.split("/")[2]).encode(), "text/html; charset=utf-8")
        else:
            self._reply(404, b"not found", "text/plain")

    do_GET = do_POST = _handle


class running_fake:
    """``with running_fake() as fake:``: the fake Slack on a free local port for the block's duration."""

    def __enter__(self) -> FakeSlack:
        self.fake = FakeSlack()
        handler = type("Handler", (_Handler,), {"fake": self.fake})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.fake.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self.fake

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
