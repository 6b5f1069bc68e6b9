"""Outgoing webhooks against a real HTTP receiver on 127.0.0.1: owed with the entry, signed, retried on
schedule, a 410 deletes the hook, and the SSRF guard refuses non-public targets on save and on send."""

import datetime as dt
import hashlib
import hmac
import json
import socket

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from core.models import Entry, Hook, WebhookAttempt, WebhookDelivery
from core.services.accounts import user_api_token_reset
from core.services.entries import entry_archive, entry_create, entry_update, goal_complete
from core.services.hooks import HookAlreadyCreated, hook_create, hook_delete, hook_update
from core.services.teams import membership_remove
from core.services.webhooks import (
    webhook_deliveries_prune,
    webhook_deliveries_sweep,
    webhook_delivery_send,
    webhook_redeliver,
)
from tests.processes import free_port

pytestmark = pytest.mark.usefixtures("loopback_webhooks")  # tests/core/conftest.py

Status = WebhookDelivery.Status
LOCAL = ["127.0.0.1/32"]


def _owed(hook: Hook) -> WebhookDelivery:
    return WebhookDelivery.objects.filter(hook=hook).latest("pk")


def _send(delivery: WebhookDelivery, now=None) -> WebhookDelivery | None:
    return webhook_delivery_send(delivery_id=delivery.pk, now=now)


@pytest.fixture
def fake_dns(monkeypatch):
    """Answers for made-up names, as a DNS server would give them; every other name resolves for real.
    Only the answer is made up: the guard, the connection and the receiver are real."""
    answers: dict[str, str] = {}
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host in answers:
            family = socket.AF_INET6 if ":" in answers[host] else socket.AF_INET
            return [(family, socket.SOCK_STREAM, 6, "", (answers[host], port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return answers


# --- hooks ----------------------------------------------------------------------------------------


def test_it_lets_only_members_hook_a_team(alice, bob, charlie, team, receiver):
    assert hook_create(actor=bob, team=team, target_url=receiver.url).user == bob
    with pytest.raises(PermissionDenied):
        hook_create(actor=charlie, team=team, target_url=receiver.url)


def test_it_lets_only_the_owner_change_or_delete_a_hook(hook, bob, charlie, receiver):
    for someone in (bob, charlie):
        with pytest.raises(PermissionDenied):
            hook_update(hook=hook, actor=someone, target_url=receiver.url + "/x")
        with pytest.raises(PermissionDenied):
            hook_delete(hook=hook, actor=someone)
    assert Hook.objects.filter(pk=hook.pk, target_url=receiver.url).exists()


def test_it_gives_each_hook_its_own_secret(alice, team, receiver):
    one = hook_create(actor=alice, team=team, target_url=receiver.url)
    two = hook_create(actor=alice, team=team, target_url=receiver.url)
    assert len(one.new_secret) == 64 and one.new_secret != two.new_secret


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/x",
        "javascript:alert(1)",
        "http://",
        "",
        "http://user:pw@127.0.0.1/",
        "http://[::1/",
        "http://127.0.0.1\x00.example.com/",
        "http://127.0.0.1/a b",
        "http://127.0.0.1:99999/",
        "http://" + "a" * 300 + ".com/",
    ],
)
def test_it_refuses_urls_that_are_not_plain_http(alice, team, url):
    with pytest.raises(ValueError):
        hook_create(actor=alice, team=team, target_url=url)
    assert not Hook.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/",
        "http://localhost/",  # a name that resolves to loopback
        "http://[::1]/",
        "http://10.1.2.3/",
        "http://172.16.0.1/",
        "http://192.168.1.20/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[fd00:ec2::254]/",
        "http://100.100.100.200/",
        "http://0.0.0.0/",
        "http://[::]/",
        "http://224.0.0.1/",
        "http://[::ffff:127.0.0.1]/",
        "http://2130706433/",  # 127.0.0.1 written as one number
    ],
)
def test_it_refuses_non_public_targets_on_save(alice, team, settings, url):
    settings.WEBHOOK_ALLOWED_NETWORKS = []
    with pytest.raises(ValueError, match="public addresses|could not be resolved"):
        hook_create(actor=alice, team=team, target_url=url)
    assert not Hook.objects.exists()


def test_it_refuses_a_name_that_resolves_to_a_private_address(alice, team, fake_dns):
    fake_dns["intranet.example.test"] = "10.20.30.40"
    with pytest.raises(ValueError, match="10.20.30.40, a private address"):
        hook_create(actor=alice, team=team, target_url="http://intranet.example.test/hook")


