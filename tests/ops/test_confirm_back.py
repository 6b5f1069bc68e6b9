"""Where a confirmed support action returns to: the page the button was on, only if it is a portal path."""

import pytest
from django.test import RequestFactory

from ops.admin.confirm import back_url


@pytest.mark.parametrize(
    ("back", "expected"),
    [
        ("/admin/ops/person/abc/", "/admin/ops/person/abc/"),
        ("", "/admin/"),
        ("https://evil.example/admin/", "/admin/"),
        ("//evil.example/admin/", "/admin/"),
        ("/admin//evil.example/", "/admin/"),
        ("/accounts/login/", "/admin/"),
    ],
)
def test_it_returns_only_to_portal_paths(back, expected):
    assert back_url(RequestFactory().post("/admin/ops/x/", {"back": back}), "/admin/") == expected
    assert back_url(RequestFactory().get("/admin/ops/x/", {"back": back}), "/admin/") == expected
