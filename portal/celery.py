"""The Celery app: ``celery -A portal worker|beat``. Configuration comes from Django settings."""

import os

from celery import Celery

from portal.broker import guard_redis_transport

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
guard_redis_transport()  # a worker must outlive a Redis outage (see portal/broker.py)

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["scheduled"])
app.autodiscover_tasks(["scheduled"], related_name="ops_tasks")
app.autodiscover_tasks(["idt_slack"])
# Processes report heartbeats (ops) — wired here because portal is where pieces are connected.
import ops.runtime.celery_signals  # noqa: E402,F401
import ops.runtime.task_arguments  # noqa: E402,F401  (args and kwargs stored as exact JSON)
