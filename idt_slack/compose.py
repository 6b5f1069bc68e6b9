"""What goes to the channel: one entry as a coloured attachment, the day's digest as blocks by person."""

import datetime as dt

from django.conf import settings
from django.http import Http404
from django.urls import reverse

from core.models import Entry, Membership
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


def digest_days(*, digest_days: str, local_date: dt.date) -> list[dt.date]:
    """The days a digest on ``local_date`` is about: from the previous digest day up to yesterday, so
    Monday's digest (on a weekday schedule) tells Friday's and the weekend's news. A week at most."""
    chosen = {int(d) for d in digest_days if d.isdigit() and int(d) < 7}
    for back in range(1, 8):
        if (local_date - dt.timedelta(days=back)).weekday() in chosen:
            break
    return [local_date - dt.timedelta(days=b) for b in range(back, 0, -1)]


def _days_title(days: list[dt.date]) -> str:
    return f"on {_day(days[0])}" if len(days) == 1 else f"from {_day(days[0])} to {_day(days[-1])}"


def _members_day(*, team, day: dt.date, viewer) -> list:
    """Every member's entries of ``day``. The day is read as a member sees it; the digest shows nothing
    viewer-specific, so when whoever connected Slack has left the team any current member reads it the same."""
    try:
        return team_day(team_hash=team.hash_id, day=day, viewer=viewer).members
    except Http404:
        member = Membership.objects.filter(team=team).select_related("user").order_by("pk").first()
        if member is None:
            return []
        return team_day(team_hash=team.hash_id, day=day, viewer=member.user).members


def digest_message(*, team, days: list[dt.date], viewer) -> dict | None:
    """The team's news of ``days`` by person (dones, goals, blockers) and who has not posted; None if
    nobody posted."""
    people: dict[int, dict] = {}
    for day in days:
        for member in _members_day(team=team, day=day, viewer=viewer):
            person = people.setdefault(member.member.pk, {"name": member.member.display_name, "kinds": {}})
            for kind, entries in (
                (Entry.Kind.DONE, member.done),
                (Entry.Kind.GOAL, member.goals),
                (Entry.Kind.BLOCKER, member.blockers),
            ):
                person["kinds"].setdefault(kind, []).extend(entries)
    posted = [p for p in people.values() if any(p["kinds"].values())]
    if not posted:
        return None
    url = _link(reverse("team_day", args=[team.hash_id])) + f"?date={days[-1].isoformat()}"
    title = f"{team.name} — what got done {_days_title(days)}"
    blocks = [{"type": "header", "text": {"type": "plain_text", "text": title[:150]}}]
    for person in posted:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": f"*{escape(person['name'])}*"}})
        for kind, entries in person["kinds"].items():
            if entries:
                lines = "\n".join(f"• {escape(e.text)}" for e in entries)
                blocks.append(
                    {"type": "section", "text": {"type": "mrkdwn", "text": f"_{LABELS[kind]}_\n{lines}"[:3000]}}
                )
    quiet = [p["name"] for p in people.values() if not any(p["kinds"].values())]
    footer = f"No update from {', '.join(quiet)}." if quiet else "Everyone posted."
    # Slack takes 50 blocks a message: a very big team's digest ends with the link to the whole day.
    blocks = blocks[:49]
    blocks.append(
        {"type": "context", "elements": [{"type": "mrkdwn", "text": f"{escape(footer)} <{url}|Open the day>"}]}
    )
    return {"text": title, "blocks": blocks}
