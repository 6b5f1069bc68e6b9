"""The webhook stores each email once and a worker parses it once: duplicates at once, a redelivered or
repeated parse, the broker down when the webhook enqueues (swept later), a real worker, a message that
fails every time, and support's re-run on the new flow."""

import datetime as dt
import threading

import pytest
import requests
from django.test import Client
from django.utils import timezone

from core.models import Entry, InboundMessage
from core.services.inbound import inbound_parse, inbound_reprocess, inbound_store, inbound_sweep
from scheduled.tasks import enqueue_inbound_parse, parse_inbound
from tests import mailgun
from tests.concurrency import run_at_once
from tests.conftest import requires_postgres
from tests.processes import celery_worker, free_port, process_env, wait_for, waitress

Outcome = InboundMessage.Outcome


def _texts():
    return [e.text for e in Entry.objects.order_by("pk")]


def test_the_webhook_only_stores_the_posted_bytes_and_owes_the_parse(client, team, bob):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    raw = mailgun.reply(body="Shipped the thing\n[ ] tomorrow's thing")
    with CaptureQueriesContext(connection) as queries:
        assert mailgun.post(client, raw, parse=False).status_code == 200
    # Besides the store, at most the maintenance flag (read at most every 2 s per process).
    statements = [
        q["sql"].split(" (")[0] for q in queries if "SAVEPOINT" not in q["sql"] and "ops_opssetting" not in q["sql"]
    ]
    assert len(queries) <= len(statements) + 3  # the flag and a savepoint pair (the test's transaction)
    if connection.vendor == "postgresql":  # the token and the message in one statement
        assert statements == ["WITH token AS"] and 'INSERT INTO "core_inboundmessage"' in queries[-1]["sql"]
    else:  # in one transaction
        assert statements == ['INSERT INTO "core_inboundtoken"', 'INSERT INTO "core_inboundmessage"']
    stored = InboundMessage.objects.get()
    assert stored.outcome == Outcome.RECEIVED and bytes(stored.mime) == raw.encode() and stored.raw == ""
    assert (stored.from_email, stored.to_email) == ("bob@example.com", "rocket@in.idonethis.test")
    assert stored.subject.startswith("Re: What did you get done?") and stored.parse_dispatched_at is not None
    assert not Entry.objects.exists()
    assert mailgun.parse_stored() == 1
    stored.refresh_from_db()
    assert stored.outcome == Outcome.ENTRIES_CREATED and stored.mime is None and stored.raw.startswith("From:")
    assert _texts() == ["Shipped the thing", "tomorrow's thing"]


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_it_stores_one_row_when_the_same_message_is_posted_five_times_at_once_with_different_tokens(team, bob):
    raw = mailgun.reply(message_id="<five-at-once@example.com>", body="One\nTwo")
    posts = [mailgun.signed_fields(raw, recipient="rocket@in.idonethis.test") for _ in range(5)]  # 5 tokens
    pending = iter(posts)
    lock = threading.Lock()

    def post_one():
        with lock:
            fields = next(pending)
        return mailgun.post_fields(Client(), fields, parse=False).status_code

    assert run_at_once(post_one, times=5, timeout=60) == [200] * 5
    assert InboundMessage.objects.count() == 1
    run_at_once(lambda: mailgun.parse_stored(), times=3, timeout=60)  # three workers at once
    assert _texts() == ["One", "Two"]


def test_a_redelivered_or_repeated_parse_never_makes_entries_twice(client, team, bob, alice):
    mailgun.post(client, mailgun.reply(body="Once"), parse=False)
    inbound = InboundMessage.objects.get()
    assert parse_inbound(inbound_id=inbound.pk) == {"inbound": inbound.pk, "outcome": Outcome.ENTRIES_CREATED}
    assert parse_inbound(inbound_id=inbound.pk) == {"inbound": inbound.pk, "outcome": "not-owed"}  # redelivered
    assert (
        inbound_sweep(enqueue=lambda pk: parse_inbound(inbound_id=pk), now=timezone.now() + dt.timedelta(hours=1))[
            "owed"
        ]
        == 0
    )
    with pytest.raises(ValueError, match="already created entries"):
        inbound_reprocess(inbound=inbound, actor=alice)
    assert _texts() == ["Once"]
    inbound.refresh_from_db()
    assert inbound.parse_attempts == 1


