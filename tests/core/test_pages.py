"""Every page with the three personas (alice owns the team, bob is in it, charlie is not), bad input,
and query counts that do not grow with the team or its history."""

import datetime as dt

import pytest
from django.urls import reverse

from core.localtime import today_for
from core.models import Entry
from core.services.accounts import user_signup
from core.services.entries import entry_create
from core.services.invitations import invitation_create
from core.services.social import comment_create, like_toggle
from core.services.teams import membership_add


@pytest.fixture
def world(alice, bob, team):
    goal = entry_create(author=alice, team=team, text="[ ] launch #rocket")
    done = entry_create(author=bob, team=team, text="fuelled the #rocket")
    comment = comment_create(entry=done, author=alice, text="nice")
    return {"team": team, "goal": goal, "done": done, "comment": comment}


def _get_urls(w):
    t = w["team"].hash_id
    return [
        reverse("team_day", args=[t]),
        reverse("team_day", args=[t]) + "?date=2026-01-15",
        reverse("team_calendar", args=[t]),
        reverse("team_calendar", args=[t]) + "?month=2026-02",
        reverse("person", args=[t, w["goal"].author.hash_id]),
        reverse("tag", args=[t, "rocket"]),
        reverse("search", args=[t]) + "?q=rocket",
        reverse("stats", args=[t]),
        reverse("stats", args=[t]) + "?days=90",
        reverse("export", args=[t]),
        reverse("team_members", args=[t]),
        reverse("team_settings", args=[t]),
        reverse("entry", args=[w["done"].hash_id]),
    ]


def _post_urls(w):
    return [
        reverse("entry_like", args=[w["done"].hash_id]),
        reverse("comment_create", args=[w["done"].hash_id]),
        reverse("goal_done", args=[w["goal"].hash_id]),
        reverse("goal_reopen", args=[w["goal"].hash_id]),
        reverse("entry_archive", args=[w["goal"].hash_id]),
        reverse("entry_delete", args=[w["done"].hash_id]),
        reverse("entry_edit", args=[w["done"].hash_id]),
        reverse("comment_like", args=[w["comment"].hash_id]),
        reverse("comment_edit", args=[w["comment"].hash_id]),
        reverse("comment_delete", args=[w["comment"].hash_id]),
        reverse("team_day", args=[w["team"].hash_id]),
        reverse("team_members", args=[w["team"].hash_id]),
        reverse("team_settings", args=[w["team"].hash_id]),
        reverse("member_remove", args=[w["team"].hash_id, w["goal"].author.hash_id]),
        reverse("member_role", args=[w["team"].hash_id, w["goal"].author.hash_id]),
        reverse("org_role", args=[w["team"].hash_id, w["goal"].author.hash_id]),
        reverse("invitation_resend", args=[w["team"].hash_id, 1]),
        reverse("team_join", args=[w["team"].hash_id]),
    ]


def test_it_shows_every_team_page_to_alice_and_bob(client, alice, bob, world):
    for user in (alice, bob):
        client.force_login(user)
        for url in _get_urls(world):
            assert client.get(url).status_code == 200, (user, url)


def test_it_hides_every_team_page_and_action_from_charlie(client, charlie, other_team, world):
    client.force_login(charlie)
    for url in _get_urls(world):
        assert client.get(url).status_code == 404, url
    for url in _post_urls(world):
        assert client.post(url, {"text": "x", "role": "admin"}).status_code == 404, url
    assert Entry.objects.filter(pk=world["done"].pk).exists()


def test_it_sends_anonymous_visitors_to_log_in(client, world):
    for url in _get_urls(world) + [reverse("user_settings"), reverse("notifications"), reverse("teams")]:
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login")), url


def test_it_shows_personal_pages_to_their_owner(client, alice):
    client.force_login(alice)
    for url in (reverse("user_settings"), reverse("notifications"), reverse("teams"), reverse("team_new")):
        assert client.get(url).status_code == 200, url


