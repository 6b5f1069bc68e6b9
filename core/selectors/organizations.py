"""Reads about an organization as one viewer sees it: its teams, its people, a day and stats across the
teams the viewer is in. Hidden teams the viewer is not in stay out of every part, names included."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.shortcuts import get_object_or_404

from core.models import Entry, Membership, OrganizationMembership, Team
from core.selectors.entries import entries_for_viewer


def organization_membership_for(*, user, organization_hash: str) -> OrganizationMembership:
    """The viewer's place in the organization, or 404 (also for someone else's personal log)."""
    return get_object_or_404(
        OrganizationMembership.objects.select_related("organization"),
        organization__hash_id=organization_hash,
        user=user,
    )


@dataclass
class OrgTeam:
    team: Team
    is_member: bool
    member_count: int


def organization_teams(*, organization, viewer) -> list[OrgTeam]:
    """Teams the viewer is in, and visible ones they may join, with head counts (one query)."""
    teams = (
        Team.objects.filter(organization=organization)
        .filter(Q(memberships__user=viewer) | Q(visibility=Team.Visibility.VISIBLE, is_personal=False))
        .annotate(
            member_count=Count("memberships", distinct=True),
            mine=Count("memberships", filter=Q(memberships__user=viewer), distinct=True),
        )
        .order_by("name")
        .distinct()
    )
    return [OrgTeam(team=t, is_member=bool(t.mine), member_count=t.member_count) for t in teams]


def organization_people(*, organization, teams: list[OrgTeam], limit: int = 500) -> list[dict]:
    """The organization's people with their role and the (shown) teams each is in, in two queries."""
    shown = {t.team.pk: t.team for t in teams}
    in_teams: dict[int, list] = {}
    for user_id, team_id in Membership.objects.filter(team_id__in=shown).values_list("user_id", "team_id"):
        in_teams.setdefault(user_id, []).append(shown[team_id])
    members = (
        OrganizationMembership.objects.filter(organization=organization)
        .select_related("user")
        .order_by("user__full_name", "user__email")[:limit]
    )
    return [
        {
            "user": m.user,
            "role": m.get_role_display(),
            "teams": sorted(in_teams.get(m.user_id, []), key=lambda t: t.name),
        }
        for m in members
    ]


@dataclass
class TeamDay:
    team: Team
    people: list = field(default_factory=list)  # (author, {"blockers": [...], "done": [...], "goals": [...]})


def organization_day(*, teams: list[OrgTeam], day: dt.date, viewer) -> list[TeamDay]:
    """What each of the viewer's teams posted on ``day``, per person, grouped as the team day page groups it."""
    mine = [t.team for t in teams if t.is_member]
    days = {team.pk: TeamDay(team=team) for team in mine}
    by_author: dict[tuple[int, int], dict] = {}
    entries = entries_for_viewer(viewer=viewer).filter(team__in=mine, occurred_on=day).order_by("created_at")
    for entry in entries.order_by("author__full_name", "author__email", "created_at"):
        key = (entry.team_id, entry.author_id)
        if key not in by_author:
            by_author[key] = {"blockers": [], "done": [], "goals": []}
            days[entry.team_id].people.append((entry.author, by_author[key]))
        group = {"blocker": "blockers", "done": "done", "goal": "goals"}[entry.kind]
        by_author[key][group].append(entry)
    return [d for d in days.values() if d.people]


def organization_stats(*, teams: list[OrgTeam], days: int, today: dt.date) -> dict:
    """Entries per team and kind, and the most active people, over the last ``days`` days (two queries)."""
    mine = {t.team.pk: t.team for t in teams if t.is_member}
    start = today - dt.timedelta(days=days - 1)
    in_range = Entry.objects.filter(team_id__in=mine, occurred_on__range=(start, today)).order_by()
    per_team = {pk: {"team": team, "done": 0, "goal": 0, "blocker": 0, "total": 0} for pk, team in mine.items()}
    for row in in_range.values("team_id", "kind").annotate(n=Count("id")):
        per_team[row["team_id"]][row["kind"]] = row["n"]
        per_team[row["team_id"]]["total"] += row["n"]
    people = (
        in_range.values("author__full_name", "author__email").annotate(n=Count("id")).order_by("-n", "author__email")
    )
    rows = sorted(per_team.values(), key=lambda r: (-r["total"], r["team"].name))
    top = max((r["total"] for r in rows), default=0) or 1
    for row in rows:
        row["percent"] = round(100 * row["total"] / top, 1)
    return {
        "teams": rows,
        "people": [(p["author__full_name"] or p["author__email"], p["n"]) for p in people[:10]],
        "total": sum(r["total"] for r in rows),
        "start": start,
        "end": today,
    }
