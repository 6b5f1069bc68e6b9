"""A production start: pages and static files work before and after collectstatic, and the database
timeouts a web dyno asks for are the ones the server applies."""

import re
import subprocess
import sys

import pytest
import requests

from tests.conftest import requires_postgres
from tests.processes import ROOT, free_port, process_env, wait_for, waitress

pytestmark = [pytest.mark.processes, pytest.mark.django_db(transaction=True)]

PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "portal.settings",
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "k8Jq2v-production-like-secret-9f3LmZx7RtYwBc5nHd1sVe4uGa6iOp0QjKlMzXy",
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
    "DJANGO_SECURE_SSL_REDIRECT": "false",  # plain HTTP on loopback; the router terminates TLS in production
}


def _landing_and_stylesheet(port: int) -> tuple[str, requests.Response]:
    base = f"http://127.0.0.1:{port}"
    wait_for(lambda: _status(f"{base}/health") in (200, 503), timeout=60, what="waitress up")
    page = requests.get(f"{base}/", timeout=30)
    assert page.status_code == 200
    href = re.search(r'href="(/static/core/app[^"]*\.css)"', page.text).group(1)
    return href, requests.get(f"{base}{href}", timeout=30)


def _status(url: str) -> int:
    try:
        return requests.get(url, timeout=10).status_code
    except requests.RequestException:
        return 0


def test_it_serves_pages_and_static_files_before_and_after_collectstatic(tmp_path):
    env = process_env(DJANGO_STATIC_ROOT=str(tmp_path / "static"), **PRODUCTION)
    port = free_port()
    with waitress(port, env=env, threads=2):
        href, css = _landing_and_stylesheet(port)
    assert href == "/static/core/app.css"  # no manifest yet: the plain name, served from the app's folder
    assert css.status_code == 200 and css.headers["Content-Type"].startswith("text/css")

    collected = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert collected.returncode == 0, collected.stderr
    port = free_port()
    with waitress(port, env=env, threads=2):
        href, css = _landing_and_stylesheet(port)
    assert re.fullmatch(r"/static/core/app\.[0-9a-f]{12}\.css", href), href  # hashed: cached for good
    assert css.status_code == 200 and "immutable" in css.headers["Cache-Control"]


@requires_postgres
def test_it_has_the_server_apply_a_web_dynos_timeouts():
    code = (
        "import django; django.setup(); from django.db import connection, OperationalError\n"
        "with connection.cursor() as c:\n"
        "    c.execute('SHOW statement_timeout'); print(c.fetchone()[0])\n"
        "    c.execute('SHOW idle_in_transaction_session_timeout'); print(c.fetchone()[0])\n"
        "    try: c.execute('SELECT pg_sleep(3)')\n"
        "    except OperationalError as e: print(type(e.__cause__).__name__)\n"
    )
    web = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env=process_env(DYNO="web.1", DB_STATEMENT_TIMEOUT_SECONDS="0.5"),
    )
    assert web.returncode == 0, web.stderr
    assert web.stdout.split() == ["500ms", "30s", "QueryCanceled"]
