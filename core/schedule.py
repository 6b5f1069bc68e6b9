"""When a member's next reminder or digest is due, computed in their own time zone.

A local time that does not exist (spring-forward gap) is sent at the equivalent instant just after
the gap; one that happens twice (fall-back overlap) is sent at its first occurrence — once either way.
"""

import datetime as dt
from zoneinfo import ZoneInfo


def next_occurrence(*, zone: ZoneInfo, days: str, at: dt.time, after: dt.datetime) -> dt.datetime | None:
    """The first instant strictly after ``after`` that falls on one of ``days`` at ``at`` local time (UTC)."""
    weekdays = {int(d) for d in days if d.isdigit() and int(d) < 7}
    if not weekdays:
        return None
    local_day = after.astimezone(zone).date()
    for offset in range(9):  # a week, plus both ends of a day that straddles the boundary
        day = local_day + dt.timedelta(days=offset)
        if day.weekday() not in weekdays:
            continue
        candidate = dt.datetime.combine(day, at, tzinfo=zone).astimezone(dt.UTC)  # fold=0: first occurrence
        if candidate > after:
            return candidate
    return None
