"""Every email the system sends, as a row written before the send: the outbox and the delivery log.

A row is owed (``pending``) in the same transaction as whatever decided to send it (the tick that
advanced a schedule, the notification batch claim, the invitation, the sign-up); a sender claims it
(``pending`` → ``sending``, compare-and-set) right before handing it to the ESP, so it goes out once.
Reminders and digests stay unique per membership, kind and local day.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Delivery(models.Model):
    class Kind(models.TextChoices):
        REMINDER = "reminder", "Reminder"
        DIGEST = "digest", "Digest"
        NOTIFICATIONS = "notifications", "Notifications"
        INVITATION = "invitation", "Invitation"
        VERIFICATION = "verification", "Address verification"
        PASSWORD_RESET = "password_reset", "Password reset"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending (owed, not yet sent)"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped"
        # The sender died between its claim and the ESP's answer, and the ESP has not (yet) said whether it
        # took the message: the sweeper keeps asking it (core/services/reconcile.py), a bounded number of
        # times; what the ESP cannot tell is left to support. Never re-sent on a guess.
        INTERRUPTED = "interrupted", "Interrupted mid-send (asking the provider)"

    class ProviderAnswer(models.TextChoices):
        ACCEPTED = "accepted", "cut off mid-send; the provider confirmed it had taken it"
        NOT_ACCEPTED = "not_accepted", "cut off mid-send; the provider never got it"
        UNKNOWN = "unknown", "cut off mid-send; the provider could not tell"

    membership = models.ForeignKey(
        "core.Membership", on_delete=models.CASCADE, null=True, blank=True, related_name="deliveries"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="deliveries"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    local_date = models.DateField(
        null=True, blank=True, help_text="Reminders and digests: the day, in the member's time zone, it is for."
    )
    due_at = models.DateTimeField(null=True, blank=True, help_text="When it was due (reminders and digests).")
    # What the sender needs to compose it (ids, the address to verify); never a secret.
    payload = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    dispatched_at = models.DateTimeField(null=True, blank=True, help_text="Last handed to a sender.")
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    to_email = models.EmailField(blank=True)
    subject = models.CharField(max_length=255, blank=True)
    provider_message_id = models.CharField(max_length=255, blank=True, db_index=True)
    error = models.TextField(blank=True)
    # What the ESP told us afterwards through its tracking webhook (delivered, bounced, complained…).
    esp_event = models.CharField(max_length=32, blank=True)
    esp_event_at = models.DateTimeField(null=True, blank=True)
    # After an interrupted send: how often the ESP was asked whether it took the message, its last answer,
    # and when to ask again (NULL once there is nothing left to ask).
    provider_checks = models.PositiveSmallIntegerField(default=0)
    provider_answer = models.CharField(max_length=16, choices=ProviderAnswer.choices, blank=True)
    provider_check_after = models.DateTimeField(null=True, blank=True)
    # Sent again because support asked: a row of its own, so the automatic send's row (unique per
    # member, kind and day, which makes the loop exactly-once) is never touched or confused with it.
    resend_of = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="resends", editable=False
    )

    class Meta:
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["membership", "kind", "local_date"],
                name="delivery_one_per_member_kind_day",
                condition=Q(resend_of__isnull=True),
            )
        ]
        indexes = [
            # The sweeper looks for owed rows whose dispatch was lost and for sends that never finished;
            # only the few rows still open are in this index.
            models.Index(
                fields=["status", "dispatched_at"],
                name="delivery_open",
                condition=Q(status__in=["pending", "sending"]),
            ),
            # The sweeper asks the ESP about interrupted sends whose next question is due: few rows.
            models.Index(
                fields=["provider_check_after"],
                name="delivery_provider_check_due",
                condition=Q(status="interrupted", provider_check_after__isnull=False),
            ),
            # A person's page lists their own newest first. The delivery log's newest-first order is
            # served by ops' ``ops_delivery_recent`` (created_at DESC, id DESC), which covers this
            # model's default ordering too: a second index on created_at alone only cost every email a write.
            models.Index(fields=["user", "-created_at"], name="delivery_person_newest"),
        ]
        ordering = ["-created_at"]

    def __str__(self) -> str:
        whom = f"membership {self.membership_id}" if self.membership_id else self.to_email or f"user {self.user_id}"
        return f"{self.kind} for {whom} ({self.status})"