def test_bob_cannot_edit_alices_entry_nor_change_roles(client, bob, world):
    client.force_login(bob)
    assert client.get(reverse("entry_edit", args=[world["goal"].hash_id])).status_code == 403
    response = client.post(reverse("member_role", args=[world["team"].hash_id, bob.hash_id]), {"role": "admin"})
    assert response.status_code == 302
    assert not bob.memberships.filter(team=world["team"], role="admin").exists()


def test_it_rejects_bad_input_with_form_errors(client, alice, world):
    client.force_login(alice)
    day = reverse("team_day", args=[world["team"].hash_id])
    for data, message in [
        ({"text": ""}, "This field is required"),
        ({"text": "x" * 10_000}, "at most 5000 characters"),
        ({"text": "ok", "occurred_on": "2026-02-31"}, "Enter a valid date"),
        ({"text": "ok", "occurred_on": "1999-12-31"}, "too long ago"),
        ({"text": "done later", "occurred_on": "2099-01-01"}, "Only goals"),
    ]:
        response = client.post(day, data)
        assert response.status_code == 200 and message in response.content.decode(), data
    for query in ("?date=2026-13-45", "?date=0001-01-01", "?date=9999-12-31"):
        assert client.get(day + query).status_code == 200
    calendar = reverse("team_calendar", args=[world["team"].hash_id])
    for query in ("?month=nope", "?month=0001-01", "?month=9999-12"):
        assert client.get(calendar + query).status_code == 200
    export = reverse("export", args=[world["team"].hash_id])
    assert client.get(export + "?start=2026-99-01").status_code == 400
    assert client.get(export + "?start=2026-02-01&end=2026-01-01").status_code == 400
    stats = reverse("stats", args=[world["team"].hash_id])
    assert client.get(stats + "?days=abc").status_code == 200
    comment = client.post(reverse("comment_create", args=[world["done"].hash_id]), {"text": ""})
    assert comment.status_code == 400


def test_it_posts_marks_done_likes_and_comments_through_the_pages(client, alice, bob, world):
    client.force_login(alice)
    day = reverse("team_day", args=[world["team"].hash_id])
    client.post(day, {"text": "[x] wrote tests\n! waiting on review"})
    assert set(Entry.objects.filter(author=alice).values_list("kind", flat=True)) == {"goal", "done", "blocker"}
    client.post(reverse("goal_done", args=[world["goal"].hash_id]), {"next": day})
    world["goal"].refresh_from_db()
    assert world["goal"].completed_on == today_for(alice)
    client.post(reverse("entry_like", args=[world["done"].hash_id]))
    client.post(reverse("comment_create", args=[world["done"].hash_id]), {"text": "🎉"})
    page = client.get(reverse("entry", args=[world["done"].hash_id])).content.decode()
    assert "♥ 1" in page and "🎉" in page


def test_next_never_redirects_off_site(client, alice, world):
    client.force_login(alice)
    response = client.post(reverse("entry_like", args=[world["done"].hash_id]), {"next": "https://evil.example/"})
    assert response.url == reverse("entry", args=[world["done"].hash_id])


def test_it_exports_csv_rows_for_a_range(client, alice, world):
    entry_create(author=alice, team=world["team"], text="=HYPERLINK(1)", occurred_on=dt.date(2026, 1, 2))
    client.force_login(alice)
    response = client.get(reverse("export", args=[world["team"].hash_id]) + "?start=2026-01-01&end=2026-01-31")
    body = b"".join(response.streaming_content).decode()
    lines = body.strip().splitlines()
    assert lines[0] == "author_email,kind,text,occurred_on,completed_on,created_at,archived_at"
    assert lines[1].startswith("alice@example.com,done,'=HYPERLINK(1),2026-01-02,")
    assert len(lines) == 2


