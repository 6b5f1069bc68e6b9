"""Demo data for the run command: a team with members and a week of entries, and an admin user."""

import datetime as dt
import random

from django.core.management.base import BaseCommand
from django.db import transaction

from core.localtime import today_for
from core.models import Team, User
from core.services.accounts import user_signup
from core.services.entries import entry_create
from core.services.teams import membership_add, team_create

PEOPLE = [
    ("alice@example.com", "Alice Archer", "America/New_York"),
    ("bob@example.com", "Bob Baker", "Europe/London"),
    ("carol@example.com", "Carol Chen", "Asia/Singapore"),
    ("dave@example.com", "Dave Diaz", "America/Los_Angeles"),
]
LINES = [
    "[x] Shipped the onboarding email #growth",
    "Reviewed the pricing page copy",
    "[ ] Write the Q4 roadmap draft",
    "! Waiting on legal for the vendor contract",
    "Fixed the flaky login test #quality",
    "Paired with the new hire on the billing service",
    "Closed 12 support tickets #support",
    "Sketched the calendar redesign #design",
]


class Command(BaseCommand):
    help = "Create demo people, a team and a week of entries (idempotent), and an admin user."

    def add_arguments(self, parser):
        parser.add_argument("--admin-email", default="admin@example.com")
        parser.add_argument("--admin-password", default="")

    @transaction.atomic
    def handle(self, *args, admin_email, admin_password, **options):
        password = admin_password or _random_password()
        admin, created = User.objects.get_or_create(
            email=admin_email, defaults={"is_staff": True, "is_superuser": True, "full_name": "Admin"}
        )
        admin.set_password(password)
        admin.save(update_fields=["password"])
        if not Team.objects.filter(name="Demo team").exists():
            self._team()
        self.stdout.write(f"admin: {admin_email} / {password}")
        self.stdout.write("demo users: alice@example.com, bob@example.com, ... password: demo-password-1")

    def _team(self):
        rng = random.Random(7)
        users = [user_signup(email=e, password="demo-password-1", full_name=n, time_zone=tz) for e, n, tz in PEOPLE]
        team = team_create(owner=users[0], name="Demo team")
        for user in users[1:]:
            membership_add(team=team, user=user)
        for user in users:
            today = today_for(user)
            for days_ago in range(7):
                for line in rng.sample(LINES, 2):
                    entry_create(author=user, team=team, text=line, occurred_on=today - dt.timedelta(days=days_ago))


def _random_password() -> str:
    import secrets

    return secrets.token_urlsafe(12)
