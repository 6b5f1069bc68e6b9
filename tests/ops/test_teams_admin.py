"""Teams and memberships changed in the portal go through the product's services, audited old → new.

Each change is POSTed to the real admin form or action as a staff member of each role, and the result
is compared with what the product's own service produced for the same change on a twin membership.
"""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from core.models import Entry, Membership
from core.services.deliveries import deliveries_claim_due
from core.services.entries import entry_create, goal_complete
from core.services.schedules import membership_emails_pause, membership_emails_restore, membership_emails_resume
from ops.models import AuditRecord
from tests.ops.admin_forms import change_form_data
from tests.ops.conftest import client_for

pytestmark = pytest.mark.django_db

THURSDAY_NOON = dt.datetime(2026, 11, 26, 12, 0, tzinfo=dt.UTC)
UTC = dt.UTC


def _membership(team, user) -> Membership:
    return Membership.objects.select_related("user", "team").get(team=team, user=user)


def _times(membership: Membership) -> tuple:
    membership.refresh_from_db()
    return membership.next_reminder_at, membership.next_digest_at


def _change_url(membership: Membership) -> str:
    return reverse("admin:core_membership_change", args=[membership.pk])


def _post_change(client, membership: Membership, **changes):
    url = _change_url(membership)
    return client.post(url, change_form_data(client, url, **changes))


def _staff(request, name: str):
    return request.getfixturevalue(name)


@pytest.mark.parametrize("persona", ["sam", "dev", "root"])
@time_machine.travel(THURSDAY_NOON, tick=False)
def test_it_resumes_paused_emails_with_next_times_as_the_product_computes_them(request, persona, team, alice, bob):
    staff = _staff(request, persona)
    mine, twin = _membership(team, bob), _membership(team, alice)
    for membership in (mine, twin):
        membership_emails_pause(membership=membership, actor=membership.user)
    assert _times(mine) == (None, None)

    response = _post_change(client_for(staff), mine, emails_paused=None)  # untick "Emails paused"

    assert response.status_code == 302
    membership_emails_resume(membership=twin, actor=alice)  # the product's own resume, same moment
    mine.refresh_from_db()
    assert not mine.emails_paused
    assert (
        _times(mine)
        == _times(twin)
        == (
            dt.datetime(2026, 11, 26, 17, 0, tzinfo=UTC),  # 17:00 UTC today (a Thursday)
            dt.datetime(2026, 11, 27, 8, 30, tzinfo=UTC),
        )
    )
    row = AuditRecord.objects.get(action="core.membership.change")
    assert row.actor == staff and row.target == f"membership {mine.pk}: {mine}"
    assert row.parameters["changes"]["emails_paused"] == {"old": True, "new": False}
    assert row.parameters["changes"]["next_reminder_at"] == {"old": None, "new": "2026-11-26T17:00:00Z"}


@time_machine.travel(THURSDAY_NOON, tick=False)
def test_it_pauses_and_resumes_from_the_list_actions_through_the_services(sam, team, alice, bob):
    mine, twin = _membership(team, bob), _membership(team, alice)
    client = client_for(sam)
    changelist = reverse("admin:core_membership_changelist")

    client.post(changelist, {"action": "emails_pause", "_selected_action": [mine.pk]})
    assert _times(mine) == (None, None) and mine.emails_paused
    client.post(changelist, {"action": "emails_resume", "_selected_action": [mine.pk]})

    membership_emails_pause(membership=twin, actor=alice)
    membership_emails_resume(membership=twin, actor=alice)
    assert _times(mine) == _times(twin) and mine.next_reminder_at is not None
    assert list(AuditRecord.objects.order_by("id").values_list("action", "actor__email")) == [
        ("core.membership.pause", "sam@idonethis.test"),
        ("core.membership.resume", "sam@idonethis.test"),
    ]


def _throttled_by_the_tick(*memberships: Membership, now: dt.datetime) -> None:
    """A week and more without entries: the daily loop's own tick throttles them."""
    pks = [m.pk for m in memberships]
    Membership.objects.filter(pk__in=pks).update(joined_at=now - dt.timedelta(days=30), next_reminder_at=now)
    deliveries_claim_due(enqueue=lambda **_: None, now=now)
    assert all(m.emails_throttled for m in Membership.objects.filter(pk__in=pks))


