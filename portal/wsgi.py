"""WSGI entry point for waitress (``waitress-serve portal.wsgi:application``)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

application = get_wsgi_application()

from ops.heartbeat import start_heartbeat  # noqa: E402  (needs Django set up)

start_heartbeat(process_type="web")
