"""Secrets never reach a page or the audit log: passwords in URLs, tokens and secret-named keys are masked."""

import re
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

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


def mask_url(url: str) -> str:
    """``url`` as staff may see it: a password in it (``https://user:pw@host/``) and the values of
    secret-named query parameters (``?token=…``) masked; a customer's webhook target may carry either."""
    url = mask_text(url or "")
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    if not any(is_secret_name(k) and v for k, v in pairs):
        return url  # as stored, not re-encoded
    query = [(k, MASK if is_secret_name(k) and v else v) for k, v in pairs]
    return urlunsplit(parts._replace(query=urlencode(query, safe="*")))


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
