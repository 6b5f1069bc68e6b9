"""Inserting a row without building a model instance: the values given and every other field's default,
each prepared for the database as the ORM's ``save()`` prepares it. For hot one-statement writes: the
inbound webhook writes two rows per request, and building the instances and reading them back field by
field (``pre_save``) was a fifth of its store's CPU. Only for models whose fields compute nothing on
save (no ``auto_now``): that is checked."""

import functools
from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, connection, connections


@dataclass(frozen=True, eq=False)  # one per model and database (cached): hashed by identity
class InsertPlan:
    table: str
    columns: tuple[str, ...]
    pk_column: str
    fields: tuple
    attnames: frozenset[str]
    defaults: tuple  # each field's default as the database takes it; a callable where it is made per row


class Row:
    """One row of ``model`` to insert: ``params`` follow ``plan.columns``; ``values`` are those given."""

    def __init__(self, model, **values) -> None:
        # The thread's wrapper itself, not the ``connection`` proxy: each field reads it several times.
        database = connections[DEFAULT_DB_ALIAS]
        plan = insert_plan(model, database.vendor)
        unknown = values.keys() - plan.attnames
        if unknown:
            raise TypeError(f"{model.__name__} has no column for {', '.join(sorted(unknown))}")
        self.plan, self.values = plan, values
        self.params = [
            field.get_db_prep_save(values[field.attname], database)
            if field.attname in values
            else (default() if callable(default) else default)
            for field, default in zip(plan.fields, plan.defaults, strict=True)
        ]


@functools.cache
def insert_plan(model, vendor: str) -> InsertPlan:
    """What a new row of ``model`` writes on ``vendor`` (the key: a prepared default is the database's)."""
    quote, fields = connection.ops.quote_name, tuple(f for f in model._meta.concrete_fields if not f.primary_key)
    for field in fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            raise TypeError(f"{model.__name__}.{field.name} computes its value on save: insert it through the ORM")
    return InsertPlan(
        table=quote(model._meta.db_table),
        columns=tuple(quote(field.column) for field in fields),
        pk_column=quote(model._meta.pk.column),
        fields=fields,
        attnames=frozenset(field.attname for field in fields),
        defaults=tuple(_prepared_default(field) for field in fields),
    )


def _prepared_default(field):
    # (No default at all is NOT_PROVIDED, a class, so callable: it is None or "", the same for every row.)
    if field.has_default() and callable(field.default):  # e.g. dict: a fresh one per row, as the ORM makes it
        return lambda: field.get_db_prep_save(field.get_default(), connections[DEFAULT_DB_ALIAS])
    return field.get_db_prep_save(field.get_default(), connection)


def insert_unless_present(row: Row) -> int | None:
    """``INSERT … ON CONFLICT DO NOTHING RETURNING id`` for ``row``: its new id, or None when a unique
    constraint already holds its values. One statement and no savepoint: the ORM's ``create()`` needs a
    savepoint to survive the IntegrityError, and ``bulk_create(ignore_conflicts=True)`` returns no id."""
    plan = row.plan
    sql = (
        f"INSERT INTO {plan.table} ({', '.join(plan.columns)}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(plan.columns))}) ON CONFLICT DO NOTHING RETURNING {plan.pk_column}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, row.params)
        found = cursor.fetchone()
    return found[0] if found else None