def test_it_accepts_an_invitation_as_a_new_user(client, alice, world, django_capture_on_commit_callbacks):
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("team_members", args=[world["team"].hash_id]),
            {"email": "erin@example.com", "teams": [world["team"].pk]},
        )
    client.logout()
    invitation_url = reverse("invitation", args=[world["team"].invitations.get().code])
    assert "Sign up to accept" in client.get(invitation_url).content.decode()
    client.post(
        reverse("signup") + f"?next={invitation_url}",
        {
            "email": "erin@example.com",
            "password1": "erin-password-9",
            "password2": "erin-password-9",
            "next": invitation_url,
        },
    )
    response = client.post(invitation_url, {"action": "accept"})
    assert response.url == reverse("team_day", args=[world["team"].hash_id])
    assert world["team"].memberships.filter(user__email="erin@example.com").exists()


def test_notifications_page_lists_and_clears_unread(client, alice, bob, world):
    like_toggle(user=bob, entry=world["goal"])
    client.force_login(alice)
    page = client.get(reverse("notifications")).content.decode()
    assert "liked your post" in page and 'class="badge"' in page
    client.post(reverse("notifications_read"))
    assert 'class="badge"' not in client.get(reverse("notifications")).content.decode()


def _grow(team, alice, bob, thread_entry, n_people=6, days=4):
    """More members and history: the pages must not make more queries for them."""
    people = [alice, bob]
    for i in range(n_people):
        user = user_signup(email=f"p{i}@example.com", password="x-password-1", full_name=f"Person {i}")
        membership_add(team=team, user=user)
        people.append(user)
    today = today_for(alice)
    for d in range(days):
        for person in people:
            e = entry_create(
                author=person, team=team, text=f"[ ] goal {d} #t", occurred_on=today - dt.timedelta(days=d)
            )
            entry_create(author=person, team=team, text=f"done {d} #t", occurred_on=today - dt.timedelta(days=d))
            comment_create(entry=e, author=alice, text="go")
            like_toggle(user=bob, entry=e)
    for person in people:
        like_toggle(user=person, entry=thread_entry)
        like_toggle(user=person, comment=comment_create(entry=thread_entry, author=person, text="well done"))
        invitation_create(organization=team.organization, teams=[team], email=f"x{person.pk}@example.com", actor=alice)


# What each list page may cost, whatever the team's size: session, user, membership, the page's own reads.
QUERY_BUDGETS = {
    "team_day": 5,
    "team_calendar": 5,
    "person": 7,
    "tag": 6,
    "search": 5,
    "stats": 7,
    "team_members": 8,
    "entry": 8,
    "notifications": 4,
    "teams": 5,
    "user_settings": 5,
}


def test_list_pages_make_a_fixed_number_of_queries(
    client, monkeypatch, alice, bob, world, django_assert_max_num_queries
):
    _grow(world["team"], alice, bob, world["done"])
    t = world["team"].hash_id
    urls = {
        "team_day": reverse("team_day", args=[t]),
        "team_calendar": reverse("team_calendar", args=[t]),
        "person": reverse("person", args=[t, bob.hash_id]),
        "tag": reverse("tag", args=[t, "t"]),
        "search": reverse("search", args=[t]) + "?q=goal",
        "stats": reverse("stats", args=[t]) + "?days=90",
        "team_members": reverse("team_members", args=[t]),
        "entry": reverse("entry", args=[world["done"].hash_id]),
        "notifications": reverse("notifications"),
        "teams": reverse("teams"),
        "user_settings": reverse("user_settings"),
    }
    client.force_login(alice)
    # Steady state: each process reads the maintenance flag at most every few seconds; keep that one
    # read out of the pages' counts however slow this machine is.
    monkeypatch.setattr("ops.selectors.maintenance.CHECK_EVERY_SECONDS", 3600)
    client.get(urls["teams"])
    for name, url in urls.items():
        with django_assert_max_num_queries(QUERY_BUDGETS[name], info=name):
            assert client.get(url).status_code == 200


def test_export_streams_with_a_fixed_number_of_queries(client, alice, bob, world, django_assert_max_num_queries):
    _grow(world["team"], alice, bob, world["done"], n_people=3, days=5)
    client.force_login(alice)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("export", args=[world["team"].hash_id]))
        rows = b"".join(response.streaming_content).decode().strip().splitlines()
    assert len(rows) == 1 + Entry.objects.filter(team=world["team"]).count()


