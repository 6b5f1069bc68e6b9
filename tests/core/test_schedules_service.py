"""Next reminder and digest times follow settings, time zone, pause and resume."""

import datetime as dt

from core.models import Membership
from core.services.schedules import membership_emails_pause, membership_emails_resume, user_schedules_refresh

NOW = dt.datetime(2026, 11, 26, 12, 0, tzinfo=dt.UTC)  # Thursday


def test_it_moves_every_membership_when_the_time_zone_changes(team, bob):
    bob.time_zone = "America/New_York"
    bob.save(update_fields=["time_zone"])
    refreshed = user_schedules_refresh(user=bob, now=NOW)
    assert len(refreshed) == 2  # Rocket and the personal log
    for membership in Membership.objects.filter(user=bob):
        assert membership.next_reminder_at == dt.datetime(2026, 11, 26, 22, 0, tzinfo=dt.UTC)  # 17:00 EST
        assert membership.next_digest_at == dt.datetime(2026, 11, 26, 13, 30, tzinfo=dt.UTC)  # 08:30 EST today


def test_it_schedules_nothing_while_paused_and_picks_up_on_resume(team, bob):
    membership = Membership.objects.select_related("user").get(team=team, user=bob)
    membership_emails_pause(membership=membership, actor=membership.user, now=NOW)
    assert membership.next_reminder_at is None and membership.next_digest_at is None
    membership_emails_resume(membership=membership, actor=membership.user, now=NOW)
    membership.refresh_from_db()
    assert membership.next_reminder_at == dt.datetime(2026, 11, 26, 17, 0, tzinfo=dt.UTC)
