"""The reminder and digest emails: subjects, reply address, content, list headers, signed links."""

import datetime as dt
import re

import pytest
import time_machine
from django.test import Client

from core.emails.digests import digest_message, digest_window
from core.emails.reminders import reminder_message
from core.models import Entry, Membership
from core.services.entries import entry_create
from core.services.social import comment_create, like_toggle
from core.services.teams import membership_add

THU = dt.date(2026, 11, 26)


@pytest.fixture
def bobs(team, bob) -> Membership:
    return Membership.objects.select_related("user", "team").get(team=team, user=bob)


def _html(message) -> str:
    return message.alternatives[0][0]


def test_it_asks_from_the_team_address_with_the_subject_users_know(bobs, team):
    message = reminder_message(membership=bobs, local_date=THU)
    assert message.subject == "What did you get done? – Rocket – November 26"
    assert "What did you get done? Just reply" in message.body  # one default question, subject and body
    assert message.from_email == f'"Rocket (iDoneThis)" <{team.slug}@in.idonethis.test>'
    assert message.to == ["bob@example.com"]


def test_it_shows_todays_posts_open_goals_and_a_flashback(bobs, alice, bob, team):
    entry_create(author=bob, team=team, text="morning standup notes", occurred_on=THU)
    entry_create(author=alice, team=team, text="alice shipped search", occurred_on=THU)
    entry_create(author=bob, team=team, text="[ ] finish the importer", occurred_on=THU - dt.timedelta(days=3))
    entry_create(author=bob, team=team, text="launched v1", occurred_on=THU - dt.timedelta(days=7))
    entry_create(author=bob, team=team, text="first commit", occurred_on=dt.date(2025, 11, 26))
    entry_create(author=bob, team=team, text="a random tuesday", occurred_on=THU - dt.timedelta(days=9))
    message = reminder_message(membership=bobs, local_date=THU)
    for text in (message.body, _html(message)):
        assert "morning standup notes" in text and "alice shipped search" in text
        assert "finish the importer" in text
        assert "A week ago" in text and "launched v1" in text
        assert "A year ago" in text and "first commit" in text
        assert "a random tuesday" not in text


