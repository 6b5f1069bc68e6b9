"""Writes that keep each membership's next reminder and digest times true to its settings."""

import datetime as dt

from django.utils import timezone

from core.localtime import zone_for
from core.models import Membership
from core.permissions import CHANGE_EMAILS, require_self_or_staff
from core.schedule import next_occurrence


def effective_days(days: str, *, throttled: bool) -> str:
    """The weekdays emails go out on: all chosen days, or only the first one while throttled."""
    chosen = sorted({d for d in days if d.isdigit() and int(d) < 7})
    return chosen[0] if throttled and chosen else "".join(chosen)


_SETTINGS = {"reminder": ("reminder_days", "reminder_time"), "digest": ("digest_days", "digest_time")}


def membership_next_at(
    *, membership: Membership, kind: str, after: dt.datetime, throttled: bool | None = None
) -> dt.datetime | None:
    """The one rule for when a member's next reminder or digest is due: the first of their chosen days
    (only the first one while throttled) at their chosen time, in their own time zone, strictly after
    ``after``; None while their emails are paused. Settings changes and the beat tick both use it."""
    if membership.emails_paused:
        return None
    days_field, time_field = _SETTINGS[kind]
    throttled = membership.emails_throttled if throttled is None else throttled
    return next_occurrence(
        zone=zone_for(membership.user.time_zone),
        days=effective_days(getattr(membership, days_field), throttled=throttled),
        at=getattr(membership, time_field),
        after=after,
    )


def membership_schedule_next(*, membership: Membership, now=None) -> Membership:
    """Recompute ``next_reminder_at`` and ``next_digest_at`` (after settings, time zone or pause changes)."""
    now = now or timezone.now()
    membership.next_reminder_at = membership_next_at(membership=membership, kind="reminder", after=now)
    membership.next_digest_at = membership_next_at(membership=membership, kind="digest", after=now)
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
