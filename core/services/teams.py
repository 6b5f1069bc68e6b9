"""Writes about organizations, teams and memberships."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.text import slugify

from core.hashids import new_hash
from core.models import Membership, Organization, OrganizationMembership, Team
from core.permissions import ADMIN_TEAM, REMOVE_MEMBER, staff_holds
from core.services.schedules import membership_schedule_next

OrgRole = OrganizationMembership.Role


def _unique_slug(name: str) -> str:
    base = slugify(name)[:40] or "team"
    slug = base
    while Team.objects.filter(slug=slug).exists():
        slug = f"{base}-{new_hash()[:4]}"
    return slug


def org_membership_add(*, organization: Organization, user, role: str = OrgRole.MEMBER) -> OrganizationMembership:
    membership, _ = OrganizationMembership.objects.get_or_create(
        organization=organization, user=user, defaults={"role": role}
    )
    return membership


def org_role(*, organization: Organization, user) -> str | None:
    return (
        OrganizationMembership.objects.filter(organization=organization, user=user)
        .values_list("role", flat=True)
        .first()
    )


@transaction.atomic
def team_create(*, owner, name: str, organization: Organization | None = None, visibility: str = "") -> Team:
    """A team in ``organization`` (which the owner must belong to), or in a new organization they own."""
    if organization is None:
        organization = Organization.objects.create(name=name)
        org_membership_add(organization=organization, user=owner, role=OrgRole.OWNER)
    elif org_role(organization=organization, user=owner) is None:
        raise PermissionDenied("Only members of an organization create teams in it.")
    team = Team.objects.create(
        organization=organization,
        name=name,
        slug=_unique_slug(name),
        visibility=visibility or Team.Visibility.HIDDEN,
    )
    membership_schedule_next(membership=Membership.objects.create(user=owner, team=team, role=Membership.Role.ADMIN))
    return team


@transaction.atomic
def personal_log_create(*, user) -> Team:
    organization = Organization.objects.create(name=f"{user.display_name} (personal)")
    org_membership_add(organization=organization, user=user, role=OrgRole.OWNER)
    team = Team.objects.create(
        organization=organization, name="Personal log", slug=_unique_slug(f"personal-{user.hash_id}"), is_personal=True
    )
    membership_schedule_next(membership=Membership.objects.create(user=user, team=team, role=Membership.Role.ADMIN))
    return team


@transaction.atomic
def membership_add(*, team: Team, user, role: str = Membership.Role.MEMBER) -> Membership:
    """Add ``user`` to ``team`` (and so to its organization); adding someone twice changes nothing."""
    org_membership_add(organization=team.organization, user=user)
    membership, created = Membership.objects.get_or_create(team=team, user=user, defaults={"role": role})
    if created:
        membership_schedule_next(membership=membership)
    return membership


def can_admin_team(*, user, team: Team) -> bool:
    """Team admins, and owners and admins of the team's organization."""
    if Membership.objects.filter(team=team, user=user, role=Membership.Role.ADMIN).exists():
        return True
    return org_role(organization=team.organization, user=user) in (OrgRole.OWNER, OrgRole.ADMIN)


def _require_admin(*, actor, team: Team, permission: str = ADMIN_TEAM) -> None:
    """Team admins, or portal staff whose role grants ``permission`` (they act as admin of any team)."""
    if not (staff_holds(actor, permission) or can_admin_team(user=actor, team=team)):
        raise PermissionDenied("Only team admins do that.")


def team_update(
    *, team: Team, actor, name: str, visibility: str, carry_over_goals: bool, reminder_prompt: str | None = None
) -> Team:
    _require_admin(actor=actor, team=team)
    if team.is_personal and visibility == Team.Visibility.VISIBLE:
        raise ValueError("A personal log stays private.")
    team.name, team.visibility, team.carry_over_goals = name, visibility, carry_over_goals
    if reminder_prompt is not None:  # callers that do not manage the prompt leave it as it is
        team.reminder_prompt = " ".join(reminder_prompt.split())
    team.save(update_fields=["name", "visibility", "carry_over_goals", "reminder_prompt", "updated_at"])
    return team


