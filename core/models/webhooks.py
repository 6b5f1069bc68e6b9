"""Outgoing webhooks: a team member's hook on a team, and every POST owed to it (the webhook outbox).

A :class:`WebhookDelivery` is written in the same transaction as the entry change it announces, with its
JSON body frozen then; a sender claims it before each attempt and records the attempt as a
:class:`WebhookAttempt`. See core/services/hooks.py and core/services/webhooks.py.
"""

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.hashids import new_hash


def new_webhook_secret() -> str:
    return secrets.token_hex(32)


def all_webhook_events() -> list[str]:
    return ["entry_created", "entry_updated"]  # WebhookDelivery.Event's values (defined below)


class Hook(models.Model):
    hash_id = models.CharField(max_length=16, unique=True, default=new_hash, editable=False)
    team = models.ForeignKey("core.Team", on_delete=models.CASCADE, related_name="hooks")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="hooks")
    target_url = models.URLField(max_length=2000)
    # Signs every body. Encrypted at rest (core/crypto.py) since signing needs it back; the plaintext is
    # shown to the owner once, when the hook is created or its secret rotated, and never again (API,
    # product or portal). Written only by core/services/hooks.py.
    secret_encrypted = models.TextField(editable=False)
    # The events this hook is sent (WebhookDelivery.Event values).
    events = models.JSONField(default=all_webhook_events)
    # Set while its owner has paused it: nothing is owed to a paused hook.
    paused_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The add form's one-time key: the same form sent again (a reload of the page showing the secret, a
    # double click) finds the hook it made instead of making a second one with another secret.
    creation_key = models.CharField(max_length=64, null=True, blank=True, editable=False)

    class Meta:
        indexes = [models.Index(fields=["team", "created_at"], name="hook_team")]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "creation_key"],
                condition=models.Q(creation_key__isnull=False),
                name="hook_user_creation_key",
            )
        ]
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"hook {self.hash_id} → {self.target_url}"


class WebhookDelivery(models.Model):
    class Event(models.TextChoices):
        ENTRY_CREATED = "entry_created", "Entry created"
        ENTRY_UPDATED = "entry_updated", "Entry updated"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending (owed, waiting for its next attempt)"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent (2xx)"
        FAILED = "failed", "Failed (every attempt refused)"
        GONE = "gone", "Gone (410: the hook was deleted)"
        CANCELLED = "cancelled", "Cancelled (the hook no longer exists)"

    # X-IDT-Delivery: the same on every attempt of this row, so receivers drop duplicates; a redelivery
    # support asks for is a row (and an id) of its own.
    delivery_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Kept when the hook goes (410 or its owner deleted it): the attempts stay visible to support.
    hook = models.ForeignKey(Hook, on_delete=models.SET_NULL, null=True, blank=True, related_name="deliveries")
    team = models.ForeignKey("core.Team", on_delete=models.CASCADE, related_name="webhook_deliveries")
    entry_hash_id = models.CharField(max_length=16, blank=True, db_index=True)  # support searches by it
    target_url = models.URLField(max_length=2000)
    event = models.CharField(max_length=32, choices=Event.choices)
    # The exact bytes POSTed (UTF-8 JSON), frozen when the change was made; the signature covers them.
    body = models.TextField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    dispatched_at = models.DateTimeField(null=True, blank=True, help_text="Last handed to a sender.")
    claimed_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    last_response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    redelivery_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="redeliveries", editable=False
    )

    class Meta:
        verbose_name_plural = "webhook deliveries"
        indexes = [
            # The sweeper's work: only open rows are in it.
            models.Index(
                fields=["status", "next_attempt_at"],
                name="webhookdelivery_open",
                condition=Q(status__in=["pending", "sending"]),
            ),
            # The team page's list, and the delivery log (newest first, unfiltered or by status).
            models.Index(fields=["team", "-created_at"], name="webhookdelivery_team_newest"),
            models.Index(fields=["-created_at"], name="webhookdelivery_newest"),
            models.Index(fields=["status", "-created_at"], name="webhookdelivery_status_newest"),
        ]
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.event} → {self.target_url} ({self.status})"


class WebhookAttempt(models.Model):
    """One POST (or one refusal before it): what the receiver answered, or why nothing was sent."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveSmallIntegerField()
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    ok = models.BooleanField(default=False)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["delivery", "number"]
        constraints = [models.UniqueConstraint(fields=["delivery", "number"], name="webhookattempt_one_per_number")]

    def __str__(self) -> str:
        return f"attempt {self.number}: {self.response_code or self.error[:40]}"
