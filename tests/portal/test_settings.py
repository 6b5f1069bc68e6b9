"""Configuration from the environment: production posture, pooling on and off, embedded defaults."""

import json
import os
import subprocess
import sys

from tests.processes import ROOT

PRODUCTION_ENV = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "k8Jq2v-production-like-secret-9f3LmZx7RtYwBc5nHd1sVe4uGa6iOp0QjKlMzXy",
    "DJANGO_ALLOWED_HOSTS": "idonethis.example.com",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/idonethis",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "CACHE_URL": "rediscache://127.0.0.1:6379/1",
}


def _run(args: list[str], env: dict) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_", "CACHE_"))}
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env={**base, **env}, capture_output=True, text=True, timeout=60
    )


def _settings(env: dict, expression: str):
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        f"print(json.dumps({expression}, default=str))"
    )
    result = _run(["-c", code], {"DJANGO_SETTINGS_MODULE": "portal.settings", **env})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_check_deploy_is_clean_in_a_production_like_environment():
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_it_refuses_to_start_in_production_without_a_secret_key():
    env = {**PRODUCTION_ENV, "DJANGO_SECRET_KEY": ""}
    result = _run(["manage.py", "check"], env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_it_pools_postgres_connections_and_names_them_after_the_dyno():
    options = _settings({**PRODUCTION_ENV, "DYNO": "web.3", "DB_POOL_MAX_SIZE": "12"}, 's.DATABASES["default"]')
    assert options["OPTIONS"]["pool"]["max_size"] == 12
    assert options["OPTIONS"]["application_name"] == "web.3"
    assert options["CONN_MAX_AGE"] == 0
    # The backend checks a lent connection unless it just answered (tests/core/test_pool_check.py).
    assert options["ENGINE"] == "core.postgresql" and options["CONN_HEALTH_CHECKS"] is False


def test_it_keeps_persistent_per_thread_connections_with_pooling_off():
    db = _settings({**PRODUCTION_ENV, "DB_POOL_MAX_SIZE": "0"}, 's.DATABASES["default"]')
    assert "pool" not in db["OPTIONS"]
    assert db["CONN_MAX_AGE"] == 600 and db["CONN_HEALTH_CHECKS"] is True


def test_embedded_defaults_need_no_server(tmp_path):
    env = {"DJANGO_DEBUG": "true", "VAR_DIR": str(tmp_path)}
    figures = _settings(
        env, '[s.DATABASES["default"], s.CELERY_BROKER_URL, s.CACHES["default"]["BACKEND"], s.EMAIL_BACKEND]'
    )
    db, broker, cache, email = figures
    assert db["ENGINE"] == "django.db.backends.sqlite3" and db["NAME"].startswith(str(tmp_path))
    assert db["OPTIONS"]["transaction_mode"] == "IMMEDIATE" and "journal_mode=WAL" in db["OPTIONS"]["init_command"]
    assert broker == "filesystem://"
    assert cache == "django.core.cache.backends.filebased.FileBasedCache"
    assert email == "core.mail.FilePerMessageBackend"


def test_it_takes_the_broker_from_redis_url_and_prefers_celery_broker_url():
    assert (
        _settings({"DJANGO_DEBUG": "true", "REDIS_URL": "redis://r:6379/0"}, "s.CELERY_BROKER_URL")
        == "redis://r:6379/0"
    )
    both = {"DJANGO_DEBUG": "true", "REDIS_URL": "redis://r:6379/0", "CELERY_BROKER_URL": "amqp://guest@q//"}
    assert _settings(both, "s.CELERY_BROKER_URL") == "amqp://guest@q//"


def test_it_bounds_every_database_wait_by_process_type():
    web = _settings({**PRODUCTION_ENV, "DYNO": "web.1"}, 's.DATABASES["default"]["OPTIONS"]')
    assert web["options"] == "-c statement_timeout=5000 -c idle_in_transaction_session_timeout=30000"
    assert (web["connect_timeout"], web["keepalives"], web["tcp_user_timeout"]) == (3, 1, 15000)
    # An exhausted web pool answers 503 within a second (overload); other processes wait longer.
    assert web["pool"]["timeout"] == 1.0 and web["pool"]["connection_class"].endswith("BoundedConnection'>")
    worker_pool = _settings({**PRODUCTION_ENV, "DYNO": "worker.2"}, 's.DATABASES["default"]["OPTIONS"]["pool"]')
    assert worker_pool["timeout"] == 5.0
    assert _settings({**PRODUCTION_ENV, "DYNO": "web.1"}, "s.DB_NETWORK_TIMEOUT_SECONDS") == 6.0
    worker = _settings({**PRODUCTION_ENV, "DYNO": "worker.2"}, 's.DATABASES["default"]["OPTIONS"]["options"]')
    assert worker == "-c statement_timeout=120000 -c idle_in_transaction_session_timeout=300000"
    # The release phase (migrations) and one-off commands are not cut short; the environment can say otherwise.
    release = _settings({**PRODUCTION_ENV, "DYNO": "release.7"}, 's.DATABASES["default"]["OPTIONS"]["options"]')
    assert release == "-c statement_timeout=0 -c idle_in_transaction_session_timeout=0"
    assert _settings({**PRODUCTION_ENV, "DYNO": "release.7"}, "s.DB_NETWORK_TIMEOUT_SECONDS") == 0
    tuned = {**PRODUCTION_ENV, "DYNO": "web.1", "DB_STATEMENT_TIMEOUT_SECONDS": "2.5"}
    assert _settings(tuned, 's.DATABASES["default"]["OPTIONS"]["options"]').startswith("-c statement_timeout=2500 ")


def test_it_keeps_sessions_in_the_database_and_bounds_a_redis_cache():
    assert _settings(PRODUCTION_ENV, "s.SESSION_ENGINE") == "core.sessions"  # the database store, read without the ORM
    options = _settings(PRODUCTION_ENV, 's.CACHES["default"]["OPTIONS"]')
    assert options == {"socket_connect_timeout": 1, "socket_timeout": 1}


def test_production_shares_the_redis_add_on_as_its_cache_unless_cache_url_says_otherwise(tmp_path):
    """Rate limits, login throttles and cached sections must be one count across dynos, not one per dyno."""
    heroku = {k: v for k, v in PRODUCTION_ENV.items() if k != "CACHE_URL"}
    cache = _settings(heroku, 's.CACHES["default"]')
    assert cache["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert cache["LOCATION"] == heroku["REDIS_URL"]
    assert _settings(PRODUCTION_ENV, 's.CACHES["default"]["LOCATION"]') == "redis://127.0.0.1:6379/1"
    debug = {"DJANGO_DEBUG": "true", "VAR_DIR": str(tmp_path), "REDIS_URL": "redis://127.0.0.1:6379/0"}
    assert _settings(debug, 's.CACHES["default"]["BACKEND"]').endswith("FileBasedCache")


def test_a_tls_redis_is_checked_unless_told_otherwise():
    tls = {**PRODUCTION_ENV, "REDIS_URL": "rediss://:pw@redis.example:6380", "CACHE_URL": ""}
    assert _settings(tls, 's.CACHES["default"]["OPTIONS"]["ssl_cert_reqs"]') == "required"
    assert _settings(tls, "s.CELERY_BROKER_USE_SSL") == {"ssl_cert_reqs": 2}  # ssl.CERT_REQUIRED
    heroku = {**tls, "REDIS_SSL_CERT_REQS": "none"}
    assert _settings(heroku, 's.CACHES["default"]["OPTIONS"]["ssl_cert_reqs"]') == "none"
    assert _settings(heroku, "s.CELERY_BROKER_USE_SSL") == {"ssl_cert_reqs": 0}  # ssl.CERT_NONE
    result = _run(["manage.py", "check"], {**tls, "REDIS_SSL_CERT_REQS": "maybe"})
    assert result.returncode != 0 and "REDIS_SSL_CERT_REQS must be required, optional or none" in result.stderr


def test_the_debug_toolbar_starts_collapsed_under_bin_run(tmp_path):
    """bin/run debugs with the toolbar on; open, it covers the navigation, so it starts as a handle."""
    code = (
        "import django; django.setup(); from django.test import Client; "
        "html = Client().get('/', HTTP_HOST='localhost').content.decode(); "
        "print('djDebug' in html, 'data-default-show=\"false\"' in html)"
    )
    env = {"DJANGO_SETTINGS_MODULE": "portal.settings", "DJANGO_DEBUG": "true", "VAR_DIR": str(tmp_path)}
    result = _run(["-c", code], env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True"]
