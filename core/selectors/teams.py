"""Reads about teams, members and invitations, with a fixed number of queries whatever the team's size."""

from django.shortcuts import get_object_or_404
from django.utils import timezone

from core.models import Invitation, Membership, OrganizationMembership, Team


def membership_for(*, user, team_hash: str) -> Membership:
    """The viewer's membership (with its team), or 404: every team page starts here."""
    return get_object_or_404(
        Membership.objects.select_related("team__organization", "user"), team__hash_id=team_hash, user=user
    )


def user_in_team(*, user_id: int, team_id: int) -> bool:
    return Membership.objects.filter(user_id=user_id, team_id=team_id).exists()


def teams_for_user(*, user):
    # pk last: teams of the same name keep one order, so a paged list shows each once
    teams = Team.objects.filter(memberships__user=user).select_related("organization")
    return teams.order_by("is_personal", "name", "pk")


def teams_to_join(*, user):
    """Visible teams of the viewer's organizations that they are not in yet."""
    return (
        Team.objects.filter(organization__memberships__user=user, visibility=Team.Visibility.VISIBLE, is_personal=False)
        .exclude(memberships__user=user)
        .select_related("organization")
        .order_by("organization__name", "name")
    )


def team_members(*, team: Team):
    return Membership.objects.filter(team=team).select_related("user").order_by("user__full_name", "user__email")


def pending_invitations(*, team: Team):
    return (
        Invitation.objects.filter(teams=team, accepted_at__isnull=True, declined_at__isnull=True)
        .select_related("invited_by")
        .order_by("-created_at")
    )


def invitation_for_code(*, code: str) -> Invitation:
    return get_object_or_404(Invitation.objects.select_related("organization", "invited_by"), code=code)


def org_membership_for(*, user, team: Team) -> OrganizationMembership | None:
    return OrganizationMembership.objects.filter(user=user, organization_id=team.organization_id).first()


def invitation_state(invitation: Invitation) -> str:
    return invitation.state(timezone.now())


ORG_MEMBERS_SHOWN = 500


def org_members(*, organization):
    """The organization's people and roles, owners first (capped: a page, not an export)."""
    return (
        OrganizationMembership.objects.filter(organization=organization)
        .select_related("user")
        .order_by("role", "user__full_name", "user__email")[:ORG_MEMBERS_SHOWN]
    )


def team_for_member_by_slug(*, user, slug: str) -> Team | None:
    """One of ``user``'s teams by its short name (the legacy API names teams so)."""
    return Team.objects.filter(slug=slug, memberships__user=user).first()
