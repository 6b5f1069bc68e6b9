"""Writes that keep each membership's next reminder and digest times true to its settings."""

from django.utils import timezone

from core.localtime import zone_for
from core.models import Membership
from core.schedule import next_occurrence


def membership_schedule_next(*, membership: Membership, now=None) -> Membership:
    """Recompute ``next_reminder_at`` and ``next_digest_at`` (after settings, time zone or pause changes)."""
    now = now or timezone.now()
    if membership.emails_paused:
        membership.next_reminder_at = membership.next_digest_at = None
    else:
        zone = zone_for(membership.user.time_zone)
        membership.next_reminder_at = next_occurrence(
            zone=zone, days=membership.reminder_days, at=membership.reminder_time, after=now
        )
        membership.next_digest_at = next_occurrence(
            zone=zone, days=membership.digest_days, at=membership.digest_time, after=now
        )
    membership.save(update_fields=["next_reminder_at", "next_digest_at"])
    return membership
