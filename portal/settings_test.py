"""Settings for the test suite: production posture, minus what a test client cannot do (HTTPS)."""

import atexit
import os
import shutil
import tempfile

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-used-by-the-test-suite-0123456789")
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,testserver")
os.environ.setdefault("HEARTBEAT_INTERVAL_SECONDS", "1")
# Playwright's sync API runs an event loop in the test thread; the ORM calls beside it are synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
# Inbound webhooks are checked in tests exactly as in production, with test-only secrets.
os.environ.setdefault("ANYMAIL_WEBHOOK_SECRET", "test-webhook:test-secret")
os.environ.setdefault("MAILGUN_WEBHOOK_SIGNING_KEY", "test-mailgun-signing-key")
os.environ.setdefault("INBOUND_DOMAIN", "in.idonethis.test")
# The embedded broker's files (kombu's filesystem transport) go to a folder of this test run, shared with
# the processes it starts (they inherit the variable), so a test run leaves the work tree untouched.
if "EMBEDDED_BROKER_DIR" not in os.environ:
    os.environ["EMBEDDED_BROKER_DIR"] = tempfile.mkdtemp(prefix="idt-test-broker-")
    atexit.register(shutil.rmtree, os.environ["EMBEDDED_BROKER_DIR"], ignore_errors=True)

from portal.settings import *  # noqa: E402,F403

# Tests render templates without running collectstatic first.
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast users in fixtures
WHITENOISE_AUTOREFRESH = True  # no collectstatic in tests: serve from the finders
WHITENOISE_USE_FINDERS = True

# The suite keeps the embedded file cache unless CACHE_URL names one: the tests that need Redis as the
# cache (throttles, the day page's sections, the degrade drills) say so themselves. Production's default,
# the Redis add-on at REDIS_URL, is checked in tests/portal/test_settings.py and test_redis_tls.py.
if not os.environ.get("CACHE_URL"):
    CACHES = {"default": env.cache_url_config(EMBEDDED_CACHE_URL)}  # noqa: F405