def test_support_parses_a_message_no_worker_has_yet_and_the_worker_then_finds_nothing_to_do(client, team, bob, alice):
    mailgun.post(client, mailgun.reply(body="Parsed by support"), parse=False)
    inbound = inbound_reprocess(inbound=InboundMessage.objects.get(), actor=alice)
    assert (
        inbound.outcome == Outcome.ENTRIES_CREATED and inbound.parsed["reprocessed"]["previous_outcome"] == "received"
    )
    assert inbound_parse(inbound_id=inbound.pk) is None
    assert _texts() == ["Parsed by support"]


def test_a_message_whose_parse_never_finishes_is_given_up_and_support_can_run_it_again(
    client, team, bob, alice, settings
):
    settings.INBOUND_MAX_PARSE_ATTEMPTS = 3
    mailgun.post(client, mailgun.reply(body="Eventually"), parse=False)
    inbound = InboundMessage.objects.get()
    # Three workers killed mid-parse: each counted its attempt, none finished (nothing was written).
    InboundMessage.objects.filter(pk=inbound.pk).update(parse_attempts=3)
    given_up = inbound_parse(inbound_id=inbound.pk)
    assert given_up.outcome == Outcome.FAILED and not Entry.objects.exists()
    assert inbound_sweep(enqueue=lambda pk: None, now=timezone.now() + dt.timedelta(hours=1))["owed"] == 0
    assert inbound_reprocess(inbound=given_up, actor=alice).outcome == Outcome.ENTRIES_CREATED
    assert _texts() == ["Eventually"]


def test_the_sweeper_hands_out_again_only_parses_owed_long_enough(team, bob, settings):
    settings.INBOUND_REDISPATCH_AFTER_SECONDS = 120
    handed: list[int] = []
    inbound_id = inbound_store(esp="mailgun", mime=mailgun.reply().encode(), enqueue=handed.append)
    assert inbound_sweep(enqueue=handed.append) == {"redispatched": 0, "owed": 0}  # dispatched just now
    later = timezone.now() + dt.timedelta(seconds=121)
    assert inbound_sweep(enqueue=handed.append, now=later) == {"redispatched": 1, "owed": 1}
    assert handed == [inbound_id]
    assert inbound_sweep(enqueue=handed.append, now=later)["owed"] == 0  # not again until it is late again


def _post_over_http(base: str, raw: str) -> int:
    body, content_type = mailgun.multipart(mailgun.signed_fields(raw, recipient="rocket@in.idonethis.test"))
    headers = {"Content-Type": content_type, "Authorization": mailgun.basic_auth()}
    try:
        return requests.post(base + mailgun.INBOUND_PATH, data=body, headers=headers, timeout=30).status_code
    except requests.ConnectionError:
        return 0


@requires_postgres
@pytest.mark.processes
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_parses_what_the_webhook_stored_and_a_redelivered_task_changes_nothing(team, bob, settings):
    queue = f"inbound-{free_port()}"
    settings.INBOUND_QUEUE = queue  # this process's sends (the redelivery below) go where the worker listens
    env = process_env(INBOUND_QUEUE=queue)
    port = free_port()
    with waitress(port, env=env, threads=4), celery_worker(env=env, queue=queue):
        base = f"http://127.0.0.1:{port}"
        status = wait_for(lambda: _post_over_http(base, mailgun.reply(body="Parsed by the worker\n! blocked")))
        assert status == 200
        wait_for(lambda: _texts() == ["Parsed by the worker", "blocked"], what="the worker to parse it")
        inbound = InboundMessage.objects.get()
        enqueue_inbound_parse(inbound.pk)  # the broker hands the same task out again
        enqueue_inbound_parse(inbound.pk)
        wait_for(lambda: InboundMessage.objects.get().parse_attempts == 1 and _settled(queue), what="redeliveries")
    assert _texts() == ["Parsed by the worker", "blocked"]
    assert InboundMessage.objects.get().outcome == Outcome.ENTRIES_CREATED


