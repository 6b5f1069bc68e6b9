"""The digest's team section is rendered once per team and window and shared: each recipient's copy asks the
database what the window holds (one statement) and gets a new section when anything it shows changed."""

import datetime as dt
import json

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from core.emails import digests
from core.emails.digests import digest_message, digest_window, window_stamp
from core.models import Entry, Membership
from core.services.accounts import user_profile_update
from core.services.entries import entry_create, entry_delete, entry_update
from core.services.social import comment_create, comment_delete, like_toggle
from core.services.teams import membership_add, team_create, team_update
from tests.conftest import requires_postgres

UTC = dt.UTC
THU = dt.date(2026, 11, 26)
WED = THU - dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def _fresh_sections():
    digests.forget_sections()
    cache.clear()
    yield
    digests.forget_sections()


def _membership(team, user) -> Membership:
    return Membership.objects.select_related("user", "team").get(team=team, user=user)


def _morning(hour: int = 8, minute: int = 30):
    return time_machine.travel(dt.datetime.combine(THU, dt.time(hour, minute), tzinfo=UTC), tick=False)


def _post(author, team, text):
    with time_machine.travel(dt.datetime(2026, 11, 25, 18, tzinfo=UTC), tick=False):
        return entry_create(author=author, team=team, text=text, occurred_on=WED)


def test_a_reply_arriving_mid_morning_is_in_the_next_recipients_copy(alice, bob, charlie, team):
    membership_add(team=team, user=charlie)
    _post(alice, team, "alice shipped search")
    with _morning(8, 30):
        first = digest_message(membership=_membership(team, alice), local_date=THU)
    with _morning(8, 31):
        # Bob and Charlie share Alice's window (same digest time and zone): one section for the three.
        assert digest_window(membership=_membership(team, bob), local_date=THU) == digest_window(
            membership=_membership(team, alice), local_date=THU
        )
        bobs = _membership(team, bob)
        with CaptureQueriesContext(connection) as asked:
            second = digest_message(membership=bobs, local_date=THU)
        assert len(asked) == 1  # what the window holds; the section itself came from memory
    with _morning(8, 40):
        entry_create(author=bob, team=team, text="late reply: fixed the importer", occurred_on=WED)
    with _morning(8, 41):
        third = digest_message(membership=_membership(team, charlie), local_date=THU)
    assert "alice shipped search" in first.body and "alice shipped search" in second.body
    assert "fixed the importer" not in first.body and "fixed the importer" not in second.body
    assert "fixed the importer" in third.body and "fixed the importer" in third.alternatives[0][0]


def _stamp(team, user) -> str:
    with _morning():
        return window_stamp(team=team, window=digest_window(membership=_membership(team, user), local_date=THU))


def test_anything_the_section_shows_changes_what_the_window_holds(alice, bob, charlie, team):
    goal = _post(alice, team, "[ ] write the importer")
    entry = _post(bob, team, "bob fixed the build")
    last = [_stamp(team, alice)]

    def changed(what: str) -> None:
        # Different from the moment before (an unlike may well bring back the stamp from before the like:
        # the section is then the same too).
        stamp = _stamp(team, alice)
        assert stamp != last[0], f"{what} left the window's stamp as it was"
        last[0] = stamp

    with _morning(8, 45):
        _post(alice, team, "one more")
        changed("a new entry")
        entry_update(entry=entry, actor=bob, text="bob fixed the build, for good")
        changed("an edit")
        like_toggle(user=alice, entry=entry)
        changed("a like")
        like_toggle(user=alice, entry=entry)
        changed("an unlike")
        comment = comment_create(entry=entry, author=alice, text="thanks")
        changed("a comment")
        comment_delete(comment=comment, actor=alice)
        changed("a deleted comment")
        # A goal done by a bulk update that leaves updated_at alone still shows as done in the next copy.
        Entry.objects.filter(pk=goal.pk).update(completed_on=THU)
        changed("a goal done")
        membership_add(team=team, user=charlie)
        changed("a member who joined (listed as quiet)")
        user_profile_update(user=bob, actor=bob, full_name="Robert", nickname=bob.nickname, time_zone=bob.time_zone)
        changed("a member's new name")
        user_profile_update(user=charlie, actor=charlie, full_name="", nickname="", time_zone="UTC")
        changed("a member now named by their address")
        team_update(team=team, actor=alice, name="Rocket launches", visibility=team.visibility, carry_over_goals=True)
        changed("the team's new name")
        entry_delete(entry=entry, actor=bob)
        changed("a deleted entry")


def test_the_next_copy_shows_a_member_renamed_meanwhile(alice, bob, charlie, team):
    membership_add(team=team, user=charlie)
    _post(alice, team, "alice shipped search")
    with _morning():
        first = digest_message(membership=_membership(team, bob), local_date=THU)
    with _morning(8, 40):
        user_profile_update(user=alice, actor=alice, full_name="Alice Astor", nickname="", time_zone="UTC")
    with _morning(8, 41):
        second = digest_message(membership=_membership(team, charlie), local_date=THU)
    assert "Alice Astor" not in first.body and "Alice Astor" in second.body


def test_each_team_gets_its_own_section(alice, bob, charlie, team):
    other = team_create(owner=charlie, name="Other")
    _post(alice, team, "rocket news")
    with time_machine.travel(dt.datetime(2026, 11, 25, 18, tzinfo=UTC), tick=False):
        entry_create(author=charlie, team=other, text="other news", occurred_on=WED)
    with _morning():
        rocket = digest_message(membership=_membership(team, bob), local_date=THU)
        theirs = digest_message(membership=_membership(other, charlie), local_date=THU)
    assert "rocket news" in rocket.body and "other news" not in rocket.body
    assert "other news" in theirs.body and "rocket news" not in theirs.body


@requires_postgres  # the plan is PostgreSQL's
def test_the_window_is_read_as_a_range_of_the_teams_entries(alice, bob, team):
    for n in range(3):
        _post(alice, team, f"thing {n}")
    bobs = _membership(team, bob)
    with _morning(), CaptureQueriesContext(connection) as captured:
        window_stamp(team=team, window=digest_window(membership=bobs, local_date=THU))
    (query,) = captured
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN (FORMAT JSON) " + query["sql"])
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    assert "entry_team_posted" in json.dumps(plan)
