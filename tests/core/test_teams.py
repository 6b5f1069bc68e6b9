"""Organizations, teams, roles, visibility and invitations."""

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from core.models import Membership, OrganizationMembership
from core.services.accounts import alternate_email_add, email_verify, user_signup
from core.services.invitations import invitation_accept, invitation_create, invitation_decline, invitation_resend
from core.services.teams import (
    membership_remove,
    membership_role_set,
    organization_update,
    team_create,
    team_join,
    team_update,
)


def test_the_creator_owns_the_organization_and_admins_the_team(alice):
    team = team_create(owner=alice, name="Rocket")
    assert OrganizationMembership.objects.get(user=alice, organization=team.organization).role == "owner"
    assert Membership.objects.get(user=alice, team=team).role == "admin"


def test_every_user_has_a_personal_log(alice):
    assert alice.memberships.get(team__is_personal=True).team.name == "Personal log"


def test_org_members_join_visible_teams_but_not_hidden_ones(alice, bob, team):
    visible = team_create(owner=alice, name="Open", organization=team.organization, visibility="visible")
    hidden = team_create(owner=alice, name="Secret", organization=team.organization)
    team_join(team=visible, user=bob)
    with pytest.raises(PermissionDenied):
        team_join(team=hidden, user=bob)


def test_outsiders_cannot_join_a_visible_team(alice, charlie, team):
    visible = team_create(owner=alice, name="Open", organization=team.organization, visibility="visible")
    with pytest.raises(PermissionDenied):
        team_join(team=visible, user=charlie)


def test_only_admins_change_settings_and_roles(alice, bob, team):
    with pytest.raises(PermissionDenied):
        team_update(team=team, actor=bob, name="Mine", visibility="visible", carry_over_goals=False)
    team_update(team=team, actor=alice, name="Rocket 2", visibility="visible", carry_over_goals=False)
    bob_membership = Membership.objects.get(team=team, user=bob)
    with pytest.raises(PermissionDenied):
        membership_role_set(membership=bob_membership, actor=bob, role="admin")
    membership_role_set(membership=bob_membership, actor=alice, role="admin")


def test_a_team_keeps_one_admin(alice, bob, team):
    Membership.objects.filter(team=team, user=alice).update(role="admin")
    OrganizationMembership.objects.filter(user=alice).update(role="member")
    with pytest.raises(ValueError, match="at least one admin"):
        membership_remove(membership=Membership.objects.get(team=team, user=alice), actor=alice)


def test_members_leave_and_admins_remove(alice, bob, charlie, team):
    with pytest.raises(PermissionDenied):
        membership_remove(membership=Membership.objects.get(team=team, user=alice), actor=bob)
    membership_remove(membership=Membership.objects.get(team=team, user=bob), actor=bob)
    assert not Membership.objects.filter(team=team, user=bob).exists()


def test_it_invites_by_email_and_accepts(alice, charlie, team, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invitation_create(
            organization=team.organization, teams=[team], email="Charlie@Example.com", actor=alice
        )
    assert mail.outbox[-1].to == ["charlie@example.com"]
    assert f"/invitations/{invitation.code}/" in mail.outbox[-1].body
    invitation_accept(invitation=invitation, user=charlie)
    assert Membership.objects.filter(team=team, user=charlie).exists()
    with pytest.raises(ValueError, match="accepted"):
        invitation_accept(invitation=invitation, user=charlie)


def test_it_refuses_expired_and_declined_invitations(alice, charlie, team):
    invitation = invitation_create(organization=team.organization, teams=[team], email="c@example.com", actor=alice)
    invitation.expires_at = timezone.now() - dt.timedelta(seconds=1)
    invitation.save()
    with pytest.raises(ValueError, match="expired"):
        invitation_accept(invitation=invitation, user=charlie)
    invitation_resend(invitation=invitation, actor=alice)  # a fresh expiry
    invitation_decline(invitation=invitation)
    with pytest.raises(ValueError, match="declined"):
        invitation_accept(invitation=invitation, user=charlie)


def test_only_members_invite_to_their_teams(charlie, team):
    with pytest.raises(PermissionDenied):
        invitation_create(organization=team.organization, teams=[team], email="x@example.com", actor=charlie)


def test_verified_company_addresses_auto_join(alice, team, django_capture_on_commit_callbacks):
    team_update(team=team, actor=alice, name=team.name, visibility="visible", carry_over_goals=True)
    with pytest.raises(ValueError, match="Verify an address"):
        organization_update(organization=team.organization, actor=alice, name="Acme", auto_join_domain="acme.test")
    with django_capture_on_commit_callbacks(execute=True):
        alternate_email_add(user=alice, actor=alice, email="alice@acme.test")
    email_verify(token=_token_in(mail.outbox[-1].body))
    organization_update(organization=team.organization, actor=alice, name="Acme", auto_join_domain="acme.test")

    with django_capture_on_commit_callbacks(execute=True):
        dana = user_signup(email="dana@acme.test", password="dana-password-1")
    assert not Membership.objects.filter(team=team, user=dana).exists()  # not before she proves the address
    email_verify(token=_token_in(mail.outbox[-1].body))
    assert Membership.objects.filter(team=team, user=dana).exists()


def _token_in(body: str) -> str:
    return body.split("/accounts/verify/", 1)[1].split("/", 1)[0]


def test_org_roles_follow_owner_and_admin_rules(alice, bob, team):
    from core.services.teams import org_role_set

    alice_om = OrganizationMembership.objects.get(user=alice, organization=team.organization)
    bob_om = OrganizationMembership.objects.get(user=bob, organization=team.organization)
    with pytest.raises(PermissionDenied):
        org_role_set(org_membership=bob_om, actor=bob, role="admin")
    org_role_set(org_membership=bob_om, actor=alice, role="admin")
    with pytest.raises(PermissionDenied, match="owners"):
        org_role_set(org_membership=alice_om, actor=bob, role="member")
    with pytest.raises(ValueError, match="one owner"):
        org_role_set(org_membership=alice_om, actor=alice, role="admin")
    org_role_set(org_membership=bob_om, actor=alice, role="owner")
    org_role_set(org_membership=alice_om, actor=alice, role="member")
    assert OrganizationMembership.objects.get(pk=alice_om.pk).role == "member"
