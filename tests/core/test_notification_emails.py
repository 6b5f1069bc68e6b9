"""Notification emails: batched per recipient so a busy thread sends one email, not twenty."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from core.models import Notification
from core.services.entries import entry_create
from core.services.notification_emails import (
    LOOKBACK,
    MAX_WAIT,
    QUIET,
    NotificationItem,
    notification_batch_is_due,
    notification_batch_message,
    notifications_email_due,
)
from core.services.notifications import notifications_mark_read
from core.services.social import comment_create, like_toggle
from tests.concurrency import run_at_once
from tests.conftest import requires_postgres

NOW = dt.datetime(2026, 11, 26, 12, 0, tzinfo=dt.UTC)


def _item(actor="Bob Baker", kind="comment", comment="Nice!"):
    return NotificationItem(
        kind=kind, actor_name=actor, entry_text="Shipped <search>", entry_url="http://x/e/abc/", comment_text=comment
    )


def test_it_waits_while_a_thread_is_busy_and_sends_once_it_settles():
    assert not notification_batch_is_due(
        oldest=NOW - dt.timedelta(minutes=3), newest=NOW - dt.timedelta(minutes=1), now=NOW
    )
    assert notification_batch_is_due(oldest=NOW - dt.timedelta(minutes=9), newest=NOW - QUIET, now=NOW)


def test_it_does_not_wait_forever_on_a_thread_that_never_stops():
    assert notification_batch_is_due(oldest=NOW - MAX_WAIT, newest=NOW - dt.timedelta(seconds=10), now=NOW)


def test_it_sends_twenty_notifications_as_one_email(alice):
    items = [_item(actor=name) for name in ("Bob Baker", "Charlie Cho", "Dana Diaz") for _ in range(7)][:20]
    message = notification_batch_message(recipient=alice, items=items)
    assert message.subject == "20 new notifications from Bob Baker, Charlie Cho and 1 more"
    assert message.to == ["alice@example.com"]
    assert message.body.count("commented on your entry") == 20


def test_it_names_a_single_notification_in_the_subject_and_escapes_html(alice):
    message = notification_batch_message(recipient=alice, items=[_item(kind="mention", comment="")])
    assert message.subject == "Bob Baker mentioned you"
    assert "&lt;search&gt;" in message.alternatives[0][0]


def test_it_sends_nothing_for_an_empty_batch(alice):
    assert notification_batch_message(recipient=alice, items=[]) is None


def test_it_calls_a_like_on_a_comment_a_like_of_the_comment(alice):
    message = notification_batch_message(recipient=alice, items=[_item(kind="like", comment="Agreed")])
    assert message.subject == "Bob Baker liked your comment"


# With the web app's Notification model and the User.email_on_<kind> preferences.


def _settled() -> dt.datetime:
    return timezone.now() + QUIET


def _prefer(user, **kinds):
    for kind, on in kinds.items():
        setattr(user, f"email_on_{kind}", on)
    user.save(update_fields=[f"email_on_{kind}" for kind in kinds])


@pytest.fixture
def bobs_entry(team, bob):
    return entry_create(author=bob, team=team, text="Shipped the search page")


@pytest.fixture
def alices_entry(team, alice):
    return entry_create(author=alice, team=team, text="Fixed the login bug")


def test_it_emails_a_burst_of_comments_likes_and_mentions_once_per_recipient(nicknamed, team, bobs_entry, alices_entry):
    alice, bob, _ = nicknamed
    _prefer(bob, like=True)
    mail.outbox.clear()
    for n in range(18):
        comment_create(entry=bobs_entry, author=alice, text=f"Question {n}")
    like_toggle(user=alice, entry=bobs_entry)
    comment_create(entry=alices_entry, author=alice, text="@bob can you review?")
    comment_create(entry=alices_entry, author=bob, text="On it")
    assert Notification.objects.filter(recipient=bob).count() == 20

    assert notifications_email_due(now=timezone.now()) == 0  # the thread is still busy
    assert notifications_email_due(now=_settled()) == 2
    by_recipient = {message.to[0]: message for message in mail.outbox}
    assert sorted(by_recipient) == ["alice@example.com", "bob@example.com"]
    to_bob = by_recipient["bob@example.com"]
    assert to_bob.subject == "20 new notifications from Alice Archer"
    assert to_bob.body.count("commented on your entry") == 18
    assert to_bob.body.count("liked your entry") == 1 and to_bob.body.count("mentioned you") == 1
    assert f"/e/{bobs_entry.hash_id}/" in to_bob.body
    assert by_recipient["alice@example.com"].subject == "Bob Baker commented on your entry"


def test_it_does_not_email_a_kind_turned_off_and_never_reconsiders_it(team, alice, bob, bobs_entry):
    _prefer(bob, like=False, comment=True)
    mail.outbox.clear()
    like_toggle(user=alice, entry=bobs_entry)
    assert notifications_email_due(now=_settled()) == 0
    assert mail.outbox == []
    assert Notification.objects.get(recipient=bob).emailed_at is not None  # claimed, so not looked at again

    comment_create(entry=bobs_entry, author=alice, text="Nice")
    assert notifications_email_due(now=_settled()) == 1
    assert "liked" not in mail.outbox[0].body and "commented on your entry" in mail.outbox[0].body


def test_it_emails_each_notification_at_most_once(team, alice, bob, bobs_entry):
    mail.outbox.clear()
    comment_create(entry=bobs_entry, author=alice, text="First question")
    later = _settled()
    assert notifications_email_due(now=later) == 1
    assert notifications_email_due(now=later) == 0
    assert notifications_email_due(now=later + MAX_WAIT) == 0

    comment_create(entry=bobs_entry, author=alice, text="Second question")
    assert notifications_email_due(now=_settled()) == 1
    assert len(mail.outbox) == 2
    assert "Second question" in mail.outbox[1].body and "First question" not in mail.outbox[1].body


def test_it_sends_a_thread_that_never_settles_after_the_maximum_wait(team, alice, bob, bobs_entry):
    mail.outbox.clear()
    comment_create(entry=bobs_entry, author=alice, text="Started a long thread")
    Notification.objects.update(created_at=timezone.now() - MAX_WAIT)
    comment_create(entry=bobs_entry, author=alice, text="and it goes on")
    assert notifications_email_due(now=timezone.now()) == 1
    assert mail.outbox[0].subject == "2 new notifications from Alice Archer"


def test_it_does_not_email_what_was_already_read_in_the_app_or_is_stale(team, alice, bob, bobs_entry):
    mail.outbox.clear()
    comment_create(entry=bobs_entry, author=alice, text="Seen in the app")
    notifications_mark_read(user=bob)
    assert notifications_email_due(now=_settled()) == 0
    comment_create(entry=bobs_entry, author=alice, text="From long ago")
    Notification.objects.filter(emailed_at__isnull=True).update(created_at=timezone.now() - LOOKBACK * 2)
    assert notifications_email_due(now=_settled()) == 0
    assert mail.outbox == []


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_it_sends_one_email_when_runs_overlap_on_postgres(team, alice, bob, bobs_entry):
    """Three runs at once, a few rounds: row-by-row locking once let two runs split a burst in two."""
    for round_ in range(4):
        for n in range(25):
            comment_create(entry=bobs_entry, author=alice, text=f"Comment {round_}.{n}")
        mail.outbox.clear()
        results = _overlapping_runs(3, now=_settled())
        assert sorted(results) == [0, 0, 1], f"round {round_}"
        assert len(mail.outbox) == 1 and mail.outbox[0].body.count("commented on your entry") == 25
        assert not Notification.objects.filter(emailed_at__isnull=True).exists()


def _overlapping_runs(count: int, *, now: dt.datetime) -> list[int]:
    return run_at_once(lambda: notifications_email_due(now=now), times=count)
