"""Delivery log, inbound log, audit log and the find box stay fast on big tables: no full count, and
every read an index can serve is served by one (checked on PostgreSQL's plans with sequential scans
priced out, so a query no index can serve still shows as a ``Seq Scan``)."""

import datetime as dt
import json

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.models import AlternateEmail, Delivery, Entry, InboundMessage, Membership, Team, User
from core.services.entries import entry_create
from ops.models import AuditRecord
from ops.services.audit import audit_record
from tests import mailgun
from tests.conftest import ON_POSTGRES, requires_postgres
from tests.ops.conftest import client_for

pytestmark = pytest.mark.django_db
BIG_TABLES = (
    "core_user",
    "core_alternateemail",
    "core_team",
    "core_entry",
    "core_inboundmessage",
    "core_delivery",
    "ops_auditrecord",
    "django_celery_results_taskresult",
)
LOGS = {
    "admin:core_delivery_changelist": [
        "",
        "?status__exact=failed",
        "?kind__exact=digest",
        "?q=alice@",
        "?q=<provider-1@mail>",
    ],
    "admin:core_inboundmessage_changelist": [
        "",
        "?outcome__exact=unknown_sender",
        "?esp__exact=mailgun",
        "?q=stranger@",
        "?q=<abc@mail.example.com>",
    ],
    "admin:ops_auditrecord_changelist": ["", "?result__exact=failed", "?action=delivery.resend", "?q=alice@"],
}


@pytest.fixture
def history(alice, bob, team, client):
    membership = Membership.objects.get(user=alice, team=team)
    now = timezone.now()
    for days_ago in range(1, 30):
        Delivery.objects.create(
            membership=membership,
            kind="digest",
            local_date=now.date() - dt.timedelta(days_ago),
            status="failed" if days_ago % 7 == 0 else "sent",
            claimed_at=now,
            to_email=alice.email,
            provider_message_id=f"<provider-{days_ago}@mail>",
        )
        audit_record(actor=None, action="delivery.resend", target=f"digest for {alice.email} {days_ago}")
    mailgun.post(client, mailgun.reply(sender="stranger@example.org", message_id="<abc@mail.example.com>"))
    AlternateEmail.objects.create(user=alice, email="archer@home.example")
    entry_create(author=alice, team=team, text="Something", occurred_on=now.date())


@pytest.mark.parametrize("name", LOGS)
def test_it_lists_each_log_without_counting_the_whole_table(sam, history, name):
    client = client_for(sam)
    for query in LOGS[name]:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse(name) + query)
        assert response.status_code == 200, query
        assert len(captured) <= 12, [q["sql"] for q in captured]
        table = name.split(":")[1].rsplit("_", 1)[0]
        counts = [q["sql"] for q in captured if "COUNT(" in q["sql"].upper() and table in q["sql"]]
        assert all("LIMIT" in sql.upper() for sql in counts), counts
        if ON_POSTGRES:  # filter choices by a loose index scan there (SQLite: a plain DISTINCT, small data)
            assert not any("DISTINCT" in q["sql"].upper() and table in q["sql"] for q in captured)


def test_it_finds_log_rows_by_address_id_and_target(sam, history):
    client = client_for(sam)
    deliveries = client.get(reverse("admin:core_delivery_changelist") + "?q=<provider-3@mail>").content.decode()
    assert "1 deliver" in deliveries
    inbound = client.get(reverse("admin:core_inboundmessage_changelist") + "?q=stranger@").content.decode()
    assert "stranger@example.org" in inbound
    audit = client.get(reverse("admin:ops_auditrecord_changelist") + "?q=digest for alice").content.decode()
    assert "29 audit" in audit
    assert 'href="?action=delivery.resend"' in client.get(reverse("admin:ops_auditrecord_changelist")).content.decode()


def _scans(captured) -> list[str]:
    """Reads of big tables no index condition bounds, in the plans of the captured SELECTs: a ``Seq Scan``,
    or an index walked end to end with no ``Limit`` above it."""
    found = []
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        for query in captured:
            sql = query["sql"]
            if not sql.lstrip().upper().startswith(("SELECT", "WITH")) or not any(t in sql for t in BIG_TABLES):
                continue
            cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
            plan = cursor.fetchone()[0]
            plan = json.loads(plan) if isinstance(plan, str) else plan
            found += [f"{node}: {sql}" for node in _unbounded(plan[0]["Plan"], limited=False)]
    return found


def _unbounded(node: dict, *, limited: bool) -> list[str]:
    table = node.get("Relation Name")
    kind = node["Node Type"]
    bad = []
    if table in BIG_TABLES:
        if kind == "Seq Scan" or (
            kind in ("Index Scan", "Index Only Scan") and "Index Cond" not in node and not limited
        ):
            bad.append(f"{kind} on {table}")
    limited = limited or kind == "Limit"
    return bad + [b for child in node.get("Plans", []) for b in _unbounded(child, limited=limited)]


def _crowd(team) -> None:
    """Enough rows that the planner judges the tables as big ones (and fresh statistics saying so)."""
    now = timezone.now()
    users = User.objects.bulk_create(
        User(email=f"member{n}@crowd.example", full_name=f"Member {n}", nickname=f"member{n}", password="!")
        for n in range(2000)
    )
    Team.objects.bulk_create(
        Team(organization=team.organization, name=f"Crowd {n}", slug=f"crowd-{n}") for n in range(1000)
    )
    AlternateEmail.objects.bulk_create(AlternateEmail(user=u, email=f"other-{u.email}") for u in users[:1000])
    memberships = Membership.objects.bulk_create(Membership(user=u, team=team) for u in users[:300])
    Entry.objects.bulk_create(
        Entry(team=team, author=m.user, text="x", occurred_on=now.date() - dt.timedelta(days=d))
        for m in memberships
        for d in range(10)
    )
    Delivery.objects.bulk_create(
        Delivery(
            membership=m,
            kind="reminder",
            local_date=now.date() - dt.timedelta(days=d),
            claimed_at=now,
            status="sent",
            to_email=m.user.email,
        )
        for m in memberships
        for d in range(10)
    )
    InboundMessage.objects.bulk_create(
        InboundMessage(
            message_id=f"<{n}@crowd.example>",
            received_at=now,
            from_email=f"member{n}@crowd.example",
            raw="",
            outcome="entries_created",
        )
        for n in range(2000)
    )
    AuditRecord.objects.bulk_create(
        AuditRecord(actor_label="x", action=f"crowd.{n % 20}", target=f"t{n}") for n in range(3000)
    )
    with connection.cursor() as cursor:
        for table in BIG_TABLES:
            cursor.execute(f"ANALYZE {table}")


@requires_postgres
def test_it_serves_the_find_box_the_person_page_and_the_logs_from_indexes(sam, history, alice, team):
    _crowd(team)
    client = client_for(sam)
    urls = [
        reverse("admin:ops_find") + f"?q={term}"
        for term in (
            "alice@example.com",
            "ALICE",
            "@alice",
            "archer@home",
            "rock",
            team.hash_id,
            "<abc@mail.example.com>",
            "0b0f7c43-4d6e-4d3a-9a59-4f0a4c8b8e11",
        )
    ]
    urls += [reverse("admin:ops_person", args=[alice.hash_id]), reverse("admin:ops_team", args=[team.hash_id])]
    urls += [reverse(name) + query for name, queries in LOGS.items() for query in queries]
    for url in urls:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code in (200, 302), url
        scans = _scans(captured)
        assert scans == [], "\n".join([url, *scans])
