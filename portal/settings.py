"""Settings for every environment, read from the environment through one ``environ.Env()``.

With nothing set the system runs embedded (SQLite, filesystem broker, mail as files under ``var/``);
``DATABASE_URL``, ``REDIS_URL``/``CELERY_BROKER_URL`` and ``CACHE_URL`` switch to real servers.
"""

import ssl
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from core.db import BoundedConnection
from portal import dyno

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

# --- embedded defaults: the one place that says what "no server needed" means -----------------
VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))
EMBEDDED_DATABASE_URL = f"sqlite:///{VAR_DIR / 'idonethis.sqlite3'}"
EMBEDDED_BROKER_URL = "filesystem://"
EMBEDDED_BROKER_FOLDER = Path(env.str("EMBEDDED_BROKER_DIR", default=str(VAR_DIR / "broker")))
EMBEDDED_CACHE_URL = f"filecache://{VAR_DIR / 'cache'}"
EMBEDDED_MAIL_DIR = VAR_DIR / "mail"


def embedded_inbound_signing_key(var_dir: Path) -> str:
    """A Mailgun webhook signing key made once per checkout (var/inbound-signing-key), so the embedded
    run checks inbound signatures like production and a developer can sign test posts with it."""
    import os
    import secrets
    import tempfile

    path = var_dir / "inbound-signing-key"
    if not path.exists():
        var_dir.mkdir(parents=True, exist_ok=True)
        # Written aside then linked into place: processes starting together all end up with one key.
        with tempfile.NamedTemporaryFile("w", dir=var_dir, delete=False) as draft:
            draft.write(secrets.token_hex(32) + "\n")
        try:
            os.link(draft.name, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(draft.name)
    return path.read_text().strip()


DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="") or (
    "insecure-embedded-development-key-not-for-production" if DEBUG else ""
)
if not SECRET_KEY:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off.")
# Old secret keys still accepted (sessions, password-reset links, secrets at rest) while rotating it.
SECRET_KEY_FALLBACKS = env.list("DJANGO_SECRET_KEY_FALLBACKS", default=[])

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://localhost:5000")

DYNO_NAME = dyno.dyno_name()
PROCESS_TYPE = dyno.process_type()
RELEASE = dyno.release()

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ops.apps.OpsAdminConfig",  # replaces django.contrib.admin with the operations portal
    "ops",
    "django_celery_beat",
    "django_celery_results",
    "anymail",
    "csp",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "core",
    "scheduled",
    "idt_slack",
]

