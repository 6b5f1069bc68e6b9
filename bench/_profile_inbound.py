"""CPU per request of the Mailgun inbound webhook against the hello view, in this process, through the
whole WSGI application (every middleware, production settings, the psycopg pool, Redis as broker):
what a waitress thread spends, without waitress and wrk taking turns on the same cores.

    createdb -h 127.0.0.1 -U postgres idt_profile_inbound
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/idt_profile_inbound REDIS_URL=redis://127.0.0.1:6379/6 \\
        .venv/bin/python bench/_profile_inbound.py [--profile] [--html FILE]

Its own database: the webhook's unparsed rows are deleted at the end.

CPU is ``time.process_time`` (every thread of the process, so the background parse sender's broker
publishes count); posts are signed just before and sent one after another. ``--profile`` prints
pyinstrument's call tree of the webhook requests (all threads' time is not in it: the sender thread's
publishes are measured by the CPU figure only).
"""

import argparse
import io
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/idt_profile_inbound")
import _http  # noqa: E402

QUEUE = "bench-inbound-profile"  # nobody consumes it: purged at the end
os.environ.update(_http.production_env(INBOUND_QUEUE=QUEUE))
os.environ["CACHE_URL"] = ""  # production's cache (Redis from REDIS_URL), not _django's locmem default
import _django  # noqa: E402,F401  (Django set up with the web dyno's settings)
from django.core.wsgi import get_wsgi_application  # noqa: E402

from tests import mailgun  # noqa: E402

REPLY = (_http.ROOT / "tests/core/reply_corpus/gmail_top_posted.eml").read_text()


def environ(path: str, body: bytes = b"", content_type: str = "", auth: str = "") -> dict:
    env = {
        "REQUEST_METHOD": "POST" if body else "GET",
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1",
        "wsgi.url_scheme": "https",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }
    if body:
        env["CONTENT_TYPE"], env["CONTENT_LENGTH"] = content_type, str(len(body))
    if auth:
        env["HTTP_AUTHORIZATION"] = auth
    return env


def posts(count: int) -> list[tuple[bytes, str]]:
    made = []
    for _ in range(count):
        raw = REPLY.replace("<CAF=gmail-top-1@mail.gmail.com>", f"<{uuid.uuid4().hex}@mail.gmail.com>")
        made.append(
            mailgun.multipart(
                mailgun.signed_fields(raw, recipient="rocket@" + _http.INBOUND_DOMAIN, key=_http.SIGNING_KEY)
            )
        )
    return made


def call(app, env: dict) -> str:
    status = []
    body = app(env, lambda s, h, exc_info=None: status.append(s))
    b"".join(body)
    if hasattr(body, "close"):
        body.close()
    return status[0]


def drain() -> None:
    """Wait until the background sender has published every parse message (its CPU counts)."""
    from core.web import inbound

    sender = inbound._sender
    deadline = time.monotonic() + 60
    while sender is not None and not sender.ids.empty() and time.monotonic() < deadline:
        time.sleep(0.005)
    time.sleep(0.05)  # the last one being sent


def measure(app, make_env, count: int) -> tuple[float, float, float]:
    """(median wall ms, CPU ms per request, of which the requests' own thread) over ``count`` requests."""
    walls = []
    cpu, own = time.process_time(), time.thread_time()
    for n in range(count):
        env = make_env(n)
        started = time.perf_counter()
        status = call(app, env)
        walls.append((time.perf_counter() - started) * 1000)
        assert status.startswith("200"), status
    own = time.thread_time() - own
    drain()
    return statistics.median(walls), (time.process_time() - cpu) * 1000 / count, own * 1000 / count


PHASES = [  # (module, attribute path): each step's CPU in the request's thread, inclusive
    ("django.core.handlers.wsgi", "WSGIHandler.__call__"),
    ("core.web.inbound", "InboundPostMixin.dispatch"),
    ("core.web.inbound", "_read_post"),
    ("anymail.webhooks.base", "AnymailCoreWebhookView.run_validators"),
    ("core.web.inbound", "inbound_store"),
    ("core.inbound_mail", "headers"),
    ("core.inbound_mail", "sender"),
    ("core.inbound_mail", "subject_preview"),
    ("core.services.inbound", "_store_in_one_statement"),
    ("django.db.backends.base.base", "BaseDatabaseWrapper.ensure_connection"),
    ("django.db.backends.utils", "CursorWrapper.execute"),
    ("core.services.inbound", "inbound_dispatch"),
    ("django.http.response", "HttpResponseBase.close"),
    ("csp.middleware", "CSPMiddleware.process_response"),
]


