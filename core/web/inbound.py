"""Receivers for anymail's inbound and tracking webhooks (every ESP anymail supports lands here).

anymail checks basic auth and the ESP's signature before sending the signal. Returning normally
answers 200 (stored, replayed or politely refused); an exception (database down) answers 5xx, so the
ESP retries later.
"""

from core.services.deliveries import delivery_track
from core.services.inbound import inbound_receive


def inbound_email(sender, event, esp_name, **kwargs):
    inbound_receive(message=event.message, esp=esp_name.lower())


def tracking_event(sender, event, esp_name, **kwargs):
    delivery_track(
        provider_message_id=event.message_id or "",
        event_type=event.event_type,
        description=event.description or event.mta_response or "",
        at=event.timestamp,
    )
