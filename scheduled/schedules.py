"""Beat schedules defined as code, synced into django-celery-beat's tables on every release.

Staff can pause or run them from the portal; their definition comes from here.
"""

SCHEDULES = {
    # Every minute: forget processes that have been gone for a day. It also proves, minute by
    # minute, that beat → broker → worker → results works end to end.
    "heartbeat-sweep": {
        "task": "scheduled.heartbeat_sweep",
        "every_seconds": 60,
    },
}
