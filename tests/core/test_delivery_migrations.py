"""The data steps of the delivery migrations, run on real rows: core 0011 turns the old claims table into the
outbox (claimed → sending, a resend still waiting → pending, owed and dispatched times from the claim, the
member's user on the row), and core 0012 has the sends already interrupted asked about on the next sweep."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from core.models import Membership

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE_OUTBOX = ("core", "0010_login_failures")
OUTBOX = ("core", "0011_delivery_outbox_every_email")
RECONCILIATION = ("core", "0012_delivery_provider_reconciliation")
CLAIMED = dt.datetime(2026, 11, 26, 17, 0, 5, tzinfo=dt.UTC)


def _migrate(target) -> object:
    """Migrate core to ``target``; the historical models there."""
    executor = MigrationExecutor(connection)
    executor.migrate([target])
    return MigrationExecutor(connection).loader.project_state([target]).apps


@pytest.fixture
def back_to_latest():
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_the_outbox_migration_keeps_every_claim_and_the_reconciliation_asks_about_interrupted_sends(
    team, bob, back_to_latest
):
    membership_id = Membership.objects.get(team=team, user=bob).pk
    Delivery = _migrate(BEFORE_OUTBOX).get_model("core", "Delivery")
    common = {"membership_id": membership_id, "claimed_at": CLAIMED, "to_email": "bob@example.com"}
    sent = Delivery.objects.create(
        kind="reminder", local_date=dt.date(2026, 11, 26), status="sent", attempts=1, **common
    )
    mid_send = Delivery.objects.create(
        kind="digest", local_date=dt.date(2026, 11, 26), status="claimed", attempts=1, **common
    )
    waiting_resend = Delivery.objects.create(
        kind="reminder", local_date=dt.date(2026, 11, 26), status="claimed", attempts=0, resend_of=sent, **common
    )
    resend_mid_send = Delivery.objects.create(
        kind="reminder", local_date=dt.date(2026, 11, 26), status="claimed", attempts=1, resend_of=sent, **common
    )

    Delivery = _migrate(OUTBOX).get_model("core", "Delivery")
    rows = {d.pk: d for d in Delivery.objects.all()}
    assert len(rows) == 4
    assert rows[sent.pk].status == "sent"
    assert rows[mid_send.pk].status == "sending" and rows[resend_mid_send.pk].status == "sending"
    assert rows[waiting_resend.pk].status == "pending"  # owed: the sweeper sends it
    for row in rows.values():
        assert row.created_at == CLAIMED and row.dispatched_at == CLAIMED and row.user_id == bob.pk
    # A send the old sweeper had already closed as interrupted, before the reconciler existed.
    Delivery.objects.filter(pk=mid_send.pk).update(status="interrupted")

    Delivery = _migrate(RECONCILIATION).get_model("core", "Delivery")
    rows = {d.pk: d for d in Delivery.objects.all()}
    assert rows[mid_send.pk].provider_check_after is not None and rows[mid_send.pk].provider_checks == 0
    assert all(rows[pk].provider_check_after is None for pk in (sent.pk, waiting_resend.pk, resend_mid_send.pk))
