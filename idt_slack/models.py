"""What the Slack integration stores: each team's installation (bot token encrypted), the member links
(Slack user ↔ our user), slash commands received (their idempotency keys) and the owed channel messages."""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class SlackInstallation(models.Model):
    """One of our teams connected to a Slack workspace; its bot posts to the channel a team admin chose."""

    class State(models.TextChoices):
        ACTIVE = "active", "Active"
        DISABLED = "disabled", "Disabled by an error from Slack"
        DISCONNECTED = "disconnected", "Disconnected"

    team = models.OneToOneField("core.Team", on_delete=models.CASCADE, related_name="slack_installation")
    slack_team_id = models.CharField(max_length=32, db_index=True)
    slack_team_name = models.CharField(max_length=255, blank=True)
    bot_user_id = models.CharField(max_length=32, blank=True)
    scopes = models.CharField(max_length=500, blank=True)
    # Fernet ciphertext (idt_slack/crypto.py); empty once disconnected. Never shown, never logged.
    bot_token_encrypted = models.TextField(blank=True, editable=False)
    installed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    installed_at = models.DateTimeField(default=timezone.now)
    state = models.CharField(max_length=16, choices=State.choices, default=State.ACTIVE)
    channel_id = models.CharField(max_length=32, blank=True)
    channel_name = models.CharField(max_length=255, blank=True)
    channel_set_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    # The digest in the channel: at this local time on these weekdays (Monday = 0) in this zone.
    digest_time = models.TimeField(default=dt.time(8, 30))
    digest_days = models.CharField(max_length=7, default="01234")
    time_zone = models.CharField(max_length=64, default="UTC")
    next_digest_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["next_digest_at"], name="slack_next_digest")]

    def __str__(self) -> str:
        return f"{self.team} ↔ Slack {self.slack_team_name or self.slack_team_id}"

    @property
    def posts(self) -> bool:
        return self.state == self.State.ACTIVE and bool(self.channel_id) and bool(self.bot_token_encrypted)


class SlackMember(models.Model):
    """A Slack user linked to one of our users: one Slack user (per workspace) is exactly one of ours."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="slack_links")
    slack_team_id = models.CharField(max_length=32)
    slack_team_name = models.CharField(max_length=255, blank=True)
    slack_user_id = models.CharField(max_length=32)
    # Where ``/done`` without ``#team-slug`` goes when the person is in several teams linked to that workspace.
    default_team = models.ForeignKey("core.Team", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    linked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["slack_team_id", "slack_user_id"], name="slack_member_one_user"),
            models.UniqueConstraint(fields=["user", "slack_team_id"], name="slack_member_one_per_workspace"),
        ]

    def __str__(self) -> str:
        return f"{self.slack_user_id}@{self.slack_team_id} → {self.user}"


class SlackCommand(models.Model):
    """One ``/done`` received; its key (Slack's trigger id) makes Slack's retries and replays a no-op."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DONE = "done", "Entry created"
        FAILED = "failed", "Failed"

    key = models.CharField(max_length=128, unique=True)
    member = models.ForeignKey(SlackMember, on_delete=models.CASCADE, related_name="commands")
    team = models.ForeignKey("core.Team", on_delete=models.CASCADE, related_name="+")
    text = models.TextField()
    occurred_on = models.DateField()
    response_url = models.URLField(max_length=500, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    entry = models.ForeignKey("core.Entry", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    error = models.CharField(max_length=500, blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    dispatched_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["dispatched_at"], name="slack_command_pending", condition=Q(status="pending")),
            models.Index(fields=["received_at"], name="slack_command_received"),
        ]

    def __str__(self) -> str:
        return f"/done {self.text[:40]} ({self.status})"


class SlackMessage(models.Model):
    """A message owed to a team's channel (an entry, or the day's digest), written before it is sent and
    claimed (``pending`` → ``sending``) right before the call to Slack, like core's Delivery."""

    class Kind(models.TextChoices):
        ENTRY = "entry", "Entry"
        DIGEST = "digest", "Digest"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped"
        INTERRUPTED = "interrupted", "Interrupted mid-send (maybe sent)"

    installation = models.ForeignKey(SlackInstallation, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    entry = models.ForeignKey("core.Entry", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    local_date = models.DateField(null=True, blank=True, help_text="Digests: the team's local day it is for.")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    not_before = models.DateTimeField(null=True, blank=True, help_text="Slack asked us to wait (Retry-After).")
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    channel_id = models.CharField(max_length=32, blank=True)
    slack_ts = models.CharField(max_length=32, blank=True)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["installation", "entry"], name="slack_message_one_per_entry", condition=Q(kind="entry")
            ),
            models.UniqueConstraint(
                fields=["installation", "local_date"],
                name="slack_message_one_digest_per_day",
                condition=Q(kind="digest"),
            ),
        ]
        indexes = [
            models.Index(
                fields=["status", "dispatched_at"],
                name="slack_message_open",
                condition=Q(status__in=["pending", "sending"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.installation} ({self.status})"


class SlackOAuthState(models.Model):
    """A one-time OAuth ``state``: who started the flow and for what; consumed once, expires in minutes."""

    class Purpose(models.TextChoices):
        INSTALL = "install", "Install in a team"
        LINK = "link", "Link a member"

    state = models.CharField(max_length=64, unique=True)
    purpose = models.CharField(max_length=16, choices=Purpose.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey("core.Team", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.purpose} state for {self.user}"
