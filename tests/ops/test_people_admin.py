"""People changed in the portal go through the product's services, audited old → new, secrets masked.

Each change is POSTed to the real user change form or action as a staff member of each role and
compared with what the product's own service produced for the same change on a twin account.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from core.models import AlternateEmail, Membership, User
from core.services.accounts import alternate_email_add, user_api_token_reset, user_profile_update
from ops.masking import MASK
from ops.models import AuditRecord
from tests.ops.admin_forms import change_form_data
from tests.ops.conftest import client_for

pytestmark = pytest.mark.django_db

THURSDAY_NOON = dt.datetime(2026, 11, 26, 12, 0, tzinfo=dt.UTC)
AUCKLAND = ZoneInfo("Pacific/Auckland")


def _url(user) -> str:
    return reverse("admin:core_user_change", args=[user.pk])


def _post(staff, user, **changes):
    client = client_for(staff)
    return client.post(_url(user), change_form_data(client, _url(user), **changes))


def _times(user) -> list[tuple]:
    memberships = Membership.objects.filter(user=user).order_by("team__is_personal")
    return list(memberships.values_list("next_reminder_at", "next_digest_at"))


@pytest.mark.parametrize("persona", ["sam", "dev", "root"])
@time_machine.travel(THURSDAY_NOON, tick=False)
def test_it_moves_alices_reminder_to_17_auckland_time_when_staff_change_her_time_zone(
    request, persona, team, alice, bob
):
    staff = request.getfixturevalue(persona)
    before = Membership.objects.get(team=team, user=alice).next_reminder_at
    response = _post(staff, alice, time_zone="Pacific/Auckland")
    assert response.status_code == 302

    alice.refresh_from_db()
    assert alice.time_zone == "Pacific/Auckland"
    reminder, digest = Membership.objects.values_list("next_reminder_at", "next_digest_at").get(team=team, user=alice)
    # Thursday 12:00 UTC is Friday 01:00 in Auckland: her next reminder is Friday 17:00 there.
    assert reminder == dt.datetime(2026, 11, 27, 4, 0, tzinfo=dt.UTC)
    assert reminder.astimezone(AUCKLAND).time() == dt.time(17, 0)
    assert digest == dt.datetime(2026, 11, 26, 19, 30, tzinfo=dt.UTC)  # Friday 08:30 in Auckland

    user_profile_update(
        user=bob, actor=bob, full_name=bob.full_name, nickname=bob.nickname, time_zone="Pacific/Auckland"
    )  # the product's settings page, same moment
    assert _times(alice) == _times(bob)

    row = AuditRecord.objects.get(action="core.user.change")
    assert (row.actor, row.target) == (staff, f"user {alice.pk}: Alice Archer")
    changes = row.parameters["changes"]
    assert changes["time_zone"] == {"old": "UTC", "new": "Pacific/Auckland"}
    assert changes["schedules.Rocket.next_reminder_at"] == {
        "old": before.isoformat().replace("+00:00", "Z"),
        "new": "2026-11-27T04:00:00Z",
    }
    assert changes.keys() <= {
        "time_zone",
        "schedules.Rocket.next_reminder_at",
        "schedules.Rocket.next_digest_at",
        "schedules.Personal log.next_reminder_at",
        "schedules.Personal log.next_digest_at",
    }


def test_it_refuses_staff_without_a_role_and_changes_nothing(stan, sam, alice):
    data = change_form_data(client_for(sam), _url(alice), time_zone="Pacific/Auckland")
    assert client_for(stan).post(_url(alice), data).status_code == 403
    alice.refresh_from_db()
    assert alice.time_zone == "UTC" and not AuditRecord.objects.exists()


def test_it_shows_a_taken_nickname_as_a_field_error(sam, alice, bob):
    response = _post(sam, alice, nickname=bob.nickname)
    assert response.status_code == 200
    assert "That nickname is taken." in response.content.decode()
    alice.refresh_from_db()
    assert alice.nickname != bob.nickname and not AuditRecord.objects.exists()


def test_it_changes_notification_emails_through_the_service(sam, alice):
    assert alice.email_on_comment
    assert _post(sam, alice, email_on_comment=None, email_on_like="on").status_code == 302
    alice.refresh_from_db()
    assert (alice.email_on_comment, alice.email_on_like) == (False, True)
    changes = AuditRecord.objects.get(actor=sam).parameters["changes"]
    assert changes == {"email_on_comment": {"old": True, "new": False}, "email_on_like": {"old": False, "new": True}}


def test_it_keeps_staff_flags_for_superusers_and_audits_them(sam, root, bob):
    assert _post(sam, bob, is_staff="on", is_superuser="on").status_code == 302
    bob.refresh_from_db()
    assert not bob.is_staff and not bob.is_superuser  # read-only for support: ignored

    assert _post(root, bob, is_staff="on").status_code == 302
    bob.refresh_from_db()
    assert bob.is_staff
    assert AuditRecord.objects.get(actor=root).parameters["changes"] == {"is_staff": {"old": False, "new": True}}


def test_it_never_shows_or_sets_a_password_for_support(sam, root, bob):
    page = client_for(sam).get(_url(bob))
    password_url = reverse("admin:auth_user_password_change", args=[bob.pk])
    assert "password" not in page.context["adminform"].form.fields
    assert password_url not in page.content.decode() and bob.password not in page.content.decode()
    assert client_for(sam).get(password_url).status_code == 403
    assert client_for(root).get(password_url).status_code == 200  # break-glass, audited


def test_it_revokes_an_api_token_without_ever_showing_it(sam, stan, alice):
    old_token = user_api_token_reset(user=alice, actor=alice)
    old_hash = User.objects.get(pk=alice.pk).api_token_hash
    changelist = reverse("admin:core_user_changelist")
    action = {"action": "api_token_revoke", "_selected_action": [alice.pk]}
    assert client_for(stan).post(changelist, action).status_code == 403

    response = client_for(sam).post(changelist, action, follow=True)

    alice.refresh_from_db()
    assert alice.api_token_hash and alice.api_token_hash != old_hash
    page = response.content.decode() + client_for(sam).get(_url(alice)).content.decode()
    assert old_token not in page and alice.api_token_hash not in page
    row = AuditRecord.objects.get(action="core.user.api_token_reset")
    assert row.actor == sam and row.parameters["changes"] == {"api_token_hash": MASK}


def test_it_adds_and_removes_other_addresses_through_the_services(sam, dev, alice, django_capture_on_commit_callbacks):
    response = _post(sam, alice, add_address="alice@work.example")
    assert response.status_code == 302 and not AlternateEmail.objects.exists()  # not support's to add

    with django_capture_on_commit_callbacks(execute=True):
        assert _post(dev, alice, add_address="Alice@Work.example").status_code == 302
    alternate = AlternateEmail.objects.get(user=alice)
    assert (alternate.email, alternate.verified_at) == ("alice@work.example", None)
    assert [m.to for m in mail.outbox] == [["alice@work.example"]]  # the verification link, as in the product
    changes = AuditRecord.objects.get(actor=dev).parameters["changes"]
    assert changes["alternate_emails"] == {"old": [], "new": ["alice@work.example"]}

    assert _post(dev, alice, **{"alternate_emails-0-DELETE": "on"}).status_code == 302
    assert not AlternateEmail.objects.exists()


def test_it_refuses_an_address_already_in_use_with_a_message(dev, alice, bob):
    alternate_email_add(user=bob, actor=bob, email="shared@example.com")
    response = _post(dev, alice, add_address="shared@example.com", full_name="Changed")
    assert [str(m) for m in response.wsgi_request._messages] == ["Nothing was changed: That address is already in use."]
    alice.refresh_from_db()
    assert alice.full_name == "Alice Archer"  # the profile change in the same form rolled back too


def test_it_audits_a_superusers_change_to_a_role_group(root, sam):
    from django.contrib.auth.models import Group, Permission

    support = Group.objects.get(name="Support")
    url = reverse("admin:auth_group_change", args=[support.pk])
    extra = Permission.objects.get(codename="delete_entry")
    wanted = [*support.permissions.values_list("pk", flat=True), extra.pk]
    assert client_for(sam).post(url, {"name": "Support", "permissions": wanted}).status_code == 403
    assert client_for(root).post(url, {"name": "Support", "permissions": wanted}).status_code == 302
    changes = AuditRecord.objects.get(action="auth.group.change").parameters["changes"]
    assert extra.pk in changes["permissions"]["new"] and extra.pk not in changes["permissions"]["old"]


def test_it_makes_an_account_added_in_the_portal_as_sign_up_makes_it(root, sam):
    from core.models import Delivery, Membership

    url = reverse("admin:core_user_add")
    form = {"email": "dora@example.com", "password1": "a-Long-pass-123x", "password2": "a-Long-pass-123x",
            "usable_password": "true", "alternate_emails-TOTAL_FORMS": 0, "alternate_emails-INITIAL_FORMS": 0}
    assert client_for(sam).post(url, form).status_code == 403
    response = client_for(root).post(url, form)
    dora = User.objects.get(email="dora@example.com")
    assert response.status_code == 302 and response["Location"] == reverse("admin:core_user_change", args=[dora.pk])
    assert dora.check_password("a-Long-pass-123x") and dora.nickname == "dora"
    assert Membership.objects.filter(user=dora, team__is_personal=True).exists()  # her personal log, as at sign-up
    assert Delivery.objects.filter(user=dora, kind=Delivery.Kind.VERIFICATION).exists()
    assert AuditRecord.objects.filter(action="core.user.add", actor=root).exists()


def test_it_makes_a_portal_account_without_a_password_unusable_not_empty(root):
    form = {"email": "erin@example.com", "usable_password": "false",
            "alternate_emails-TOTAL_FORMS": 0, "alternate_emails-INITIAL_FORMS": 0}
    assert client_for(root).post(reverse("admin:core_user_add"), form).status_code == 302
    erin = User.objects.get(email="erin@example.com")
    assert not erin.has_usable_password() and not erin.check_password("")


def test_it_lets_only_superusers_change_a_staff_account(sam, dev, root, alice):
    """Support changing a superuser's profile, adding an address to it (replies from there post as them) or
    revoking its token would be a step up: staff accounts are view-only below superuser."""
    for staff in (sam, dev):
        page = client_for(staff).get(_url(root))
        assert page.status_code == 200 and "Change user" not in page.content.decode()  # the view-only page
        assert not page.context["has_change_permission"]
        client_for(staff).post(_url(root), {"full_name": "Pwned", "nickname": "pwned", "time_zone": "UTC"})
        root.refresh_from_db()
        assert root.full_name != "Pwned"
    dev_before = User.objects.get(pk=dev.pk).api_token_hash
    root_token = user_api_token_reset(user=root, actor=root)
    root_hash = User.objects.get(pk=root.pk).api_token_hash
    action = {"action": "api_token_revoke", "_selected_action": [root.pk, dev.pk, alice.pk]}
    answer = client_for(sam).post(reverse("admin:core_user_changelist"), action, follow=True)
    assert "token is revoked by a superuser" in answer.content.decode()  # the refusal, said
    assert User.objects.get(pk=root.pk).api_token_hash == root_hash and root_token
    assert User.objects.get(pk=dev.pk).api_token_hash == dev_before
    revoked = AuditRecord.objects.filter(action="core.user.api_token_reset", actor=sam, result="ok")
    assert revoked.count() == 1  # alice's

    # A superuser still changes staff accounts.
    assert _post(root, sam, full_name="Sam Support").status_code == 302
    sam.refresh_from_db()
    assert sam.full_name == "Sam Support"
