"""Every email besides the daily loop's is a delivery too: owed before it is sent, claimed first, swept
if lost, logged with status, provider message id and error (notifications, invitations, verification,
password reset)."""

import datetime as dt

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from core.models import Delivery, Invitation
from core.services.accounts import user_signup
from core.services.deliveries import deliveries_sweep, delivery_send
from core.services.entries import entry_create
from core.services.invitations import invitation_create
from core.services.notification_emails import QUIET, notification_batch_claim, notifications_email_due
from core.services.social import comment_create

Status = Delivery.Status


class Enqueued(list):
    def __call__(self, delivery_id):
        self.append(delivery_id)


@pytest.fixture
def quiet(team):
    """The personas' sign-ups owed their verification emails; these tests are about other ones."""
    Delivery.objects.all().delete()
    mail.outbox.clear()


def _sweep_later(**kwargs) -> list[int]:
    enqueued = Enqueued()
    deliveries_sweep(enqueue=enqueued, now=timezone.now() + dt.timedelta(hours=1), **kwargs)
    return enqueued


def test_it_logs_an_invitation_as_a_delivery_and_marks_the_invitation_sent(
    alice, team, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invitation_create(organization=team.organization, teams=[team], email="dana@x.test", actor=alice)
    delivery = Delivery.objects.get(kind=Delivery.Kind.INVITATION)
    assert (delivery.status, delivery.to_email, delivery.attempts) == (Status.SENT, "dana@x.test", 1)
    assert delivery.provider_message_id == mail.outbox[-1].extra_headers["Message-ID"]
    assert f"/invitations/{invitation.code}/" in mail.outbox[-1].body
    assert Invitation.objects.get(pk=invitation.pk).sent_at is not None


def test_it_keeps_an_invitation_owed_when_the_esp_fails_and_the_sweeper_sends_it_once(
    alice, team, quiet, django_capture_on_commit_callbacks
):
    with override_settings(EMAIL_BACKEND="tests.core.test_deliveries.BrokenBackend"):
        with django_capture_on_commit_callbacks(execute=True):
            invitation = invitation_create(
                organization=team.organization, teams=[team], email="dana@x.test", actor=alice
            )
    delivery = Delivery.objects.get(kind=Delivery.Kind.INVITATION)
    assert delivery.status == Status.PENDING and "ESP unreachable" in delivery.error
    assert Invitation.objects.get(pk=invitation.pk).sent_at is None
    assert _sweep_later() == [delivery.pk]
    assert delivery_send(delivery_id=delivery.pk).status == Status.SENT
    assert delivery_send(delivery_id=delivery.pk) is None
    assert [m.to for m in mail.outbox] == [["dana@x.test"]]


def test_it_sends_an_invitation_owed_by_a_process_that_died_before_sending(alice, team, quiet):
    # No on-commit send: the web process died right after the commit. Only the owed row is left.
    invitation = invitation_create(organization=team.organization, teams=[team], email="dana@x.test", actor=alice)
    [delivery_id] = _sweep_later()
    assert Delivery.objects.get(pk=delivery_id).payload == {"invitation": invitation.pk}
    delivery_send(delivery_id=delivery_id)
    assert mail.outbox[-1].to == ["dana@x.test"]


def test_it_sends_nothing_for_an_invitation_answered_before_its_email_went_out(alice, charlie, team):
    invitation = invitation_create(organization=team.organization, teams=[team], email="c@x.test", actor=alice)
    Invitation.objects.filter(pk=invitation.pk).update(declined_at=timezone.now())
    delivery = Delivery.objects.get(kind=Delivery.Kind.INVITATION)
    assert delivery_send(delivery_id=delivery.pk).status == Status.SKIPPED


def test_it_logs_the_address_verification_of_a_sign_up(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        dana = user_signup(email="dana@x.test", password="dana-password-1")
    delivery = Delivery.objects.get(user=dana)
    assert (delivery.kind, delivery.status, delivery.payload) == ("verification", Status.SENT, {"email": "dana@x.test"})
    assert "/accounts/verify/" in mail.outbox[-1].body


@pytest.fixture
def commented(team, alice, bob):
    entry = entry_create(author=bob, team=team, text="Shipped it")
    comment_create(entry=entry, author=alice, text="Well done")
    Delivery.objects.all().delete()
    mail.outbox.clear()
    return entry


def test_it_sends_a_notification_batch_as_a_logged_delivery(commented, bob):
    assert notifications_email_due(now=timezone.now() + QUIET) == 1
    delivery = Delivery.objects.get(kind=Delivery.Kind.NOTIFICATIONS)
    assert (delivery.user, delivery.status, delivery.subject) == (
        bob,
        Status.SENT,
        "Alice Archer commented on your entry",
    )
    assert mail.outbox[0].to == ["bob@example.com"]


def test_a_notification_batch_claimed_by_a_run_that_died_is_sent_once_by_the_sweeper(commented, bob):
    # The run claimed the batch (its notifications are marked emailed) and died before sending.
    delivery = notification_batch_claim(recipient_id=bob.pk, now=timezone.now() + QUIET)
    assert delivery.status == Status.PENDING and mail.outbox == []
    assert notifications_email_due(now=timezone.now() + QUIET) == 0  # claimed: a later run does not redo it
    assert _sweep_later() == [delivery.pk]
    assert delivery_send(delivery_id=delivery.pk).status == Status.SENT
    assert delivery_send(delivery_id=delivery.pk) is None
    assert len(mail.outbox) == 1 and "Well done" in mail.outbox[0].body
