"""How every webhook POST is signed (docs/api.md shows a receiver checking it).

Two headers, both HMAC-SHA256 keyed with the hook's secret (its UTF-8 text):

- ``X-IDT-Signature-Timestamped: t=<unix seconds>,v1=<hex of HMAC("<t>." + body)>`` — the timestamp is the
  send time of this attempt and is covered by the MAC, so a receiver refuses anything older than its
  tolerance (we recommend 5 minutes) and need remember ``X-IDT-Delivery`` ids only for that long to refuse
  replays. Every attempt (a retry, a redelivery) is signed afresh.
- ``X-IDT-Signature: sha256=<hex of HMAC(body)>`` — the original header, kept for receivers already checking
  it; it says nothing about when, so a captured request can be replayed against such a receiver.
"""

import hashlib
import hmac

TIMESTAMPED = "X-IDT-Signature-Timestamped"
LEGACY = "X-IDT-Signature"


def _mac(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature(*, secret: str, body: bytes) -> str:
    """The X-IDT-Signature header's value (no timestamp)."""
    return "sha256=" + _mac(secret, body)


def timestamped_signature(*, secret: str, body: bytes, timestamp: int) -> str:
    """The X-IDT-Signature-Timestamped header's value for a POST sent at ``timestamp`` (unix seconds)."""
    return f"t={timestamp},v1=" + _mac(secret, str(timestamp).encode() + b"." + body)


def signature_headers(*, secret: str, body: bytes, timestamp: int) -> dict[str, str]:
    return {
        TIMESTAMPED: timestamped_signature(secret=secret, body=body, timestamp=timestamp),
        LEGACY: signature(secret=secret, body=body),
    }
