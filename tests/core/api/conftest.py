"""API test helpers: each persona's token and a client that sends it."""

import pytest
from django.test import Client

from core.services.accounts import user_api_token_reset


class ApiClient:
    """Django's test client speaking JSON with ``Authorization: Token …``."""

    def __init__(self, token: str | None):
        self.client = Client()
        self.headers = {"Authorization": f"Token {token}"} if token else {}

    def _send(self, method: str, path: str, data=None, **kwargs):
        headers = {**self.headers, **kwargs.pop("headers", {})}
        if method in ("post", "put", "patch", "delete") and data is not None and "content_type" not in kwargs:
            kwargs["content_type"] = "application/json"
        return getattr(self.client, method)(path, data, headers=headers, **kwargs)

    def get(self, path, data=None, **kwargs):
        return self._send("get", path, data, **kwargs)

    def post(self, path, data=None, **kwargs):
        return self._send("post", path, data, **kwargs)

    def put(self, path, data=None, **kwargs):
        return self._send("put", path, data, **kwargs)

    def patch(self, path, data=None, **kwargs):
        return self._send("patch", path, data, **kwargs)

    def delete(self, path, data=None, **kwargs):
        return self._send("delete", path, data, **kwargs)


def token_for(user) -> str:
    return user_api_token_reset(user=user, actor=user)


@pytest.fixture
def as_alice(alice, team):
    return ApiClient(token_for(alice))


@pytest.fixture
def as_bob(bob, team):
    return ApiClient(token_for(bob))


@pytest.fixture
def as_charlie(charlie, other_team):
    return ApiClient(token_for(charlie))


@pytest.fixture
def anonymous(db):
    return ApiClient(None)
