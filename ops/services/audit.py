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
