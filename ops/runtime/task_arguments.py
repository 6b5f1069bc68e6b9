"""Task arguments stored exactly: every published message carries its args and kwargs as JSON.

Celery puts a *repr* of the arguments in the message (``argsrepr``, truncated at 1 KiB) and
django-celery-results stores that repr. A repr cannot be sent again, so before each publish we
replace it with the complete JSON (our messages are JSON-only, so the arguments always encode).
``stored_arguments`` reads them back from a ``TaskResult`` and refuses what is not exact; ``stored_json``
and ``task_meta`` are the one way to decode what the results backend stored.
The queue and retry count go into the result's ``meta`` too, so a retry can go where the original went.
"""

import json

from celery import signals


@signals.before_task_publish.connect(dispatch_uid="ops.exact_task_arguments")
def store_exact_arguments(headers=None, body=None, **_kwargs) -> None:
    if not headers or "argsrepr" not in headers or not isinstance(body, list | tuple) or len(body) < 2:
        return  # not task protocol 2: leave it as Celery made it
    args, kwargs = body[0], body[1]
    headers["argsrepr"] = json.dumps(list(args), ensure_ascii=False)
    headers["kwargsrepr"] = json.dumps(dict(kwargs), ensure_ascii=False)


@signals.task_prerun.connect(dispatch_uid="ops.task_meta")
def store_queue_and_retries(task=None, **_kwargs) -> None:
    # django-celery-results saves ``request.meta`` in the result's ``meta`` column.
    request = task.request
    delivery = request.delivery_info or {}
    request.meta = {**(getattr(request, "meta", None) or {}), "queue": delivery.get("routing_key"),
                    "retries": request.retries}


class InexactArguments(ValueError):
    """The stored arguments are a repr (older or foreign message), not JSON we can send again."""


def stored_json(stored: str):
    """Decode a column the results backend wrote. The arguments are the JSON we published, JSON-encoded
    once more by the backend, so a string that decodes to a string is decoded again."""
    value = json.loads(stored)
    return json.loads(value) if isinstance(value, str) else value


def task_meta(task_result) -> dict:
    """The result's ``meta`` (queue, retries: see ``store_queue_and_retries``); ``{}`` when unreadable."""
    try:
        meta = json.loads(task_result.meta or "{}")
    except ValueError:
        return {}
    return meta if isinstance(meta, dict) else {}


def _decode(stored: str | None, kind: type, what: str):
    if stored in (None, ""):
        return kind()
    try:
        value = stored_json(stored)
    except (TypeError, ValueError) as error:
        raise InexactArguments(f"{what} were stored as a repr, not JSON: {stored[:80]}") from error
    if not isinstance(value, kind):
        raise InexactArguments(f"{what} are not a JSON {kind.__name__}: {stored[:80]}")
    return value


def stored_arguments(task_result) -> tuple[list, dict]:
    """The exact ``(args, kwargs)`` a stored task ran with; ``InexactArguments`` when unknowable."""
    return (
        _decode(task_result.task_args, list, "arguments"),
        _decode(task_result.task_kwargs, dict, "keyword arguments"),
    )
