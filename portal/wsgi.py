"""WSGI entry point for waitress (``waitress-serve portal.wsgi:application``)."""

import os
import signal
import threading

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

django.setup(set_prefix=False)  # as django.core.wsgi.get_wsgi_application does

from portal.handlers import dispatching_application  # noqa: E402  (needs Django set up)

application = dispatching_application()

from ops.runtime.heartbeat import start_heartbeat  # noqa: E402  (needs Django set up)

start_heartbeat(process_type="web")


def _exit_cleanly(_signum, _frame):
    # Heroku and honcho stop a dyno with SIGTERM. Raising SystemExit unwinds waitress's loop so
    # atexit handlers run (the heartbeat is marked stopped) and the process exits with status 0.
    raise SystemExit(0)


if threading.current_thread() is threading.main_thread():
    signal.signal(signal.SIGTERM, _exit_cleanly)
