"""Error pages a user meets are ours: in the app's layout (the portal's in the admin's), never Django's bare ones."""

from django.test import Client, RequestFactory
from django.urls import reverse
from django.views.defaults import server_error

from core.services.entries import entry_create

APP_LAYOUT = '<a class="brand" href="/">'


def test_it_answers_a_missing_page_in_the_apps_layout(client, alice, charlie, team):
    for who in (None, charlie):
        if who:
            client.force_login(who)
        for url in ("/no-such-page/", reverse("team_day", args=[team.hash_id])):
            response = client.get(url)
            if who is None and url != "/no-such-page/":
                continue  # logged out: the team page asks to log in first
            html = response.content.decode()
            assert response.status_code == 404, url
            assert APP_LAYOUT in html and 'data-error="404"' in html and "Not Found</h1>" not in html


def test_it_refuses_in_the_apps_layout(client, alice, bob, team):
    entry = entry_create(author=alice, team=team, text="mine")
    client.force_login(bob)
    response = client.get(reverse("entry_edit", args=[entry.hash_id]))
    assert response.status_code == 403
    html = response.content.decode()
    assert APP_LAYOUT in html and 'data-error="403"' in html and "Bob Baker" in html  # still logged in, nav and all


def test_it_refuses_staff_in_the_portals_layout(client, db):
    from core.models import User

    stan = User.objects.create_user(email="stan@idonethis.test", password="portal-password-1", is_staff=True)
    client.force_login(stan)
    response = client.get(reverse("admin:ops_dynos"))
    assert response.status_code == 403
    html = response.content.decode()
    assert 'data-error="403"' in html and 'id="header"' in html and APP_LAYOUT not in html
    missing = client.get("/admin/no-such-page/")
    assert missing.status_code == 404 and 'id="header"' in missing.content.decode()


def test_it_shows_a_server_error_in_the_apps_layout_without_the_database(db):
    response = server_error(RequestFactory().get("/"))
    html = response.content.decode()
    assert response.status_code == 500 and APP_LAYOUT in html and 'data-error="500"' in html


def test_it_explains_a_csrf_failure_in_the_apps_layout(db):
    response = Client(enforce_csrf_checks=True).post(reverse("login"), {"username": "a", "password": "b"})
    html = response.content.decode()
    assert response.status_code == 403 and APP_LAYOUT in html and 'data-error="csrf"' in html