MIDDLEWARE = [
    "ops.runtime.middleware.RequestStatsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "ops.runtime.middleware.CSPMiddleware",  # django-csp's, skipping the policy for exempt responses
    "core.web.middleware.RefuseNulBytesMiddleware",  # a 400, not the database's 500 at the first lookup
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "ops.runtime.middleware.MaintenanceMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"
AUTH_USER_MODEL = "core.User"
# Ours reads the signed-in user more cheaply; Django's own stays listed for sessions signed in before it.
AUTHENTICATION_BACKENDS = ["core.auth_backends.UserBackend", "django.contrib.auth.backends.ModelBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- database ------------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=EMBEDDED_DATABASE_URL)}
DB_POOL_MAX_SIZE = env.int("DB_POOL_MAX_SIZE", default=20)
DB_POOL_MIN_SIZE = env.int("DB_POOL_MIN_SIZE", default=2)
# How long a request waits for a pooled connection. A web dyno whose pool is exhausted is overloaded:
# it answers 503 with Retry-After within about a second (core/web/unavailable.py) so Heroku's router
# and the senders try again, rather than queueing requests behind each other; other processes wait longer.
DB_POOL_TIMEOUT = env.float("DB_POOL_TIMEOUT", default=1.0 if dyno.process_type() == "web" else 5.0)
OVERLOAD_RETRY_AFTER_SECONDS = env.int("OVERLOAD_RETRY_AFTER_SECONDS", default=2)
# A pooled connection whose server answered within this many seconds is lent without a check (core/postgresql).
DB_POOL_CHECK_AFTER_SECONDS = env.float("DB_POOL_CHECK_AFTER_SECONDS", default=1.0)
# Every wait on the database is bounded, so an outage costs a request seconds, not the router's 30 s.
# Server side, per process type: web requests fail fast, workers and beat run batch queries, the
# release phase (migrations) and one-off commands have no limit. Client side, a connection that
# stays silent past the statement timeout plus a grace is abandoned (core/db.py): a partition looks
# like that, and the server-side timeout cannot fire for a query that never arrived.
_DB_TIMEOUTS = {"web": (5, 30), "worker": (120, 300), "beat": (30, 120)}  # statement, idle in transaction
_statement, _idle = _DB_TIMEOUTS.get(PROCESS_TYPE, (0, 0))
DB_STATEMENT_TIMEOUT_SECONDS = env.float("DB_STATEMENT_TIMEOUT_SECONDS", default=_statement)
DB_IDLE_IN_TRANSACTION_TIMEOUT_SECONDS = env.float("DB_IDLE_IN_TRANSACTION_TIMEOUT_SECONDS", default=_idle)
DB_NETWORK_TIMEOUT_SECONDS = (
    DB_STATEMENT_TIMEOUT_SECONDS + env.float("DB_NETWORK_GRACE_SECONDS", default=1.0)
    if DB_STATEMENT_TIMEOUT_SECONDS
    else 0
)
_db = DATABASES["default"]
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # Several processes (web, worker, beat) write at once: WAL lets readers run beside the writer,
    # IMMEDIATE takes the write lock when a transaction starts (no upgrade deadlock), and the busy
    # timeout makes a writer wait instead of failing with "database is locked".
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    _db["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    _db["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
else:
    _db["OPTIONS"] = {
        **_db.get("OPTIONS", {}),  # e.g. ?sslmode=require in DATABASE_URL
        "application_name": DYNO_NAME[:63],
        # libpq bounds opening a connection (TCP and startup) by this many seconds.
        "connect_timeout": env.int("DB_CONNECT_TIMEOUT", default=3),
        "options": f"-c statement_timeout={int(DB_STATEMENT_TIMEOUT_SECONDS * 1000)}"
        f" -c idle_in_transaction_session_timeout={int(DB_IDLE_IN_TRANSACTION_TIMEOUT_SECONDS * 1000)}",
        # The kernel drops a connection whose peer vanished: keepalives for idle ones, and
        # tcp_user_timeout (ms) for sent data that is never acknowledged.
        "keepalives": 1,
        "keepalives_idle": 30,
        "keepalives_interval": 10,
        "keepalives_count": 3,
        "tcp_user_timeout": 15_000,
    }
    if DB_POOL_MAX_SIZE > 0:
        # One small pool per process shared by all its threads (90 waitress threads, ~20 connections).
        _db["OPTIONS"]["pool"] = {
            "min_size": min(DB_POOL_MIN_SIZE, DB_POOL_MAX_SIZE),
            "max_size": DB_POOL_MAX_SIZE,
            "timeout": DB_POOL_TIMEOUT,
            "name": DYNO_NAME,
            "connection_class": BoundedConnection,
            # Give up a reconnection chain after 10 s (psycopg's default is 5 minutes of growing
            # back-off): the next request starts a fresh one, so the pool refills within seconds of
            # the database coming back instead of after the longest back-off.
            "reconnect_timeout": 10.0,
        }
        _db["CONN_MAX_AGE"] = 0  # the pool owns connection lifetime
        # A connection is checked before it is lent unless its server answered moments ago: one that died
        # with an outage is replaced instead of failing the first request after recovery, without a round
        # trip on every request of a busy dyno. The check is the backend's (core/postgresql), not Django's.
        _db["ENGINE"] = "core.postgresql"
        _db["CONN_HEALTH_CHECKS"] = False
    else:
        # What psycopg2 would give: one persistent connection per thread, checked before reuse.
        _db["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=600)
        _db["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache ---------------------------------------------------------------------------------------
# In production the Redis add-on (REDIS_URL) is the cache every process shares: the API's per-token rate
# limit, the login throttles and the day page's sections are one count and one copy across dynos, not a
# file cache per dyno. CACHE_URL chooses another; under bin/run (debug, no Redis) the embedded file cache.
_SHARED_CACHE_URL = "" if DEBUG else env.str("REDIS_URL", default="")
CACHES = {"default": env.cache_url_config(env.str("CACHE_URL", default="") or _SHARED_CACHE_URL or EMBEDDED_CACHE_URL)}
# TLS Redis (rediss://): the certificate is checked unless REDIS_SSL_CERT_REQS says otherwise. Heroku Redis
# presents a self-signed certificate, so Heroku sets it to "none" (app.json), as Heroku documents.
REDIS_SSL_CERT_REQS = env.str("REDIS_SSL_CERT_REQS", default="required")
if REDIS_SSL_CERT_REQS not in ("required", "optional", "none"):
    raise ImproperlyConfigured("REDIS_SSL_CERT_REQS must be required, optional or none")
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    # redis-py waits forever by default: a cache that stops answering must cost a second, not a hang.
    CACHES["default"]["OPTIONS"] = {
        "socket_connect_timeout": 1,
        "socket_timeout": 1,
        **({"ssl_cert_reqs": REDIS_SSL_CERT_REQS} if CACHES["default"]["LOCATION"].startswith("rediss://") else {}),
        **CACHES["default"].get("OPTIONS", {}),
    }
# Sessions live in the database, never only in the cache: logins and signed-in pages keep working
# while the cache is down (the database is needed for every page anyway).
SESSION_ENGINE = "core.sessions"  # Django's database store with a cheaper read

# --- auth, i18n, static --------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("DJANGO_STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "core.staticfiles.ManifestOrPlainStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Production serves the hashed, compressed files collectstatic wrote (the release phase runs it;
# Heroku's buildpack runs it at build). A process that starts without them still serves every page:
# with no manifest, pages link plain names (core/staticfiles.py), which WhiteNoise then serves
# straight from the apps' static folders (found once at start-up) instead of every page being a 500.
WHITENOISE_USE_FINDERS = DEBUG or not (STATIC_ROOT / "staticfiles.json").exists()

# --- email ---------------------------------------------------------------------------------------
# ANYMAIL_ESP picks the provider (mailgun, postmark, sendgrid, … any anymail backend); without it
# mail is written as files under var/mail/. Keys come from the environment only.
ANYMAIL_ESP = env.str("ANYMAIL_ESP", default="")
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default=f"anymail.backends.{ANYMAIL_ESP}.EmailBackend" if ANYMAIL_ESP else "core.mail.FilePerMessageBackend",
)
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(EMBEDDED_MAIL_DIR))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="iDoneThis <team@idonethis.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Replies go to <team slug>@INBOUND_DOMAIN (and personal@ for the personal log).
INBOUND_DOMAIN = env.str("INBOUND_DOMAIN", default="idonethis.localhost")
# The one provider whose inbound webhook is mounted (core/web/inbound.py); "none" mounts none.
INBOUND_ESP = env.str("INBOUND_ESP", default=ANYMAIL_ESP or "mailgun").lower()
# A signed Mailgun post is refused once its timestamp is older than this (or further ahead than the
# skew); each token is remembered this long, so a captured post cannot be replayed.
INBOUND_SIGNATURE_MAX_AGE_SECONDS = env.int("INBOUND_SIGNATURE_MAX_AGE_SECONDS", default=5 * 60)
INBOUND_CLOCK_SKEW_SECONDS = env.int("INBOUND_CLOCK_SKEW_SECONDS", default=60)
# Mailgun accepts messages up to 25 MB; the form post around one is a little larger. Only the inbound
# view reads this much (Django's 2.5 MB upload limits stay for every other view).
INBOUND_MAX_BYTES = env.int("INBOUND_MAX_BYTES", default=32 * 1024 * 1024)
INBOUND_MAX_FIELDS = env.int("INBOUND_MAX_FIELDS", default=100)
# The webhook stores and a worker parses (core/services/inbound.py): the parses' queue; a stored email
# whose parse was handed out this long ago and is still owed was lost (broker down, worker killed) and
# is handed out again by the sweeper; a message whose parse failed this many times is given up.
INBOUND_QUEUE = env.str("INBOUND_QUEUE", default="celery")
INBOUND_REDISPATCH_AFTER_SECONDS = env.int("INBOUND_REDISPATCH_AFTER_SECONDS", default=2 * 60)
INBOUND_MAX_PARSE_ATTEMPTS = env.int("INBOUND_MAX_PARSE_ATTEMPTS", default=5)
# A busy web process sends the parses owed meanwhile as one message of at most this many ids, which one
# worker parses in turn (a few seconds of work at most, so several workers still share a burst).
INBOUND_PARSE_BATCH = env.int("INBOUND_PARSE_BATCH", default=20)
ANYMAIL = {
    key: value
    for key, value in {
        # Basic auth on every inbound/tracking webhook URL ("user:password"), plus each ESP's signature.
        "WEBHOOK_SECRET": env.str("ANYMAIL_WEBHOOK_SECRET", default=""),
        "MAILGUN_API_KEY": env.str("MAILGUN_API_KEY", default=""),
        "MAILGUN_SENDER_DOMAIN": env.str("MAILGUN_SENDER_DOMAIN", default=""),
        "MAILGUN_API_URL": env.str("MAILGUN_API_URL", default=""),
        "MAILGUN_WEBHOOK_SIGNING_KEY": env.str("MAILGUN_WEBHOOK_SIGNING_KEY", default="")
        or (embedded_inbound_signing_key(VAR_DIR) if DEBUG else ""),
        "POSTMARK_SERVER_TOKEN": env.str("POSTMARK_SERVER_TOKEN", default=""),
        "SENDGRID_API_KEY": env.str("SENDGRID_API_KEY", default=""),
    }.items()
    if value
}
# The daily loop (reminders and digests): see core/services/deliveries.py.
DELIVERY_QUEUE = env.str("DELIVERY_QUEUE", default="celery")
DELIVERY_TICK_BATCH = env.int("DELIVERY_TICK_BATCH", default=500)
# A send claimed this long ago and not finished had its sender die mid-send: marked "interrupted" and
# the provider is asked whether it took the message (core/services/reconcile.py). Longer than
# CELERY_TASK_TIME_LIMIT, so a sender still alive is never second-guessed.
DELIVERY_CLAIM_TIMEOUT_SECONDS = env.int("DELIVERY_CLAIM_TIMEOUT_SECONDS", default=15 * 60)
# Asking the provider about interrupted sends (core/esp.py): "no trace of it" counts only once the send
# is this old (Mailgun's events arrive late; it advises trusting them after half an hour); each question
# waits at most the timeout; a delivery is asked at most MAX_CHECKS times (backing off up to an hour),
# then left to support; one sweep asks at most PER_SWEEP questions and spends at most BUDGET seconds.
DELIVERY_PROVIDER_SETTLE_SECONDS = env.int("DELIVERY_PROVIDER_SETTLE_SECONDS", default=30 * 60)
DELIVERY_PROVIDER_TIMEOUT_SECONDS = env.float("DELIVERY_PROVIDER_TIMEOUT_SECONDS", default=5)
DELIVERY_PROVIDER_MAX_CHECKS = env.int("DELIVERY_PROVIDER_MAX_CHECKS", default=12)
DELIVERY_PROVIDER_CHECKS_PER_SWEEP = env.int("DELIVERY_PROVIDER_CHECKS_PER_SWEEP", default=100)
DELIVERY_PROVIDER_SWEEP_BUDGET_SECONDS = env.float("DELIVERY_PROVIDER_SWEEP_BUDGET_SECONDS", default=20)
# Which Mailgun API the reconciler asks: "logs" (POST /v1/analytics/logs) or "events" (GET /v3/<domain>/events,
# which Mailgun deprecates in favour of the Logs API). Same answers; see docs/reliability.md.
DELIVERY_MAILGUN_LOOKUP = env.str("DELIVERY_MAILGUN_LOOKUP", default="logs").lower()
if DELIVERY_MAILGUN_LOOKUP not in ("logs", "events"):
    raise ImproperlyConfigured("DELIVERY_MAILGUN_LOOKUP must be logs or events")
DELIVERY_MAX_LATENESS_HOURS = env.int("DELIVERY_MAX_LATENESS_HOURS", default=6)
# An owed email whose dispatch is this old and still not sent was lost (broker down, message dropped,
# worker killed): the sweeper dispatches it again. Also the pause between attempts after an ESP error.
DELIVERY_REDISPATCH_AFTER_SECONDS = env.int("DELIVERY_REDISPATCH_AFTER_SECONDS", default=2 * 60)
DELIVERY_MAX_ATTEMPTS = env.int("DELIVERY_MAX_ATTEMPTS", default=4)
DELIVERY_LATE_NOTICE_MINUTES = env.int("DELIVERY_LATE_NOTICE_MINUTES", default=30)  # a digest later says so
INBOUND_RETENTION_DAYS = env.int("INBOUND_RETENTION_DAYS", default=90)
# Outgoing webhooks: see core/services/webhooks.py and core/webhook_http.py.
WEBHOOK_QUEUE = env.str("WEBHOOK_QUEUE", default="celery")
WEBHOOK_CONNECT_TIMEOUT_SECONDS = env.float("WEBHOOK_CONNECT_TIMEOUT_SECONDS", default=3)
WEBHOOK_READ_TIMEOUT_SECONDS = env.float("WEBHOOK_READ_TIMEOUT_SECONDS", default=10)
# After the first attempt fails: 10 m, 10 m, 15 m, 30 m, 1 h, 2 h, 4 h, then the delivery is failed.
WEBHOOK_RETRY_DELAYS_SECONDS = [600, 600, 900, 1800, 3600, 7200, 14400]
# A webhook owed this long after it was handed to a worker and still not attempted lost its message.
WEBHOOK_REDISPATCH_AFTER_SECONDS = env.int("WEBHOOK_REDISPATCH_AFTER_SECONDS", default=2 * 60)
# A send claimed this long ago and not finished had its worker die mid-send: it is attempted again
# (receivers drop the duplicate by X-IDT-Delivery). Far longer than the connect + read timeouts.
WEBHOOK_CLAIM_TIMEOUT_SECONDS = env.int("WEBHOOK_CLAIM_TIMEOUT_SECONDS", default=10 * 60)
WEBHOOK_MAX_PER_TEAM = env.int("WEBHOOK_MAX_PER_TEAM", default=20)
WEBHOOK_RETENTION_DAYS = env.int("WEBHOOK_RETENTION_DAYS", default=30)  # finished deliveries, then pruned
# Networks exempt from the SSRF guard (comma-separated CIDRs); empty in production. Tests: 127.0.0.1/32.
WEBHOOK_ALLOWED_NETWORKS = env.list("WEBHOOK_ALLOWED_NETWORKS", default=[])

# Secrets at rest (core/crypto.py: webhook signing secrets): comma-separated long random strings, the
# first encrypts, all decrypt. Unset, a key derived from DJANGO_SECRET_KEY (and its fallbacks) is used.
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[])
if any(len(key) < 32 for key in FIELD_ENCRYPTION_KEYS):
    raise ImproperlyConfigured("Each FIELD_ENCRYPTION_KEYS key must be a random string of at least 32 characters.")

# --- the public API (core/api/) --------------------------------------------------------------
# Token auth only (no sessions: no CSRF for scripts), JSON only, errors as {"error": …}. The per-token
# rate is counted in the default cache, which every web process shares once CACHE_URL names Redis.
API_THROTTLE_RATE = env.str("API_THROTTLE_RATE", default="600/minute")
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["core.api.authentication.TokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": ["core.api.throttling.TokenRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "core.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.HeaderPagination",
    "EXCEPTION_HANDLER": "core.api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "iDoneThis API",
    "DESCRIPTION": "The iDoneThis API v2. Authenticate with `Authorization: Token <your token>` "
    "(or `?api_token=`); get the token on /u/settings/.",
    "VERSION": "2",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "PREPROCESSING_HOOKS": ["core.api.schema.only_v2_endpoints"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.api.schema.document_headers_and_errors",
    ],
}

# --- Slack (idt_slack/): the Slack app's credentials; without them the Slack panels say "not set up" ----
SLACK_CLIENT_ID = env.str("SLACK_CLIENT_ID", default="")
SLACK_CLIENT_SECRET = env.str("SLACK_CLIENT_SECRET", default="")
SLACK_SIGNING_SECRET = env.str("SLACK_SIGNING_SECRET", default="")
# A Fernet key for bot tokens at rest; unset, one is derived from DJANGO_SECRET_KEY (rotating that then
# means reconnecting Slack).
SLACK_TOKEN_KEY = env.str("SLACK_TOKEN_KEY", default="")
# Where slack_sdk calls the Web API and where people are sent to authorize (a local fake in tests).
SLACK_API_URL = env.str("SLACK_API_URL", default="https://slack.com/api/")
SLACK_OAUTH_URL = env.str("SLACK_OAUTH_URL", default="https://slack.com")
SLACK_API_TIMEOUT_SECONDS = env.int("SLACK_API_TIMEOUT_SECONDS", default=10)
SLACK_QUEUE = env.str("SLACK_QUEUE", default=DELIVERY_QUEUE)
# A 429 is retried in the worker this many times when Retry-After is at most this long; otherwise
# the message waits (not_before) for the sweeper. Every message is tried SLACK_MAX_ATTEMPTS times at most.
SLACK_RATE_LIMIT_RETRIES = env.int("SLACK_RATE_LIMIT_RETRIES", default=2)
SLACK_INLINE_RETRY_MAX_SECONDS = env.int("SLACK_INLINE_RETRY_MAX_SECONDS", default=5)
SLACK_MAX_ATTEMPTS = env.int("SLACK_MAX_ATTEMPTS", default=4)
SLACK_REDISPATCH_AFTER_SECONDS = env.int("SLACK_REDISPATCH_AFTER_SECONDS", default=2 * 60)
SLACK_CLAIM_TIMEOUT_SECONDS = env.int("SLACK_CLAIM_TIMEOUT_SECONDS", default=15 * 60)
SLACK_DIGEST_MAX_LATENESS_HOURS = env.int("SLACK_DIGEST_MAX_LATENESS_HOURS", default=6)
SLACK_POST_LOOKBACK_MINUTES = env.int("SLACK_POST_LOOKBACK_MINUTES", default=60)
SLACK_COMMAND_RETENTION_DAYS = env.int("SLACK_COMMAND_RETENTION_DAYS", default=7)
# Sections other apps add to core's pages (core imports none of them): callables (request, **context) -> HTML.
PAGE_PANELS = {
    "user_settings": ["idt_slack.web.panels.user_settings_panel"],
    "team_settings": ["idt_slack.web.panels.team_settings_panel"],
}

# --- production posture (DJANGO_DEBUG off) ------------------------------------------------------
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")  # Heroku's router terminates TLS
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^health$"]  # the router's and monitors' plain-HTTP checks
    SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_CONTENT_TYPE_NOSNIFF = True

# --- Content-Security-Policy (django-csp) -------------------------------------------------------
# Only our own files run or style a page: no inline script, handler or style anywhere (app.js and the
# stylesheets do it all), so an injected <script> or style attribute does nothing. Charts are inline
# SVG (presentation attributes, not styles); data: covers the admin's SVG icons.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        # Connecting Slack posts a form that redirects to Slack's authorize page.
        "form-action": [SELF, SLACK_OAUTH_URL],
        "frame-ancestors": [NONE],
    }
}

# --- Celery --------------------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="") or env.str("REDIS_URL", default="") or EMBEDDED_BROKER_URL
if CELERY_BROKER_URL == EMBEDDED_BROKER_URL:
    for sub in ("out", "processed", "control"):
        (EMBEDDED_BROKER_FOLDER / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # kombu's default is ./control in the working directory: keep exchange tables under var/ too.
        "control_folder": str(EMBEDDED_BROKER_FOLDER / "control"),
        "data_folder_in": str(EMBEDDED_BROKER_FOLDER / "out"),
        "data_folder_out": str(EMBEDDED_BROKER_FOLDER / "out"),
        "processed_folder": str(EMBEDDED_BROKER_FOLDER / "processed"),
        "store_processed": False,
    }
else:
    # Redis redelivers a message nobody acknowledged after this long (RabbitMQ as soon as the consumer's
    # connection drops). Longer than the longest task's hard time limit, so a running task is never
    # handed to a second worker; short enough that a SIGKILLed worker's message comes back in minutes
    # (the delivery sweeper does not wait for it anyway). No task uses countdown/eta beyond it.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env.int(
            "CELERY_VISIBILITY_TIMEOUT", default=env.int("CELERY_TASK_TIME_LIMIT", default=5 * 60) + 60
        )
    }
