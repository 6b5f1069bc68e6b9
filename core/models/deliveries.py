"""What was sent to whom: one delivery per membership, kind and local day, claimed before it is sent."""

from django.db import models
from django.db.models import Q


class Delivery(models.Model):
    class Kind(models.TextChoices):
        REMINDER = "reminder", "Reminder"
        DIGEST = "digest", "Digest"

    class Status(models.TextChoices):
        CLAIMED = "claimed", "Claimed (sending)"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped (nothing to send)"

    membership = models.ForeignKey("core.Membership", on_delete=models.CASCADE, related_name="deliveries")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    local_date = models.DateField(help_text="The day, in the member's time zone, this email is for.")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.CLAIMED)
    attempts = models.PositiveSmallIntegerField(default=1)
    claimed_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    to_email = models.EmailField(blank=True)
    subject = models.CharField(max_length=255, blank=True)
    provider_message_id = models.CharField(max_length=255, blank=True, db_index=True)
    error = models.TextField(blank=True)
    # What the ESP told us afterwards through its tracking webhook (delivered, bounced, complained…).
    esp_event = models.CharField(max_length=32, blank=True)
    esp_event_at = models.DateTimeField(null=True, blank=True)
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
            # The tick looks for abandoned claims; only the few rows still claimed are in this index.
            models.Index(fields=["claimed_at"], name="delivery_open_claims", condition=Q(status="claimed")),
        ]
        ordering = ["-claimed_at"]

    def __str__(self) -> str:
        return f"{self.kind} for membership {self.membership_id} on {self.local_date} ({self.status})"
