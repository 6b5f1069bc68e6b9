"""Reads across a team's history: search, stats and the CSV export."""

import datetime as dt
import re
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count
from django.utils.html import escape
from django.utils.safestring import mark_safe

from core.models import Entry, Membership, Team
from core.selectors.entries import entries_for_viewer

SEARCH_LIMIT = 50
# Private-use characters mark the headline's matches so that the text can be escaped before <mark> goes in.
_START, _STOP = "\ue000", "\ue001"


def entry_search(*, team: Team, query: str, viewer) -> list[Entry]:
    """Matching entries, best first, each with ``highlighted`` (safe HTML with <mark>ed matches)."""
    query = query.strip()[:200]
    if not query:
        return []
    entries = entries_for_viewer(viewer=viewer).filter(team=team)
    if connection.vendor == "postgresql":
        return _search_postgres(entries, query)
    return _search_contains(entries, query)


def _search_postgres(entries, query: str) -> list[Entry]:
    from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank, SearchVector

    search_query = SearchQuery(query, config="english", search_type="websearch")
    vector = SearchVector("text", config="english")
    rows = (
        entries.annotate(rank=SearchRank(vector, search_query))
        .annotate(
            headline=SearchHeadline(
                "text", search_query, config="english", start_sel=_START, stop_sel=_STOP, highlight_all=True
            )
        )
        .annotate(document=vector)
        .filter(document=search_query)
        .order_by("-rank", "-occurred_on")[:SEARCH_LIMIT]
    )
    found = list(rows)
    for entry in found:
        entry.highlighted = mark_safe(  # noqa: S308 - escaped here, only our own <mark> added
            escape(entry.headline).replace(_START, "<mark>").replace(_STOP, "</mark>")
        )
    return found


def _search_contains(entries, query: str) -> list[Entry]:
    found = list(entries.filter(text__icontains=query).order_by("-occurred_on", "-created_at")[:SEARCH_LIMIT])
    pattern = re.compile(re.escape(query), re.IGNORECASE)
    for entry in found:
        marked = pattern.sub(lambda m: f"{_START}{m.group(0)}{_STOP}", entry.text)
        entry.highlighted = mark_safe(  # noqa: S308 - escaped here, only our own <mark> added
            escape(marked).replace(_START, "<mark>").replace(_STOP, "</mark>")
        )
    return found


@dataclass
class Bar:
    label: str
    value: int
    percent: float
    done: int = 0
    goal: int = 0
    blocker: int = 0


def team_stats(*, team: Team, days: int, today: dt.date) -> dict:
    """Entries per day (by kind) and per person over the last ``days`` days, in two queries."""
    start = today - dt.timedelta(days=days - 1)
    in_range = Entry.objects.filter(team=team, occurred_on__range=(start, today)).order_by()
    per_day: dict[dt.date, dict] = {start + dt.timedelta(days=i): {} for i in range(days)}
    for row in in_range.values("occurred_on", "kind").annotate(n=Count("id")):
        per_day.setdefault(row["occurred_on"], {})[row["kind"]] = row["n"]
    day_bars = [
        Bar(
            label=day.isoformat(),
            value=sum(k.values()),
            percent=0,
            **{kind.value: k.get(kind.value, 0) for kind in Entry.Kind},
        )
        for day, k in sorted(per_day.items())
    ]
    counts = dict(in_range.values_list("author_id").annotate(n=Count("id")))
    members = Membership.objects.filter(team=team).select_related("user").order_by("user__full_name", "user__email")
    people = [Bar(label=m.user.display_name, value=counts.get(m.user_id, 0), percent=0) for m in members]
    people.sort(key=lambda bar: -bar.value)
    for bars in (day_bars, people):
        top = max((bar.value for bar in bars), default=0) or 1
        for bar in bars:
            bar.percent = round(100 * bar.value / top, 1)
    total = sum(bar.value for bar in day_bars)
    return {"days": day_bars, "people": people, "total": total, "start": start, "end": today}


EXPORT_COLUMNS = ["author_email", "kind", "text", "occurred_on", "completed_on", "created_at", "archived_at"]


def export_rows(*, team: Team, start: dt.date, end: dt.date):
    """One row per entry in the range, streamed from the database in chunks."""
    entries = (
        Entry.objects.filter(team=team, occurred_on__range=(start, end))
        .select_related("author")
        .order_by("occurred_on", "created_at")
    )
    for entry in entries.iterator(chunk_size=2000):
        yield [
            entry.author.email,
            entry.kind,
            _csv_safe(entry.text),
            entry.occurred_on.isoformat(),
            entry.completed_on.isoformat() if entry.completed_on else "",
            entry.created_at.isoformat(),
            entry.archived_at.isoformat() if entry.archived_at else "",
        ]


def _csv_safe(text: str) -> str:
    """Spreadsheets run cells that start like a formula; a leading quote keeps them text."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
