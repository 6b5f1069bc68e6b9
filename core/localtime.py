"""Per-person time: every entry belongs to its author's local day."""

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils import timezone


def zone_for(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def today_for(user) -> dt.date:
    return timezone.now().astimezone(zone_for(user.time_zone)).date()