if CELERY_BROKER_URL.startswith("rediss://"):
    # Celery refuses a rediss:// broker without saying how to check the certificate (see REDIS_SSL_CERT_REQS).
    CELERY_BROKER_USE_SSL = {
        "ssl_cert_reqs": {"required": ssl.CERT_REQUIRED, "optional": ssl.CERT_OPTIONAL, "none": ssl.CERT_NONE}[
            REDIS_SSL_CERT_REQS
        ]
    }
CELERY_RESULT_BACKEND = "django-db"
CELERY_CACHE_BACKEND = "default"
CELERY_RESULT_EXTENDED = True  # stores task name, args, kwargs, worker
CELERY_TASK_TRACK_STARTED = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = "UTC"
CELERY_ENABLE_UTC = True
# Our tasks are idempotent, so a message is acknowledged only after it ran and is redelivered if
# the worker dies mid-task.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=5 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=4 * 60)
# With acks_late a prefetched message is held by a busy worker; 1 keeps waiting work visible on
# the queue (and available to idle workers) instead of hoarded by one process.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_CONCURRENCY = env.int("WORKER_CONCURRENCY", default=2)
CELERY_WORKER_SEND_TASK_EVENTS = False
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# --- the operations portal ----------------------------------------------------------------------
HEARTBEAT_INTERVAL_SECONDS = env.int("HEARTBEAT_INTERVAL_SECONDS", default=15)
WEB_THREADS = env.int("WEB_THREADS", default=90)
DYNO_MEMORY_MB = env.int("DYNO_MEMORY_MB", default=512)  # standard-1X; warn when a process uses more
OPS_LONG_QUERY_SECONDS = env.int("OPS_LONG_QUERY_SECONDS", default=30)
OPS_CONNECTION_HEADROOM = env.int("OPS_CONNECTION_HEADROOM", default=5)  # one-off dynos, psql, the portal
OPS_QUEUES = env.list("OPS_QUEUES", default=["celery"])
# Task history and the charts' samples are pruned after these; workers are asked (inspect) this patiently.
TASK_RESULT_RETENTION_DAYS = env.int("TASK_RESULT_RETENTION_DAYS", default=14)
OPS_SAMPLE_RETENTION_DAYS = env.int("OPS_SAMPLE_RETENTION_DAYS", default=7)
OPS_INSPECT_TIMEOUT_SECONDS = env.float("OPS_INSPECT_TIMEOUT_SECONDS", default=0.5)
OPS_INSPECT_CACHE_SECONDS = env.int("OPS_INSPECT_CACHE_SECONDS", default=10)
# Optional: with both set the dynos page shows Heroku's view and offers restart/scale/maintenance.
HEROKU_API_TOKEN = env.str("HEROKU_API_TOKEN", default="")
HEROKU_APP_NAME = env.str("HEROKU_APP_NAME", default="")
HEROKU_API_URL = env.str("HEROKU_API_URL", default="https://api.heroku.com")
HEROKU_API_TIMEOUT_SECONDS = env.float("HEROKU_API_TIMEOUT_SECONDS", default=5.0)
# Maintenance mode: end users get a 503 page, these prefixes a 503 JSON body; the admin and /health stay up.
# /health answers 503 when one of these fails; the others (beat, worker, maintenance) only inform.
HEALTH_REQUIRED_CHECKS = env.list("HEALTH_REQUIRED_CHECKS", default=["database", "cache", "broker"])
MAINTENANCE_RETRY_AFTER_SECONDS = env.int("MAINTENANCE_RETRY_AFTER_SECONDS", default=300)
MAINTENANCE_JSON_PREFIXES = env.list("MAINTENANCE_JSON_PREFIXES", default=["/api/", "/webhooks/", "/slack/"])
MAINTENANCE_OPEN_PREFIXES = ["/admin/", "/health", f"/{STATIC_URL.strip('/')}/"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

if DEBUG and env.bool("DJANGO_DEBUG_TOOLBAR", default=True):
    try:
        import debug_toolbar  # noqa: F401  (dev dependency only)
    except ImportError:
        pass
    else:
        INSTALLED_APPS.append("debug_toolbar")
        MIDDLEWARE.insert(1, "debug_toolbar.middleware.DebugToolbarMiddleware")
        INTERNAL_IPS = ["127.0.0.1"]
        # The toolbar styles itself inline: report violations in the console instead of blocking it.
        CONTENT_SECURITY_POLICY_REPORT_ONLY, CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY, None
        # Open, the toolbar covers the app's navigation: it starts as a small handle and opens on a click.
        DEBUG_TOOLBAR_CONFIG = {"SHOW_COLLAPSED": True}
