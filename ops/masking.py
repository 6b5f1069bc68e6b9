"""Secrets never reach a page or the audit log: passwords in URLs, tokens and secret-named keys are masked."""

import re
from typing import Any

MASK = "********"
_SECRET_KEY = re.compile(r"token|secret|passw|api[_-]?key|authori[sz]ation|cookie|session|credential|private", re.I)
_URL_PASSWORD = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)(?P<user>[^:/@\s]*):(?P<password>[^@/\s]+)@", re.I)
_BEARER = re.compile(r"\b(bearer|token)\s+[A-Za-z0-9._~+/=-]{8,}", re.I)
_SQL_PASSWORD = re.compile(r"(password\s+)'[^']*'", re.I)


def is_secret_name(name: str) -> bool:
    """Whether a key or column called ``name`` holds a secret (``api_token_hash``, ``secret_encrypted``…)."""
    return bool(_SECRET_KEY.search(name))


def mask_text(text: str) -> str:
    """Hide passwords in URLs, bearer tokens and SQL ``PASSWORD '…'`` literals inside free text."""
    text = _URL_PASSWORD.sub(lambda m: f"{m['scheme']}{m['user']}:{MASK}@", text)
    text = _BEARER.sub(lambda m: f"{m[1]} {MASK}", text)
    return _SQL_PASSWORD.sub(lambda m: f"{m[1]}'{MASK}'", text)


def mask_secrets(value: Any, *, key: str = "") -> Any:
    """A copy of ``value`` with anything secret-looking masked, at any depth."""
    if key and _SECRET_KEY.search(key):
        return MASK if value not in (None, "") else value
    if isinstance(value, dict):
        return {str(k): mask_secrets(v, key=str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [mask_secrets(v) for v in value]
    if isinstance(value, str):
        return mask_text(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    return mask_text(str(value))
