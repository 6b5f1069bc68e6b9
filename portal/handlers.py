"""The web dyno's WSGI application: the site's handler, and a second one for the email provider's webhooks.

The webhooks (/anymail/…) answer a mail provider, never a browser: sessions, the signed-in user, flash
messages, CSRF (the views are exempt), static files and the page policy (their answers are exempt) do nothing
for them but cost each post CPU. Their handler has the rest of the site's middleware, in the site's order:
traffic figures, HTTPS, the NUL check of the address, maintenance (a 503 the provider retries), the host check,
framing headers.
"""

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler

WEBHOOK_PREFIX = "/anymail/"
BROWSER_MIDDLEWARE = {
    "csp.middleware.CSPMiddleware",
    "ops.runtime.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
}


def webhook_middleware() -> list[str]:
    return [name for name in settings.MIDDLEWARE if name not in BROWSER_MIDDLEWARE]


def handler_with(middleware: list[str]) -> WSGIHandler:
    """A WSGI handler of this site with ``middleware`` in place of ``settings.MIDDLEWARE`` (Django builds a
    handler's middleware chain from the setting once, when the handler is made)."""
    site_middleware = settings.MIDDLEWARE
    settings.MIDDLEWARE = middleware
    try:
        return WSGIHandler()
    finally:
        settings.MIDDLEWARE = site_middleware


def dispatching_application():
    """The site's handler for everything but the webhooks, which get theirs (Django set up already)."""
    site, webhooks = WSGIHandler(), handler_with(webhook_middleware())

    def application(environ, start_response):
        handler = webhooks if environ.get("PATH_INFO", "").startswith(WEBHOOK_PREFIX) else site
        return handler(environ, start_response)

    return application