def _time_phases() -> dict[str, float]:
    """Wraps each of ``PHASES`` to add up the CPU its calls use in the calling thread."""
    import functools
    import importlib

    spent = {}
    for module_name, path in PHASES:
        owner = importlib.import_module(module_name)
        *outer, name = path.split(".")
        for part in outer:
            owner = getattr(owner, part)
        original = getattr(owner, name)
        spent[path] = 0.0

        def timed(*args, _original=original, _path=path, **kwargs):
            started = time.thread_time()
            try:
                return _original(*args, **kwargs)
            finally:
                spent[_path] += time.thread_time() - started

        setattr(owner, name, functools.wraps(original)(timed))
    return spent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--html")
    parser.add_argument("--phases", action="store_true", help="the request thread's CPU in each step")
    parser.add_argument("--cprofile", type=int, default=0, help="print cProfile's top N (request thread CPU)")
    args = parser.parse_args()
    _django.migrate()
    import inbound as bench_inbound  # the benchmark's personas (team rocket, bob)

    bench_inbound.personas()
    app = get_wsgi_application()
    auth = mailgun.basic_auth(_http.WEBHOOK_SECRET)
    hello_env = lambda n: environ(_http.HELLO_PATH)  # noqa: E731
    for _ in range(50):
        call(app, hello_env(0))
    warm = posts(50)
    for body, content_type in warm:
        call(app, environ(mailgun.INBOUND_PATH, body, content_type, auth))
    drain()
    for round_ in range(args.rounds):
        prepared = posts(args.count)
        post_env = lambda n: environ(mailgun.INBOUND_PATH, *prepared[n], auth)  # noqa: E731, B023
        hello_wall, hello_cpu, _ = measure(app, hello_env, args.count)
        post_wall, post_cpu, post_own = measure(app, post_env, args.count)
        print(
            f"round {round_ + 1}: webhook {post_cpu:.2f} ms CPU ({post_own:.2f} in the request's thread; "
            f"{post_wall:.1f} ms wall p50), hello {hello_cpu:.2f} ms CPU ({hello_wall:.2f} ms wall p50): "
            f"CPU ratio {hello_cpu / post_cpu:.2f}x",
            flush=True,
        )
    if args.phases:
        phases = _time_phases()
        prepared = posts(args.count)
        own = time.thread_time()
        for body, content_type in prepared:
            call(app, environ(mailgun.INBOUND_PATH, body, content_type, auth))
        own = (time.thread_time() - own) * 1000 / args.count
        drain()
        print(f"request thread CPU per webhook request: {own:.3f} ms, of which (inclusive, nested):")
        for name, spent in phases.items():
            print(f"  {spent * 1000 / args.count:7.3f} ms  {name}")
    if args.cprofile:
        import cProfile
        import pstats

        prepared = posts(args.count)
        profile = cProfile.Profile(time.thread_time)  # the request thread's CPU, not its waits
        profile.enable()
        for body, content_type in prepared:
            call(app, environ(mailgun.INBOUND_PATH, body, content_type, auth))
        profile.disable()
        drain()
        pstats.Stats(profile).sort_stats("cumulative").print_stats(args.cprofile)
    if args.profile or args.html:
        from pyinstrument import Profiler

        prepared = posts(args.count)
        profiler = Profiler(interval=0.0002)
        with profiler:
            for body, content_type in prepared:
                call(app, environ(mailgun.INBOUND_PATH, body, content_type, auth))
            drain()
        print(profiler.output_text(unicode=True, color=False, show_all=False))
        if args.html:
            Path(args.html).write_text(profiler.output_html())
    from core.models import InboundMessage
    from portal.celery import app as celery_app

    InboundMessage.objects.filter(outcome=InboundMessage.Outcome.RECEIVED).delete()  # this database's only
    with celery_app.connection_for_write() as connection:
        connection.default_channel.queue_purge(QUEUE)


if __name__ == "__main__":
    main()
