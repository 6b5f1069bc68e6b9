"""The portal shows deliveries and inbound messages read-only."""

import datetime as dt

from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from core.models import Delivery, InboundMessage, Membership, User
from tests.ops.conftest import client_for


def test_it_lists_deliveries_and_inbound_messages_for_staff(client, team, bob):
    staff = User.objects.create_superuser(email="ops@example.com", password="ops-password-1")
    Delivery.objects.create(
        membership=Membership.objects.get(team=team, user=bob),
        kind=Delivery.Kind.REMINDER,
        local_date=dt.date(2026, 11, 26),
        claimed_at=timezone.now(),
        status=Delivery.Status.SENT,
        to_email="bob@example.com",
    )
    InboundMessage.objects.create(message_id="<x@y>", received_at=timezone.now(), from_email="bob@example.com", raw="")
    client.force_login(staff)
    deliveries = client.get("/admin/core/delivery/")
    assert deliveries.status_code == 200 and "bob@example.com" in deliveries.content.decode()
    inbound = client.get("/admin/core/inboundmessage/")
    assert inbound.status_code == 200 and "bob@example.com" in inbound.content.decode()
    assert client.get(f"/admin/core/delivery/{Delivery.objects.get(kind='reminder').pk}/change/").status_code == 200
    assert client.post("/admin/core/delivery/add/").status_code == 403


def test_the_portal_calls_entries_entries(root):
    page = client_for(root).get("/admin/").content.decode()
    assert ">Entries<" in page and "Entrys" not in page


def test_models_and_migrations_agree(db):
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)  # exits non-zero on a missing migration


def test_it_names_deliveries_in_the_plural_correctly(db):
    assert str(Delivery._meta.verbose_name_plural) == "deliveries"
    staff = User.objects.create_superuser(email="ops@example.com", password="ops-password-1")
    page = client_for(staff).get("/admin/").content.decode()
    assert "Deliveries" in page and "Deliverys" not in page


def test_the_person_page_says_how_each_send_cut_off_mid_send_was_settled(sam, alice, team):
    membership = Membership.objects.get(team=team, user=alice)
    today = timezone.now().date()
    rows = {
        answer: Delivery.objects.create(
            membership=membership,
            user=alice,
            kind=Delivery.Kind.REMINDER,
            local_date=today - dt.timedelta(days=n),
            status=status,
            provider_answer=answer,
            provider_checks=checks,
            provider_check_after=after,
            error=error,
        )
        for n, (answer, status, checks, after, error) in enumerate(
            [
                ("accepted", "sent", 1, None, ""),
                ("not_accepted", "sent", 1, None, ""),
                ("unknown", "interrupted", 2, timezone.now(), "… asking again at 10:00 UTC, 2 of 12"),
                ("", "interrupted", 12, None, "… the provider could not tell after 12 questions; left to support"),
            ]
        )
    }
    Delivery.objects.filter(pk=rows[""].pk).update(provider_answer="unknown")
    page = client_for(sam).get(reverse("admin:ops_person", args=[alice.hash_id])).content.decode()
    log = page.split('id="deliveries"')[1].split('id="inbound"')[0]

    def cell(delivery):
        return log.split(f'data-delivery="{delivery.pk}"')[1].split("</tr>")[0]

    assert "Cut off mid-send; the provider confirmed it had taken it." in cell(rows["accepted"])
    assert "the provider never got it, so it was sent again." in cell(rows["not_accepted"])
    assert "could not tell." in cell(rows["unknown"]) and "2 of 12" in cell(rows["unknown"])
    assert "could not tell: resend it if they did not get it." in cell(rows[""])
    assert 'class="ops-badge interrupted"' in cell(rows[""])
    listing = client_for(sam).get("/admin/core/delivery/").content.decode()
    assert "cut off mid-send; the provider never got it" in listing
