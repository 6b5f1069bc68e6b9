"""The Celery app: ``celery -A portal worker|beat``. Configuration comes from Django settings."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["scheduled"])
# Processes report heartbeats (ops) — wired here because portal is where pieces are connected.
import ops.celery_signals  # noqa: E402,F401
