"""Support's webhook pages: one delivery with every attempt, and sending it again (asks first, audited,
through the core service)."""

from django import forms
from django.http import Http404
from django.urls import reverse

from core.models import WebhookDelivery
from core.selectors.webhooks import webhook_delivery_attempts
from ops.admin.confirm import admin_render, back_url, confirm_then
from ops.masking import mask_url
from ops.roles import has_ops_permission
from ops.services.webhooks import support_webhook_redeliver


def webhook_delivery_page(request, pk: int):
    delivery = WebhookDelivery.objects.select_related("team", "hook__user", "redelivery_of").filter(pk=pk).first()
    if delivery is None:
        raise Http404("No such webhook delivery.")
    return admin_render(
        request,
        "admin/ops/webhook_delivery.html",
        {
            "title": f"Webhook delivery {delivery.pk}: {delivery.get_event_display()}",
            "d": delivery,
            "attempts": webhook_delivery_attempts(delivery=delivery),
            "can_redeliver": delivery.hook_id is not None and has_ops_permission(request.user, "ops.redeliver_webhook"),
        },
    )


class WebhookDeliveryForm(forms.Form):
    delivery = forms.ModelChoiceField(WebhookDelivery.objects.select_related("team", "hook"))


def redeliver_view(request):
    form = WebhookDeliveryForm(request.POST or request.GET)
    delivery = form.cleaned_data["delivery"] if form.is_valid() else None
    back = back_url(
        request, reverse("admin:ops_webhook_delivery", args=[delivery.pk]) if delivery else reverse("admin:index")
    )
    question = (
        f"POST this {delivery.event} of {delivery.team.name} to {mask_url(delivery.target_url)} again? It goes out "
        "as a new delivery, with its own id and attempts."
        if delivery
        else ""
    )

    def run(data):
        again = support_webhook_redeliver(actor=request.user, delivery=data["delivery"])
        return f"Redelivery queued to {mask_url(again.target_url)} (webhook delivery {again.pk})."

    return confirm_then(request, form, question=question, back=back, run=run)
