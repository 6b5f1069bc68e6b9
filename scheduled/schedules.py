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
    # Every minute: the ops portal's sampler (queue depths, connections, task counts) for 24-hour charts.
    "ops-sample": {
        "task": "scheduled.ops_sample",
        "every_seconds": 60,
    },
    # Every hour at :17: delete samples and task results past their retention, in small batches.
    "ops-prune": {
        "task": "scheduled.ops_prune",
        "crontab": {"minute": "17", "hour": "*", "day_of_week": "*", "day_of_month": "*", "month_of_year": "*"},
    },
}
