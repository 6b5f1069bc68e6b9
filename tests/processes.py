"""Helpers for tests that start the real processes (waitress, celery worker and beat).

The processes run against the test database the suite created, so tests using them need
``django_db(transaction=True)``: a subprocess cannot see rows inside the test's transaction.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def wait_for(condition: Callable[[], object], *, timeout: float = 30, interval: float = 0.2, what: str = "condition"):
    """Poll ``condition`` until it returns something truthy; fail clearly after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def test_database_url() -> str:
    """A DATABASE_URL for the database this test run uses (the test database, not the real one)."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    auth = quote(db["USER"] or "")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"])
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def process_env(**overrides: str) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings_test",
        "DATABASE_URL": test_database_url(),
        "VAR_DIR": str(Path(settings.VAR_DIR)),
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("DYNO", None)
    env.update(overrides)
    return env


@contextmanager
def running(command: list[str], *, env: dict, log_name: str):
    """Run ``command`` for the duration of the block; SIGTERM it afterwards and wait for it to exit."""
    log_dir = Path(settings.VAR_DIR) / "test-logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"{log_name}.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            yield process
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
    process.log_text = log_path.read_text(errors="replace")


def waitress(port: int, *, env: dict, threads: int = 4):
    command = [
        str(BIN / "waitress-serve"),
        f"--listen=127.0.0.1:{port}",
        f"--threads={threads}",
        "portal.wsgi:application",
    ]
    return running(command, env={**env, "WEB_THREADS": str(threads)}, log_name=f"waitress-{port}")


def celery_worker(*, env: dict, queue: str, concurrency: int = 1, loglevel: str = "INFO"):
    """A worker on a queue of its own (so it takes only this test's or bench's tasks), its log in
    ``VAR_DIR/test-logs/worker-<queue>.log``."""
    command = [
        str(BIN / "celery"),
        "-A",
        "portal",
        "worker",
        f"--loglevel={loglevel}",
        f"--concurrency={concurrency}",
        "-Q",
        queue,
        "-n",
        f"{queue}@%h",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]
    return running(command, env=env, log_name=f"worker-{queue}")


def celery_beat(*, env: dict, name: str):
    schedule_db = Path(settings.VAR_DIR) / f"beat-{name}"
    command = [
        str(BIN / "celery"),
        "-A",
        "portal",
        "beat",
        "--loglevel=INFO",
        "--max-interval=1",
        "--scheduler",
        "django_celery_beat.schedulers:DatabaseScheduler",
        "-s",
        str(schedule_db),
    ]
    return running(command, env=env, log_name=f"beat-{name}")
