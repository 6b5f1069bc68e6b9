"""A sender killed between its claim and the provider's answer: the sweeper asks the provider about the
Message-ID stored at the claim. Accepted → sent; never got it → owed again and sent once; cannot tell →
interrupted with the reason, asked again later, a bounded number of times. For the mail folder (the
embedded backend) and Mailgun's Events API (a local fake server); its Logs API: test_reconcile_mailgun_logs.py."""

import datetime as dt
import time
from pathlib import Path

import pytest
from anymail.backends.mailgun import EmailBackend as MailgunBackend
from django.core import mail
from django.utils import timezone

from core.esp import lookup_for
from core.mail import FilePerMessageBackend
from core.models import Delivery, Membership
from core.services.deliveries import deliveries_sweep, delivery_send, delivery_track
from tests.fake_mailgun import fake_mailgun  # noqa: F401 (fixture)

Status, Answer = Delivery.Status, Delivery.ProviderAnswer
FILES = "core.mail.FilePerMessageBackend"


class SenderKilled(BaseException):
    """What a SIGKILL does to delivery_send: nothing after this point runs (no except clause catches it)."""


class KilledBeforeTheFile(FilePerMessageBackend):
    def send_messages(self, email_messages):
        raise SenderKilled


class KilledAfterTheFile(FilePerMessageBackend):
    def send_messages(self, email_messages):
        super().send_messages(email_messages)
        raise SenderKilled


class KilledBeforeMailgun(MailgunBackend):
    def send_messages(self, email_messages):
        raise SenderKilled


class KilledAfterMailgun(MailgunBackend):
    def send_messages(self, email_messages):
        super().send_messages(email_messages)
        raise SenderKilled


class Enqueued(list):
    def __call__(self, delivery_id):
        self.append(delivery_id)


@pytest.fixture
def bobs(team, bob) -> Membership:
    Membership.objects.update(next_reminder_at=None, next_digest_at=None)
    Delivery.objects.all().delete()  # the personas' verification emails are not what this is about
    mail.outbox.clear()
    return Membership.objects.get(team=team, user=bob)


@pytest.fixture
def folder(settings, tmp_path) -> Path:
    settings.EMAIL_BACKEND, settings.EMAIL_FILE_PATH = FILES, str(tmp_path / "mail")
    settings.DELIVERY_CLAIM_TIMEOUT_SECONDS = 60
    return tmp_path / "mail"


def _owed(bobs) -> Delivery:
    """Bob's reminder, owed now (for another day each time: one reminder per member and day)."""
    now = timezone.now()
    day = now.date() + dt.timedelta(days=Delivery.objects.filter(membership=bobs, resend_of=None).count())
    return Delivery.objects.create(
        membership=bobs, user_id=bobs.user_id, kind="reminder", local_date=day, due_at=now, dispatched_at=now
    )


def _killed_mid_send(settings, bobs, backend: str, *, sending_with: str) -> Delivery:
    """A real delivery_send whose sender dies inside the provider call; the row is left as it would be."""
    delivery = _owed(bobs)
    settings.EMAIL_BACKEND = backend
    with pytest.raises(SenderKilled):
        delivery_send(delivery_id=delivery.pk)
    settings.EMAIL_BACKEND = sending_with  # the next worker's configuration
    delivery.refresh_from_db()
    assert delivery.status == Status.SENDING and delivery.provider_message_id.startswith("<")
    return delivery


def _sweep(*, after: float, enqueue=None) -> dict:
    return deliveries_sweep(
        enqueue=Enqueued() if enqueue is None else enqueue, now=timezone.now() + dt.timedelta(seconds=after)
    )


def _files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.eml"))


# --- the mail folder -------------------------------------------------------------------------------


