"""The daily loop's exactly-once sending: the tick's claims, delivery claims, stale claims, throttle."""

import datetime as dt

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.test import override_settings

from core.models import Delivery, Entry, Membership
from core.services.deliveries import deliveries_claim_due, delivery_claim, delivery_send
from core.services.entries import entry_create
from tests.concurrency import run_at_once
from tests.conftest import requires_postgres

NOW = dt.datetime(2026, 11, 26, 22, 0, 30, tzinfo=dt.UTC)  # Thursday


class Enqueued(list):
    def __call__(self, **kwargs):
        self.append(kwargs)


def _due(membership: Membership, *, kind: str = "reminder", at: dt.datetime = NOW - dt.timedelta(seconds=30)):
    setattr(membership, f"next_{kind}_at", at)
    membership.save(update_fields=[f"next_{kind}_at"])
    return membership


def _nothing_else_due():
    Membership.objects.update(next_reminder_at=None, next_digest_at=None)


@pytest.fixture
def bobs(team, bob) -> Membership:
    _nothing_else_due()
    return Membership.objects.get(team=team, user=bob)


def test_it_claims_a_due_reminder_once_and_advances_it(bobs, django_capture_on_commit_callbacks):
    _due(bobs)
    enqueued = Enqueued()
    with django_capture_on_commit_callbacks(execute=True):
        counts = deliveries_claim_due(enqueue=enqueued, now=NOW)
    assert counts["reminder"] == 1
    assert enqueued == [{"membership_id": bobs.pk, "kind": "reminder", "local_date": "2026-11-26"}]
    bobs.refresh_from_db()
    assert bobs.next_reminder_at == dt.datetime(2026, 11, 27, 17, 0, tzinfo=dt.UTC)  # Friday 17:00 UTC


def test_it_enqueues_nothing_on_a_duplicate_tick(bobs, django_capture_on_commit_callbacks):
    _due(bobs)
    enqueued = Enqueued()
    with django_capture_on_commit_callbacks(execute=True):
        deliveries_claim_due(enqueue=enqueued, now=NOW)
        deliveries_claim_due(enqueue=enqueued, now=NOW)
    assert len(enqueued) == 1


def test_it_enqueues_only_after_the_claim_commits(bobs, django_capture_on_commit_callbacks):
    _due(bobs)
    enqueued = Enqueued()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        deliveries_claim_due(enqueue=enqueued, now=NOW)
    assert enqueued == [] and len(callbacks) == 1


def test_it_uses_the_members_local_date_for_the_delivery(bobs, bob, django_capture_on_commit_callbacks):
    bob.time_zone = "Pacific/Auckland"
    bob.save(update_fields=["time_zone"])
    _due(bobs)  # 21:59:30 UTC Thursday is 10:59 Friday in Auckland
    enqueued = Enqueued()
    with django_capture_on_commit_callbacks(execute=True):
        deliveries_claim_due(enqueue=enqueued, now=NOW)
    assert enqueued[0]["local_date"] == "2026-11-27"


def test_it_skips_a_reminder_hours_late_but_keeps_the_schedule(bobs, django_capture_on_commit_callbacks):
    _due(bobs, at=NOW - dt.timedelta(hours=7))
    enqueued = Enqueued()
    with django_capture_on_commit_callbacks(execute=True):
        counts = deliveries_claim_due(enqueue=enqueued, now=NOW)
    assert enqueued == [] and counts["late"] == 1
    bobs.refresh_from_db()
    assert bobs.next_reminder_at > NOW


def test_it_claims_in_bounded_batches(team, alice, bob, charlie, django_capture_on_commit_callbacks):
    _nothing_else_due()
    Membership.objects.update(next_digest_at=NOW - dt.timedelta(minutes=1))
    enqueued = Enqueued()
    with django_capture_on_commit_callbacks(execute=True):
        counts = deliveries_claim_due(enqueue=enqueued, now=NOW, batch_size=2)
    assert counts["digest"] == Membership.objects.count() == len(enqueued)


def test_it_sends_each_delivery_once_when_the_task_runs_twice(bobs, alice, team):
    entry_create(author=alice, team=team, text="shipped it", occurred_on=dt.date(2026, 11, 26))
    first = delivery_send(membership_id=bobs.pk, kind="reminder", local_date=dt.date(2026, 11, 26), now=NOW)
    second = delivery_send(membership_id=bobs.pk, kind="reminder", local_date=dt.date(2026, 11, 26), now=NOW)
    assert first.status == Delivery.Status.SENT and second is None
    assert len(mail.outbox) == 1
    assert first.provider_message_id == mail.outbox[0].extra_headers["Message-ID"]
    assert first.to_email == "bob@example.com"


def test_it_resends_a_claim_abandoned_by_a_dead_worker_after_the_timeout(
    bobs, settings, django_capture_on_commit_callbacks
):
    settings.DELIVERY_CLAIM_TIMEOUT_SECONDS = 600
    day = dt.date(2026, 11, 26)
    # The worker claimed the delivery and died before sending: only the claim exists.
    assert delivery_claim(membership=bobs, kind="reminder", local_date=day, now=NOW) is not None
    enqueued = Enqueued()
    deliveries_claim_due(enqueue=enqueued, now=NOW + dt.timedelta(seconds=599))
    assert enqueued == []  # maybe still sending: leave it alone
    assert delivery_send(membership_id=bobs.pk, kind="reminder", local_date=day, now=NOW) is None
    later = NOW + dt.timedelta(seconds=601)
    deliveries_claim_due(enqueue=enqueued, now=later)
    assert enqueued == [{"membership_id": bobs.pk, "kind": "reminder", "local_date": "2026-11-26"}]
    delivery = delivery_send(**{**enqueued[0], "local_date": day}, now=later)
    assert delivery.status == Delivery.Status.SENT and delivery.attempts == 2
    assert delivery_send(**{**enqueued[0], "local_date": day}, now=later) is None
    assert len(mail.outbox) == 1


