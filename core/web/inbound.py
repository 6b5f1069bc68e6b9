"""The receiver for anymail's inbound webhooks (every ESP anymail supports lands here).

anymail checks basic auth and the ESP's signature before sending the signal. Returning normally
answers 200 (stored, replayed or politely refused); an exception (database down) answers 5xx, so the
ESP retries later.
"""

from core.services.inbound import inbound_receive


def inbound_email(sender, event, esp_name, **kwargs):
    inbound_receive(message=event.message, esp=esp_name.lower())
