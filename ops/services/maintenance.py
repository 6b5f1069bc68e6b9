"""Turning the app's own maintenance mode on and off (read by ``ops.selectors.maintenance``)."""

from django.conf import settings
from django.utils import timezone

from ops.models import OpsSetting
from ops.selectors.maintenance import MAINTENANCE_KEY, maintenance_forget
from ops.services.audit import audited


def maintenance_set(*, actor, enabled: bool, message: str = "", retry_after: int | None = None) -> dict:
    value = {
        "enabled": enabled,
        "message": message.strip()[:500],
        "retry_after": retry_after or settings.MAINTENANCE_RETRY_AFTER_SECONDS,
        "since": timezone.now().isoformat(),
        "by": getattr(actor, "email", ""),
    }
    with audited(actor=actor, action="maintenance.on" if enabled else "maintenance.off", target="app",
                 parameters={"message": value["message"], "retry_after": value["retry_after"]}):
        OpsSetting.objects.update_or_create(key=MAINTENANCE_KEY, defaults={"value": value, "updated_by": actor})
    maintenance_forget()
    return value
