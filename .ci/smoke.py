"""Smoke test of the README's run command: start it, use the app through HTTP, stop it with SIGTERM.

Runs on the embedded defaults in a fresh VAR_DIR so it proves what a new developer gets.
"""

import http.cookiejar
import os
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

PORT = 8765
BASE = f"http://127.0.0.1:{PORT}"


def wait_for(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            result = condition()
        except Exception:
            result = None
        if result:
            return result
        time.sleep(1)
    raise SystemExit(f"smoke: timed out waiting for {what}")


def main() -> None:
    var_dir = tempfile.mkdtemp(prefix="idt-smoke-")
    env = {**os.environ, "VAR_DIR": var_dir, "PORT": str(PORT)}
    log = open(os.path.join(var_dir, "run.log"), "wb")
    run = subprocess.Popen(["bin/run"], env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_for(lambda: urllib.request.urlopen(f"{BASE}/health", timeout=5).status == 200, 180, "/health 200")
        print("smoke: /health is 200")
        post_an_entry()
        print("smoke: posted an entry through the web and saw it on the team's day page")
        reply = post_a_reply(var_dir)
        print("smoke: a reply signed with the generated key was accepted; a forged one answered 400")
        db = sqlite3.connect(os.path.join(var_dir, "idonethis.sqlite3"), timeout=20)
        row = wait_for(
            lambda: db.execute(
                "SELECT task_name, worker FROM django_celery_results_taskresult WHERE status='SUCCESS'"
            ).fetchone(),
            150,
            "a task result stored by the worker",
        )
        print(f"smoke: worker stored a result of {row[0]} on {row[1]}")
        if not db.execute("SELECT 1 FROM core_entry WHERE text = ?", (reply,)).fetchone():
            raise SystemExit("smoke: the emailed reply did not become an entry")
        print("smoke: the emailed reply is an entry")
    finally:
        os.killpg(run.pid, signal.SIGTERM)
        try:
            code = run.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(run.pid, signal.SIGKILL)
            raise SystemExit("smoke: bin/run did not stop within 40 s of SIGTERM") from None
    leftovers = subprocess.run(["pgrep", "-g", str(run.pid)], capture_output=True, text=True).stdout.split()
    if leftovers:
        raise SystemExit(f"smoke: processes still running after SIGTERM: {leftovers}")
    print(f"smoke: bin/run exited with {code} and left no process behind")
    log.close()
    db = sqlite3.connect(os.path.join(var_dir, "idonethis.sqlite3"), timeout=20)
    running = db.execute("SELECT dyno FROM ops_heartbeat WHERE stopped_at IS NULL").fetchall()
    types = {row[0] for row in db.execute("SELECT process_type FROM ops_heartbeat")}
    if running or not {"web", "worker", "beat"} <= types:
        raise SystemExit(f"smoke: heartbeats not all stopped cleanly: running={running} types={types}")
    print(f"smoke: web, worker and beat each marked their heartbeat stopped ({sorted(types)})")
    if code not in (0, -signal.SIGTERM, 128 + signal.SIGTERM):
        sys.stdout.write(open(os.path.join(var_dir, "run.log")).read()[-4000:])
        raise SystemExit(f"smoke: bin/run exited with {code}")


def post_an_entry() -> None:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    def csrf_from(page: str) -> str:
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)

    login_page = opener.open(f"{BASE}/accounts/login/").read().decode()
    form = {
        "username": "alice@example.com",
        "password": "demo-password-1",
        "csrfmiddlewaretoken": csrf_from(login_page),
    }
    day = opener.open(f"{BASE}/accounts/login/", urllib.parse.urlencode(form).encode())
    day_url = day.geturl()
    if "/t/" not in day_url:
        raise SystemExit(f"smoke: login did not land on a team page: {day_url}")
    text = f"Smoke-tested the run command {time.time():.0f}"
    form = {"text": text, "csrfmiddlewaretoken": csrf_from(day.read().decode())}
    page = opener.open(day_url.split("?")[0], urllib.parse.urlencode(form).encode()).read().decode()
    if text not in page:
        raise SystemExit("smoke: the posted entry is not on the team's day page")


def post_a_reply(var_dir: str) -> str:
    """A Mailgun-style signed reply, signed with the key the embedded run generated for itself."""
    import hashlib
    import hmac
    import urllib.error
    import uuid

    key = open(os.path.join(var_dir, "inbound-signing-key")).read().strip()
    text = f"Replied by email {time.time():.0f}"
    raw = (
        "From: alice@example.com\nTo: demo-team@idonethis.localhost\nSubject: Re: What did you get done?\n"
        f"Message-ID: <{uuid.uuid4().hex}@smoke>\nContent-Type: text/plain; charset=utf-8\n\n{text}\n"
    )

    def post(signing_key: str) -> int:
        timestamp, token = str(int(time.time())), uuid.uuid4().hex
        signature = hmac.new(signing_key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
        fields = {"timestamp": timestamp, "token": token, "signature": signature, "body-mime": raw}
        body = urllib.parse.urlencode(fields).encode()
        try:
            with urllib.request.urlopen(f"{BASE}/anymail/mailgun/inbound_mime/", body, timeout=30) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    if post("not-the-key") != 400:
        raise SystemExit("smoke: a forged inbound post was not refused with 400")
    if (status := post(key)) != 200:
        raise SystemExit(f"smoke: the signed reply answered {status}")
    return text


if __name__ == "__main__":
    main()