def _settled(queue: str) -> bool:
    """The worker has taken every message off its queue (both redeliveries ran)."""
    from portal.celery import app

    with app.connection_for_write() as connection:
        try:
            return connection.default_channel.queue_declare(queue=queue, passive=True).message_count == 0
        except connection.channel_errors:  # Redis forgets an emptied queue
            return True


@requires_postgres
@pytest.mark.processes
@pytest.mark.django_db(transaction=True)
def test_a_reply_stored_while_the_broker_is_down_is_parsed_once_the_sweeper_hands_it_out(team, bob, settings):
    queue = f"inbound-{free_port()}"
    settings.INBOUND_QUEUE = queue
    port = free_port()
    # The web dyno's broker is a port nobody listens on: its enqueue fails, the post is stored anyway.
    down = process_env(INBOUND_QUEUE=queue, CELERY_BROKER_URL=f"redis://127.0.0.1:{free_port()}/0")
    with waitress(port, env=down, threads=2):
        status = wait_for(lambda: _post_over_http(f"http://127.0.0.1:{port}", mailgun.reply(body="Kept through it")))
    assert status == 200
    inbound = InboundMessage.objects.get()
    assert inbound.outcome == Outcome.RECEIVED and not Entry.objects.exists()
    later = timezone.now() + dt.timedelta(seconds=settings.INBOUND_REDISPATCH_AFTER_SECONDS + 1)
    with celery_worker(env=process_env(INBOUND_QUEUE=queue), queue=queue):
        assert inbound_sweep(enqueue=enqueue_inbound_parse, now=later) == {"redispatched": 1, "owed": 1}
        wait_for(lambda: _texts() == ["Kept through it"], what="the swept parse")
    assert InboundMessage.objects.get().outcome == Outcome.ENTRIES_CREATED


# --- many parses in one message: a busy web process's batches ------------------------------------


def _stored(count: int) -> list[int]:
    return [
        inbound_store(esp="mailgun", mime=mailgun.reply(body=f"Batch line {n}").encode(), enqueue=lambda pk: None)
        for n in range(count)
    ]


def test_the_sender_sends_what_queued_meanwhile_as_one_message_of_at_most_the_batch_size(settings):
    from core.web.inbound import _ParseSender

    settings.INBOUND_PARSE_BATCH = 20
    sender = _ParseSender()  # not started: its queue is read by hand, nothing is timed
    for inbound_id in range(1, 26):
        sender.ids.put(inbound_id)
    assert sender._next_batch() == list(range(1, 21))
    assert sender._next_batch() == list(range(21, 26))


def test_a_batch_is_one_message_of_the_many_task_and_one_id_the_task_it_always_was(settings, monkeypatch):
    from celery import current_app

    from core.web.inbound import send_parses

    sent = []
    monkeypatch.setattr(current_app, "send_task", lambda name, **options: sent.append((name, options)))
    send_parses([7])
    send_parses([7, 8, 9])
    assert sent == [
        ("scheduled.inbound_parse", {"kwargs": {"inbound_id": 7}, "queue": settings.INBOUND_QUEUE}),
        ("scheduled.inbound_parse_many", {"kwargs": {"inbound_ids": [7, 8, 9]}, "queue": settings.INBOUND_QUEUE}),
    ]


