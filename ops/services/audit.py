"""The audit log: every ops action is recorded with who did it, to what, and how it went.

Two ways in: ``audit_record`` writes one row; ``audited`` wraps an action so a failure is recorded
as ``failed`` (with the error) and re-raised. Parameters pass through ``mask_secrets`` first.
"""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from ops.models import AuditRecord

MASK = "********"
_SECRET_KEY = re.compile(r"token|secret|passw|api[_-]?key|authori[sz]ation|cookie|session|credential|private", re.I)
_URL_PASSWORD = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)(?P<user>[^:/@\s]*):(?P<password>[^@/\s]+)@", re.I)
_BEARER = re.compile(r"\b(bearer|token)\s+[A-Za-z0-9._~+/=-]{8,}", re.I)
_SQL_PASSWORD = re.compile(r"(password\s+)'[^']*'", re.I)


def mask_text(text: str) -> str:
    """Hide passwords in URLs, bearer tokens and SQL ``PASSWORD '…'`` literals inside free text."""
    text = _URL_PASSWORD.sub(lambda m: f"{m['scheme']}{m['user']}:{MASK}@", text)
    text = _BEARER.sub(lambda m: f"{m[1]} {MASK}", text)
    return _SQL_PASSWORD.sub(lambda m: f"{m[1]}'{MASK}'", text)


def mask_secrets(value: Any, *, key: str = "") -> Any:
    """A copy of ``value`` with anything secret-looking masked, at any depth."""
    if key and _SECRET_KEY.search(key):
        return MASK if value not in (None, "") else value
    if isinstance(value, dict):
        return {str(k): mask_secrets(v, key=str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [mask_secrets(v) for v in value]
    if isinstance(value, str):
        return mask_text(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    return mask_text(str(value))


def audit_record(
    *,
    actor,
    action: str,
    target: str = "",
    parameters: dict | None = None,
    result: str = AuditRecord.Result.OK,
    detail: str = "",
) -> AuditRecord:
    """Write one audit row. ``actor`` is the user who acted (``None`` for the system itself)."""
    return AuditRecord.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=getattr(actor, "email", "") or str(actor or "system"),
        action=action,
        target=str(target)[:300],
        parameters=mask_secrets(parameters or {}),
        result=result,
        detail=mask_text(str(detail))[:5000],
    )


@dataclass
class AuditContext:
    """What an ``audited`` block may add before the row is written: its outcome in words."""

    detail: str = ""
    parameters: dict = field(default_factory=dict)


@contextmanager
def audited(*, actor, action: str, target: str = "", parameters: dict | None = None) -> Iterator[AuditContext]:
    """Run the block as an audited action: ``ok`` when it returns, ``failed`` (and re-raise) when not.

    The row is written after the block, outside any transaction the block opened, so a failure that
    rolls the action back still leaves its audit record.
    """
    context = AuditContext(parameters=dict(parameters or {}))
    try:
        yield context
    except Exception as error:
        audit_record(
            actor=actor,
            action=action,
            target=target,
            parameters=context.parameters,
            result=AuditRecord.Result.FAILED,
            detail=f"{type(error).__name__}: {error}",
        )
        raise
    audit_record(actor=actor, action=action, target=target, parameters=context.parameters, detail=context.detail)
