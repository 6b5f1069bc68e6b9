"""Rows inserted without a model instance (core/rows.py) are the rows the ORM would write."""

import datetime as dt

import pytest
from django.forms.models import model_to_dict
from django.utils import timezone

from core.models import Entry, InboundMessage, InboundToken
from core.rows import Row, insert_unless_present


def _values(**overrides) -> dict:
    now = timezone.now()
    return {
        "received_at": now,
        "esp": "mailgun",
        "from_email": "bob@example.com",
        "mime": b"From: bob@example.com\n\n\xff raw bytes",
        "esp_fields": {"envelope_recipient": "rocket@in.idonethis.test"},
        "parse_dispatched_at": now,
        **overrides,
    }


def test_it_writes_the_row_the_orm_would_write_with_every_other_field_at_its_default(db):
    values = _values()
    by_orm = InboundMessage.objects.create(message_id="<orm@example.com>", **values)
    inserted = insert_unless_present(Row(InboundMessage, message_id="<row@example.com>", **values))
    by_row = InboundMessage.objects.get(pk=inserted)
    ignore = {"id", "message_id"}
    as_dict = lambda row: {k: v for k, v in model_to_dict(row).items() if k not in ignore}  # noqa: E731
    assert as_dict(by_row) == as_dict(by_orm)
    assert bytes(by_row.mime) == b"From: bob@example.com\n\n\xff raw bytes" and by_row.parsed == {}


def test_a_default_of_a_mutable_kind_is_made_for_each_row_not_shared(db):
    plan = Row(InboundMessage, message_id="<a@x>").plan
    defaults = dict(zip((field.name for field in plan.fields), plan.defaults, strict=True))
    assert callable(defaults["parsed"]) and callable(defaults["esp_fields"])  # dict: a fresh one per row
    assert defaults["outcome"] == "received" and defaults["entries_created"] == 0
    # No default at all (NOT_PROVIDED, a class and so callable) is prepared once: None or "".
    assert defaults["user"] is None and defaults["replied_at"] is None and defaults["raw"] == ""


def test_it_inserts_nothing_and_answers_none_when_a_unique_constraint_holds_the_values(db):
    expires = timezone.now() + dt.timedelta(minutes=5)
    token = dict(esp="mailgun", token="t0k3n", digest="d" * 64, expires_at=expires)
    assert insert_unless_present(Row(InboundToken, **token)) is not None
    assert insert_unless_present(Row(InboundToken, **{**token, "digest": "e" * 64})) is None
    assert InboundToken.objects.get().digest == "d" * 64


def test_it_refuses_a_value_for_no_column_and_a_model_that_computes_values_on_save(db):
    with pytest.raises(TypeError, match="no column for colour"):
        Row(InboundToken, esp="mailgun", colour="blue")
    with pytest.raises(TypeError, match="computes its value on save"):
        Row(Entry, text="done")
