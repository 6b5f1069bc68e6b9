"""Who may change whose data: the person themself, team admins, or staff holding the permission."""

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied

from core.models import Membership, User
from core.services.accounts import user_profile_update
from core.services.schedules import membership_emails_pause
from core.services.teams import membership_role_set, team_update

pytestmark = pytest.mark.django_db


def _staff(*codenames: str, active: bool = True) -> User:
    user = User.objects.create_user(
        email=f"staff-{User.objects.count()}@idonethis.test", is_staff=True, is_active=active
    )
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return User.objects.get(pk=user.pk)  # permissions are cached per object


def test_it_lets_only_the_person_or_permitted_staff_change_a_profile(alice, bob):
    with pytest.raises(PermissionDenied):
        user_profile_update(user=alice, actor=bob, full_name="x", nickname="", time_zone="UTC")
    with pytest.raises(PermissionDenied):
        user_profile_update(user=alice, actor=_staff(), full_name="x", nickname="", time_zone="UTC")
    with pytest.raises(PermissionDenied):
        user_profile_update(
            user=alice, actor=_staff("change_user", active=False), full_name="x", nickname="", time_zone="UTC"
        )
    user_profile_update(user=alice, actor=_staff("change_user"), full_name="Al", nickname="", time_zone="UTC")
    assert User.objects.get(pk=alice.pk).full_name == "Al"


def test_it_lets_a_teammate_not_pause_someone_elses_emails(team, alice, bob):
    membership = Membership.objects.get(team=team, user=bob)
    with pytest.raises(PermissionDenied):
        membership_emails_pause(membership=membership, actor=alice)  # even their team admin
    membership_emails_pause(membership=membership, actor=_staff("change_membership"))
    assert Membership.objects.get(pk=membership.pk).emails_paused


def test_it_admits_staff_as_team_admin_only_with_change_team(team, bob):
    membership = Membership.objects.get(team=team, user=bob)
    with pytest.raises(PermissionDenied):
        membership_role_set(membership=membership, actor=_staff("change_membership"), role="admin")
    membership_role_set(membership=membership, actor=_staff("change_team"), role="admin")
    team_update(team=team, actor=_staff("change_team"), name="Rocket 2", visibility="hidden", carry_over_goals=True)
    assert Membership.objects.get(pk=membership.pk).role == "admin"
