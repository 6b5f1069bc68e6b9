"""Every email that arrived at a team address: kept raw with what we made of it, for support.

The webhook only stores the message as posted (``mime``) and owes its parsing (``outcome`` received);
a worker parses it into entries and keeps a copy for support (``raw``) in place of the posted bytes.
"""

from django.conf import settings
from django.db import models


class InboundMessage(models.Model):
    class Outcome(models.TextChoices):
        RECEIVED = "received", "Received"
        ENTRIES_CREATED = "entries_created", "Entries created"
        EMPTY = "empty", "Nothing to post"
        UNKNOWN_SENDER = "unknown_sender", "Unknown sender"
        UNKNOWN_TEAM = "unknown_team", "Unknown team address"
        NOT_A_MEMBER = "not_a_member", "Sender is not in that team"
        AUTOMATED = "automated", "Automated or spam (ignored)"
        REJECTED = "rejected", "Rejected: authentic but unusable (see parsed)"
        FAILED = "failed", "Parsing failed every attempt (see parsed)"

    message_id = models.CharField(max_length=255, unique=True, help_text="The Message-ID header: replays find it.")
    received_at = models.DateTimeField()
    esp = models.CharField(max_length=32, blank=True)
    from_email = models.CharField(max_length=320, blank=True)
    to_email = models.CharField(max_length=320, blank=True)
    subject = models.CharField(max_length=998, blank=True)
    raw = models.TextField(blank=True, help_text="The message as MIME text, attachments left out (once parsed).")
    mime = models.BinaryField(
        null=True, blank=True, help_text="The message as posted, until a worker has parsed it (then raw holds it)."
    )
    esp_fields = models.JSONField(
        default=dict, blank=True, help_text="What the provider posted beside the message: envelope, spam verdict."
    )
    reply_text = models.TextField(blank=True, help_text="The reply after quoted history and signatures were removed.")
    parsed = models.JSONField(default=dict, blank=True, help_text="Entries made (kind, text) and the day they went to.")
    outcome = models.CharField(max_length=32, choices=Outcome.choices, default=Outcome.RECEIVED)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    team = models.ForeignKey("core.Team", null=True, blank=True, on_delete=models.SET_NULL)
    entry_date = models.DateField(null=True, blank=True)
    entries_created = models.PositiveIntegerField(default=0)
    replied_at = models.DateTimeField(null=True, blank=True, help_text="When we answered an unknown sender.")
    parse_dispatched_at = models.DateTimeField(
        null=True, blank=True, help_text="When its parsing was last handed to a worker (the sweeper hands it again)."
    )
    parse_attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["received_at"], name="inbound_received"),
            models.Index(fields=["from_email", "received_at"], name="inbound_sender_received"),
            # The sweeper's question ("which owed parses were handed out long ago?") reads only the few
            # messages still waiting, however many are kept.
            models.Index(
                fields=["parse_dispatched_at"], name="inbound_awaiting_parse", condition=models.Q(outcome="received")
            ),
        ]
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.from_email} → {self.to_email}: {self.subject[:40]}"


class InboundToken(models.Model):
    """A provider's single-use webhook token (Mailgun's ``token``), kept until its signed timestamp
    would be refused as stale anyway. The unique constraint makes "accepted once" hold across dynos."""

    esp = models.CharField(max_length=32)
    token = models.CharField(max_length=255)
    digest = models.CharField(max_length=64, help_text="SHA-256 of the signed post's fields: an exact retry matches.")
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["esp", "token"], name="inbound_token_once")]
        indexes = [models.Index(fields=["expires_at"], name="inbound_token_expiry")]

    def __str__(self) -> str:
        return f"{self.esp} token {self.token[:12]}…"