class BrokenBackend(BaseEmailBackend):
    def send_messages(self, messages):
        raise ConnectionError("ESP unreachable")


def test_it_marks_a_failed_send_and_sends_it_on_retry(bobs):
    day = dt.date(2026, 11, 26)
    with override_settings(EMAIL_BACKEND="tests.core.test_deliveries.BrokenBackend"):
        with pytest.raises(ConnectionError):
            delivery_send(membership_id=bobs.pk, kind="reminder", local_date=day, now=NOW)
    failed = Delivery.objects.get(membership=bobs)
    assert failed.status == Delivery.Status.FAILED and "ESP unreachable" in failed.error
    retried = delivery_send(membership_id=bobs.pk, kind="reminder", local_date=day, now=NOW)
    assert retried.status == Delivery.Status.SENT and retried.attempts == 2 and retried.error == ""
    assert len(mail.outbox) == 1


def test_it_skips_a_digest_when_the_team_posted_nothing(bobs):
    delivery = delivery_send(membership_id=bobs.pk, kind="digest", local_date=dt.date(2026, 11, 26), now=NOW)
    assert delivery.status == Delivery.Status.SKIPPED and mail.outbox == []


def _age(membership: Membership, days: int):
    Membership.objects.filter(pk=membership.pk).update(joined_at=NOW - dt.timedelta(days=days))
    membership.refresh_from_db()


def test_it_drops_an_inactive_member_to_weekly_and_a_new_entry_restores_daily(
    bobs, bob, team, django_capture_on_commit_callbacks
):
    _age(bobs, days=30)
    Entry.objects.create(author=bob, team=team, text="old", occurred_on=dt.date(2026, 11, 10))
    Entry.objects.filter(author=bob).update(created_at=NOW - dt.timedelta(days=16))
    _due(bobs)
    with django_capture_on_commit_callbacks(execute=True):
        deliveries_claim_due(enqueue=Enqueued(), now=NOW)
    bobs.refresh_from_db()
    assert bobs.emails_throttled
    assert bobs.next_reminder_at == dt.datetime(2026, 11, 30, 17, 0, tzinfo=dt.UTC)  # next Monday only

    entry_create(author=bob, team=team, text="back at it")
    bobs.refresh_from_db()
    assert not bobs.emails_throttled
    assert bobs.next_reminder_at - dt.datetime.now(dt.UTC) <= dt.timedelta(days=3, hours=1)


def test_it_keeps_an_active_member_daily(bobs, bob, team, django_capture_on_commit_callbacks):
    _age(bobs, days=30)
    entry_create(author=bob, team=team, text="recent")
    Entry.objects.filter(author=bob).update(created_at=NOW - dt.timedelta(days=2))
    _due(bobs)
    with django_capture_on_commit_callbacks(execute=True):
        deliveries_claim_due(enqueue=Enqueued(), now=NOW)
    bobs.refresh_from_db()
    assert not bobs.emails_throttled
    assert bobs.next_reminder_at == dt.datetime(2026, 11, 27, 17, 0, tzinfo=dt.UTC)


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_it_splits_due_members_between_two_concurrent_ticks_on_postgres(team, alice, bob, charlie):
    from core.services.teams import membership_add

    membership_add(team=team, user=charlie)
    Membership.objects.update(next_reminder_at=NOW - dt.timedelta(minutes=1), next_digest_at=None)
    due = Membership.objects.count()
    enqueued = Enqueued()
    run_at_once(lambda: deliveries_claim_due(enqueue=enqueued, now=NOW, batch_size=1), times=2)
    assert sorted(e["membership_id"] for e in enqueued) == sorted(Membership.objects.values_list("pk", flat=True))
    assert len(enqueued) == due


def test_it_sends_nothing_to_a_member_who_unsubscribed_after_the_tick(bobs):
    Membership.objects.filter(pk=bobs.pk).update(emails_paused=True)
    delivery = delivery_send(membership_id=bobs.pk, kind="reminder", local_date=dt.date(2026, 11, 26), now=NOW)
    assert delivery.status == Delivery.Status.SKIPPED and mail.outbox == []


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_it_sends_once_when_the_same_task_runs_on_two_workers_at_once_on_postgres(team, bob):
    bobs = Membership.objects.get(team=team, user=bob)
    mail.outbox.clear()  # the fixtures' sign-ups sent their address-verification emails
    results = run_at_once(
        lambda: delivery_send(membership_id=bobs.pk, kind="reminder", local_date=dt.date(2026, 11, 26)), times=3
    )
    assert [r.status for r in results if r is not None] == [Delivery.Status.SENT]
    assert len(mail.outbox) == 1
    assert Delivery.objects.get().attempts == 1


def test_it_records_a_bounce_reported_by_the_esp_on_the_delivery(client, bobs):
    from tests import mailgun

    delivery = delivery_send(membership_id=bobs.pk, kind="reminder", local_date=dt.date(2026, 11, 26), now=NOW)
    event = {
        "event": "failed",
        "severity": "permanent",
        "id": "evt-1",
        "timestamp": NOW.timestamp(),
        "recipient": "bob@example.com",
        "message": {"headers": {"message-id": delivery.provider_message_id.strip("<>")}},
        "delivery-status": {"message": "550 5.1.1 mailbox unavailable", "description": "No such user"},
    }
    assert mailgun.post_tracking(client, event).status_code == 200
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.FAILED and delivery.esp_event == "bounced"
    assert "No such user" in delivery.error