def test_a_batch_parses_each_once_and_a_redelivered_batch_makes_nothing_twice(team, bob):
    from scheduled.tasks import parse_inbound_many

    ids = _stored(3)
    assert parse_inbound_many(inbound_ids=ids) == {"inbound": ids, "outcomes": [Outcome.ENTRIES_CREATED] * 3}
    assert parse_inbound_many(inbound_ids=ids) == {"inbound": ids, "outcomes": ["not-owed"] * 3}  # redelivered
    assert _texts() == ["Batch line 0", "Batch line 1", "Batch line 2"]
    assert set(InboundMessage.objects.values_list("parse_attempts", flat=True)) == {1}


def test_one_failing_parse_in_a_batch_stops_none_of_the_others_and_is_left_for_the_sweeper(team, bob, monkeypatch):
    from core import inbound_mail
    from core.services.inbound import InboundParsesFailed
    from scheduled.tasks import parse_inbound_many

    first, broken, last = _stored(3)
    real_parse = inbound_mail.parse

    def parse(mime, **kwargs):
        if b"Batch line 1" in bytes(mime):
            raise RuntimeError("a parser bug")
        return real_parse(mime, **kwargs)

    monkeypatch.setattr(inbound_mail, "parse", parse)
    with pytest.raises(InboundParsesFailed, match=f"1 of 3 parses failed \\(inbound {broken}\\)"):
        parse_inbound_many(inbound_ids=[first, broken, last])
    assert _texts() == ["Batch line 0", "Batch line 2"]
    left = InboundMessage.objects.get(pk=broken)
    assert left.outcome == Outcome.RECEIVED and left.parsed == {"parse_error": "RuntimeError: a parser bug"}
    monkeypatch.setattr(inbound_mail, "parse", real_parse)  # fixed: the sweeper hands it out again
    later = timezone.now() + dt.timedelta(hours=1)
    assert inbound_sweep(enqueue=lambda pk: parse_inbound(inbound_id=pk), now=later) == {"redispatched": 1, "owed": 1}
    assert _texts() == ["Batch line 0", "Batch line 2", "Batch line 1"]


def test_ids_the_sender_could_not_publish_stay_owed_for_the_sweeper(team, bob, monkeypatch, settings):
    """The web process dies (or the broker is down) with ids still in its sender: nothing is lost."""
    from core.web import inbound as web_inbound

    def broker_down(ids):
        raise ConnectionError("broker down")

    monkeypatch.setattr(web_inbound, "send_parses", broker_down)
    sender = web_inbound._ParseSender()
    ids = _stored(3)
    for inbound_id in ids:
        sender.ids.put(inbound_id)
    sender.start()
    wait_for(lambda: sender.ids.empty(), what="the sender to take them")
    handed: list[int] = []
    later = timezone.now() + dt.timedelta(seconds=settings.INBOUND_REDISPATCH_AFTER_SECONDS + 1)
    assert inbound_sweep(enqueue=handed.append, now=later) == {"redispatched": 3, "owed": 3}
    assert sorted(handed) == ids


@requires_postgres
@pytest.mark.processes
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_parses_a_batch_sent_through_the_broker_and_its_redelivery_changes_nothing(team, bob, settings):
    from core.web.inbound import send_parses

    queue = f"inbound-{free_port()}"
    settings.INBOUND_QUEUE = queue
    ids = _stored(3)
    with celery_worker(env=process_env(INBOUND_QUEUE=queue), queue=queue):
        send_parses(ids)
        wait_for(lambda: len(_texts()) == 3, what="the worker to parse the batch")
        send_parses(ids)  # the broker hands the same batch out again
        wait_for(lambda: _settled(queue), what="the redelivered batch")
    assert sorted(_texts()) == ["Batch line 0", "Batch line 1", "Batch line 2"]
    assert set(InboundMessage.objects.values_list("parse_attempts", "outcome")) == {(1, Outcome.ENTRIES_CREATED)}
