"""What a receiver checks: every POST carries X-IDT-Signature-Timestamped (``t=<send time>,v1=<HMAC of
"t.body">``) beside the original X-IDT-Signature. Verified here by implementations of our own (the stdlib's
hmac) and by the snippet docs/api.md gives receivers; tampering with the body or the timestamp fails."""

import datetime as dt
import hashlib
import hmac
import re
from pathlib import Path

import pytest
import time_machine
from django.utils import timezone

from core.models import WebhookDelivery
from core.services.entries import entry_create
from core.services.webhooks import webhook_delivery_send, webhook_redeliver

pytestmark = pytest.mark.usefixtures("loopback_webhooks")  # tests/core/conftest.py

API_MD = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def _send_one(hook, bob, team, receiver, now=None):
    entry_create(author=bob, team=team, text="Shipped it")
    owed = WebhookDelivery.objects.filter(hook=hook).latest("pk")
    webhook_delivery_send(delivery_id=owed.pk, now=now)
    return receiver.requests[-1]


def _parse(header: str) -> tuple[int, str]:
    fields = dict(part.split("=", 1) for part in header.split(","))
    assert set(fields) == {"t", "v1"}
    return int(fields["t"]), fields["v1"]


def _verify(secret: str, body: bytes, header: str, *, now: float, tolerance: int = 300) -> bool:
    """A receiver written from the docs' words, not from our code."""
    timestamp, mac = _parse(header)
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return abs(now - timestamp) <= tolerance and hmac.compare_digest(expected, mac)


def _documented_verifier():
    """The ``is_from_idonethis`` snippet of docs/api.md, run as written."""
    block = re.search(r"```python\n(.*?def is_from_idonethis.*?)```", API_MD.read_text(), re.S).group(1)
    assert "X-IDT-Signature-Timestamped" in block
    namespace: dict = {}
    exec(compile(block, "docs/api.md", "exec"), namespace)  # noqa: S102 (our own documentation)
    return namespace["is_from_idonethis"]


def test_it_signs_the_send_time_and_the_body(hook, bob, team, receiver):
    before = int(timezone.now().timestamp())
    request = _send_one(hook, bob, team, receiver)
    after = int(timezone.now().timestamp())
    header = request.headers["X-IDT-Signature-Timestamped"]
    timestamp, _ = _parse(header)
    assert before <= timestamp <= after
    assert _verify(hook.new_secret, request.body, header, now=after)
    assert _documented_verifier()(hook.new_secret, request.body, header)
    # The original header is still sent, unchanged, for receivers already checking it.
    legacy = hmac.new(hook.new_secret.encode(), request.body, hashlib.sha256).hexdigest()
    assert request.headers["X-IDT-Signature"] == f"sha256={legacy}"


def test_a_tampered_body_timestamp_or_secret_is_refused(hook, bob, team, receiver):
    request = _send_one(hook, bob, team, receiver)
    header = request.headers["X-IDT-Signature-Timestamped"]
    timestamp, mac = _parse(header)
    documented = _documented_verifier()
    now = timestamp + 1
    tampered_body = request.body.replace(b"Shipped it", b"Shipped it!")
    moved_stamp = f"t={timestamp + 60},v1={mac}"  # a replay dressed up as fresh
    for secret, body, signed in (
        (hook.new_secret, tampered_body, header),
        (hook.new_secret, request.body, moved_stamp),
        ("not-the-secret", request.body, header),
        (hook.new_secret, request.body, f"t={timestamp}"),
        (hook.new_secret, request.body, "garbage"),
    ):
        assert not documented(secret, body, signed, now=now)
    assert not _verify(hook.new_secret, tampered_body, header, now=now)
    assert not _verify(hook.new_secret, request.body, moved_stamp, now=now)
    assert documented(hook.new_secret, request.body, header, now=now)


def test_a_stale_delivery_is_refused_by_the_documented_tolerance(hook, bob, team, receiver):
    request = _send_one(hook, bob, team, receiver)
    header = request.headers["X-IDT-Signature-Timestamped"]
    timestamp, _ = _parse(header)
    documented = _documented_verifier()
    assert documented(hook.new_secret, request.body, header, now=timestamp + 300)
    assert not documented(hook.new_secret, request.body, header, now=timestamp + 301)  # replayed later
    assert not documented(hook.new_secret, request.body, header, now=timestamp - 301)  # from the future


def test_each_retry_and_redelivery_is_signed_with_its_own_send_time(alice, hook, bob, team, receiver):
    receiver.answer(500, 200, 200)
    sent_at = dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(sent_at, tick=False):
        first = _send_one(hook, bob, team, receiver)
    delivery = WebhookDelivery.objects.get(hook=hook)
    retry_at = delivery.next_attempt_at
    with time_machine.travel(retry_at, tick=False):
        webhook_delivery_send(delivery_id=delivery.pk)
    second = receiver.requests[-1]
    delivery.refresh_from_db()
    later = retry_at + dt.timedelta(hours=3)
    with time_machine.travel(later, tick=False):
        again = webhook_redeliver(delivery=delivery, actor=alice)
        webhook_delivery_send(delivery_id=again.pk)
    third = receiver.requests[-1]
    stamps = [_parse(r.headers["X-IDT-Signature-Timestamped"])[0] for r in (first, second, third)]
    assert stamps == [int(t.timestamp()) for t in (sent_at, retry_at, later)]
    assert first.body == second.body == third.body
    for request, stamp in zip((first, second, third), stamps, strict=True):
        assert _verify(hook.new_secret, request.body, request.headers["X-IDT-Signature-Timestamped"], now=stamp)
    # Retries keep their X-IDT-Delivery; a redelivery has its own.
    assert first.headers["X-IDT-Delivery"] == second.headers["X-IDT-Delivery"] != third.headers["X-IDT-Delivery"]


def test_the_documented_example_verifies_with_the_documented_snippet():
    text = API_MD.read_text()
    secret = re.search(r'"secret": "([0-9a-f]{64})"', text).group(1)
    request = re.search(r"```http\n(POST /idt.*?)```", text, re.S).group(1)
    headers, body = request.split("\n\n", 1)
    header = re.search(r"X-IDT-Signature-Timestamped: (\S+)", headers).group(1)
    timestamp, _ = _parse(header)
    assert _documented_verifier()(secret, body.rstrip("\n").encode(), header, now=timestamp)
