"""The Slack sections of the settings pages, the OAuth callback's refusals, and what support sees."""

from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse

from idt_slack.models import SlackInstallation, SlackMember, SlackOAuthState
from idt_slack.oauth import DatabaseStateStore, MemberIdentity
from idt_slack.services.installations import installation_disable, member_link
from tests.idt_slack.fake_slack import BOT_TOKEN
from tests.ops.conftest import _staff, client_for


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_team_settings_page_offers_connect_to_admins_only(fake_slack, alice, bob, team):
    page = _client(alice).get(f"/t/{team.hash_id}/settings/").content.decode()
    assert "data-slack-connect" in page
    page = _client(bob).get(f"/t/{team.hash_id}/settings/").content.decode()
    assert 'data-slack-state="none"' in page and "data-slack-connect" not in page
    assert _client(bob).post(reverse("slack_install", args=[team.hash_id])).status_code == 403


def test_connect_sends_the_admin_to_slacks_authorize_page_with_a_single_use_state(fake_slack, alice, team):
    response = _client(alice).post(reverse("slack_install", args=[team.hash_id]))
    assert response.status_code == 302
    assert response["Location"].startswith(f"{fake_slack.url}/oauth/v2/authorize?state=")
    assert "scope=commands,chat:write,chat:write.public,channels:read" in response["Location"]
    state = SlackOAuthState.objects.get()
    assert (state.purpose, state.user, state.team) == ("install", alice, team)


def test_the_callback_refuses_an_unknown_state_or_someone_elses(fake_slack, alice, bob, team):
    assert _client(alice).get(reverse("slack_oauth_callback"), {"state": "nope", "code": "x"}).status_code == 400
    state = DatabaseStateStore().issue(purpose="install", user=alice, team=team)
    assert _client(bob).get(reverse("slack_oauth_callback"), {"state": state, "code": "x"}).status_code == 400
    assert not SlackInstallation.objects.exists()
    assert fake_slack.calls_to("oauth.v2.access") == []


def test_a_declined_authorization_goes_back_with_a_message(fake_slack, alice, team):
    state = DatabaseStateStore().issue(purpose="install", user=alice, team=team)
    response = _client(alice).get(
        reverse("slack_oauth_callback"), {"state": state, "error": "access_denied"}, follow=True
    )
    assert "Slack was not connected (access_denied)." in response.content.decode()
    assert not SlackInstallation.objects.exists()


def test_a_refused_code_exchange_says_so_and_stores_nothing(fake_slack, alice, team):
    state = DatabaseStateStore().issue(purpose="install", user=alice, team=team)
    response = _client(alice).get(reverse("slack_oauth_callback"), {"state": state, "code": ""}, follow=True)
    assert "Slack was not connected" in response.content.decode()
    assert not SlackInstallation.objects.exists()


def test_one_slack_user_is_one_of_our_users(fake_slack, alice, bob):
    identity = MemberIdentity(slack_team_id="T0FAKE", slack_team_name="Rocket Works", slack_user_id="U0ALICE")
    member_link(user=alice, identity=identity)
    with pytest.raises(ValueError, match="already linked to another"):
        member_link(user=bob, identity=identity)
    assert member_link(user=alice, identity=identity).user == alice  # linking again changes nothing
    assert SlackMember.objects.count() == 1


def test_a_member_sets_a_default_team_and_unlinks(
    fake_slack, installation, alice_in_slack, alice, team, charlie, other_team
):
    client = _client(alice)
    client.post(reverse("slack_default_team", args=[alice_in_slack.pk]), {"team": team.hash_id})
    alice_in_slack.refresh_from_db()
    assert alice_in_slack.default_team == team
    response = client.post(
        reverse("slack_default_team", args=[alice_in_slack.pk]), {"team": other_team.hash_id}, follow=True
    )
    assert "You are not in that team." in response.content.decode()
    assert _client(charlie).post(reverse("slack_unlink", args=[alice_in_slack.pk])).status_code == 404
    client.post(reverse("slack_unlink", args=[alice_in_slack.pk]))
    assert not SlackMember.objects.exists()


