import pytest
import time_machine
from django.core.management import call_command

from core.localtime import today_for
from core.models import Entry, Like, Team, User


def test_it_seeds_a_believable_team_once(db, capsys):
    call_command("seed_demo", "--days", "4")
    team = Team.objects.get(name="Demo team")
    counts = (team.memberships.count(), Entry.objects.filter(team=team).count(), Like.objects.count())
    assert counts[0] == 8 and counts[1] > 10 and counts[2] > 0
    assert set(Entry.objects.filter(team=team).values_list("kind", flat=True)) >= {"done", "goal"}
    assert Entry.objects.filter(team=team, tags__isnull=False).exists()
    call_command("seed_demo", "--days", "4")
    assert (team.memberships.count(), Entry.objects.filter(team=team).count(), Like.objects.count()) == counts
    assert "admin: admin@example.com / " in capsys.readouterr().out
    assert User.objects.get(email="admin@example.com").is_superuser


@pytest.mark.parametrize(
    "now",
    [
        "2026-12-02T05:00:00Z",  # New York is on the 2nd, Los Angeles still on the 1st
        "2026-12-01T14:00:00Z",  # Sydney is on the 2nd, the Americas on the 1st
        "2026-11-30T23:30:00Z",  # Berlin and east are in December, London and west in November
    ],
)
def test_it_seeds_at_any_hour_whatever_day_each_member_is_on(db, now):
    # Every member's history ends on their own today, so no done lands on a day a member has not
    # reached yet (entry_create refuses those) at any hour of any day.
    with time_machine.travel(now, tick=False):
        call_command("seed_demo", "--days", "3")
        for user in User.objects.filter(memberships__team__name="Demo team"):
            latest = Entry.objects.filter(author=user, kind="done").latest("occurred_on").occurred_on
            assert latest <= today_for(user)
