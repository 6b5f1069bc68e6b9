"""Shared by the web benchmarks: a waitress process started as the Procfile starts it (production
settings, the site's URLs plus a hello view), and wrk to load it."""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
HELLO_PATH = "/bench/hello"
# Heroku's router says the request came over HTTPS; production settings redirect plain HTTP otherwise.
FORWARDED = {"X-Forwarded-Proto": "https"}
SIGNING_KEY = "bench-mailgun-signing-key"
WEBHOOK_SECRET = "bench-webhook:bench-secret"
INBOUND_DOMAIN = "in.idonethis.test"
_servers: dict[str, int] = {}  # base URL → pid of the waitress process serving it


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def web_env(**overrides: str) -> dict:
    """The web dyno's environment: production settings, this run's database, Redis as broker and cache."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench._web_settings",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY") or "benchmark-only-secret-key-0123456789-abcdefghijk",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "DYNO": "web.bench",
        "MAILGUN_WEBHOOK_SIGNING_KEY": SIGNING_KEY,
        "ANYMAIL_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "INBOUND_DOMAIN": INBOUND_DOMAIN,
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }
    if os.environ.get("REDIS_URL"):
        env["CACHE_URL"] = "rediscache://" + os.environ["REDIS_URL"].split("://", 1)[1]
    env.update(overrides)
    return env


@contextmanager
def waitress(*, env: dict, threads: int = 90, log: Path):
    """The Procfile's web command on a free port; yields the base URL once it answers."""
    port = free_port()
    command = [
        str(BIN / "waitress-serve"),
        f"--listen=127.0.0.1:{port}",
        f"--threads={threads}",
        "--trusted-proxy=*",
        "--trusted-proxy-headers=x-forwarded-for x-forwarded-proto x-forwarded-port",
        "--clear-untrusted-proxy-headers",
        "--ident=idonethis",
        "portal.wsgi:application",
    ]
    with open(log, "wb") as out:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**env, "WEB_THREADS": str(threads)},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_until_up(base, process)
            _servers[base] = process.pid
            yield base
        finally:
            _servers.pop(base, None)
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def cpu_seconds(base: str) -> float:
    """CPU time (user and system, every thread) the waitress process serving ``base`` has used so far."""
    import psutil

    times = psutil.Process(_servers[base]).cpu_times()
    return times.user + times.system


def _wait_until_up(base: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"waitress exited with {process.returncode}")
        try:
            request = urllib.request.Request(base + HELLO_PATH, headers=FORWARDED)
            with urllib.request.urlopen(request, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise SystemExit(f"waitress did not answer {HELLO_PATH} within {timeout:g} s")


def wrk(
    url: str,
    *,
    connections: int = 50,
    threads: int = 2,
    seconds: int = 10,
    script: Path | None = None,
    script_args: list[str] = (),
) -> dict:
    """Run wrk; its requests per second, latency and the answers that were not 2xx/3xx."""
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk)")
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for name, value in FORWARDED.items():
        command += ["-H", f"{name}: {value}"]
    if script:
        command += ["-s", str(script)]
    command.append(url)
    if script_args:
        command += ["--", *script_args]
    finished = subprocess.run(command, capture_output=True, text=True)
    output = finished.stdout
    if finished.returncode:
        raise SystemExit(f"wrk failed ({finished.returncode}): {finished.stderr or output}")
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1]),
        "requests": int(re.search(r"(\d+) requests in", output)[1]),
        "p50_ms": _ms(re.search(r"50%\s+([\d.]+\w+)", output)[1]),
        "p99_ms": _ms(re.search(r"99%\s+([\d.]+\w+)", output)[1]),
        "errors": int((re.search(r"Non-2xx or 3xx responses: (\d+)", output) or [0, 0])[1]),
        "socket_errors": (re.search(r"Socket errors: (.*)", output) or [None, ""])[1],
        "output": output,
    }


def _ms(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]
