"""The web benchmarks' server and clients: a real waitress process with production settings, and the
tools that load it.

``serve()`` starts ``waitress-serve`` with the Procfile's flags on a free loopback port, waits until it
answers, and stops it afterwards. The server runs production settings with the bench's URLs added
(``_web_settings``: a hello view and a one-query view, the baselines served by the same process, through
the same middleware, in the same run). ``sequential()`` times one request after another on one kept-alive
connection (latency); ``wrk()`` runs the ``wrk`` load generator (throughput).
Traffic only ever goes to 127.0.0.1, and every loop is bounded in count and time.
"""

import contextlib
import http.client
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOGS = ROOT / "var" / "bench"
HTTPS = {"X-Forwarded-Proto": "https"}  # as Heroku's router says: production settings redirect plain HTTP
# The Procfile's web flags: trust the router's X-Forwarded-* headers.
PROXY = [
    "--trusted-proxy=*",
    "--trusted-proxy-headers=x-forwarded-for x-forwarded-proto x-forwarded-port",
    "--clear-untrusted-proxy-headers",
    "--ident=idonethis",
]
HELLO_PATH = "/bench/hello"  # the baselines in _web_urls
ONE_QUERY_PATH = "/bench/one-query/"
# The inbound webhook's credentials on the bench server (signed posts use the same).
SIGNING_KEY = "bench-mailgun-signing-key"
WEBHOOK_SECRET = "bench-webhook:bench-secret"
INBOUND_DOMAIN = "in.idonethis.test"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def production_env(**extra: str) -> dict[str, str]:
    """The web dyno's environment: production settings (no debug) against this bench's database, Redis
    (``REDIS_URL``) as broker and cache when set, as on Heroku."""
    # The bench process's own cache choice (_django: locmem) is not the server's: production picks its cache.
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "CACHE_URL")}
    env.update(
        DJANGO_SETTINGS_MODULE="_web_settings",
        PYTHONPATH=f"{ROOT / 'bench'}{os.pathsep}{ROOT}",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=os.environ.get("DJANGO_SECRET_KEY", "benchmark-only-secret-key-0123456789-abcdefghijklm"),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DYNO="web.bench",
        MAILGUN_WEBHOOK_SIGNING_KEY=SIGNING_KEY,
        ANYMAIL_WEBHOOK_SECRET=WEBHOOK_SECRET,
        INBOUND_DOMAIN=INBOUND_DOMAIN,
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


@contextlib.contextmanager
def serve(
    app: str = "portal.wsgi:application", *, threads: int = 90, env: dict[str, str] | None = None, ready_path=HELLO_PATH
) -> Iterator[tuple[str, subprocess.Popen]]:
    """A waitress process serving ``app``; yields its base URL and the process (for its pid: RSS)."""
    port = free_port()
    LOGS.mkdir(parents=True, exist_ok=True)
    log = (LOGS / f"waitress-{port}.log").open("w")  # what the server said, kept when the bench fails
    process = subprocess.Popen(
        [str(ROOT / ".venv/bin/waitress-serve"), f"--listen=127.0.0.1:{port}", f"--threads={threads}", *PROXY, app],
        cwd=ROOT,
        env={**(env or production_env()), "WEB_THREADS": str(threads), "PORT": str(port)},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    failed = True
    try:
        _wait_until_answering(port, ready_path, process)
        yield f"http://127.0.0.1:{port}", process
        failed = False
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        log.close()
        if failed:
            print(f"(the server's output: {log.name})")
        else:
            Path(log.name).unlink()  # kept only when something went wrong


def _wait_until_answering(port: int, path: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"waitress exited with {process.returncode} before answering")
        with contextlib.suppress(OSError, http.client.HTTPException):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", path, headers=HTTPS)
            connection.getresponse().read()
            connection.close()
            return
        time.sleep(0.2)
    raise RuntimeError(f"waitress did not answer on port {port} within {timeout:.0f} s")


def sequential(base_url: str, path: str, *, requests: int, headers: dict | None = None) -> list[float]:
    """Milliseconds per request, one after another on one kept-alive connection; every answer must be 200."""
    host, port = base_url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=600)
    timings = []
    try:
        for _ in range(requests):
            started = time.perf_counter()
            connection.request("GET", path, headers={**HTTPS, **(headers or {})})
            response = connection.getresponse()
            body = response.read()
            timings.append((time.perf_counter() - started) * 1000)
            if response.status != 200:
                raise RuntimeError(f"GET {path} answered {response.status}: {body[:300]!r}")
    finally:
        connection.close()
    return timings


def fetch(base_url: str, path: str, *, headers: dict | None = None) -> tuple[int, bytes, float]:
    """One GET: its status, body and seconds."""
    host, port = base_url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=60)
    try:
        started = time.perf_counter()
        connection.request("GET", path, headers={**HTTPS, **(headers or {})})
        response = connection.getresponse()
        return response.status, response.read(), time.perf_counter() - started
    finally:
        connection.close()


def median(values: list[float]) -> float:
    return statistics.median(values)


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if not found:
        raise RuntimeError("wrk is not installed: apt-get install wrk (bin/bench installs it)")
    return found


def wrk(
    url: str,
    *,
    seconds: int = 10,
    connections: int = 50,
    threads: int = 2,
    headers: dict | None = None,
    script: Path | None = None,
    script_args: list[str] = (),
) -> dict:
    """One ``wrk`` run: requests/s (all, and answered 2xx/3xx), requests made, latency percentiles (ms),
    answers that were not 2xx/3xx, socket errors, and wrk's own output (a script's ``done()`` prints there)."""
    command = [ensure_wrk(), f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "30s"]
    for name, value in {**HTTPS, **(headers or {})}.items():
        command += ["-H", f"{name}: {value}"]
    if script:
        command += ["-s", str(script)]
    command.append(url)
    if script_args:
        command += ["--", *script_args]
    output = subprocess.run(command, capture_output=True, text=True, check=True, timeout=seconds + 60).stdout
    total = re.search(r"(\d+) requests in ([\d.]+)(\w+)", output)
    non_2xx = float(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)) else 0.0
    took = _ms(total.group(2) + total.group(3)) / 1000
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "ok_rps": (int(total.group(1)) - non_2xx) / took,  # answered 2xx or 3xx, per second
        "requests": int(total.group(1)),
        "p50_ms": _ms(re.search(r"50%\s+([\d.]+\w+)", output).group(1)),
        "p99_ms": _ms(re.search(r"99%\s+([\d.]+\w+)", output).group(1)),
        "non_2xx": non_2xx,
        "errors": float(sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))),
        "output": output,
    }


def _ms(text: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", text).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def cpu_seconds(pid: int) -> float:
    """CPU time a process has used so far, user and system, all its threads (Linux ``/proc``), seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def rss_mb(pid: int) -> float:
    """Resident memory of a process (Linux ``/proc``), megabytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")
