"""Mailgun's inbound webhook against a hello view: both served by one waitress process (Procfile flags,
production settings, 90 threads, the psycopg pool), loaded with wrk in the same run.

Every post is a distinct signed reply (its own token and Message-ID, a fresh timestamp), as Mailgun
sends them. Afterwards a real worker parses what the webhook stored, which gives the worker's rate.
Needs PostgreSQL (``DATABASE_URL``), Redis (``REDIS_URL``: broker and cache) and wrk.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/idt_inbound_bench REDIS_URL=redis://127.0.0.1:6379/6 \
        .venv/bin/python bench/inbound.py
"""

import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/idt_inbound_bench")
import _django  # noqa: E402  (Django set up against the benchmark database)
import _http  # noqa: E402
import _results  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from core.models import Entry, InboundMessage, Team, User  # noqa: E402
from core.services.accounts import user_signup  # noqa: E402
from core.services.teams import membership_add, team_create  # noqa: E402
from portal.celery import app as celery_app  # noqa: E402
from tests import mailgun, processes  # noqa: E402  (signs posts exactly as Mailgun's forward() route does)

QUEUE = "bench-inbound"  # the web's parse messages and the measured worker, apart from anything else
REPLY = (_http.ROOT / "tests/core/reply_corpus/gmail_top_posted.eml").read_text()
# Each wrk thread takes every n-th prepared post, never one twice (a replay would be a cheaper request).
LUA = r"""
local posts, next_post, threads = {}, 0, {}
replays, refused = 0, 0  -- globals: done() reads them from each thread
function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end
function init(args)
  local file = io.open(args[1], "rb"); local data = file:read("*a"); file:close()
  local step, pos, n = tonumber(args[2]), 1, 0
  while pos <= #data do
    local eol = data:find("\n", pos, true)
    local content_type, size = data:sub(pos, eol - 1):match("^(.-)\t(%d+)$")
    size = tonumber(size)
    if n % step == id then
      table.insert(posts, {content_type, data:sub(eol + 1, eol + size)})
    end
    pos, n = eol + 1 + size, n + 1
  end
end
function request()
  next_post = next_post + 1
  if next_post > #posts then replays = replays + 1; next_post = 1 end
  local post = posts[next_post]
  local headers = {["Content-Type"] = post[1], ["Authorization"] = args_auth, ["X-Forwarded-Proto"] = "https"}
  return wrk.format("POST", nil, headers, post[2])
end
function response(status, headers, body)
  if status ~= 200 then refused = refused + 1 end  -- wrk itself counts a 3xx as a success
end
function done(summary, latency, requests)
  local total, bad = 0, 0
  for _, thread in ipairs(threads) do
    total, bad = total + thread:get("replays"), bad + thread:get("refused")
  end
  io.write(string.format("replays: %d\nnot 200: %d\n", total, bad))
end
"""


def personas() -> None:
    """Bob, a member of team "rocket", whom every reply comes from."""
    if not Team.objects.filter(slug="rocket").exists():
        owner = User.objects.filter(email="alice@example.com").first() or user_signup(
            email="alice@example.com", password="bench-password-1", full_name="Alice Archer"
        )
        bob = User.objects.filter(email="bob@example.com").first() or user_signup(
            email="bob@example.com", password="bench-password-1", full_name="Bob Baker"
        )
        membership_add(team=team_create(owner=owner, name="Rocket"), user=bob)
    assert Team.objects.filter(slug="rocket").exists(), "the bench team must be at rocket@"


def signed_posts(count: int, path: Path) -> None:
    """``count`` distinct signed multipart posts, one record each: "content type<TAB>size<LF>body"."""
    with open(path, "wb") as out:
        for _ in range(count):
            raw = REPLY.replace("<CAF=gmail-top-1@mail.gmail.com>", f"<{uuid.uuid4().hex}@mail.gmail.com>")
            body, content_type = mailgun.multipart(
                mailgun.signed_fields(raw, recipient="rocket@" + _http.INBOUND_DOMAIN, key=_http.SIGNING_KEY)
            )
            out.write(f"{content_type}\t{len(body)}\n".encode() + body)


