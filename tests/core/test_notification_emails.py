"""Notification emails: batched per recipient so a busy thread sends one email, not twenty."""

import datetime as dt

from core.services.notification_emails import (
    MAX_WAIT,
    QUIET,
    NotificationItem,
    notification_batch_is_due,
    notification_batch_message,
    notifications_email_due,
)

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


def test_it_sends_nothing_until_the_web_apps_notification_model_is_merged(db):
    assert notifications_email_due(now=NOW) == 0
