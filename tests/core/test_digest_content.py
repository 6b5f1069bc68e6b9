"""What the morning digest selects and shows: everything posted since the previous digest (late posts for an
earlier day included, saying which day), grouped per person as the day page groups it, readable in any client."""

import datetime as dt
import re

import pytest
import time_machine

from core.emails.digests import digest_message
from core.models import Membership
from core.services.entries import entry_create, goal_complete

UTC = dt.UTC
MON, TUE, WED, THU = (dt.date(2026, 11, 23) + dt.timedelta(days=n) for n in range(4))


@pytest.fixture
def bobs(team, bob) -> Membership:
    return Membership.objects.select_related("user", "team").get(team=team, user=bob)


def _at(day: dt.date, hour: int, minute: int = 0):
    return time_machine.travel(dt.datetime.combine(day, dt.time(hour, minute), tzinfo=UTC), tick=False)


def _post(author, team, text, *, on, at):
    with at:
        return entry_create(author=author, team=team, text=text, occurred_on=on)


def _digest(membership, day):
    with _at(day, 8, 30):
        return digest_message(membership=membership, local_date=day)


def _html(message) -> str:
    return message.alternatives[0][0]


def test_it_puts_an_entry_back_dated_after_a_digest_in_the_next_one_saying_its_day(alice, bobs, team):
    _post(alice, team, "tuesday evening work", on=TUE, at=_at(TUE, 18))
    _post(alice, team, "early for tuesday", on=TUE, at=_at(WED, 8))
    wednesday = _digest(bobs, WED)
    assert "tuesday evening work" in wednesday.body and "early for tuesday" in wednesday.body
    _post(alice, team, "forgot monday's release", on=MON, at=_at(WED, 11))
    _post(alice, team, "late for tuesday", on=TUE, at=_at(WED, 12))
    _post(alice, team, "wednesday work", on=WED, at=_at(WED, 17))

    thursday = _digest(bobs, THU)
    text = thursday.body
    assert "tuesday evening work" not in text and "early for tuesday" not in text  # Wednesday's digest had them
    assert "Monday, November 23 (posted late, for that day)" in text
    assert text.index("Monday, November 23") < text.index("forgot monday's release") < text.index("Tuesday")
    assert "Tuesday, November 24 (posted late, for that day)" in text
    assert text.index("late for tuesday") < text.index("Wednesday, November 25") < text.index("wednesday work")
    assert "Wednesday, November 25 (posted late" not in text
    html = _html(thursday)
    assert re.search(r'data-day="2026-11-23">Monday, November 23 <span[^>]*data-late>', html)


def test_it_misses_nothing_posted_between_two_digests_and_repeats_nothing(alice, bobs, team):
    posts = {
        TUE: [(MON, _at(MON, 18)), (MON, _at(TUE, 7))],  # posted before Tuesday's digest
        WED: [(MON, _at(TUE, 9)), (TUE, _at(TUE, 23)), (WED, _at(WED, 8))],  # late, in the evening, at dawn
        THU: [(WED, _at(WED, 8, 45)), (TUE, _at(WED, 20))],  # just after Wednesday's digest went out
    }
    made, seen = [], []
    for digest_day, batch in posts.items():
        for on, at in batch:
            made.append(_post(alice, team, f"post {len(made)}", on=on, at=at).text)
        body = _digest(bobs, digest_day).body
        seen += [text for text in made if re.search(rf"\b{text}\n", body)]
    assert sorted(seen) == sorted(made)


def test_it_groups_each_persons_day_as_the_day_page_does(alice, bobs, team):
    at = _at(WED, 12)
    _post(alice, team, "[ ] write the launch post", on=WED, at=at)
    _post(alice, team, "shipped the importer", on=WED, at=at)
    _post(alice, team, "! waiting on legal", on=WED, at=at)
    _post(alice, team, "fixed the build", on=WED, at=at)
    text = _digest(bobs, THU).body
    order = ["Blockers", "⚠ waiting on legal", "Done", "✓ shipped the importer", "✓ fixed the build", "Goals", "☐"]
    positions = [text.index(part) for part in order]
    assert positions == sorted(positions)
    html = _html(_digest(bobs, THU))
    assert html.index(">Blockers<") < html.index(">Done<") < html.index(">Goals<")


def test_it_shows_a_goal_done_in_the_window_as_done_once(alice, bobs, team):
    goal = _post(alice, team, "[ ] finish the importer", on=TUE, at=_at(TUE, 12))
    with _at(WED, 16):
        goal_complete(goal=goal, actor=alice)
    text = _digest(bobs, WED).body + _digest(bobs, THU).body
    assert "☐ finish the importer" not in text
    assert "☑ finish the importer (done Nov 25)" in _digest(bobs, WED).body  # edited since: the copy is fresh
    assert "✓ finish the importer" in _digest(bobs, THU).body


def test_its_html_needs_no_emoji_font_and_styles_every_element_inline(alice, bob, bobs, team):
    from core.services.social import comment_create, like_toggle

    entry = _post(alice, team, "shipped search", on=WED, at=_at(WED, 12))
    with _at(WED, 13):
        like_toggle(user=bob, entry=entry)
        comment_create(entry=entry, author=bob, text="nice")
    html = _html(_digest(bobs, THU))
    assert "1 like" in html and "1 comment" in html
    assert not [c for c in html if ord(c) > 0xFFFF or 0x1F000 <= ord(c)], "characters outside common fonts"
    assert "<style" not in html and "class=" not in html  # many clients drop <style> and classes
    for tag in re.findall(r"<(?:h2|ul|li|p)\b[^>]*>", html.split("<hr")[0]):
        assert "style=" in tag, tag
