"""Bulk rows for benchmarks, written through the model's own columns so the SQL cannot drift from it.

``insert_select(Model, {"field": "SQL expression", …}, "FROM generate_series(…) AS g")`` builds one
``INSERT INTO <table> (<every concrete column>) SELECT …``: the bench gives the columns it cares about;
every other column gets the model's default (a parameter, prepared by the field itself), ``now()`` for
``auto_now``/``auto_now_add``, or NULL when the field allows it. A column with none of these (a new
NOT NULL field without a default, or a unique field whose default is a function) raises an error
naming it, instead of the database refusing a half-written statement.
"""

from django.db import connection, models
from django.db.models.fields import NOT_PROVIDED


class MissingColumn(ValueError):
    pass


def _default_sql(field: models.Field, params: dict) -> str:
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return "now()"
    if field.default is not NOT_PROVIDED:
        if callable(field.default) and field.unique:
            raise MissingColumn(f"{field.model.__name__}.{field.name}: unique with a computed default; give its SQL")
        key = f"default_{field.column}"
        value = field.get_default()
        params[key] = field.get_db_prep_save(value, connection)
        return f"%({key})s"
    if field.null:
        return "NULL"
    if field.blank and field.empty_strings_allowed:
        return "''"
    raise MissingColumn(f"{field.model.__name__}.{field.name}: NOT NULL without a default; give its SQL")


def insert_select(model: type[models.Model], given: dict[str, str], source: str) -> tuple[str, dict]:
    """The statement and its parameters; ``source`` and ``given`` may use ``%(name)s`` parameters (``%%`` for %)."""
    fields = [f for f in model._meta.concrete_fields if not (f.primary_key and f.name not in given)]
    unknown = set(given) - {f.name for f in fields} - {f.attname for f in fields}
    if unknown:
        raise MissingColumn(f"{model.__name__} has no field {', '.join(sorted(unknown))}")
    params: dict = {}
    columns, values = [], []
    for field in fields:
        columns.append(connection.ops.quote_name(field.column))
        expression = given.get(field.name, given.get(field.attname))
        values.append(expression if expression is not None else _default_sql(field, params))
    table = connection.ops.quote_name(model._meta.db_table)
    sql = f"INSERT INTO {table} ({', '.join(columns)})\nSELECT {', '.join(values)}\n{source}"  # noqa: S608
    return sql, params
