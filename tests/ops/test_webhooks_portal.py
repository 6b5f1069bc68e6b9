"""Support sees each team's hooks (target and owner, never the secret) and every delivery attempt, and
redelivers one: asked first, audited, through the core service, allowed by role."""

import datetime as dt
import hashlib
import hmac

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import Hook, WebhookDelivery
from core.services.entries import entry_create
from core.services.hooks import hook_create, hook_delete, hook_pause
from core.services.webhooks import webhook_delivery_send
from ops.models import AuditRecord
from tests.ops.conftest import client_for
from tests.webhook_receiver import webhook_receiver

REDELIVER = "admin:ops_support_redeliver_webhook"


@pytest.fixture(autouse=True)
def _loopback_allowed(settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.1/32"]


@pytest.fixture
def receiver():
    with webhook_receiver(500, 200) as server:
        yield server


@pytest.fixture
def hook(alice, team, receiver) -> Hook:
    return hook_create(actor=alice, team=team, target_url=receiver.url)


@pytest.fixture
def delivery(bob, team, hook) -> WebhookDelivery:
    """One delivery the receiver refused once (500)."""
    entry_create(author=bob, team=team, text="Shipped the webhooks")
    owed = WebhookDelivery.objects.get(hook=hook)
    return webhook_delivery_send(delivery_id=owed.pk)


def test_the_team_page_shows_its_hooks_and_deliveries_never_the_secret(sam, team, hook, delivery):
    html = client_for(sam).get(reverse("admin:ops_team", args=[team.hash_id])).content.decode()
    assert hook.target_url in html and "added by alice@example.com" in html
    assert f'data-webhook-delivery="{delivery.pk}"' in html and f'data-redeliver="{delivery.pk}"' in html
    assert hook.new_secret not in html
    assert "nobody in this team has added a webhook" not in html


def test_a_team_without_hooks_says_so(sam, team):
    html = client_for(sam).get(reverse("admin:ops_team", args=[team.hash_id])).content.decode()
    assert "none: nobody in this team has added a webhook." in html


def test_the_delivery_page_shows_every_attempt(sam, hook, delivery):
    html = client_for(sam).get(reverse("admin:ops_webhook_delivery", args=[delivery.pk])).content.decode()
    assert 'data-attempt="1"' in html and "500" in html and str(delivery.delivery_id) in html
    assert "Shipped the webhooks" in html and hook.new_secret not in html


def test_the_hook_admin_never_shows_the_secret(root, hook):
    client = client_for(root)
    for url in (reverse("admin:core_hook_changelist"), reverse("admin:core_hook_change", args=[hook.pk])):
        response = client.get(url)
        assert response.status_code == 200 and hook.target_url in response.content.decode()
        assert hook.new_secret not in response.content.decode()


def test_support_redelivers_after_confirming(sam, hook, delivery, receiver):
    client = client_for(sam)
    asked = client.post(reverse(REDELIVER), {"delivery": delivery.pk})
    assert asked.status_code == 200 and "Are you sure?" in asked.content.decode()
    assert not WebhookDelivery.objects.filter(redelivery_of=delivery).exists()
    done = client.post(reverse(REDELIVER), {"delivery": delivery.pk, "confirmed": "yes"})
    assert done.status_code == 302
    again = WebhookDelivery.objects.get(redelivery_of=delivery)
    assert again.body == delivery.body and again.status == WebhookDelivery.Status.PENDING
    record = AuditRecord.objects.get(action="webhook.redeliver")
    assert record.actor == sam and record.parameters["redelivery"] == again.pk and record.result == "ok"
    assert hook.new_secret not in str(record.parameters) + record.detail
    assert webhook_delivery_send(delivery_id=again.pk).status == WebhookDelivery.Status.SENT
    assert receiver.requests[-1].body == receiver.requests[0].body


@pytest.mark.parametrize(("who", "allowed"), [("sam", True), ("dev", True), ("root", True), ("stan", False)])
def test_redelivering_is_for_roles_that_hold_it(request, who, allowed, delivery):
    client = client_for(request.getfixturevalue(who))
    response = client.post(reverse(REDELIVER), {"delivery": delivery.pk, "confirmed": "yes"})
    assert response.status_code == (302 if allowed else 403)
    assert WebhookDelivery.objects.filter(redelivery_of=delivery).exists() == allowed
    page = client.get(reverse("admin:ops_webhook_delivery", args=[delivery.pk]))
    assert page.status_code == (200 if allowed else 403)


def test_someone_who_is_not_staff_is_sent_to_the_login(alice, delivery):
    response = client_for(alice).post(reverse(REDELIVER), {"delivery": delivery.pk, "confirmed": "yes"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))
    assert not WebhookDelivery.objects.filter(redelivery_of=delivery).exists()


def test_a_redelivery_to_a_deleted_hook_is_refused_and_audited(sam, alice, hook, delivery):
    hook_delete(hook=hook, actor=alice)
    response = client_for(sam).post(reverse(REDELIVER), {"delivery": delivery.pk, "confirmed": "yes"}, follow=True)
    assert "no longer exists" in response.content.decode()
    assert AuditRecord.objects.get(action="webhook.redeliver").result == "failed"
    assert not WebhookDelivery.objects.filter(redelivery_of=delivery).exists()


def test_a_redelivery_to_a_paused_hook_is_refused_and_the_team_page_says_paused(sam, alice, team, hook, delivery):
    hook_pause(hook=hook, actor=alice)
    response = client_for(sam).post(reverse(REDELIVER), {"delivery": delivery.pk, "confirmed": "yes"}, follow=True)
    assert "paused that webhook" in response.content.decode()
    assert not WebhookDelivery.objects.filter(redelivery_of=delivery).exists()
    assert "paused since" in client_for(sam).get(reverse("admin:ops_team", args=[team.hash_id])).content.decode()


def test_a_redelivery_is_signed_with_its_own_send_time(sam, hook, delivery, receiver):
    client_for(sam).post(reverse(REDELIVER), {"delivery": delivery.pk, "confirmed": "yes"})
    again = WebhookDelivery.objects.get(redelivery_of=delivery)
    WebhookDelivery.objects.filter(pk=again.pk).update(created_at=again.created_at - dt.timedelta(days=2))
    before = int(timezone.now().timestamp())
    webhook_delivery_send(delivery_id=again.pk)
    stamp, mac = receiver.requests[-1].headers["X-IDT-Signature-Timestamped"].removeprefix("t=").split(",v1=")
    assert int(stamp) >= before  # its send time, not when the entry changed or the redelivery was asked
    signed = stamp.encode() + b"." + receiver.requests[-1].body
    assert mac == hmac.new(hook.new_secret.encode(), signed, hashlib.sha256).hexdigest()


def test_an_unknown_delivery_is_a_clear_refusal(sam):
    response = client_for(sam).post(reverse(REDELIVER), {"delivery": 999_999, "confirmed": "yes"}, follow=True)
    assert response.status_code == 200 and "Nothing done" in response.content.decode()
    assert client_for(sam).get(reverse("admin:ops_webhook_delivery", args=[999_999])).status_code == 404
