"""Writes about invitations: an emailed code that lets a new or existing person join an org and teams."""

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from core.models import Delivery, Invitation, Membership, Organization, Team
from core.services.deliveries import delivery_owe
from core.services.teams import membership_add, org_membership_add

INVITATION_LIFETIME = dt.timedelta(days=14)


@transaction.atomic
def invitation_create(*, organization: Organization, teams: list[Team], email: str, actor) -> Invitation:
    """Invite ``email`` to the teams (all in ``organization``, all ones the actor belongs to) and send the link."""
    if not teams or any(t.organization_id != organization.pk or t.is_personal for t in teams):
        raise ValueError("Choose one or more teams of this organization.")
    own = set(Membership.objects.filter(user=actor, team__in=teams).values_list("team_id", flat=True))
    if own != {t.pk for t in teams}:
        raise PermissionDenied("You invite people only to teams you belong to.")
    invitation = Invitation.objects.create(
        organization=organization,
        email=email.strip().lower(),
        invited_by=actor,
        expires_at=timezone.now() + INVITATION_LIFETIME,
    )
    invitation.teams.set(teams)
    invitation_send(invitation=invitation)
    return invitation


def invitation_send(*, invitation: Invitation) -> Invitation:
    """Owe the invitation email (sent after commit; ``sent_at`` is set once it went out)."""
    delivery_owe(kind=Delivery.Kind.INVITATION, to_email=invitation.email, payload={"invitation": invitation.pk})
    return invitation


@transaction.atomic
def invitation_resend(*, invitation: Invitation, actor, as_support: bool = False) -> Invitation:
    """Send again with a fresh expiry; only for invitations nobody has answered yet.

    Members of the invited teams may resend; so may support staff (``as_support``: the portal has
    checked their permission and audits it)."""
    if invitation.accepted_at or invitation.declined_at:
        raise ValueError("That invitation was already answered.")
    if not as_support and not Membership.objects.filter(user=actor, team__in=invitation.teams.all()).exists():
        raise PermissionDenied("Only members of the invited teams resend.")
    invitation.expires_at = timezone.now() + INVITATION_LIFETIME
    invitation.save(update_fields=["expires_at"])
    return invitation_send(invitation=invitation)


def _pending(invitation: Invitation) -> Invitation:
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    state = invitation.state(timezone.now())
    if state != "pending":
        raise ValueError(f"This invitation is {state}.")
    return invitation


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user) -> list[Membership]:
    """The code is the secret: whoever holds it joins, whatever address they signed up with."""
    invitation = _pending(invitation)
    org_membership_add(organization=invitation.organization, user=user)
    memberships = [membership_add(team=team, user=user) for team in invitation.teams.all()]
    invitation.accepted_at, invitation.accepted_by = timezone.now(), user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    return memberships


@transaction.atomic
def invitation_decline(*, invitation: Invitation) -> Invitation:
    invitation = _pending(invitation)
    invitation.declined_at = timezone.now()
    invitation.save(update_fields=["declined_at"])
    return invitation
