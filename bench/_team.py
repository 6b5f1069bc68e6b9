"""A team for the web benchmarks: members, what they did today, and a logged-in member's session cookie."""

import datetime as dt

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone

from core.models import Entry, Membership, Organization, Team, User


def session_cookie(user) -> str:
    """A logged-in session in the database the server reads, as the login view would leave it."""
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def team_with_a_day(slug: str, *, members: int = 20, entries_each: int = 3) -> tuple[Team, User]:
    """``members`` people who each posted ``entries_each`` entries today (rebuilt on every call)."""
    Team.objects.filter(slug=slug).delete()
    User.objects.filter(email__startswith=f"{slug}-").delete()
    team = Team.objects.create(organization=Organization.objects.create(name=slug), name=slug, slug=slug)
    users = User.objects.bulk_create(
        User(email=f"{slug}-{n}@bench.test", full_name=f"Person {n:03d}", hash_id=f"{slug[:8]}{n}")
        for n in range(members)
    )
    Membership.objects.bulk_create(Membership(user=u, team=team) for u in users)
    today = timezone.localdate()
    Entry.objects.bulk_create(
        Entry(team=team, author=u, text=f"Shipped thing {k} #bench", occurred_on=today)
        for u in users
        for k in range(entries_each)
    )
    Entry.objects.bulk_create(  # and yesterday, so the page has a day before it
        Entry(team=team, author=u, text="Yesterday's thing", occurred_on=today - dt.timedelta(days=1)) for u in users
    )
    return team, users[0]
