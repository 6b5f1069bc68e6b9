"""Reading what a client sent (form-encoded or JSON, query or body) into clear 400s instead of surprises.

Ids are checked against the shape of our hash ids before any query: a number, a NUL byte or a megabyte
of text is simply an unknown id, never a lookup by primary key or a database error.
"""

import datetime as dt
import math
import re

from django.http import QueryDict

from core.api.errors import ApiError, missing_param
from core.api.serializers import KIND_FOR_STATUS, STATUSES

HASH_RE = re.compile(r"^[a-z0-9]{1,16}$")
SLUG_RE = re.compile(r"^[-a-zA-Z0-9_]{1,60}$")
DATE_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
SURROGATE_RE = re.compile("[\ud800-\udfff]")
DATETIME_RE = re.compile(
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?(Z|[+-][0-9]{2}:?[0-9]{2})?$"
)


def is_hash(value) -> bool:
    return isinstance(value, str) and bool(HASH_RE.match(value))


def is_slug(value) -> bool:
    """A team's short name (its slug), as the legacy API names teams."""
    return isinstance(value, str) and bool(SLUG_RE.match(value))


def body_of(request) -> dict:
    """The submitted fields: the body's (JSON object or form fields) and the query string's, as the original
    read them (its clients may send ``POST /entries?team_id=…&body=…``); a field in both is the query
    string's, as there. A JSON body that is not an object is a 400 (``[1, 2]`` has no fields)."""
    data = request.data
    if not hasattr(data, "get"):
        raise ApiError("The request body must be a JSON object or form fields")
    query = request.query_params
    if not query:
        return data
    # A shallow copy: QueryDict.copy() deep-copies, and an uploaded file spooled to disk cannot be.
    if hasattr(data, "lists"):
        fields = QueryDict(mutable=True)
        for name, values in data.lists():
            fields.setlist(name, values)
        for name, values in query.lists():
            fields.setlist(name, values)
        return fields
    return {**data, **{name: values[0] if len(values) == 1 else values for name, values in query.lists()}}


def text(data, name: str, *, required: bool = False) -> str | None:
    """A string field; present-but-empty counts as missing when the field is required or given at all."""
    if name not in data:
        if required:
            raise missing_param(name)
        return None
    value = data.get(name)
    # A JSON number is taken as its text (as the original did), but 1e999 is Python's inf, no text at all.
    if isinstance(value, float) and not math.isfinite(value):
        raise ApiError(f"{name} must be a string")
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        if value is None:
            raise missing_param(name)
        raise ApiError(f"{name} must be a string")
    value = str(value).strip()
    if not value:
        raise missing_param(name)
    if SURROGATE_RE.search(value):
        # JSON can escape half of a UTF-16 pair ("\ud800"); no text can be stored or sent with it.
        raise ApiError(f"{name} must be valid Unicode text (it has an unpaired surrogate)")
    return value


def date(data, name: str) -> dt.date | None:
    value = text(data, name)
    if value is None:
        return None
    return parse_date(value, name)


def parse_date(value: str, name: str) -> dt.date:
    """``YYYY-MM-DD``, or an ISO-8601 date and time from which the date is taken as written (what the original
    did with ``2018-01-04T21:10:13Z``, and what a JavaScript ``toISOString()`` sends). Nothing looser: Python
    would also take ``2018-W01-1`` or ``20180101``, and ``01/04/2018`` means two different days."""
    try:
        if DATE_RE.match(value):
            return dt.date.fromisoformat(value)
        if DATETIME_RE.match(value):
            return dt.datetime.fromisoformat(value).date()
    except ValueError:
        pass
    raise ApiError(f"{name} must be a date (YYYY-MM-DD)")


def status(data) -> str | None:
    """The entry kind for a ``status`` param (``done``, ``goal`` or ``blocked``)."""
    value = text(data, "status")
    if value is None:
        return None
    if value not in KIND_FOR_STATUS:
        raise ApiError(f"status must be one of: {', '.join(STATUSES)}")
    return KIND_FOR_STATUS[value]
