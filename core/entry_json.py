"""An entry in the API v2 JSON shape, for readers that are not DRF views (outgoing webhooks).

The field list is the v2 API's entry format; timestamps carry the reader's UTC offset and milliseconds
(``2018-01-04T21:10:13.084+11:00``), dates are ``YYYY-MM-DD`` or null.
"""

import datetime as dt
from zoneinfo import ZoneInfo

from core.models import Entry

# The API calls a blocker "blocked".
STATUS_OF_KIND = {Entry.Kind.DONE: "done", Entry.Kind.GOAL: "goal", Entry.Kind.BLOCKER: "blocked"}


def timestamp(value: dt.datetime | None, zone: ZoneInfo) -> str | None:
    return value.astimezone(zone).isoformat(timespec="milliseconds") if value else None


def day(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def entry_json(entry: Entry, *, zone: ZoneInfo) -> dict:
    return {
        "hash_id": entry.hash_id,
        "body": entry.text,
        "body_formatted": entry.html,
        "status": STATUS_OF_KIND[entry.kind],
        "occurred_on": day(entry.occurred_on),
        "completed_on": day(entry.completed_on),
        "archived_at": timestamp(entry.archived_at, zone),
        "created_at": timestamp(entry.created_at, zone),
        "updated_at": timestamp(entry.updated_at, zone),
        "team": {"hash_id": entry.team.hash_id, "name": entry.team.name},
        "user": {
            "hash_id": entry.author.hash_id,
            "full_name": entry.author.full_name,
            "email_address": entry.author.email,
        },
    }
