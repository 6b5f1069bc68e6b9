"""Writes that keep each membership's next reminder and digest times true to its settings."""

from django.utils import timezone

from core.localtime import zone_for
from core.models import Membership
from core.permissions import CHANGE_EMAILS, require_self_or_staff
from core.schedule import next_occurrence


def effective_days(days: str, *, throttled: bool) -> str:
    """The weekdays emails go out on: all chosen days, or only the first one while throttled."""
    chosen = sorted({d for d in days if d.isdigit() and int(d) < 7})
    return chosen[0] if throttled and chosen else "".join(chosen)


def membership_schedule_next(*, membership: Membership, now=None) -> Membership:
    """Recompute ``next_reminder_at`` and ``next_digest_at`` (after settings, time zone or pause changes)."""
    now = now or timezone.now()
    if membership.emails_paused:
        membership.next_reminder_at = membership.next_digest_at = None
    else:
        zone = zone_for(membership.user.time_zone)
        throttled = membership.emails_throttled
        membership.next_reminder_at = next_occurrence(
            zone=zone,
            days=effective_days(membership.reminder_days, throttled=throttled),
            at=membership.reminder_time,
            after=now,
        )
        membership.next_digest_at = next_occurrence(
            zone=zone,
            days=effective_days(membership.digest_days, throttled=throttled),
            at=membership.digest_time,
            after=now,
        )
    membership.save(update_fields=["next_reminder_at", "next_digest_at"])
    return membership


def membership_emails_restore(*, membership: Membership, actor, now=None) -> Membership:
    """Back to the member's chosen days after the inactivity throttle (new entry or "email me daily again").

    ``emails_restored_at`` counts as activity for the next week, so the beat tick does not throttle again.
    """
    require_self_or_staff(actor=actor, user_id=membership.user_id, permission=CHANGE_EMAILS)
    now = now or timezone.now()
    membership.emails_throttled = False
    membership.emails_restored_at = now
    membership.save(update_fields=["emails_throttled", "emails_restored_at"])
    return membership_schedule_next(membership=membership, now=now)


def membership_emails_pause(*, membership: Membership, actor, now=None) -> Membership:
    """Stop this team's emails for this member (one-click unsubscribe); settings can resume them."""
    require_self_or_staff(actor=actor, user_id=membership.user_id, permission=CHANGE_EMAILS)
    membership.emails_paused = True
    membership.save(update_fields=["emails_paused"])
    return membership_schedule_next(membership=membership, now=now)


def membership_emails_resume(*, membership: Membership, actor, now=None) -> Membership:
    """Turn a paused membership's emails back on (settings page); the next times are computed again."""
    require_self_or_staff(actor=actor, user_id=membership.user_id, permission=CHANGE_EMAILS)
    membership.emails_paused = False
    membership.save(update_fields=["emails_paused"])
    return membership_schedule_next(membership=membership, now=now)


def user_schedules_refresh(*, user, now=None) -> list[Membership]:
    """After a time-zone change: every membership's next times, recomputed in the new zone."""
    return [
        membership_schedule_next(membership=membership, now=now)
        for membership in Membership.objects.filter(user=user).select_related("user")
    ]
