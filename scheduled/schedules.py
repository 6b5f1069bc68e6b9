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
    # Every minute: claim the reminders and digests that are due (each member's local time), write
    # each as an owed (pending) delivery in the same transaction and enqueue one send each. The heart
    # of the daily loop.
    "deliveries-tick": {
        "task": "scheduled.deliveries_tick",
        "every_seconds": 60,
    },
    # Every minute: send again every owed email whose message was lost (broker down when it was
    # enqueued, message dropped, worker killed) once it has waited DELIVERY_REDISPATCH_AFTER_SECONDS,
    # and settle the sends whose sender died mid-send by asking the email provider whether it took
    # them (core/services/reconcile.py). What makes "exactly once" hold.
    "deliveries-sweep": {
        "task": "scheduled.deliveries_sweep",
        "every_seconds": 60,
    },
    # Every minute: answer email from addresses we do not know (once each, at most daily per address).
    "inbound-replies": {
        "task": "scheduled.inbound_replies",
        "every_seconds": 60,
    },
    # Every minute: email each member's notifications (comments, mentions, likes) in settled batches.
    "notification-emails": {
        "task": "scheduled.notification_emails",
        "every_seconds": 60,
    },
    # Nightly: drop stored inbound messages past INBOUND_RETENTION_DAYS.
    "inbound-prune": {
        "task": "scheduled.inbound_prune",
        "crontab": {"minute": "17", "hour": "3", "day_of_week": "*", "day_of_month": "*", "month_of_year": "*"},
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
    # Nightly: forget failed-login counts idle for a week (the login throttle's rows).
    "login-failures-prune": {
        "task": "scheduled.login_failures_prune",
        "crontab": {"minute": "27", "hour": "3", "day_of_week": "*", "day_of_month": "*", "month_of_year": "*"},
    },
}
