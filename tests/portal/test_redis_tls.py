"""A TLS Redis (rediss://, as Heroku Redis hands out): the cache and the Celery broker both connect, and the
certificate is checked unless REDIS_SSL_CERT_REQS says otherwise. A real redis-server with TLS on a spare port."""

import subprocess
import time
from pathlib import Path

import pytest

from tests.portal.test_settings import PRODUCTION_ENV, _run
from tests.processes import free_port

CHECK = (
    "import django; django.setup(); "
    "from django.core.cache import cache; cache.set('tls-check', 'ok', 30); print(cache.get('tls-check')); "
    "from portal.celery import app; "
    "conn = app.connection_for_write(); conn.ensure_connection(max_retries=1); print('broker', conn.connected)"
)


@pytest.fixture
def tls_redis(tmp_path: Path):
    """A throwaway redis-server speaking only TLS, with a self-signed certificate (as Heroku Redis has)."""
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    port = free_port()
    server = subprocess.Popen(
        ["redis-server", "--port", "0", "--tls-port", str(port), "--tls-cert-file", str(cert), "--tls-key-file",
         str(key), "--tls-ca-cert-file", str(cert), "--tls-auth-clients", "no", "--save", "", "--appendonly", "no",
         "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 10
        while subprocess.run(
            ["redis-cli", "--tls", "--insecure", "-p", str(port), "ping"], capture_output=True, text=True
        ).stdout.strip() != "PONG":
            assert time.monotonic() < deadline, "TLS redis-server did not start"
            time.sleep(0.1)
        yield f"rediss://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait(timeout=10)


def _production(redis_url: str, **extra) -> dict:
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "CACHE_URL"}
    return {**env, "DJANGO_SETTINGS_MODULE": "portal.settings", "REDIS_URL": redis_url, **extra}


def test_the_cache_and_the_broker_use_a_self_signed_tls_redis_when_told_to_trust_it(tls_redis):
    result = _run(["-c", CHECK], _production(tls_redis, REDIS_SSL_CERT_REQS="none"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["ok", "broker", "True"]


def test_a_self_signed_certificate_is_refused_by_default(tls_redis):
    result = _run(["-c", CHECK], _production(tls_redis))
    assert result.returncode != 0
    assert "CERTIFICATE_VERIFY_FAILED" in result.stderr or "certificate verify failed" in result.stderr