@pytest.mark.parametrize("how", ["untick", "action"])
def test_it_unthrottles_so_that_the_next_tick_leaves_it_unthrottled(sam, team, alice, bob, how):
    mine, twin = _membership(team, bob), _membership(team, alice)
    with time_machine.travel(THURSDAY_NOON, tick=False):
        _throttled_by_the_tick(mine, twin, now=THURSDAY_NOON)
    restored_at = THURSDAY_NOON + dt.timedelta(hours=1)
    with time_machine.travel(restored_at, tick=False):
        client = client_for(sam)
        if how == "untick":
            assert _post_change(client, mine, emails_throttled=None).status_code == 302
        else:
            client.post(
                reverse("admin:core_membership_changelist"), {"action": "emails_restore", "_selected_action": [mine.pk]}
            )
        membership_emails_restore(membership=twin, actor=alice)

    mine.refresh_from_db()
    assert (mine.emails_throttled, mine.emails_restored_at) == (False, restored_at)
    assert _times(mine) == _times(twin)
    row = AuditRecord.objects.get(actor=sam)
    assert row.parameters["changes"]["emails_throttled"] == {"old": True, "new": False}
    assert row.parameters["changes"]["emails_restored_at"] == {"old": None, "new": "2026-11-26T13:00:00Z"}

    # The next tick, when her reminder is due, still finds her active: daily emails go on.
    due = mine.next_reminder_at
    deliveries_claim_due(enqueue=lambda **_: None, now=due)
    mine.refresh_from_db()
    assert not mine.emails_throttled
    assert mine.next_reminder_at == due + dt.timedelta(days=1)  # Thursday 17:00 → Friday 17:00, not next week


def test_it_refuses_to_throttle_by_hand(sam, team, bob):
    mine = _membership(team, bob)
    response = _post_change(client_for(sam), mine, emails_throttled="on")
    assert response.status_code == 200
    assert "only be lifted" in response.content.decode()
    mine.refresh_from_db()
    assert not mine.emails_throttled and not AuditRecord.objects.exists()


@time_machine.travel(THURSDAY_NOON, tick=False)
def test_it_changes_a_schedule_as_the_settings_page_would(sam, team, alice, bob):
    mine = _membership(team, bob)
    before = mine.next_reminder_at.isoformat().replace("+00:00", "Z")
    response = _post_change(client_for(sam), mine, reminder_days=["0", "2"], reminder_time="18:15")
    assert response.status_code == 302
    mine.refresh_from_db()
    assert (mine.reminder_days, mine.reminder_time) == ("02", dt.time(18, 15))
    assert mine.next_reminder_at == dt.datetime(2026, 11, 30, 18, 15, tzinfo=UTC)  # next Monday
    changes = AuditRecord.objects.get(actor=sam).parameters["changes"]
    assert changes["reminder_time"] == {"old": "17:00:00", "new": "18:15:00"}
    assert changes["next_reminder_at"] == {"old": before, "new": "2026-11-30T18:15:00Z"}


def test_it_lets_developers_set_roles_and_not_support(sam, dev, team, bob):
    mine = _membership(team, bob)
    assert _post_change(client_for(sam), mine, role="admin").status_code == 302
    mine.refresh_from_db()
    assert mine.role == "member"  # read-only for support: the posted value is ignored

    assert _post_change(client_for(dev), mine, role="admin").status_code == 302
    mine.refresh_from_db()
    assert mine.role == "admin"
    row = AuditRecord.objects.filter(actor=dev).get()
    assert row.parameters["changes"] == {"role": {"old": "member", "new": "admin"}}


def test_it_rolls_back_the_whole_form_when_a_service_refuses(dev, team, alice):
    mine = _membership(team, alice)  # the only admin
    before = _times(mine)
    response = _post_change(client_for(dev), mine, role="member", reminder_time="19:00")
    assert response.status_code == 302
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == ["Nothing was changed: A team keeps at least one admin."]
    mine.refresh_from_db()
    assert (mine.role, mine.reminder_time, _times(mine)) == ("admin", dt.time(17, 0), before)
    row = AuditRecord.objects.get()
    assert (row.result, row.detail) == ("failed", "A team keeps at least one admin.")


