"""Support's action on outgoing webhooks: send a delivery again, through the core service, audited.

The audit row names the delivery, its hook and target; never the hook's secret (it is no parameter)."""

from core.models import WebhookDelivery
from core.services.webhooks import webhook_redeliver
from ops.masking import mask_url
from ops.services.audit import audited


def support_webhook_redeliver(*, actor, delivery: WebhookDelivery) -> WebhookDelivery:
    with audited(
        actor=actor,
        action="webhook.redeliver",
        target=f"webhook delivery {delivery.pk} ({delivery.event}) to {mask_url(delivery.target_url)}",
        parameters={"delivery": delivery.pk, "hook": delivery.hook_id, "previous_status": delivery.status},
    ) as audit:
        again = webhook_redeliver(delivery=delivery, actor=actor)
        audit.parameters["redelivery"] = again.pk
        audit.detail = f"redelivery {again.pk} queued to {mask_url(again.target_url)}"
    return again