def queries_per_reply() -> int:
    """Queries one webhook request runs (in this process, the same view and settings)."""
    raw = REPLY.replace("<CAF=gmail-top-1@mail.gmail.com>", f"<{uuid.uuid4().hex}@mail.gmail.com>")
    body, content_type = mailgun.multipart(mailgun.signed_fields(raw, key=_http.SIGNING_KEY))
    anymail = {"MAILGUN_WEBHOOK_SIGNING_KEY": _http.SIGNING_KEY, "WEBHOOK_SECRET": _http.WEBHOOK_SECRET}
    overrides = {"ANYMAIL": anymail, "INBOUND_DOMAIN": _http.INBOUND_DOMAIN, "ALLOWED_HOSTS": ["testserver"]}
    with override_settings(**overrides), CaptureQueriesContext(connection) as q:
        response = Client().generic(
            "POST",
            mailgun.INBOUND_PATH,
            body,
            content_type=content_type,
            secure=True,
            HTTP_AUTHORIZATION=mailgun.basic_auth(_http.WEBHOOK_SECRET),
        )
    assert response.status_code == 200, response.status_code
    return len(q.captured_queries)


def lua_script(folder: Path) -> Path:
    auth = mailgun.basic_auth(_http.WEBHOOK_SECRET)
    script = folder / "inbound.lua"
    script.write_text(f'args_auth = "{auth}"\n' + LUA)
    return script


def worker_rate(env: dict, seconds: float) -> tuple[int, float]:
    """One worker process (concurrency 1) parsing the stored replies for ``seconds``: (parsed, seconds).
    What it did not reach is forgotten afterwards (queue purged, rows deleted): bench data only."""
    owed = InboundMessage.objects.filter(outcome=InboundMessage.Outcome.RECEIVED)
    pending = owed.count()
    if not pending:
        return 0, 0.0
    with processes.celery_worker(env={**env, "DYNO": "worker.bench"}, queue=QUEUE, loglevel="WARNING") as worker:
        deadline = time.monotonic() + 120
        while owed.count() == pending:  # from its first parse on (start-up is not parsing)
            if time.monotonic() > deadline or worker.poll() is not None:
                raise SystemExit(f"the worker parsed nothing (see var/test-logs/worker-{QUEUE}.log)")
            time.sleep(0.1)
        started, first = time.monotonic(), owed.count()
        while owed.count() and time.monotonic() - started < seconds:
            time.sleep(0.5)
        done, took = first - owed.count(), time.monotonic() - started
    with celery_app.connection_for_write() as connection:
        connection.default_channel.queue_purge(QUEUE)
    owed.delete()
    return done, took


