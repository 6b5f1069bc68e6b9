"""Writes about organizations, teams and memberships."""

from django.db import transaction
from django.utils.text import slugify

from core.hashids import new_hash
from core.models import Membership, Organization, Team
from core.services.schedules import membership_schedule_next


def _unique_slug(name: str) -> str:
    base = slugify(name)[:40] or "team"
    slug = base
    while Team.objects.filter(slug=slug).exists():
        slug = f"{base}-{new_hash()[:4]}"
    return slug


@transaction.atomic
def team_create(*, owner, name: str, organization: Organization | None = None) -> Team:
    organization = organization or Organization.objects.create(name=name)
    team = Team.objects.create(organization=organization, name=name, slug=_unique_slug(name))
    membership_schedule_next(membership=Membership.objects.create(user=owner, team=team, role=Membership.Role.ADMIN))
    return team


@transaction.atomic
def personal_log_create(*, user) -> Team:
    organization = Organization.objects.create(name=f"{user.display_name} (personal)")
    team = Team.objects.create(
        organization=organization, name="Personal log", slug=_unique_slug(f"personal-{user.hash_id}"), is_personal=True
    )
    membership_schedule_next(membership=Membership.objects.create(user=user, team=team, role=Membership.Role.ADMIN))
    return team


def membership_add(*, team: Team, user, role: str = Membership.Role.MEMBER) -> Membership:
    membership, created = Membership.objects.get_or_create(team=team, user=user, defaults={"role": role})
    if created:
        membership_schedule_next(membership=membership)
    return membership