def test_every_form_needs_its_csrf_token(alice, world):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    for url in _post_urls(world):
        assert client.post(url, {"text": "x"}).status_code == 403, url


def test_it_creates_a_visible_team_in_an_organization_that_teammates_join(client, alice, bob, charlie, world):
    client.force_login(alice)
    client.post(
        reverse("team_new"), {"name": "Guild", "organization": world["team"].organization_id, "visibility": "visible"}
    )
    guild = world["team"].organization.teams.get(name="Guild")
    client.force_login(bob)
    assert "Guild" in client.get(reverse("teams")).content.decode()
    assert client.post(reverse("team_join", args=[guild.hash_id])).url == reverse("team_day", args=[guild.hash_id])
    client.force_login(charlie)
    assert "Guild" not in client.get(reverse("teams")).content.decode()
    assert client.post(reverse("team_join", args=[guild.hash_id])).status_code == 404


def test_charlie_cannot_create_a_team_in_alices_organization(client, charlie, world):
    client.force_login(charlie)
    response = client.post(reverse("team_new"), {"name": "Sneaky", "organization": world["team"].organization_id})
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()


def test_an_existing_user_logs_in_and_accepts_and_another_declines(client, alice, charlie, world):

    invitation = invitation_create(
        organization=world["team"].organization, teams=[world["team"]], email="charlie@example.com", actor=alice
    )
    url = reverse("invitation", args=[invitation.code])
    login = client.post(
        reverse("login") + f"?next={url}",
        {"username": "charlie@example.com", "password": "charlie-password-1", "next": url},
    )
    assert login.url == url
    assert "Accept" in client.get(url).content.decode()
    client.post(url, {"action": "accept"})
    assert world["team"].memberships.filter(user=charlie).exists()

    client.logout()
    other = invitation_create(
        organization=world["team"].organization, teams=[world["team"]], email="zoe@example.com", actor=alice
    )
    client.post(reverse("invitation_decline", args=[other.code]))
    other.refresh_from_db()
    assert other.declined_at is not None
    assert "This invitation is declined" in client.get(reverse("invitation", args=[other.code])).content.decode()
    assert client.get(reverse("invitation", args=["no-such-code"])).status_code == 404


def test_org_admins_change_org_roles_on_the_settings_page(client, alice, bob, world):
    client.force_login(bob)
    assert "People in" not in client.get(reverse("team_settings", args=[world["team"].hash_id])).content.decode()
    client.post(reverse("org_role", args=[world["team"].hash_id, bob.hash_id]), {"role": "owner"})
    assert bob.org_memberships.get(organization=world["team"].organization).role == "member"
    client.force_login(alice)
    assert "People in" in client.get(reverse("team_settings", args=[world["team"].hash_id])).content.decode()
    client.post(reverse("org_role", args=[world["team"].hash_id, bob.hash_id]), {"role": "admin"})
    assert bob.org_memberships.get(organization=world["team"].organization).role == "admin"


def test_an_entry_written_without_html_shows_its_escaped_text(client, alice, world):
    Entry.objects.create(author=alice, team=world["team"], text="<i>raw</i> row", occurred_on=today_for(alice))
    client.force_login(alice)
    page = client.get(reverse("team_day", args=[world["team"].hash_id])).content.decode()
    assert "&lt;i&gt;raw&lt;/i&gt; row" in page and "<i>raw</i>" not in page


def test_opening_an_entry_reads_its_notifications(client, alice, bob, world):
    like_toggle(user=bob, entry=world["goal"])
    like_toggle(user=bob, entry=entry_create(author=alice, team=world["team"], text="other"))
    client.force_login(alice)
    client.get(reverse("entry", args=[world["goal"].hash_id]))
    assert '<span class="badge" data-unread>1</span>' in client.get(reverse("notifications")).content.decode()