def test_the_user_settings_page_shows_the_link(fake_slack, alice_in_slack, alice):
    page = _client(alice).get("/u/settings/").content.decode()
    assert 'data-slack-link="U0ALICE"' in page and "Rocket Works" in page


def test_the_pages_say_when_slack_is_not_set_up(settings, alice, team):
    settings.SLACK_CLIENT_ID = ""
    assert "Slack is not set up on this site." in _client(alice).get("/u/settings/").content.decode()
    assert "Slack is not set up on this site." in _client(alice).get(f"/t/{team.hash_id}/settings/").content.decode()


def test_an_admin_chooses_only_one_of_the_workspaces_channels(fake_slack, installation, alice, team):
    client = _client(alice)
    page = client.get(f"/t/{team.hash_id}/settings/").content.decode()
    assert "#general" in page and "#done-list" in page and BOT_TOKEN not in page
    response = client.post(reverse("slack_channel", args=[team.hash_id]), {"channel": "C0NOTOURS"}, follow=True)
    assert "Choose one of the workspace&#x27;s channels." in response.content.decode()
    client.post(reverse("slack_channel", args=[team.hash_id]), {"channel": "C0GENERAL"})
    assert SlackInstallation.objects.get().channel_name == "general"


def test_an_admin_sets_the_digest_time_and_zone(fake_slack, installation, alice, team):
    data = {"slack-digest_days": ["0", "2"], "slack-digest_time": "09:15", "slack-time_zone": "Europe/Paris"}
    _client(alice).post(reverse("slack_digest", args=[team.hash_id]), data)
    installation.refresh_from_db()
    assert (installation.digest_days, installation.time_zone, str(installation.digest_time)) == (
        "02",
        "Europe/Paris",
        "09:15:00",
    )
    assert installation.next_digest_at.astimezone(ZoneInfo("Europe/Paris")).weekday() in (0, 2)


def test_disconnecting_from_the_page_deletes_the_token(fake_slack, installation, alice, team):
    _client(alice).post(reverse("slack_disconnect", args=[team.hash_id]))
    installation.refresh_from_db()
    assert installation.bot_token_encrypted == "" and installation.state == "disconnected"
    assert "data-slack-connect" in _client(alice).get(f"/t/{team.hash_id}/settings/").content.decode()


def test_support_sees_each_teams_slack_link_state_and_last_error_never_the_token(fake_slack, installation, team):
    sam = _staff("sam@idonethis.test", group="Support")
    installation_disable(installation_id=installation.pk, code="channel_not_found")
    page = client_for(sam).get(reverse("admin:ops_team", args=[team.hash_id])).content.decode()
    slack = page.split('data-integration="Slack">')[1].split("</p>")[0]
    assert "Workspace Rocket Works → #done-list: Disabled by an error from Slack" in slack
    assert "last error: channel_not_found at" in slack
    assert BOT_TOKEN not in page and installation.bot_token_encrypted not in page


def test_the_slack_section_of_your_settings_costs_two_queries_however_many_links(
    fake_slack, installation, alice_in_slack, alice, django_assert_max_num_queries
):
    from core.services.teams import team_create
    from idt_slack.models import SlackMember

    for n in range(3):
        team_create(owner=alice, name=f"Side {n}")
        SlackMember.objects.create(user=alice, slack_team_id=f"T0OTHER{n}", slack_user_id="U0ALICE")
    client = _client(alice)
    # The page's own six (maintenance flag, session, user, memberships, notifications, addresses) and the
    # Slack section's two (links, their connected teams).
    with django_assert_max_num_queries(6 + 2):
        page = client.get("/u/settings/").content.decode()
    assert page.count("data-slack-link=") == 4


def test_the_sweep_forgets_oauth_states_nobody_came_back_with(fake_slack, alice, team):
    import datetime as dt

    from django.utils import timezone

    from idt_slack.tasks import sweep

    store = DatabaseStateStore()
    fresh = store.issue(purpose="install", user=alice, team=team)
    SlackOAuthState.objects.create(
        state="stale", purpose="link", user=alice, expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    assert sweep()["oauth_states_forgotten"] == 1
    assert list(SlackOAuthState.objects.values_list("state", flat=True)) == [fresh]
    assert store.consume(fresh) and not store.consume(fresh)
