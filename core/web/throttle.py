"""Login throttling per account and client address, in the cache.

Behind Heroku's router every request arrives from the router; waitress (``--trusted-proxy``) puts
the client's address from ``X-Forwarded-For`` into ``REMOTE_ADDR``, so keying on account + address
never locks everyone out together, and one attacker cannot lock a victim out from everywhere.
"""

import hashlib

from django.core.cache import cache

MAX_FAILURES = 5
WINDOW_SECONDS = 15 * 60


class LoginThrottle:
    def __init__(self, key: str):
        self.key = key

    @classmethod
    def for_request(cls, request, email: str) -> "LoginThrottle":
        address = request.META.get("REMOTE_ADDR", "") if request is not None else ""
        digest = hashlib.sha256(f"{email.strip().lower()}|{address}".encode()).hexdigest()[:32]
        return cls(f"login-fail:{digest}")

    def blocked(self) -> bool:
        return cache.get(self.key, 0) >= MAX_FAILURES

    def failed(self) -> None:
        if cache.add(self.key, 1, WINDOW_SECONDS):
            return
        try:
            cache.incr(self.key)
        except ValueError:  # expired between add and incr
            cache.add(self.key, 1, WINDOW_SECONDS)
