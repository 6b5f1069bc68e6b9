"""A goal completed on day D is open before D and done from D on: on the day pages, in the reminder, the
digest, search and the export."""

import csv
import datetime as dt
import io
import re

import pytest
import time_machine
from django.urls import reverse

from core.emails.reminders import reminder_message
from core.models import Membership
from core.services.entries import entry_create, goal_complete

MON, TUE, WED = dt.date(2026, 11, 23), dt.date(2026, 11, 24), dt.date(2026, 11, 25)


@pytest.fixture
def done_goal(alice, team):
    """Alice set a goal on Monday and finished it on Wednesday."""
    goal = entry_create(author=alice, team=team, text="[ ] finish the importer", occurred_on=MON)
    goal_complete(goal=goal, actor=alice, on=WED)
    goal.refresh_from_db()
    return goal


def _entry_li(html: str, hash_id: str) -> str:
    return re.search(rf'<li class="[^"]*"[^>]*id="e-{hash_id}">.*?</li>', html, re.S).group(0)


def _carried(html: str) -> str:
    found = re.search(r'<ul class="entries carried">(.*?)</ul>', html, re.S)
    return found.group(1) if found else ""


def test_the_day_pages_show_it_open_before_the_day_it_was_done_and_done_from_then(client, bob, done_goal, team):
    client.force_login(bob)
    day_url = reverse("team_day", args=[team.hash_id])
    tuesday = client.get(day_url, {"date": TUE.isoformat()}).content.decode()
    assert done_goal.hash_id in _carried(tuesday)
    li = _entry_li(tuesday, done_goal.hash_id)
    assert "completed" not in li.split(">")[0] and "☐" in li and "☑" not in li
    wednesday = client.get(day_url, {"date": WED.isoformat()}).content.decode()
    assert "Open goals from earlier" not in wednesday
    assert re.search(r"<h3 class=\"kind\">Done</h3>.*finish the importer", wednesday, re.S)
    monday = client.get(day_url, {"date": MON.isoformat()}).content.decode()
    assert "☐" in _entry_li(monday, done_goal.hash_id)  # set that day, open that day


def test_the_reminder_lists_a_goal_done_today_once_as_done(alice, team):
    goal = entry_create(author=alice, team=team, text="[ ] finish the importer", occurred_on=MON)
    entry_create(author=alice, team=team, text="[ ] still to do", occurred_on=MON)
    entry_create(author=alice, team=team, text="[ ] set today", occurred_on=WED)
    goal_complete(goal=goal, actor=alice, on=WED)
    alices = Membership.objects.select_related("user", "team").get(team=team, user=alice)
    message = reminder_message(membership=alices, local_date=WED)
    for body in (message.body, message.alternatives[0][0]):
        assert body.count("finish the importer") == 1 and "✓ finish the importer" in body
        assert body.count("set today") == 1 and "still to do" in body
    open_goals = message.body.split("Your open goals:")[1]
    assert "still to do" in open_goals and "finish the importer" not in open_goals


def test_search_shows_it_done(client, alice, done_goal, team):
    client.force_login(alice)
    with time_machine.travel(dt.datetime(2026, 11, 26, 12, tzinfo=dt.UTC)):
        page = client.get(reverse("search", args=[team.hash_id]), {"q": "importer"}).content.decode()
    results = re.findall(r'<li class="entry (\w+)( completed)?" data-kind="\w+">\s*<span class="marker">(.)', page)
    assert sorted(results) == [("done", "", "✓"), ("goal", " completed", "☑")]


def test_the_export_says_when_it_was_done(client, alice, done_goal, team):
    client.force_login(alice)
    response = client.get(reverse("export", args=[team.hash_id]), {"start": MON.isoformat(), "end": WED.isoformat()})
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    goal_row = next(r for r in rows if r["kind"] == "goal")
    assert goal_row["completed_on"] == WED.isoformat()
    assert [r["occurred_on"] for r in rows if r["kind"] == "done"] == [WED.isoformat()]
