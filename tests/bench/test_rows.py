"""Benchmark rows are written through the model's own columns: a column the bench does not name gets the
model's default, and a column that has none stops the bench with its name (the way bench/tick.py broke
when api_token_hash and eight other NOT NULL columns arrived)."""

import sys
from pathlib import Path

import pytest
from django.db import connection

from core.models import Membership, Organization, Team, User
from tests.conftest import requires_postgres

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from _rows import MissingColumn, insert_select  # noqa: E402

pytestmark = pytest.mark.django_db
SERIES = "FROM generate_series(%(first)s, %(last)s) AS g"
PEOPLE = {"password": "''", "email": "'row' || g || '@bench.test'", "hash_id": "'r' || g"}


def _insert(model, given, source, **params):
    sql, defaults = insert_select(model, given, source)
    with connection.cursor() as cursor:
        cursor.execute(sql, {**defaults, **params})


@requires_postgres  # generate_series is PostgreSQL's
def test_it_fills_every_column_the_bench_does_not_name_from_the_model():
    _insert(User, PEOPLE, SERIES, first=1, last=3)
    _insert(Organization, {"hash_id": "'ro'", "name": "'Rows'"}, "")
    _insert(
        Team,
        {"hash_id": "'rt'", "organization": "o.id", "name": "'Rows'", "slug": "'rows'"},
        "FROM core_organization o WHERE o.hash_id = 'ro'",
    )
    _insert(
        Membership,
        {"user": "u.id", "team": "t.id"},
        "FROM core_user u, core_team t WHERE u.email LIKE 'row%%' AND t.slug = 'rows'",
    )
    person = User.objects.get(email="row2@bench.test")
    assert (person.api_token_hash, person.time_zone, person.email_on_comment, person.is_active) == (
        "",
        "UTC",
        True,
        True,
    )
    assert person.date_joined is not None and person.last_login is None
    membership = Membership.objects.get(user=person)
    assert (membership.reminder_days, str(membership.digest_time), membership.role) == ("01234", "08:30:00", "member")
    assert membership.joined_at is not None and membership.next_reminder_at is None


def test_it_names_a_required_column_without_a_default():
    with pytest.raises(MissingColumn, match="User.email: NOT NULL without a default"):
        insert_select(User, {"password": "''", "hash_id": "'x'"}, SERIES)


def test_it_names_a_unique_column_whose_default_is_computed():
    with pytest.raises(MissingColumn, match="User.hash_id: unique with a computed default"):
        insert_select(User, {"password": "''", "email": "'x'"}, SERIES)


def test_it_refuses_a_field_the_model_does_not_have():
    with pytest.raises(MissingColumn, match="User has no field shoe_size"):
        insert_select(User, {**PEOPLE, "shoe_size": "42"}, SERIES)
