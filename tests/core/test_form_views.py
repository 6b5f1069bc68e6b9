"""Opening a page with a form shows what is stored, and saving it changes only what the person changed."""

import re

import pytest
from django.urls import reverse

from core.models import Team
from core.services.entries import entry_create
from core.services.social import comment_create


def _form_fields(html: str, form_marker: str) -> dict:
    """The fields a browser would submit from the form whose HTML contains ``form_marker``."""
    form = next(f for f in re.findall(r"<form.*?</form>", html, re.S) if form_marker in f)
    data = {}
    for tag in re.findall(r"<input[^>]*>", form):
        name = re.search(r'name="([^"]+)"', tag)
        if not name or ('type="checkbox"' in tag and "checked" not in tag):
            continue
        value = re.search(r'value="([^"]*)"', tag)
        data[name.group(1)] = value.group(1) if value else ("on" if 'type="checkbox"' in tag else "")
    for name, body in re.findall(r'<select name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        data[name] = re.search(r'<option value="([^"]*)"[^>]*selected', body).group(1)
    for name, body in re.findall(r'<textarea name="([^"]+)"[^>]*>(.*?)</textarea>', form, re.S):
        data[name] = body.strip()
    return data


def test_it_shows_and_keeps_a_hidden_teams_settings_when_only_the_name_changes(client, alice, team):
    assert team.visibility == Team.Visibility.HIDDEN and team.carry_over_goals
    client.force_login(alice)
    url = reverse("team_settings", args=[team.hash_id])
    page = client.get(url)
    html = page.content.decode()
    assert "This field is required" not in html
    fields = _form_fields(html, 'value="team"')
    assert fields["name"] == "Rocket"
    assert fields["visibility"] == Team.Visibility.HIDDEN
    assert fields["carry_over_goals"] == "on"
    client.post(url, {**fields, "name": "Rocket Crew"})
    team.refresh_from_db()
    assert (team.name, team.visibility, team.carry_over_goals) == ("Rocket Crew", Team.Visibility.HIDDEN, True)


@pytest.fixture
def form_pages(alice, team):
    entry = entry_create(author=alice, team=team, text="shipped it")
    comment = comment_create(entry=entry, author=alice, text="and it flies")
    t = team.hash_id
    return [
        reverse("team_day", args=[t]),
        reverse("team_members", args=[t]),
        reverse("team_settings", args=[t]),
        reverse("entry_edit", args=[entry.hash_id]),
        reverse("comment_edit", args=[comment.hash_id]),
        reverse("user_settings"),
        reverse("team_new"),
    ]


def test_it_never_shows_errors_on_a_form_nobody_submitted(client, alice, form_pages):
    client.force_login(alice)
    for url in form_pages:
        page = client.get(url)
        assert page.status_code == 200, url
        # Every template the page rendered (the day page renders its member sections before the page).
        forms = [v for context in page.context for v in context.flatten().values() if hasattr(v, "is_bound")]
        assert forms and not any(f.is_bound for f in forms), url
        assert 'class="error"' not in page.content.decode(), url
    client.logout()
    page = client.get(reverse("signup"))
    assert not page.context["form"].is_bound


def test_it_answers_an_empty_post_with_errors_not_silence(client, alice, team):
    """A POST with no fields is a submitted form: it shows its errors rather than the stored values."""
    client.force_login(alice)
    page = client.post(reverse("team_settings", args=[team.hash_id]))
    assert page.context["form"].is_bound
    assert "This field is required" in page.content.decode()
    team.refresh_from_db()
    assert team.name == "Rocket"
