"""Writes about entries. Markers (``[ ]`` goal, ``[x]`` done, ``!`` blocker) work in every channel."""

import datetime as dt
import re

from core.localtime import today_for
from core.models import Entry, Membership, Team
from core.services.schedules import membership_emails_restore

MAX_ENTRY_LENGTH = 5000
_MARKERS = [
    (re.compile(r"^\[\s?\]\s*"), Entry.Kind.GOAL),
    (re.compile(r"^\[[xX√]\]\s*"), Entry.Kind.DONE),
    (re.compile(r"^!\s*"), Entry.Kind.BLOCKER),
]


def parse_marker(line: str) -> tuple[str, str]:
    """Return (kind, text without its marker) for one line someone wrote."""
    text = line.strip()
    for pattern, kind in _MARKERS:
        if pattern.match(text):
            return kind, pattern.sub("", text, count=1).strip()
    return Entry.Kind.DONE, text


def entry_create(*, author, team: Team, text: str, occurred_on: dt.date | None = None) -> Entry:
    kind, body = parse_marker(text)
    if not body:
        raise ValueError("An entry needs some text.")
    if len(body) > MAX_ENTRY_LENGTH:
        raise ValueError(f"An entry is at most {MAX_ENTRY_LENGTH} characters.")
    entry = Entry.objects.create(
        author=author, team=team, kind=kind, text=body, occurred_on=occurred_on or today_for(author)
    )
    # Posting again lifts the inactivity throttle: daily emails resume at once.
    for membership in Membership.objects.filter(team=team, user=author, emails_throttled=True).select_related("user"):
        membership_emails_restore(membership=membership)
    return entry
