"""Changelist paging for big tables (task results, deliveries, inbound email, the audit log).

The stock admin counts the whole table (``COUNT(*)``) on every page; at millions of rows that alone
takes seconds. ``BoundedPaginator`` never does: unfiltered, the planner's estimate
(``pg_class.reltuples``); filtered, an exact count up to ``EXACT_UP_TO`` rows, beyond that the
planner's estimate for the filter (``EXPLAIN``). Pages stop at ``MAX_ROWS`` rows: filter to go further.
Estimates are remembered per process for ``ESTIMATE_SECONDS``; a filter found big moments ago (its
exact count past the limit, the planner's estimate past ``SURELY_BIG``) shows that estimate without counting again.
"""

import json
import threading
import time

from django.core.paginator import Paginator
from django.db import connection
from django.utils.functional import cached_property

MAX_ROWS = 10_000
EXACT_UP_TO = 1_000
# A filter the planner put at ten times the exact-count limit or more, moments ago, is not counted again
# (its page shows the estimate either way): one round trip fewer on the big filters (state=SUCCESS, FAILURE).
SURELY_BIG = 10 * EXACT_UP_TO
# The planner's estimates only change when statistics do (ANALYZE, autovacuum): each process asks for
# one at most this often instead of on every page, a round trip fewer per page (the exact count stays live).
ESTIMATE_SECONDS = 30
_ESTIMATES_KEPT = 512
_estimates: dict[tuple, tuple[float, int]] = {}
_estimates_lock = threading.Lock()


def _known(key: tuple) -> int | None:
    key = (connection.alias, connection.settings_dict["NAME"], *key)
    with _estimates_lock:
        known = _estimates.get(key)
    return known[1] if known and time.monotonic() - known[0] < ESTIMATE_SECONDS else None


def _remembered(key: tuple, ask) -> int | None:
    known = _known(key)
    if known is not None:
        return known
    now = time.monotonic()
    key = (connection.alias, connection.settings_dict["NAME"], *key)
    value = ask()
    if value is not None:
        with _estimates_lock:
            if len(_estimates) >= _ESTIMATES_KEPT:
                _estimates.clear()
            _estimates[key] = (now, value)
    return value


def forget_estimates() -> None:
    with _estimates_lock:
        _estimates.clear()


def planned_rows(queryset) -> int | None:
    """The planner's row estimate for ``queryset`` (``EXPLAIN``, nothing is read), or ``None`` off PostgreSQL."""
    if connection.vendor != "postgresql":
        return None
    sql, params = queryset.order_by().values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return int(plan[0]["Plan"]["Plan Rows"])


def estimated_rows(table: str) -> int | None:
    """The planner's row estimate for ``table`` (PostgreSQL), or ``None`` when unknown."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass", [table])
        row = cursor.fetchone()
    return row[0] if row and row[0] >= 0 else None


class BoundedPaginator(Paginator):
    """Never counts the table: the planner's estimate when unfiltered; when filtered, an exact count
    if there are at most ``EXACT_UP_TO`` rows, else the planner's estimate for the filter. Pages stop
    at ``MAX_ROWS`` rows either way."""

    @cached_property
    def count(self) -> int:
        return min(self.found, MAX_ROWS)

    @cached_property
    def estimated(self) -> bool:
        return self._estimate is not None

    @cached_property
    def _estimate(self) -> int | None:
        table = self.object_list.model._meta.db_table
        if not self.object_list.query.where:
            return _remembered(("table", table), lambda: estimated_rows(table))
        sql, params = self.object_list.order_by().values("pk").query.sql_with_params()
        key = ("filter", sql, repr(params))
        known = _known(key)
        if known is not None and known >= SURELY_BIG:
            return known
        if self._exact is not None:
            return None
        planned = _remembered(key, lambda: planned_rows(self.object_list))
        return max(planned, EXACT_UP_TO + 1) if planned is not None else None

    @cached_property
    def _exact(self) -> int | None:
        if not self.object_list.query.where:
            return None
        counted = self.object_list.order_by().values("pk")[: EXACT_UP_TO + 1].count()
        return counted if counted <= EXACT_UP_TO else None

    @cached_property
    def found(self) -> int:
        if self._estimate is not None:
            return self._estimate
        if self._exact is not None:
            return self._exact
        return self.object_list.order_by().values("pk")[: MAX_ROWS + 1].count()  # SQLite: bounded count

    @property
    def count_label(self) -> str:
        rows = str(self.object_list.model._meta.verbose_name_plural)
        if self.estimated:
            return f"about {self.found:,} {rows} (planner's estimate)"
        return f"more than {MAX_ROWS:,} {rows}" if self.found > MAX_ROWS else f"{self.found:,} {rows}"


def distinct_values(model, field: str, *, limit: int = 100) -> list[str]:
    """The distinct values of an indexed column, each found by one index probe (a "loose index scan"),
    where ``SELECT DISTINCT`` would read the whole table. For list filters' choices."""
    queryset = model.objects.exclude(**{field: None}).order_by(field)
    if connection.vendor != "postgresql":
        return list(queryset.values_list(field, flat=True).distinct()[:limit])
    table, column = model._meta.db_table, model._meta.get_field(field).column
    # Names come from the model's own metadata; the limit is a parameter.
    sql = (
        f"WITH RECURSIVE v(x) AS ("  # noqa: S608
        f" (SELECT {column} FROM {table} WHERE {column} IS NOT NULL ORDER BY {column} LIMIT 1)"
        f" UNION ALL SELECT (SELECT {column} FROM {table} WHERE {column} > v.x ORDER BY {column} LIMIT 1)"
        f" FROM v WHERE v.x IS NOT NULL"
        f") SELECT x FROM v WHERE x IS NOT NULL LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [limit])
        return [value for (value,) in cursor.fetchall()]


def distinct_filter(field: str, title: str):
    """A list filter whose choices come from ``distinct_values`` (never ``SELECT DISTINCT``)."""
    from django.contrib import admin

    class DistinctFilter(admin.SimpleListFilter):
        parameter_name = field

        def lookups(self, request, model_admin):
            return [(value, value or "(none)") for value in distinct_values(model_admin.model, field)]

        def queryset(self, request, queryset):
            return queryset.filter(**{field: self.value()}) if self.value() is not None else queryset

    DistinctFilter.title = title
    return DistinctFilter