def test_the_setting_exempts_only_the_networks_it_names(alice, team, settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = LOCAL
    hook_create(actor=alice, team=team, target_url="http://127.0.0.1:9/")
    with pytest.raises(ValueError):
        hook_create(actor=alice, team=team, target_url="http://127.0.0.2:9/")


def test_it_refuses_the_address_at_send_time_when_dns_changed(alice, bob, team, receiver, fake_dns):
    """DNS rebinding: public (here: allowed) when saved, private when sent → nothing is sent."""
    fake_dns["rebind.example.test"] = "127.0.0.1"
    port = receiver.url.split(":")[2].split("/")[0]
    hook = hook_create(actor=alice, team=team, target_url=f"http://rebind.example.test:{port}/hooks/idt")
    entry_create(author=bob, team=team, text="Shipped it")
    fake_dns["rebind.example.test"] = "192.168.7.7"
    delivery = _send(_owed(hook))
    assert receiver.requests == []
    assert delivery.status == Status.PENDING
    attempt = delivery.attempt_log.get()
    assert attempt.response_code is None and "192.168.7.7, a private address" in attempt.error


def test_it_connects_to_the_address_it_checked_and_sends_the_host_name(alice, bob, team, receiver, fake_dns):
    fake_dns["hooks.example.test"] = "127.0.0.1"
    port = receiver.url.split(":")[2].split("/")[0]
    hook = hook_create(actor=alice, team=team, target_url=f"http://hooks.example.test:{port}/in?k=1")
    entry_create(author=bob, team=team, text="Shipped it")
    assert _send(_owed(hook)).status == Status.SENT
    (request,) = receiver.requests
    assert request.headers["Host"] == f"hooks.example.test:{port}" and request.path == "/in?k=1"


# --- owing with the entry -------------------------------------------------------------------------


def test_it_owes_one_post_per_hook_when_an_entry_is_created(alice, bob, team, hook, receiver):
    second = hook_create(actor=bob, team=team, target_url=receiver.url)
    entry = entry_create(author=bob, team=team, text="Shipped it")
    owed = WebhookDelivery.objects.filter(entry_hash_id=entry.hash_id)
    assert {d.hook_id for d in owed} == {hook.pk, second.pk}
    assert {d.event for d in owed} == {"entry_created"} and {d.status for d in owed} == {Status.PENDING}


def test_it_owes_entry_updated_for_each_change(alice, bob, team, hook):
    goal = entry_create(author=bob, team=team, text="[ ] Write the docs")
    entry_update(entry=goal, actor=bob, text="Write the API docs")
    goal_complete(goal=goal, actor=bob)
    entry_archive(entry=goal, actor=bob)
    events = list(WebhookDelivery.objects.filter(entry_hash_id=goal.hash_id).order_by("pk").values_list("event"))
    assert events == [("entry_created",), ("entry_updated",), ("entry_updated",), ("entry_updated",)]
    done = Entry.objects.get(goal=goal)
    assert WebhookDelivery.objects.get(entry_hash_id=done.hash_id).event == "entry_created"


def test_it_owes_nothing_when_the_entry_change_rolls_back(bob, team, hook):
    with pytest.raises(RuntimeError), transaction.atomic():
        entry_create(author=bob, team=team, text="Never happened")
        raise RuntimeError("the request failed after the entry")
    assert not WebhookDelivery.objects.exists()


def test_it_dispatches_only_after_commit(bob, team, hook, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        entry_create(author=bob, team=team, text="Shipped it")
    # Other integrations (Slack's entry_created signal) queue their own callbacks; the webhooks' is one.
    webhook_callbacks = [c for c in callbacks if "webhook_deliveries_owe" in getattr(c, "__qualname__", "")]
    assert len(webhook_callbacks) == 1


def test_it_owes_nothing_to_another_teams_hooks(charlie, other_team, bob, team, receiver):
    hook_create(actor=charlie, team=other_team, target_url=receiver.url)
    entry_create(author=bob, team=team, text="Shipped it")
    assert not WebhookDelivery.objects.exists()


def test_a_hook_whose_owner_left_the_team_gets_nothing(alice, bob, team, receiver):
    hook = hook_create(actor=bob, team=team, target_url=receiver.url)
    entry_create(author=alice, team=team, text="Owed before bob left")
    membership_remove(membership=bob.memberships.get(team=team), actor=alice)
    entry_create(author=alice, team=team, text="After bob left")
    (owed,) = WebhookDelivery.objects.filter(hook=hook)
    assert _send(owed).status == Status.CANCELLED
    assert receiver.requests == []


# --- what is sent ---------------------------------------------------------------------------------


def test_it_posts_the_entry_signed_with_the_hooks_secret(alice, bob, team, hook, receiver, settings):
    settings.SITE_URL = "http://localhost:5000"
    alice.time_zone = "Australia/Sydney"  # the hook owner's offset, +11:00 in December
    alice.save(update_fields=["time_zone"])
    entry = entry_create(author=bob, team=team, text="Shipped #launch", occurred_on=dt.date(2026, 11, 30))
    delivery = _send(_owed(hook))
    assert delivery.status == Status.SENT and delivery.last_response_code == 200
    (request,) = receiver.requests
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["X-IDT-Event"] == "entry_created"
    assert request.headers["X-IDT-Delivery"] == str(delivery.delivery_id)
    expected = hmac.new(hook.new_secret.encode(), request.body, hashlib.sha256).hexdigest()
    assert request.headers["X-IDT-Signature"] == f"sha256={expected}"
    (sent,) = json.loads(request.body)
    assert sent["hash_id"] == entry.hash_id and sent["body"] == "Shipped #launch" and sent["status"] == "done"
    assert f'href="http://localhost:5000/t/{team.hash_id}/tags/launch/"' in sent["body_formatted"]
    assert sent["occurred_on"] == "2026-11-30"
    assert sent["completed_on"] is None and sent["archived_at"] is None
    assert sent["created_at"].endswith("+11:00") and len(sent["created_at"].split(".")[1]) == len("084+11:00")
    assert sent["team"] == {"hash_id": team.hash_id, "name": "Rocket"}
    assert sent["user"] == {"hash_id": bob.hash_id, "full_name": "Bob Baker", "email_address": "bob@example.com"}
    assert set(sent) == {
        "hash_id", "body", "body_formatted", "status", "occurred_on", "completed_on", "archived_at",
        "created_at", "updated_at", "team", "user",
    }  # fmt: skip


def test_a_signature_made_with_another_secret_does_not_match(alice, bob, team, hook, receiver):
    entry_create(author=bob, team=team, text="Shipped it")
    _send(_owed(hook))
    (request,) = receiver.requests
    forged = hmac.new(b"not-the-secret", request.body, hashlib.sha256).hexdigest()
    assert request.headers["X-IDT-Signature"] != f"sha256={forged}"


def test_a_blocker_is_sent_as_blocked(bob, team, hook, receiver):
    entry_create(author=bob, team=team, text="! Waiting on review")
    _send(_owed(hook))
    assert json.loads(receiver.requests[0].body)[0]["status"] == "blocked"


def test_it_sends_each_delivery_once_however_often_it_is_asked(bob, team, hook, receiver):
    entry_create(author=bob, team=team, text="Shipped it")
    owed = _owed(hook)
    assert _send(owed).status == Status.SENT
    assert _send(owed) is None
    assert len(receiver.requests) == 1


# --- retries and the 410 rule ---------------------------------------------------------------------


def test_it_retries_on_the_schedule_then_marks_the_delivery_failed(bob, team, hook, receiver):
    receiver.answer(500)
    entry_create(author=bob, team=team, text="Shipped it")
    owed = _owed(hook)
    now = timezone.now()
    waits = []
    for _ in range(7):
        delivery = _send(owed, now=now)
        assert delivery.status == Status.PENDING and delivery.last_response_code == 500
        waits.append(int((delivery.next_attempt_at - now).total_seconds()))
        assert _send(owed, now=delivery.next_attempt_at - dt.timedelta(seconds=1)) is None  # not due yet
        now = delivery.next_attempt_at
    assert waits == [600, 600, 900, 1800, 3600, 7200, 14400]
    assert _send(owed, now=now).status == Status.FAILED
    assert len(receiver.requests) == 8
    assert [a.response_code for a in WebhookAttempt.objects.filter(delivery=owed)] == [500] * 8
    assert len({r.headers["X-IDT-Delivery"] for r in receiver.requests}) == 1  # the same id on every attempt
    assert _send(owed, now=now + dt.timedelta(days=1)) is None


def test_it_stops_retrying_once_the_receiver_takes_it(bob, team, hook, receiver):
    receiver.answer(503, 502, 204)
    entry_create(author=bob, team=team, text="Shipped it")
    owed, now = _owed(hook), timezone.now()
    for _ in range(2):
        now = _send(owed, now=now).next_attempt_at
    assert _send(owed, now=now).status == Status.SENT
    assert [a.ok for a in owed.attempt_log.all()] == [False, False, True]


def test_a_410_deletes_the_hook_and_its_owed_deliveries(bob, team, hook, receiver):
    receiver.answer(410)
    entry_create(author=bob, team=team, text="First")
    entry_create(author=bob, team=team, text="Second")
    first, second = WebhookDelivery.objects.filter(hook=hook).order_by("pk")
    assert _send(first).status == Status.GONE
    assert not Hook.objects.filter(pk=hook.pk).exists()
    second.refresh_from_db()
    assert second.status == Status.GONE and second.hook is None
    assert first.attempt_log.get().response_code == 410
    assert len(receiver.requests) == 1


@pytest.mark.parametrize("code", [301, 302, 400, 404, 429])
def test_other_answers_are_retried_and_redirects_never_followed(bob, team, hook, receiver, code):
    receiver.answer(code)
    entry_create(author=bob, team=team, text="Shipped it")
    delivery = _send(_owed(hook))
    assert delivery.status == Status.PENDING and delivery.error == f"HTTP {code}"
    assert len(receiver.requests) == 1


def test_a_receiver_that_is_down_is_retried(alice, bob, team):
    hook = hook_create(actor=alice, team=team, target_url=f"http://127.0.0.1:{free_port()}/")
    entry_create(author=bob, team=team, text="Shipped it")
    delivery = _send(_owed(hook))
    assert delivery.status == Status.PENDING and "ConnectionError" in delivery.error
    assert delivery.attempt_log.get().response_code is None


def test_a_receiver_slower_than_the_read_timeout_is_retried(bob, team, hook, receiver, settings):
    settings.WEBHOOK_READ_TIMEOUT_SECONDS = 0.3
    receiver.delay = 1.5
    entry_create(author=bob, team=team, text="Shipped it")
    delivery = _send(_owed(hook))
    assert delivery.status == Status.PENDING and "Timeout" in delivery.error
    assert delivery.attempt_log.get().duration_ms < 1500


# --- the sweeper ----------------------------------------------------------------------------------


def test_the_sweeper_hands_out_lost_dispatches_and_due_retries_only(bob, team, hook, receiver, settings):
    entry_create(author=bob, team=team, text="Lost")
    entry_create(author=bob, team=team, text="Retry")
    entry_create(author=bob, team=team, text="Just dispatched")
    lost, retry, fresh = WebhookDelivery.objects.filter(hook=hook).order_by("pk")
    now = timezone.now()
    WebhookDelivery.objects.filter(pk=lost.pk).update(dispatched_at=now - dt.timedelta(minutes=5))
    receiver.answer(500)
    retried = _send(retry, now=now)
    handed = []
    assert webhook_deliveries_sweep(enqueue=handed.append, now=now)["redispatched"] == 1
    assert handed == [lost.pk]
    handed.clear()
    webhook_deliveries_sweep(enqueue=handed.append, now=retried.next_attempt_at)
    # The retry is due; the other two were handed out 10 minutes ago and never attempted: lost again.
    assert sorted(handed) == sorted([lost.pk, retry.pk, fresh.pk])


def test_the_sweeper_owes_again_a_send_whose_worker_died(bob, team, hook, receiver, settings):
    entry_create(author=bob, team=team, text="Shipped it")
    owed, now = _owed(hook), timezone.now()
    WebhookDelivery.objects.filter(pk=owed.pk).update(status=Status.SENDING, claimed_at=now, attempts=1)
    assert webhook_deliveries_sweep(enqueue=lambda pk: None, now=now)["interrupted"] == 0  # still in time
    later = now + dt.timedelta(seconds=settings.WEBHOOK_CLAIM_TIMEOUT_SECONDS + 1)
    assert webhook_deliveries_sweep(enqueue=lambda pk: None, now=later)["interrupted"] == 1
    owed.refresh_from_db()
    assert owed.status == Status.PENDING and owed.next_attempt_at == later + dt.timedelta(minutes=10)
    assert "interrupted" in owed.attempt_log.get(number=1).error
    assert _send(owed, now=owed.next_attempt_at).status == Status.SENT


def test_a_broker_outage_leaves_the_rows_owed_for_the_sweeper(bob, team, hook):
    entry_create(author=bob, team=team, text="Shipped it")

    def broker_down(pk):
        raise ConnectionError("broker down")

    result = webhook_deliveries_sweep(enqueue=broker_down, now=timezone.now() + dt.timedelta(minutes=5))
    assert result == {"redispatched": 0, "due": 1, "interrupted": 0}
    assert _owed(hook).status == Status.PENDING


# --- redelivery -----------------------------------------------------------------------------------


def test_a_redelivery_is_a_new_delivery_of_the_same_body(alice, bob, team, hook, receiver):
    entry_create(author=bob, team=team, text="Shipped it")
    first = _send(_owed(hook))
    again = webhook_redeliver(delivery=first, actor=alice)
    assert again.redelivery_of == first and again.body == first.body and again.delivery_id != first.delivery_id
    assert _send(again).status == Status.SENT
    assert receiver.requests[0].body == receiver.requests[1].body


def test_there_is_no_redelivery_once_the_hook_is_gone(alice, bob, team, hook):
    entry_create(author=bob, team=team, text="Shipped it")
    owed = _owed(hook)
    hook_delete(hook=hook, actor=alice)
    owed.refresh_from_db()
    assert owed.status == Status.CANCELLED
    with pytest.raises(ValueError, match="no longer exists"):
        webhook_redeliver(delivery=owed, actor=alice)


# --- every channel --------------------------------------------------------------------------------


def test_entries_posted_on_the_web_or_the_api_owe_their_webhooks_alike(client, bob, team, hook):
    client.force_login(bob)
    client.post(reverse("team_day", args=[team.hash_id]), {"text": "On the web\n[ ] A goal"})
    token = user_api_token_reset(user=bob, actor=bob)
    api = client.post(
        "/api/v2/entries",
        {"body": "Through the API", "team_id": team.hash_id},
        content_type="application/json",
        headers={"Authorization": f"Token {token}"},
    )
    assert api.status_code == 200
    bodies = [json.loads(d.body)[0]["body"] for d in WebhookDelivery.objects.filter(hook=hook).order_by("pk")]
    assert bodies == ["On the web", "A goal", "Through the API"]


def test_it_forgets_finished_deliveries_past_their_retention_but_never_owed_ones(bob, team, hook, receiver):
    entry_create(author=bob, team=team, text="Sent long ago")
    entry_create(author=bob, team=team, text="Still owed")
    sent, owed = WebhookDelivery.objects.filter(hook=hook).order_by("pk")
    _send(sent)
    webhook_redeliver(delivery=sent, actor=bob)
    later = timezone.now() + dt.timedelta(days=31)
    assert webhook_deliveries_prune(now=later, days=30) == 1
    assert not WebhookDelivery.objects.filter(pk=sent.pk).exists() and not WebhookAttempt.objects.exists()
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {Status.PENDING}
    assert WebhookDelivery.objects.filter(pk=owed.pk).exists()


def test_a_creation_key_makes_one_hook_per_person(alice, team, other_team, charlie, receiver):
    """The add form's key: the same key again finds the first hook (whatever the team it is sent to), and
    writes nothing; without a key every call adds one, as the API does."""
    from core.services.teams import membership_add

    membership_add(team=other_team, user=alice)
    first = hook_create(actor=alice, team=team, target_url=receiver.url, creation_key="a" * 32)
    for where in (team, other_team):
        with pytest.raises(HookAlreadyCreated) as already:
            hook_create(actor=alice, team=where, target_url=receiver.url + "?again", creation_key="a" * 32)
        assert already.value.hook == first
    assert Hook.objects.filter(user=alice).count() == 1 and not hasattr(already.value.hook, "new_secret")
    hook_create(actor=alice, team=team, target_url=receiver.url)
    hook_create(actor=alice, team=team, target_url=receiver.url)
    assert Hook.objects.filter(user=alice).count() == 3


@pytest.mark.django_db(transaction=True)
def test_the_same_form_sent_twice_at_once_makes_one_hook(alice, team, receiver):
    """A double click: two requests with one key at the same moment, each on its own connection."""
    import threading

    from django.db import connection

    barrier, outcomes = threading.Barrier(2), []

    def send():
        try:
            barrier.wait()
            outcomes.append(hook_create(actor=alice, team=team, target_url=receiver.url, creation_key="b" * 32))
        except HookAlreadyCreated as already:
            outcomes.append(already)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    made = [o for o in outcomes if isinstance(o, Hook)]
    again = [o for o in outcomes if isinstance(o, HookAlreadyCreated)]
    assert len(made) == 1 and len(again) == 1 and again[0].hook == made[0]
    assert Hook.objects.filter(user=alice).count() == 1