@transaction.atomic
def membership_role_set(*, membership: Membership, actor, role: str) -> Membership:
    _require_admin(actor=actor, team=membership.team)
    if role == Membership.Role.MEMBER and _is_last_admin(membership):
        raise ValueError("A team keeps at least one admin.")
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, actor) -> None:
    """Admins remove anyone; members may leave. The last admin cannot leave the team headless."""
    if membership.user_id != actor.pk:
        _require_admin(actor=actor, team=membership.team, permission=REMOVE_MEMBER)
    if membership.team.is_personal:
        raise ValueError("Nobody leaves their personal log.")
    if _is_last_admin(membership):
        raise ValueError("A team keeps at least one admin: make someone else admin first.")
    membership.delete()


def _is_last_admin(membership: Membership) -> bool:
    if membership.role != Membership.Role.ADMIN:
        return False
    admins = Membership.objects.select_for_update().filter(team=membership.team, role=Membership.Role.ADMIN)
    return [m.pk for m in admins] == [membership.pk]


def team_join(*, team: Team, user) -> Membership:
    """Anyone in the organization joins a visible team; hidden teams are by invitation only."""
    if team.is_personal or team.visibility != Team.Visibility.VISIBLE:
        raise PermissionDenied("That team is by invitation only.")
    if org_role(organization=team.organization, user=user) is None:
        raise PermissionDenied("Only members of the organization join its teams.")
    return membership_add(team=team, user=user)


def organization_update(*, organization: Organization, actor, name: str, auto_join_domain: str) -> Organization:
    """Org owners and admins; the auto-join domain must be one of the actor's own verified domains."""
    if org_role(organization=organization, user=actor) not in (OrgRole.OWNER, OrgRole.ADMIN):
        raise PermissionDenied("Only organization admins do that.")
    domain = auto_join_domain.strip().lower().lstrip("@")
    if domain and domain not in _verified_domains(actor):
        raise ValueError(f"Verify an address at {domain} first (in your settings) to let its people join.")
    organization.name, organization.auto_join_domain = name, domain
    organization.save(update_fields=["name", "auto_join_domain"])
    return organization


def _verified_domains(user) -> set[str]:
    emails = list(user.alternate_emails.filter(verified_at__isnull=False).values_list("email", flat=True))
    if user.email_verified_at:
        emails.append(user.email)
    return {e.rsplit("@", 1)[1].lower() for e in emails}


@transaction.atomic
def domain_auto_join(*, user, email: str) -> list[Organization]:
    """After ``email`` is verified: join the organizations that auto-join its domain, and their visible teams."""
    domain = email.rsplit("@", 1)[-1].lower()
    organizations = list(Organization.objects.filter(auto_join_domain=domain))
    for organization in organizations:
        org_membership_add(organization=organization, user=user)
        for team in organization.teams.filter(visibility=Team.Visibility.VISIBLE, is_personal=False):
            membership_add(team=team, user=user)
    return organizations


@transaction.atomic
def org_role_set(*, org_membership: OrganizationMembership, actor, role: str) -> OrganizationMembership:
    """Owners set any role; admins manage members and admins but not owners. An organization keeps an owner."""
    actor_role = org_role(organization=org_membership.organization, user=actor)
    if actor_role not in (OrgRole.OWNER, OrgRole.ADMIN):
        raise PermissionDenied("Only organization admins do that.")
    if actor_role != OrgRole.OWNER and OrgRole.OWNER in (role, org_membership.role):
        raise PermissionDenied("Only owners make or unmake owners.")
    if org_membership.role == OrgRole.OWNER and role != OrgRole.OWNER:
        owners = OrganizationMembership.objects.select_for_update().filter(
            organization=org_membership.organization, role=OrgRole.OWNER
        )
        if [m.pk for m in owners] == [org_membership.pk]:
            raise ValueError("An organization keeps at least one owner.")
    org_membership.role = role
    org_membership.save(update_fields=["role"])
    return org_membership