def test_it_refuses_staff_without_a_role_and_changes_nothing(stan, sam, team, bob):
    mine = _membership(team, bob)
    url = _change_url(mine)
    data = change_form_data(client_for(sam), url, emails_paused="on")
    assert client_for(stan).post(url, data).status_code == 403
    changelist = reverse("admin:core_membership_changelist")
    assert (
        client_for(stan).post(changelist, {"action": "emails_pause", "_selected_action": [mine.pk]}).status_code == 403
    )
    mine.refresh_from_db()
    assert not mine.emails_paused and mine.next_reminder_at is not None
    assert not AuditRecord.objects.exists()


def test_it_answers_403_for_an_action_the_role_is_not_offered(stan, team, bob):
    from django.contrib.auth.models import Permission

    stan.user_permissions.add(Permission.objects.get(codename="view_membership"))
    mine = _membership(team, bob)
    response = client_for(stan).post(
        reverse("admin:core_membership_changelist"), {"action": "emails_pause", "_selected_action": [mine.pk]}
    )
    assert response.status_code == 403
    mine.refresh_from_db()
    assert not mine.emails_paused


def test_it_removes_a_member_through_the_service(sam, dev, team, alice, bob):
    mine, admin_membership = _membership(team, bob), _membership(team, alice)
    url = reverse("admin:core_membership_delete", args=[mine.pk])
    assert client_for(sam).post(url, {"post": "yes"}).status_code == 403
    assert client_for(dev).post(url, {"post": "yes"}).status_code == 302
    assert not Membership.objects.filter(pk=mine.pk).exists()
    assert AuditRecord.objects.get(action="core.membership.delete").actor == dev

    last_admin = reverse("admin:core_membership_delete", args=[admin_membership.pk])
    response = client_for(dev).post(last_admin, {"post": "yes"})
    assert response.status_code == 302
    assert Membership.objects.filter(pk=admin_membership.pk).exists()
    assert AuditRecord.objects.filter(action="core.membership.delete", result="failed").count() == 1


def test_it_adds_no_member_from_the_portal(root, team):
    assert client_for(root).get(reverse("admin:core_membership_add")).status_code == 403


def test_it_changes_team_settings_through_team_update(sam, dev, team):
    url = reverse("admin:core_team_change", args=[team.pk])
    data = change_form_data(client_for(dev), url, name="Rocket Ops", reminder_prompt="  What   shipped? ")
    assert client_for(sam).post(url, data).status_code == 403
    assert client_for(dev).post(url, data).status_code == 302
    team.refresh_from_db()
    assert (team.name, team.reminder_prompt) == ("Rocket Ops", "What shipped?")  # normalised by the service
    changes = AuditRecord.objects.get(action="core.team.change").parameters["changes"]
    assert changes["name"] == {"old": "Rocket", "new": "Rocket Ops"}


def test_it_keeps_a_personal_log_private_with_a_clear_message(dev, alice):
    personal = Membership.objects.get(user=alice, team__is_personal=True).team
    url = reverse("admin:core_team_change", args=[personal.pk])
    response = client_for(dev).post(url, change_form_data(client_for(dev), url, visibility="visible"))
    assert response.status_code == 302
    assert [str(m) for m in response.wsgi_request._messages] == ["Nothing was changed: A personal log stays private."]
    personal.refresh_from_db()
    assert personal.visibility == "hidden"


def test_it_deletes_an_entry_through_entry_delete(sam, dev, team, bob):
    goal = entry_create(author=bob, team=team, text="[ ] ship it")
    done = goal_complete(goal=goal, actor=bob)
    url = reverse("admin:core_entry_delete", args=[done.pk])
    assert client_for(sam).post(url, {"post": "yes"}).status_code == 403
    assert client_for(dev).post(url, {"post": "yes"}).status_code == 302
    assert not Entry.objects.filter(pk=done.pk).exists()
    goal.refresh_from_db()
    assert goal.completed_on is None  # the service re-opened the goal
    assert client_for(dev).post(reverse("admin:core_entry_change", args=[goal.pk]), {"text": "x"}).status_code == 403
