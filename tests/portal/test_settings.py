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
        f"import json, django; django.setup(); from django.conf import settings as s; print(json.dumps({expression}))"
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
