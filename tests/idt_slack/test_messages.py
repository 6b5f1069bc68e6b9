"""Channel posts and digests against the local fake Slack: content, exactly-once, failures, rate limits."""

import datetime as dt
import time

import pytest
from django.utils import timezone

from core.models import Entry
from core.services.entries import entry_create
from idt_slack.compose import digest_days, digest_message
from idt_slack.crypto import token_decrypt
from idt_slack.models import SlackInstallation, SlackMessage
from idt_slack.services.installations import installation_channel_set, installation_disconnect
from idt_slack.services.messages import digests_claim_due, message_owe_for_entry, message_send, messages_sweep
from tests.idt_slack.fake_slack import BOT_TOKEN

Status = SlackMessage.Status


class Handed(list):
    """An enqueue that records what it was handed (what the broker would carry)."""

    def __call__(self, pk: int) -> None:
        self.append(pk)


def _post(entry: Entry) -> SlackMessage | None:
    handed = Handed()
    pk = message_owe_for_entry(entry_id=entry.pk, enqueue=handed)
    assert handed == ([pk] if pk else [])
    return message_send(message_id=pk) if pk else None


def test_every_new_entry_is_owed_to_the_channel_once_its_transaction_commits(
    installation, bob, team, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        entry = entry_create(author=bob, team=team, text="! waiting on keys")
    message = SlackMessage.objects.get(entry=entry)
    assert (message.kind, message.status, message.installation) == ("entry", "pending", installation)


def test_an_entry_is_posted_with_author_kind_day_and_its_colour(installation, fake_slack, bob, team):
    colours = {}
    for text in ("shipped it", "[ ] write docs", "! blocked on <!channel> review"):
        message = _post(entry_create(author=bob, team=team, text=text))
        assert message.status == Status.SENT and message.slack_ts
        colours[text] = fake_slack.posts_to("C0DONE")[-1]["attachments"][0]
    assert colours["shipped it"]["color"] == "#7CD197"
    assert colours["[ ] write docs"]["color"] == "#478CFE"
    blocker = colours["! blocked on <!channel> review"]
    assert blocker["color"] == "#E94B35"
    assert blocker["author_name"] == "Bob Baker"
    assert blocker["title"].startswith("Blocker · ")
    assert "&lt;!channel&gt;" in blocker["text"]  # never pings the channel
    [call] = fake_slack.calls_to("chat.postMessage")[:1]
    assert call.headers["authorization"] == f"Bearer {BOT_TOKEN}"


def test_an_entry_is_posted_once_however_often_it_is_owed_or_sent(installation, fake_slack, bob, team):
    entry = entry_create(author=bob, team=team, text="shipped it")
    first = message_owe_for_entry(entry_id=entry.pk, enqueue=Handed())
    assert message_owe_for_entry(entry_id=entry.pk, enqueue=Handed()) == first
    assert message_send(message_id=first).status == Status.SENT
    assert message_send(message_id=first) is None  # a duplicate task finds it sent
    assert message_owe_for_entry(entry_id=entry.pk, enqueue=Handed()) is None
    assert len(fake_slack.posts_to("C0DONE")) == 1


def test_a_team_without_a_channel_owes_nothing(fake_slack, installation, bob, team):
    SlackInstallation.objects.update(channel_id="")
    entry = entry_create(author=bob, team=team, text="shipped it")
    assert message_owe_for_entry(entry_id=entry.pk, enqueue=Handed()) is None
    assert not SlackMessage.objects.exists()


def test_the_token_is_encrypted_at_rest(installation):
    stored = SlackInstallation.objects.values_list("bot_token_encrypted", flat=True).get()
    assert BOT_TOKEN not in stored and stored
    assert token_decrypt(stored) == BOT_TOKEN


@pytest.mark.parametrize("code", ["channel_not_found", "is_archived"])
def test_a_missing_or_archived_channel_disables_the_link_and_says_why(installation, fake_slack, bob, team, code):
    fake_slack.channel_errors["C0DONE"] = code
    message = _post(entry_create(author=bob, team=team, text="shipped it"))
    assert (message.status, message.error) == (Status.FAILED, code)
    installation.refresh_from_db()
    assert installation.state == SlackInstallation.State.DISABLED
    assert installation.last_error == code and installation.last_error_at and installation.next_digest_at is None
    # Nothing more is tried against the broken link.
    assert _post(entry_create(author=bob, team=team, text="again")) is None
    assert len(fake_slack.calls_to("chat.postMessage")) == 1
    # The admin picks another channel: the link works again.
    installation_channel_set(
        installation=installation, actor=installation.installed_by, channel_id="C0GENERAL", channel_name="general"
    )
    assert _post(entry_create(author=bob, team=team, text="third")).status == Status.SENT


@pytest.mark.parametrize("code", ["token_revoked", "account_inactive"])
def test_a_revoked_token_disables_the_link_until_slack_is_connected_again(installation, fake_slack, bob, team, code):
    fake_slack.token_error = code
    message = _post(entry_create(author=bob, team=team, text="shipped it"))
    assert message.status == Status.FAILED
    installation.refresh_from_db()
    assert (installation.state, installation.last_error) == (SlackInstallation.State.DISABLED, code)
    with pytest.raises(ValueError, match="connect Slack again"):
        installation_channel_set(
            installation=installation, actor=installation.installed_by, channel_id="C0GENERAL", channel_name="general"
        )


def test_a_short_rate_limit_is_waited_out_in_the_worker(installation, fake_slack, bob, team):
    fake_slack.rate_limits = [1]
    started = time.monotonic()
    message = _post(entry_create(author=bob, team=team, text="shipped it"))
    assert message.status == Status.SENT
    calls = fake_slack.calls_to("chat.postMessage")
    assert len(calls) == 2 and calls[1].at - calls[0].at >= 1  # Retry-After honoured
    assert time.monotonic() - started < 10


def test_rate_limits_are_retried_a_bounded_number_of_times(installation, fake_slack, bob, team, settings):
    settings.SLACK_RATE_LIMIT_RETRIES = 1
    settings.SLACK_MAX_ATTEMPTS = 2
    fake_slack.rate_limits = [0] * 100
    entry = entry_create(author=bob, team=team, text="shipped it")
    message = _post(entry)
    assert (message.status, message.error, message.attempts) == (Status.PENDING, "ratelimited", 1)
    assert len(fake_slack.calls_to("chat.postMessage")) == 2  # the call and its one retry
    assert message_send(message_id=message.pk).status == Status.FAILED  # the last attempt: given up
    assert len(fake_slack.calls_to("chat.postMessage")) == 4
    assert message_send(message_id=message.pk) is None
    assert messages_sweep(enqueue=Handed(), now=timezone.now() + dt.timedelta(hours=1))["redispatched"] == 0


def test_a_long_retry_after_leaves_the_message_owed_until_then(installation, fake_slack, bob, team):
    fake_slack.rate_limits = [120]
    message = _post(entry_create(author=bob, team=team, text="shipped it"))
    assert message.status == Status.PENDING and message.not_before > timezone.now() + dt.timedelta(seconds=100)
    assert len(fake_slack.calls_to("chat.postMessage")) == 1  # the worker did not sleep two minutes
    assert message_send(message_id=message.pk) is None  # too early
    handed = Handed()
    messages_sweep(enqueue=handed, now=timezone.now() + dt.timedelta(seconds=60))
    assert handed == []
    messages_sweep(enqueue=handed, now=timezone.now() + dt.timedelta(seconds=200))
    assert handed == [message.pk]
    assert message_send(message_id=message.pk, now=timezone.now() + dt.timedelta(seconds=200)).status == Status.SENT


def test_the_sweeper_owes_the_post_of_an_entry_whose_signal_was_lost(installation, fake_slack, bob, team):
    entry = entry_create(author=bob, team=team, text="shipped while the process died")
    assert not SlackMessage.objects.exists()  # its after-commit signal never ran
    handed = Handed()
    later = timezone.now() + dt.timedelta(minutes=5)
    result = messages_sweep(enqueue=handed, now=later)
    assert result["missed"] == 1
    message = SlackMessage.objects.get(entry=entry)
    assert handed == [message.pk]
    assert messages_sweep(enqueue=Handed(), now=later)["missed"] == 0


def test_a_sender_killed_mid_call_is_marked_interrupted_and_never_posted_again(installation, bob, team, settings):
    entry = entry_create(author=bob, team=team, text="shipped it")
    pk = message_owe_for_entry(entry_id=entry.pk, enqueue=Handed())
    SlackMessage.objects.filter(pk=pk).update(status=Status.SENDING, claimed_at=timezone.now() - dt.timedelta(hours=1))
    assert messages_sweep(enqueue=Handed())["interrupted"] == 1
    assert SlackMessage.objects.get(pk=pk).status == Status.INTERRUPTED


def _due_now(installation: SlackInstallation, now: dt.datetime) -> None:
    SlackInstallation.objects.filter(pk=installation.pk).update(
        next_digest_at=now - dt.timedelta(seconds=5), digest_days="0123456"
    )


def test_the_digest_is_owed_once_per_team_and_local_day_across_ticks(
    installation, fake_slack, alice, bob, team, django_capture_on_commit_callbacks
):
    now = timezone.now()
    yesterday = (now - dt.timedelta(days=1)).date()
    entry_create(author=bob, team=team, text="shipped the bridge", occurred_on=yesterday)
    entry_create(author=bob, team=team, text="! waiting on keys", occurred_on=yesterday)
    _due_now(installation, now)
    handed = Handed()
    with django_capture_on_commit_callbacks(execute=True):
        assert digests_claim_due(enqueue=handed, now=now) == 1
        assert digests_claim_due(enqueue=handed, now=now) == 0  # the second tick finds nothing due
        # The schedule moved back (an admin edit, a restored backup): still one digest for that day.
        _due_now(installation, now)
        assert digests_claim_due(enqueue=handed, now=now + dt.timedelta(seconds=1)) == 0
    [digest] = SlackMessage.objects.filter(kind="digest")
    assert handed == [digest.pk]
    assert message_send(message_id=digest.pk).status == Status.SENT
    assert message_send(message_id=digest.pk) is None
    [post] = fake_slack.posts_to("C0DONE")
    blocks = " ".join(b.get("text", {}).get("text", "") for b in post["blocks"] if "text" in b)
    assert (
        "Rocket" in blocks and "Bob Baker" in blocks and "shipped the bridge" in blocks and "waiting on keys" in blocks
    )
    assert "No update from Alice Archer." in post["blocks"][-1]["elements"][0]["text"]
    installation.refresh_from_db()
    assert installation.next_digest_at > now


def test_a_day_nobody_posted_sends_no_digest(installation, fake_slack):
    now = timezone.now()
    _due_now(installation, now)
    digests_claim_due(enqueue=Handed(), now=now)
    digest = SlackMessage.objects.get(kind="digest")
    assert message_send(message_id=digest.pk).status == Status.SKIPPED
    assert fake_slack.posts_to("C0DONE") == []


def test_a_digest_hours_late_is_skipped_and_says_so(installation):
    now = timezone.now()
    SlackInstallation.objects.update(next_digest_at=now - dt.timedelta(hours=10))
    digests_claim_due(enqueue=Handed(), now=now)
    digest = SlackMessage.objects.get(kind="digest")
    assert digest.status == Status.SKIPPED and digest.error.startswith("late")


def test_a_lost_digest_dispatch_is_swept_and_sent_once(installation, fake_slack, bob, team):
    now = timezone.now()
    entry_create(author=bob, team=team, text="shipped", occurred_on=(now - dt.timedelta(days=1)).date())
    _due_now(installation, now)

    def broker_down(pk):
        raise ConnectionError("broker down")

    digests_claim_due(enqueue=broker_down, now=now)
    digest = SlackMessage.objects.get(kind="digest")
    assert digest.status == Status.PENDING
    handed = Handed()
    messages_sweep(enqueue=handed, now=now + dt.timedelta(minutes=3))
    assert digest.pk in handed  # (beside the entry's own post, whose signal this test never sent)
    assert message_send(message_id=digest.pk).status == Status.SENT
    messages_sweep(enqueue=handed, now=now + dt.timedelta(minutes=10))
    assert handed.count(digest.pk) == 1


def test_disconnecting_revokes_and_deletes_the_token(installation, fake_slack, alice, bob, team):
    entry = entry_create(author=bob, team=team, text="owed before the disconnect")
    pk = message_owe_for_entry(entry_id=entry.pk, enqueue=Handed())
    installation_disconnect(installation=installation, actor=alice)
    installation.refresh_from_db()
    assert installation.bot_token_encrypted == "" and installation.state == "disconnected"
    assert fake_slack.revoked == [f"Bearer {BOT_TOKEN}"]
    assert SlackMessage.objects.get(pk=pk).status == Status.SKIPPED
    assert (
        message_owe_for_entry(entry_id=entry_create(author=bob, team=team, text="after").pk, enqueue=Handed()) is None
    )


def test_only_a_team_admin_changes_the_slack_link(installation, bob):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        installation_disconnect(installation=installation, actor=bob)


def test_the_digest_covers_the_days_since_the_previous_digest_day():
    monday, tuesday = dt.date(2026, 11, 30), dt.date(2026, 12, 1)
    friday = dt.date(2026, 11, 27)
    assert digest_days(digest_days="01234", local_date=monday) == [
        friday,
        friday + dt.timedelta(1),
        friday + dt.timedelta(2),
    ]
    assert digest_days(digest_days="01234", local_date=tuesday) == [monday]
    assert digest_days(digest_days="0", local_date=monday) == [monday - dt.timedelta(days=d) for d in range(7, 0, -1)]


def test_mondays_digest_tells_fridays_news(installation, fake_slack, bob, team):
    now = timezone.now()
    today = now.date()
    friday = today - dt.timedelta(days=(today.weekday() - 4) % 7 or 7)
    entry_create(author=bob, team=team, text="shipped on friday", occurred_on=friday)
    monday = friday + dt.timedelta(days=3)
    message = digest_message(team=team, days=digest_days(digest_days="01234", local_date=monday), viewer=bob)
    assert "shipped on friday" in str(message["blocks"])
    sunday = monday - dt.timedelta(days=1)
    assert message["text"].endswith(f"from {friday:%a %b} {friday.day} to {sunday:%a %b} {sunday.day}")


def test_the_digest_is_composed_after_whoever_connected_slack_has_left_the_team(bob, charlie, team):
    # The digest reads the day as a member; charlie (never in this team) stands for an installer who left.
    day = timezone.now().date()
    entry_create(author=bob, team=team, text="shipped while the installer was away", occurred_on=day)
    message = digest_message(team=team, days=[day], viewer=charlie)
    assert "shipped while the installer was away" in str(message["blocks"])
