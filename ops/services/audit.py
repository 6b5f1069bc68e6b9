"""The audit log: every ops action is recorded with who did it, to what, and how it went.

Two ways in: ``audit_record`` writes one row; ``audited`` wraps an action so a failure is recorded
as ``failed`` (with the error) and re-raised. Parameters pass through ``mask_secrets`` first.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from ops.masking import mask_secrets, mask_text
from ops.models import AuditRecord


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
        target=mask_text(str(target))[:300],  # a hook names its target URL, which may carry a password
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


def audit_changes(old: dict, new: dict, *, prefix: str = "") -> dict[str, dict]:
    """What differs between two states, by dotted key: ``{"user.time_zone": {"old": …, "new": …}}``."""
    changes: dict[str, dict] = {}
    for key in sorted(set(old) | set(new), key=str):
        before, after = old.get(key), new.get(key)
        name = f"{prefix}{key}"
        if isinstance(before, dict) and isinstance(after, dict):
            changes.update(audit_changes(before, after, prefix=f"{name}."))
        elif before != after:
            changes[name] = {"old": before, "new": after}
    return changes


def audit_change(
    *, actor, action: str, target: str, old: dict, new: dict, parameters: dict | None = None, detail: str = ""
) -> AuditRecord:
    """One row for a change made through a service: each value that changed, old → new.

    Secret-named keys (``password``, ``api_token_hash`` …) keep only the fact that they changed.
    Call it inside the transaction that made the change, so the two commit or roll back together.
    """
    return audit_record(
        actor=actor,
        action=action,
        target=target,
        parameters={**(parameters or {}), "changes": audit_changes(old, new)},
        detail=detail,
    )