def test_it_sends_again_a_message_the_folder_never_got_and_only_once(settings, bobs, folder):
    delivery = _killed_mid_send(settings, bobs, "tests.core.test_reconcile.KilledBeforeTheFile", sending_with=FILES)
    assert _sweep(after=30)["interrupted"] == 0  # the sender may still be at it: not asked yet
    enqueued = Enqueued()
    result = _sweep(after=61, enqueue=enqueued)
    assert result["interrupted"] == 1 and result["reconciled"] == {"owed_again": 1}, result
    assert enqueued == [delivery.pk], result  # dispatched by the same sweep
    delivery.refresh_from_db()
    assert (delivery.status, delivery.provider_answer, delivery.provider_checks) == (Status.PENDING, "not_accepted", 1)
    assert "never sent" in delivery.error and "no message with that Message-ID" in delivery.error
    first_id = delivery.provider_message_id
    sent = delivery_send(delivery_id=delivery.pk)
    assert sent.status == Status.SENT and sent.attempts == 2 and sent.provider_message_id != first_id
    assert delivery_send(delivery_id=delivery.pk) is None  # a duplicate message still finds it claimed
    [file] = _files(folder)
    assert "bob@example.com" in file.read_text()


def test_it_marks_sent_a_message_the_folder_got_before_the_sender_died(settings, bobs, folder):
    delivery = _killed_mid_send(settings, bobs, "tests.core.test_reconcile.KilledAfterTheFile", sending_with=FILES)
    enqueued = Enqueued()
    assert _sweep(after=61, enqueue=enqueued)["reconciled"] == {"sent": 1}
    delivery.refresh_from_db()
    [file] = _files(folder)
    assert (delivery.status, delivery.provider_answer, delivery.error) == (Status.SENT, "accepted", "")
    assert delivery.sent_at == dt.datetime.fromtimestamp(file.stat().st_mtime, tz=dt.UTC)
    assert delivery.provider_check_after is None and enqueued == []
    assert _sweep(after=3600)["reconciled"] == {}  # settled: never asked again


def test_a_half_written_file_left_by_a_kill_is_not_a_sent_message(settings, bobs, folder):
    delivery = _killed_mid_send(settings, bobs, "tests.core.test_reconcile.KilledAfterTheFile", sending_with=FILES)
    # The backend writes a hidden temporary file and renames it: a kill before the rename leaves this.
    [file] = _files(folder)
    file.rename(folder / f".{file.name}.tmp")
    assert _sweep(after=61)["reconciled"] == {"owed_again": 1}
    delivery.refresh_from_db()
    assert delivery.status == Status.PENDING


def test_the_folder_lookup_reads_only_the_file_named_for_that_message_id(settings, bobs, folder):
    from core.esp import Question

    for _ in range(3):
        delivery_send(delivery_id=_owed(bobs).pk)
    sent = Delivery.objects.filter(status=Status.SENT)
    lookup = lookup_for(FILES)
    for delivery in sent:
        answer = lookup.ask(Question(delivery.provider_message_id, delivery.to_email, delivery.claimed_at))
        assert answer.verdict == "accepted"
    answer = lookup.ask(Question("<someone-else@in.idonethis.test>", "bob@example.com", timezone.now()))
    assert answer.verdict == "not_accepted"


# --- a provider that cannot tell -------------------------------------------------------------------


def test_it_leaves_a_send_interrupted_with_the_reason_when_the_provider_cannot_be_asked(settings, bobs):
    settings.DELIVERY_CLAIM_TIMEOUT_SECONDS, settings.DELIVERY_PROVIDER_MAX_CHECKS = 60, 3
    # Django's in-memory test backend has no lookup: like an ESP we cannot ask.
    delivery = _killed_mid_send(
        settings, bobs, "tests.core.test_reconcile.KilledBeforeTheFile", sending_with=settings.EMAIL_BACKEND
    )
    enqueued = Enqueued()
    assert _sweep(after=61, enqueue=enqueued)["reconciled"] == {"unknown": 1}
    delivery.refresh_from_db()
    assert (delivery.status, delivery.provider_answer, delivery.provider_checks) == (Status.INTERRUPTED, "unknown", 1)
    assert "cannot be asked" in delivery.error and "asking again at" in delivery.error and "1 of 3" in delivery.error
    # The next question waits its turn (1 minute, then 2…), and is bounded.
    assert _sweep(after=61 + 30)["reconciled"] == {}
    assert _sweep(after=61 + 61)["reconciled"] == {"unknown": 1}
    assert _sweep(after=61 + 61 + 121)["reconciled"] == {"gave_up": 1}
    delivery.refresh_from_db()
    assert delivery.provider_checks == 3 and delivery.provider_check_after is None
    assert "could not tell after 3 questions" in delivery.error and "left to support" in delivery.error
    assert _sweep(after=86400)["reconciled"] == {} and enqueued == [] and mail.outbox == []


