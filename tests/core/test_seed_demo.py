from django.core.management import call_command

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
