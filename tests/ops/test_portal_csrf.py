"""Every POST the portal takes (its pages, each model's add/change/delete and list actions, the support and
developer actions, login and logout) is refused without the CSRF token: a page on another site cannot make a
signed-in staff member's browser act."""

import pytest
from django.contrib import admin
from django.test import Client

from tests.ops.test_role_matrix import _url, _walk, samples  # noqa: F401  (samples is a fixture)

pytestmark = pytest.mark.django_db


def test_it_refuses_every_portal_post_without_the_csrf_token(samples, root):  # noqa: F811
    client = Client(enforce_csrf_checks=True)
    client.force_login(root)
    accepted = []
    for entry in _walk(admin.site.get_urls()):
        url = _url(entry, samples)
        response = client.post(url, {"confirmed": "yes", "post": "yes", "action": "delete_selected",
                                     "_selected_action": list(samples.values())})
        if response.status_code != 403 or b'data-error="csrf"' not in response.content:
            accepted.append(f"POST {url}: {response.status_code}")
    assert not accepted, "\n".join(accepted)