# --- Mailgun ---------------------------------------------------------------------------------------


@pytest.fixture
def mailgun(settings, fake_mailgun):  # noqa: F811
    """Mailgun asked through its Events API (the Logs API, the default: test_reconcile_mailgun_logs.py)."""
    settings.DELIVERY_MAILGUN_LOOKUP = "events"
    settings.DELIVERY_CLAIM_TIMEOUT_SECONDS, settings.DELIVERY_PROVIDER_SETTLE_SECONDS = 60, 600
    return fake_mailgun


MAILGUN = "anymail.backends.mailgun.EmailBackend"


def test_it_marks_sent_what_mailgun_accepted_with_mailguns_time(settings, bobs, mailgun):
    delivery = _killed_mid_send(settings, bobs, "tests.core.test_reconcile.KilledAfterMailgun", sending_with=MAILGUN)
    [event] = mailgun.events
    event["timestamp"] = accepted_at = time.time() - 5
    assert _sweep(after=61)["reconciled"] == {"sent": 1}
    delivery.refresh_from_db()
    assert (delivery.status, delivery.provider_answer) == (Status.SENT, "accepted")
    assert abs(delivery.sent_at.timestamp() - accepted_at) < 0.001
    [question] = [r for r in mailgun.requests if r["method"] == "GET"]
    assert question["path"] == "/v3/mg.idonethis.test/events"
    assert question["query"]["message-id"] == delivery.provider_message_id.strip("<>")
    assert len(mailgun.sent) == 1


def test_it_waits_for_mailguns_events_to_settle_before_sending_again(settings, bobs, mailgun):
    delivery = _killed_mid_send(settings, bobs, "tests.core.test_reconcile.KilledBeforeMailgun", sending_with=MAILGUN)
    claimed_at = delivery.claimed_at
    # 61 s after the claim Mailgun shows nothing, but its events can lag: not yet "never got it".
    assert _sweep(after=61)["reconciled"] == {"settling": 1}
    delivery.refresh_from_db()
    assert delivery.status == Status.INTERRUPTED and delivery.provider_checks == 0
    assert delivery.provider_check_after == claimed_at + dt.timedelta(seconds=600)
    assert "can lag" in delivery.error
    assert _sweep(after=300)["reconciled"] == {}
    # Settled and still nothing (nor any message to Bob then): owed again, sent through Mailgun once.
    enqueued = Enqueued()
    assert _sweep(after=601, enqueue=enqueued)["reconciled"] == {"owed_again": 1}
    assert enqueued == [delivery.pk]
    assert delivery_send(delivery_id=delivery.pk).status == Status.SENT
    assert len(mailgun.sent) == 1 and mailgun.sent[0]["to"] == ["bob@example.com"]


def test_an_event_that_arrives_late_still_counts_as_accepted(settings, bobs, mailgun):
    mailgun.lagging = True  # Mailgun took it, but its event is not searchable yet
    delivery = _killed_mid_send(settings, bobs, "tests.core.test_reconcile.KilledAfterMailgun", sending_with=MAILGUN)
    assert _sweep(after=61)["reconciled"] == {"settling": 1}
    mailgun.events[0]["visible"] = True
    assert _sweep(after=601)["reconciled"] == {"sent": 1}
    delivery.refresh_from_db()
    assert delivery.status == Status.SENT and len(mailgun.sent) == 1


def test_it_does_not_guess_when_mailgun_took_a_message_to_that_address_under_another_id(settings, bobs, mailgun):
    delivery = _killed_mid_send(settings, bobs, "tests.core.test_reconcile.KilledBeforeMailgun", sending_with=MAILGUN)
    mailgun.accepted(message_id="<renamed@mg.idonethis.test>", recipient="bob@example.com")
    assert _sweep(after=601)["reconciled"] == {"unknown": 1}
    delivery.refresh_from_db()
    assert delivery.status == Status.INTERRUPTED and "under another id" in delivery.error


