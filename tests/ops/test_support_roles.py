"""Role matrix for the support tools: every page and action, for support, developer, superuser, staff
without a role (403) and people who are not staff (sent to the admin login)."""

import datetime as dt

import pytest
from django.urls import get_resolver, reverse
from django.utils import timezone

from core.models import Delivery, InboundMessage, Invitation, Membership
from ops.models import AuditRecord
from tests import mailgun
from tests.ops.conftest import client_for

pytestmark = pytest.mark.django_db
OK, FORBIDDEN = 200, 403


@pytest.fixture
def things(alice, team, client):
    membership = Membership.objects.get(user=alice, team=team)
    delivery = Delivery.objects.create(
        membership=membership,
        kind="digest",
        local_date=timezone.now().date(),
        status="failed",
        claimed_at=timezone.now(),
    )
    mailgun.post(client, mailgun.reply(sender="stranger@example.org"))
    invitation = Invitation.objects.create(
        organization=team.organization, email="dora@example.com", expires_at=timezone.now() + dt.timedelta(days=3)
    )
    return {
        "alice": alice,
        "team": team,
        "membership": membership,
        "delivery": delivery,
        "inbound": InboundMessage.objects.get(),
        "invitation": invitation,
    }


def _requests(t):
    """(label, method, url, data) for every support page and action; POSTs without ``confirmed`` ask first."""
    return [
        ("find", "get", reverse("admin:ops_find"), {"q": "nothing-matches-this"}),
        ("person", "get", reverse("admin:ops_person", args=[t["alice"].hash_id]), {}),
        ("team", "get", reverse("admin:ops_team", args=[t["team"].hash_id]), {}),
        ("inbound", "get", reverse("admin:ops_inbound", args=[t["inbound"].pk]), {}),
        ("deliveries", "get", reverse("admin:core_delivery_changelist"), {}),
        ("inbound log", "get", reverse("admin:core_inboundmessage_changelist"), {}),
        ("resend", "post", reverse("admin:ops_support_resend"), {"delivery": t["delivery"].pk}),
        ("pause", "post", reverse("admin:ops_support_emails"), {"membership": t["membership"].pk, "change": "pause"}),
        ("invitation", "post", reverse("admin:ops_support_invitation"), {"invitation": t["invitation"].pk}),
        ("password reset", "post", reverse("admin:ops_support_password_reset"), {"user": t["alice"].hash_id}),
        ("reprocess", "post", reverse("admin:ops_support_reprocess"), {"inbound": t["inbound"].pk}),
        ("unlock login", "post", reverse("admin:ops_support_unlock"), {"user": t["alice"].hash_id}),
    ]


def test_it_gives_support_developers_and_superusers_every_support_page_and_action(sam, dev, root, things):
    for user in (sam, dev, root):
        client = client_for(user)
        for label, method, url, data in _requests(things):
            response = getattr(client, method)(url, data)
            assert response.status_code == OK, f"{user.email} {label}"
            if method == "post":
                assert "data-question" in response.content.decode(), f"{user.email} {label} asks first"
    assert not AuditRecord.objects.exists()  # asking is not doing


def test_it_refuses_staff_without_a_role_every_support_page_and_action(stan, things):
    client = client_for(stan)
    for label, method, url, data in _requests(things):
        assert getattr(client, method)(url, {**data, "confirmed": "yes"}).status_code == FORBIDDEN, label
    assert not AuditRecord.objects.exists()
    things["membership"].refresh_from_db()
    assert not things["membership"].emails_paused


def test_it_sends_people_who_are_not_staff_to_the_admin_login(things):
    client = client_for(things["alice"])
    for label, method, url, data in _requests(things):
        response = getattr(client, method)(url, {**data, "confirmed": "yes"})
        assert response.status_code == 302 and reverse("admin:login") in response["Location"], label
    assert not AuditRecord.objects.exists()


def test_it_gives_support_no_way_to_act_as_a_person_or_learn_their_secrets(sam, things):
    alice = things["alice"]
    routes = " ".join(str(p) for p in get_resolver().reverse_dict.keys() if isinstance(p, str))
    assert not any(word in routes for word in ("impersonate", "hijack", "login_as", "view_as", "loginas"))
    page = client_for(sam).get(reverse("admin:ops_person", args=[alice.hash_id])).content.decode()
    assert alice.password not in page and "as this user" not in page.lower()
    # Setting someone's password is not support's to do (they send a reset email instead).
    assert client_for(sam).get(reverse("admin:auth_user_password_change", args=[alice.pk])).status_code == FORBIDDEN