def main() -> None:
    parser = _results.parser(__doc__)
    parser.add_argument("--seconds", type=int, default=10, help="each wrk run")
    parser.add_argument("--rounds", type=int, default=2, help="hello and inbound runs, alternated")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--posts", type=int, default=20000, help="distinct signed posts per inbound run")
    parser.add_argument("--worker-seconds", type=float, default=30, help="how long the worker's rate is measured")
    args = parser.parse_args()
    if args.quick:
        args.rounds, args.seconds, args.posts, args.worker_seconds = 1, 3, 8000, 5
    if not os.environ.get("REDIS_URL"):
        raise SystemExit("set REDIS_URL: the web enqueues to the broker as in production")
    _django.migrate()
    personas()
    queries = queries_per_reply()
    folder = Path(tempfile.mkdtemp(prefix="idt-bench-inbound-"))
    script = lua_script(folder)
    env = _http.production_env(INBOUND_QUEUE=QUEUE)
    entries_before = Entry.objects.count()
    hello, inbound = [], []
    with _http.serve(env=env) as (base, server):
        _http.wrk(base + _http.HELLO_PATH, seconds=2)  # warm-up
        for n in range(args.rounds):
            cpu = _http.cpu_seconds(server.pid)
            hello.append(_http.wrk(base + _http.HELLO_PATH, connections=args.connections, seconds=args.seconds))
            hello[-1]["cpu_ms"] = (_http.cpu_seconds(server.pid) - cpu) * 1000 / hello[-1]["requests"]
            posts = folder / f"posts-{n}.bin"
            signed_posts(args.posts, posts)  # just before the run: each timestamp must be fresh
            cpu = _http.cpu_seconds(server.pid)
            result = _http.wrk(
                base + mailgun.INBOUND_PATH,
                connections=args.connections,
                seconds=args.seconds,
                script=script,
                script_args=[str(posts), "2"],
            )
            time.sleep(0.5)  # the parse messages of the last posts still being sent (this process's CPU)
            result["cpu_ms"] = (_http.cpu_seconds(server.pid) - cpu) * 1000 / result["requests"]
            if "not 200: 0" not in result["output"]:
                raise SystemExit(f"the webhook answered something other than 200:\n{result['output']}")
            if "replays: 0" not in result["output"]:
                print(f"(warning: wrk ran out of distinct posts; raise --posts)\n{result['output']}")
            inbound.append(result)
            print(
                f"round {n + 1}: hello {hello[-1]['rps']:,.0f} req/s, inbound {inbound[-1]['rps']:,.0f} req/s "
                f"({inbound[-1]['non_2xx']:.0f} non-2xx, {inbound[-1]['errors']:.0f} socket errors); "
                f"web process CPU per request: hello {hello[-1]['cpu_ms']:.2f} ms, "
                f"inbound {inbound[-1]['cpu_ms']:.2f} ms; load average {os.getloadavg()[0]:.1f}",
                flush=True,
            )
    stored = sum(r["requests"] for r in inbound)
    with celery_app.connection_for_write() as broker:
        messages = broker.default_channel.queue_declare(queue=QUEUE, passive=True).message_count
    print(f"parse messages on the queue: {messages:,} for {stored:,} posts stored (several ids to a message)")
    parsed, seconds = worker_rate(env, args.worker_seconds)
    # The best run of each: other work on the machine only ever takes requests away.
    best_hello = max(r["rps"] for r in hello)
    best_inbound = max(r["rps"] for r in inbound)
    print(f"queries per webhook request: {queries}")
    print(
        f"web process CPU per request (median): inbound {statistics.median(r['cpu_ms'] for r in inbound):.2f} ms, "
        f"hello {statistics.median(r['cpu_ms'] for r in hello):.2f} ms"
    )
    print(
        f"inbound p50 {statistics.median(r['p50_ms'] for r in inbound):.1f} ms, "
        f"p99 {statistics.median(r['p99_ms'] for r in inbound):.1f} ms; hello p50 "
        f"{statistics.median(r['p50_ms'] for r in hello):.1f} ms"
    )
    if parsed:
        print(
            f"worker (1 process): {parsed} stored replies parsed in {seconds:.1f} s = {parsed / seconds:.1f}/s "
            f"({Entry.objects.count() - entries_before} entries); {stored} posts stored"
        )
    print(
        f"runs: hello {', '.join(format(r['rps'], ',.0f') for r in hello)}; inbound "
        f"{', '.join(format(r['rps'], ',.0f') for r in inbound)} req/s (the best of each below)\n"
    )
    _results.report(
        [
            _results.Result(
                what=f"Mailgun inbound webhook (signed 3-line reply, stored + enqueued), wrk -c{args.connections}",
                figure=best_inbound,
                unit="req/s",
                higher_is_better=True,
                baseline=best_hello,
                baseline_what="hello view, same waitress",
                min_ratio=0.3,
            )
        ],
        bench="inbound",
    )


if __name__ == "__main__":
    sys.exit(main())