@pytest.mark.parametrize("failure", ["down", "unreachable", "slow"])
def test_it_keeps_asking_later_while_mailguns_api_is_down_and_skips_the_rest_of_the_sweep(
    settings, bobs, mailgun, failure
):
    settings.DELIVERY_PROVIDER_TIMEOUT_SECONDS = 0.3
    killed = [
        _killed_mid_send(settings, bobs, "tests.core.test_reconcile.KilledBeforeMailgun", sending_with=MAILGUN)
        for _ in range(3)
    ]
    if failure == "down":
        mailgun.down = True
    elif failure == "slow":
        mailgun.delay = 1.0
    else:
        settings.ANYMAIL = {**settings.ANYMAIL, "MAILGUN_API_URL": "http://127.0.0.1:9/v3"}  # nothing listens
    result = _sweep(after=601)["reconciled"]
    assert result == {"unknown": 1, "deferred": 2}  # one question waited on the outage, not three
    rows = Delivery.objects.filter(pk__in=[d.pk for d in killed]).order_by("provider_checks")
    assert [d.status for d in rows] == [Status.INTERRUPTED] * 3
    assert [d.provider_checks for d in rows] == [0, 0, 1]
    assert "events API did not answer" in rows[2].error and "asking again at" in rows[2].error
    assert all(d.provider_check_after is not None for d in rows)
    mailgun.down, mailgun.delay = False, 0
    settings.ANYMAIL = {**settings.ANYMAIL, "MAILGUN_API_URL": f"http://127.0.0.1:{mailgun.port}/v3"}
    assert _sweep(after=601 + 121)["reconciled"] == {"owed_again": 3}  # back: every one settled


# --- what else settles an interrupted send ---------------------------------------------------------


def test_a_tracking_event_from_the_provider_settles_an_interrupted_send_as_sent(settings, bobs):
    settings.DELIVERY_CLAIM_TIMEOUT_SECONDS = 60
    delivery = _killed_mid_send(
        settings, bobs, "tests.core.test_reconcile.KilledBeforeTheFile", sending_with=settings.EMAIL_BACKEND
    )
    _sweep(after=61)
    at = timezone.now()
    assert delivery_track(provider_message_id=delivery.provider_message_id, event_type="delivered", at=at) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.sent_at, delivery.provider_answer) == (Status.SENT, at, "accepted")
    assert delivery.provider_check_after is None


def test_it_does_not_send_again_what_support_already_resent(settings, bobs, folder):
    delivery = _killed_mid_send(settings, bobs, "tests.core.test_reconcile.KilledBeforeTheFile", sending_with=FILES)
    Delivery.objects.create(
        membership=bobs, user_id=bobs.user_id, kind="reminder", local_date=delivery.local_date, resend_of=delivery
    )
    assert _sweep(after=61)["reconciled"] == {"skipped": 1}
    delivery.refresh_from_db()
    assert delivery.status == Status.SKIPPED and "support's resend replaced it" in delivery.error


def test_a_send_interrupted_on_its_last_attempt_fails_instead_of_trying_again(settings, bobs, folder):
    settings.DELIVERY_MAX_ATTEMPTS = 1
    delivery = _killed_mid_send(settings, bobs, "tests.core.test_reconcile.KilledBeforeTheFile", sending_with=FILES)
    assert _sweep(after=61)["reconciled"] == {"failed": 1}
    delivery.refresh_from_db()
    assert delivery.status == Status.FAILED and "last attempt" in delivery.error


def test_one_sweep_asks_at_most_its_share_and_the_rest_wait_for_the_next(settings, bobs, folder):
    settings.DELIVERY_PROVIDER_CHECKS_PER_SWEEP = 2
    for _ in range(3):
        _killed_mid_send(settings, bobs, "tests.core.test_reconcile.KilledBeforeTheFile", sending_with=FILES)
    assert _sweep(after=61)["reconciled"] == {"owed_again": 2}
    assert _sweep(after=62)["reconciled"] == {"owed_again": 1}
