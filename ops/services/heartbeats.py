"""Writes about process heartbeats."""

import datetime as dt

from django.utils import timezone

from ops.models import Heartbeat

FORGET_AFTER = dt.timedelta(days=1)


def heartbeat_prune(*, older_than: dt.timedelta = FORGET_AFTER) -> dict:
    cutoff = timezone.now() - older_than
    pruned, _ = Heartbeat.objects.filter(last_seen__lt=cutoff).delete()
    return {"pruned": pruned, "remaining": Heartbeat.objects.count()}
