"""What goes to the channel: one entry as a coloured attachment, the day's digest as blocks by person."""

import datetime as dt

from django.conf import settings
from django.urls import reverse

from core.models import Entry
from core.selectors.entries import team_day

COLOURS = {Entry.Kind.DONE: "#7CD197", Entry.Kind.GOAL: "#478CFE", Entry.Kind.BLOCKER: "#E94B35"}
LABELS = {Entry.Kind.DONE: "Done", Entry.Kind.GOAL: "Goal", Entry.Kind.BLOCKER: "Blocker"}


def escape(text: str) -> str:
    """Slack's mrkdwn: only &, < and > are special; escaping them stops a stray <!channel> from pinging."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _day(day: dt.date) -> str:
    return f"{day:%a} {day:%b} {day.day}"


def _link(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def entry_message(entry: Entry) -> dict:
    label = LABELS[entry.kind]
    return {
        "text": f"{entry.author.display_name} · {label}: {escape(entry.text)}",
        "attachments": [
            {
                "color": COLOURS[entry.kind],
                "author_name": entry.author.display_name,
                "title": f"{label} · {_day(entry.occurred_on)}",
                "title_link": _link(reverse("entry", args=[entry.hash_id])),
                "text": escape(entry.text),
                "footer": entry.team.name,
                "fallback": f"{label}: {entry.text}",
            }
        ],
    }


def digest_message(*, team, day: dt.date, viewer) -> dict | None:
    """The team's ``day`` by person (dones, goals, blockers) and who has not posted; None if nobody did."""
    members = team_day(team=team, day=day, viewer=viewer)
    posted = [m for m in members if m.posted]
    if not posted:
        return None
    url = _link(reverse("team_day", args=[team.hash_id])) + f"?date={day.isoformat()}"
    title = f"{team.name} — what got done on {_day(day)}"
    blocks = [{"type": "header", "text": {"type": "plain_text", "text": title[:150]}}]
    for member in posted:
        blocks.append(
            {"type": "section", "text": {"type": "mrkdwn", "text": f"*{escape(member.member.display_name)}*"}}
        )
        for kind, entries in (
            (Entry.Kind.DONE, member.done),
            (Entry.Kind.GOAL, member.goals),
            (Entry.Kind.BLOCKER, member.blockers),
        ):
            if entries:
                lines = "\n".join(f"• {escape(e.text)}" for e in entries)
                blocks.append(
                    {"type": "section", "text": {"type": "mrkdwn", "text": f"_{LABELS[kind]}_\n{lines}"[:3000]}}
                )
    quiet = [m.member.display_name for m in members if not m.posted]
    footer = f"No update from {', '.join(quiet)}." if quiet else "Everyone posted."
    blocks.append(
        {"type": "context", "elements": [{"type": "mrkdwn", "text": f"{escape(footer)} <{url}|Open the day>"}]}
    )
    return {"text": title, "blocks": blocks[:50]}
