"""Secrets at rest (webhook signing secrets): Fernet, so a copy of the database alone does not give them away.

Keys: each value of ``FIELD_ENCRYPTION_KEYS`` (any long random string), else one derived from
``DJANGO_SECRET_KEY``. The first key encrypts; every key decrypts, and so do the keys derived from
``DJANGO_SECRET_KEY`` and its ``DJANGO_SECRET_KEY_FALLBACKS`` — so setting explicit keys on a running app,
or rotating the secret key with the old one kept as a fallback, loses nothing. ``reseal`` re-encrypts under
the first key (``manage.py hook_secrets_reencrypt``), after which the old key can go. See README.
"""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class SecretUnreadable(ValueError):
    """No configured key opens this ciphertext (a key was removed before its rows were re-encrypted)."""


def _fernet(material: str, label: bytes) -> Fernet:
    # Any long random string is a key: hashing it gives Fernet its 32 bytes. A salted hash, not HKDF: the
    # inputs are already high-entropy secrets.
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(label + material.encode()).digest()))


def _keys() -> MultiFernet:
    explicit = [_fernet(key, b"idt field key:") for key in settings.FIELD_ENCRYPTION_KEYS if key]
    derived = [
        _fernet(key, b"idt field key from SECRET_KEY:")
        for key in [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
        if key
    ]
    return MultiFernet(explicit + derived)


def seal(plaintext: str) -> str:
    return _keys().encrypt(plaintext.encode()).decode()


def unseal(ciphertext: str) -> str:
    try:
        return _keys().decrypt(ciphertext.encode()).decode()
    except InvalidToken:
        raise SecretUnreadable("This secret cannot be decrypted with the configured keys.") from None


def reseal(ciphertext: str) -> str:
    """The same secret encrypted under the first key (unchanged plaintext, new ciphertext)."""
    try:
        return _keys().rotate(ciphertext.encode()).decode()
    except InvalidToken:
        raise SecretUnreadable("This secret cannot be decrypted with the configured keys.") from None
