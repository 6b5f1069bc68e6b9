"""The portal shows deliveries and inbound messages read-only."""

import datetime as dt

from django.core.management import call_command
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
