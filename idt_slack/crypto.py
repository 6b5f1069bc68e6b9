"""Tokens at rest: Fernet with a key from SLACK_TOKEN_KEY, or derived from SECRET_KEY when that is unset."""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


def _fernet() -> Fernet:
    if settings.SLACK_TOKEN_KEY:
        return Fernet(settings.SLACK_TOKEN_KEY)
    # HKDF would add nothing over a salted hash here: SECRET_KEY is already high-entropy.
    digest = hashlib.sha256(b"idt_slack token key:" + settings.SECRET_KEY.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def token_encrypt(token: str) -> str:
    return _fernet().encrypt(token.encode()).decode() if token else ""


def token_decrypt(ciphertext: str) -> str:
    """The token, or "" when there is none or the key changed (the team reconnects)."""
    if not ciphertext:
        return ""
    try:
        return _fernet().decrypt(ciphertext.encode()).decode()
    except InvalidToken:
        return ""
