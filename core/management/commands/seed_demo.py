"""Demo data for the run command: a team of eight with a month of entries, goals, blockers, tags,
comments and likes, and an admin user. Running it again changes nothing but the admin's password."""

import datetime as dt
import random
import secrets

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from core.localtime import today_for
from core.models import Team, User
from core.services.accounts import user_signup
from core.services.entries import entry_archive, entry_create, goal_complete
from core.services.social import comment_create, like_toggle
from core.services.teams import membership_add, team_create

PASSWORD = "demo-password-1"
PEOPLE = [
    ("alice@example.com", "Alice Archer", "alice", "America/New_York"),
    ("bob@example.com", "Bob Baker", "bob", "Europe/London"),
    ("carol@example.com", "Carol Chen", "carol", "Asia/Singapore"),
    ("dave@example.com", "Dave Diaz", "dave", "America/Los_Angeles"),
    ("erin@example.com", "Erin Evans", "erin", "Europe/Berlin"),
    ("frank@example.com", "Frank Fischer", "frank", "America/Chicago"),
    ("grace@example.com", "Grace Gupta", "grace", "Asia/Kolkata"),
    ("heidi@example.com", "Heidi Hall", "heidi", "Australia/Sydney"),
]
DONES = [
    "Shipped the onboarding email #growth",
    "Reviewed the pricing page copy with @{peer}",
    "Fixed the flaky login test #quality",
    "Paired with @{peer} on the billing service #billing",
    "Closed 12 support tickets #support",
    "Sketched the calendar redesign #design",
    "Wrote the release notes for 2.4 https://example.com/releases/2.4",
    "Migrated the reports job to the new queue #infra",
    "Interviewed a backend candidate #hiring",
    "Cut the p95 of the search page from 900 ms to 240 ms #performance",
    "Demoed the stats page to the sales team",
    "Cleaned up 40 stale feature flags #quality",
    "Answered the security questionnaire for Acme #sales",
    "Published the blog post on goals that carry over #marketing",
]
GOALS = [
    "Write the Q4 roadmap draft #planning",
    "Finish the CSV export review",
    "Ship the mobile layout of the day view #design",
    "Plan the offsite agenda with @{peer}",
    "Get the Postgres upgrade through staging #infra",
    "Draft the onboarding checklist for new hires #hiring",
]
BLOCKERS = [
    "Waiting on legal for the vendor contract",
    "Staging is down again #infra",
    "Need design sign-off before I can start the settings page",
    "Blocked on API keys from the payment provider #billing",
]
COMMENTS = ["Nice one!", "🎉", "Great work, @{author}", "How did you fix it?", "Let's talk about this tomorrow.", "+1"]


class Command(BaseCommand):
    help = "Create demo people, a team and a month of entries (idempotent), and an admin user."

    def add_arguments(self, parser):
        parser.add_argument("--admin-email", default="admin@example.com")
        parser.add_argument("--admin-password", default="")
        parser.add_argument("--days", type=int, default=30, help="How many days of history (tests use a few).")

    @transaction.atomic
    def handle(self, *args, admin_email, admin_password, days, **options):
        password = admin_password or secrets.token_urlsafe(12)
        admin, created = User.objects.get_or_create(
            email=admin_email, defaults={"is_staff": True, "is_superuser": True, "full_name": "Admin"}
        )
        admin.set_password(password)
        admin.save(update_fields=["password"])
        if not Team.objects.filter(name="Demo team").exists():
            self._team(days)
        self.stdout.write(f"admin: {admin_email} / {password}")
        self.stdout.write(f"demo users: alice@example.com, bob@example.com, ... password: {PASSWORD}")

    def _team(self, days: int):
        rng = random.Random(7)
        users = [self._person(*p) for p in PEOPLE]
        team = team_create(owner=users[0], name="Demo team")
        for user in users[1:]:
            membership_add(team=team, user=user)
        # Each person's history ends on their own today: the team spans time zones, so at most hours
        # of the day some members are already on tomorrow and others still on yesterday.
        todays = {user.pk: today_for(user) for user in users}
        for days_ago in range(days, -1, -1):
            for user in users:
                today = todays[user.pk]
                day = today - dt.timedelta(days=days_ago)
                if day.weekday() >= 5:
                    continue
                if rng.random() < 0.15 and days_ago:
                    continue  # not everybody posts every day
                self._day(rng, team, user, users, day, today)

    def _person(self, email, name, nickname, zone):
        user = User.objects.filter(email=email).first() or user_signup(
            email=email, password=PASSWORD, full_name=name, time_zone=zone
        )
        # Demo addresses count as verified, so the settings page shows what a settled account looks like.
        User.objects.filter(pk=user.pk).update(nickname=nickname, email_verified_at=timezone.now())
        user.nickname = nickname
        return user

    def _day(self, rng, team, user, users, day, today):
        peer = rng.choice([u for u in users if u != user]).nickname
        for line in rng.sample(DONES, rng.randint(1, 3)):
            done = entry_create(author=user, team=team, text=line.format(peer=peer), occurred_on=day)
            self._react(rng, done, users)
        if rng.random() < 0.45:
            goal = entry_create(
                author=user, team=team, text="[ ] " + rng.choice(GOALS).format(peer=peer), occurred_on=day
            )
            finish = day + dt.timedelta(days=rng.randint(0, 4))
            if rng.random() < 0.85 and finish <= today:
                goal_complete(goal=goal, actor=user, on=finish)
            elif (today - day).days > 7:
                entry_archive(entry=goal, actor=user)  # people tidy away goals they let go of
        if rng.random() < 0.12:
            entry_create(author=user, team=team, text="! " + rng.choice(BLOCKERS), occurred_on=day)

    def _react(self, rng, entry, users):
        for liker in rng.sample(users, rng.randint(0, 3)):
            if liker != entry.author:
                like_toggle(user=liker, entry=entry)
        if rng.random() < 0.2:
            commenter = rng.choice([u for u in users if u != entry.author])
            comment_create(
                entry=entry, author=commenter, text=rng.choice(COMMENTS).format(author=entry.author.nickname)
            )