def test_it_offers_one_click_unsubscribe_that_mailbox_providers_can_post(bobs):
    message = reminder_message(membership=bobs, local_date=THU)
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = re.fullmatch(r"<(.+)>", message.extra_headers["List-Unsubscribe"]).group(1)
    path = url.removeprefix("http://localhost:5000")
    client = Client(enforce_csrf_checks=True)
    assert client.get(path).status_code == 200  # a link preview changes nothing
    bobs.refresh_from_db()
    assert not bobs.emails_paused
    response = client.post(path, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    bobs.refresh_from_db()
    assert bobs.emails_paused and bobs.next_reminder_at is None and bobs.next_digest_at is None
    assert "/u/settings/" in message.body


def test_it_refuses_a_tampered_unsubscribe_link(client, bobs):
    assert client.post("/email/unsubscribe/1:forged:signature/").status_code == 404


def test_it_offers_daily_emails_again_to_a_throttled_member(client, bobs):
    Membership.objects.filter(pk=bobs.pk).update(emails_throttled=True)
    bobs.refresh_from_db()
    message = reminder_message(membership=bobs, local_date=THU)
    url = re.search(r"Email me daily again: (\S+)", message.body).group(1)
    assert client.post(url.removeprefix("http://localhost:5000")).status_code == 200
    bobs.refresh_from_db()
    assert not bobs.emails_throttled and bobs.emails_restored_at is not None


def test_it_sends_the_digest_by_person_then_day_with_who_was_quiet(bobs, alice, bob, charlie, team):
    from core.services.teams import membership_add

    membership_add(team=team, user=charlie)
    tue, wed = THU - dt.timedelta(days=2), THU - dt.timedelta(days=1)
    with time_machine.travel(dt.datetime(2026, 11, 24, 18, tzinfo=dt.UTC), tick=False):
        entry_create(author=bob, team=team, text="bob tuesday (previous digest)", occurred_on=tue)
    with time_machine.travel(dt.datetime(2026, 11, 25, 18, tzinfo=dt.UTC), tick=False):
        entry_create(author=alice, team=team, text="alice wednesday", occurred_on=wed)
        entry_create(author=bob, team=team, text="! bob blocked wednesday", occurred_on=wed)
    with time_machine.travel(dt.datetime(2026, 11, 26, 8, 30, tzinfo=dt.UTC), tick=False):
        message = digest_message(membership=bobs, local_date=THU)
    assert message.subject == "Rocket digest for November 26"
    text = message.body
    assert text.index("\nAlice Archer\n") < text.index("alice wednesday") < text.index("\nBob Baker\n")
    assert "⚠ bob blocked wednesday" in text and "✓ alice wednesday" in text
    assert "tuesday" not in text
    assert "We haven't heard from Charlie Cho." in text
    assert "heard from Charlie Cho." in _html(message)


def test_a_monday_digest_covers_what_was_posted_since_fridays(bobs):
    window = digest_window(membership=bobs, local_date=dt.date(2026, 11, 30))
    assert window.since == dt.datetime(2026, 11, 27, 8, 30, tzinfo=dt.UTC)
    assert (window.first_day, window.last_day) == (dt.date(2026, 11, 27), dt.date(2026, 11, 29))


def test_it_builds_the_digest_once_per_team_and_personalises_it_cheaply(
    bobs, alice, bob, team, django_assert_max_num_queries
):
    for n in range(20):
        entry_create(author=alice if n % 2 else bob, team=team, text=f"thing {n}", occurred_on=THU - dt.timedelta(1))
    alices = Membership.objects.select_related("user", "team").get(team=team, user=alice)
    first = digest_message(membership=alices, local_date=THU)
    with django_assert_max_num_queries(1):  # the cache key: what is in the window, in one aggregate
        second = digest_message(membership=bobs, local_date=THU)
    assert "thing 19" in first.body and "thing 19" in second.body
    assert "Good morning Bob Baker" in second.body and "Good morning Alice Archer" in first.body
    assert first.extra_headers["List-Unsubscribe"] != second.extra_headers["List-Unsubscribe"]


def test_it_escapes_what_people_wrote_in_html_emails(bobs, bob, team):
    entry_create(author=bob, team=team, text="<script>alert(1)</script>", occurred_on=THU - dt.timedelta(1))
    html = _html(digest_message(membership=bobs, local_date=THU))
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert Entry.objects.count() == 1


def test_the_digest_shows_like_and_comment_counts_linking_to_the_entry(bobs, alice, bob, charlie, team):
    membership_add(team=team, user=charlie)
    wed = THU - dt.timedelta(days=1)
    popular = entry_create(author=alice, team=team, text="alice shipped search", occurred_on=wed)
    liked = entry_create(author=bob, team=team, text="bob fixed the build", occurred_on=wed)
    entry_create(author=bob, team=team, text="bob wrote docs", occurred_on=wed)
    for user in (bob, charlie):
        like_toggle(user=user, entry=popular)
    for n in range(3):
        comment_create(entry=popular, author=bob, text=f"question {n}")
    like_toggle(user=alice, entry=liked)
    like_toggle(user=alice, comment=comment_create(entry=liked, author=charlie, text="nice"))  # a comment's like
    alices = Membership.objects.select_related("user", "team").get(team=team, user=alice)
    digest_message(membership=alices, local_date=THU)  # renders and caches the team's section
    comment_create(entry=liked, author=alice, text="and it stays green")  # after the first recipient's copy

    message = digest_message(membership=bobs, local_date=THU)
    base = "http://localhost:5000/e/"
    assert f"alice shipped search (2 likes, 3 comments: {base}{popular.hash_id}/)" in message.body
    assert f"bob fixed the build (1 like, 2 comments: {base}{liked.hash_id}/)" in message.body
    assert re.search(r"bob wrote docs\n", message.body)
    html = _html(message)
    popular_link = re.search(rf'<a href="{base}{popular.hash_id}/"[^>]*>(.*?)</a>', html)[1]
    assert 'data-likes="2"' in popular_link and 'data-comments="3"' in popular_link
    liked_link = re.search(rf'<a href="{base}{liked.hash_id}/"[^>]*>(.*?)</a>', html)[1]
    assert 'data-likes="1"' in liked_link and 'data-comments="2"' in liked_link
    assert html.count(base) == 2  # no link for an entry without reactions


def test_it_asks_the_teams_own_question_once_an_admin_sets_one(client, alice, bobs, team):
    client.force_login(alice)
    response = client.post(
        f"/t/{team.hash_id}/settings/",
        {
            "action": "team",
            "name": team.name,
            "visibility": team.visibility,
            "carry_over_goals": "on",
            "reminder_prompt": "  What moved   forward today? ",
        },
    )
    assert response.status_code == 302
    bobs.team.refresh_from_db()
    message = reminder_message(membership=bobs, local_date=THU)
    assert message.subject == "What moved forward today? – Rocket – November 26"
    assert "What moved forward today?" in message.body
    assert "What moved forward today?" in message.alternatives[0][0]
