"""Reads about teams and their day, with a fixed number of queries whatever the team's size."""

import datetime as dt
from dataclasses import dataclass, field

from django.shortcuts import get_object_or_404

from core.models import Entry, Membership, Team


def team_for_member(*, user, team_hash: str) -> Team:
    """The team if ``user`` belongs to it; 404 otherwise, so other teams' hashes reveal nothing."""
    return get_object_or_404(Team, hash_id=team_hash, memberships__user=user)


def teams_for_user(*, user):
    return Team.objects.filter(memberships__user=user).order_by("is_personal", "name")


@dataclass
class MemberDay:
    member: object
    entries: list = field(default_factory=list)


def team_day(*, team: Team, day: dt.date) -> list[MemberDay]:
    memberships = Membership.objects.filter(team=team).select_related("user").order_by("user__full_name", "user__email")
    days = {m.user_id: MemberDay(member=m.user) for m in memberships}
    for entry in Entry.objects.filter(team=team, occurred_on=day).order_by("created_at"):
        if entry.author_id in days:
            days[entry.author_id].entries.append(entry)
    return list(days.values())
