"""``/done`` from Slack: real signed requests (good, tampered, stale, replayed, retried) to /slack/commands."""

import time

import pytest
from django.test import Client

from core.localtime import today_for
from core.models import Entry
from core.services.teams import team_create
from idt_slack.models import SlackCommand, SlackInstallation
from idt_slack.oauth import BotGrant
from idt_slack.services.commands import command_run
from idt_slack.services.installations import installation_connect
from ops.services.maintenance import maintenance_set
from tests.idt_slack.conftest import command_body, post_command, sign
from tests.idt_slack.fake_slack import BOT_TOKEN, WORKSPACE


def _run_all() -> list[Entry]:
    for command in SlackCommand.objects.filter(status=SlackCommand.Status.PENDING):
        command_run(command_id=command.pk)
    return list(Entry.objects.order_by("pk"))


def test_it_answers_a_signed_done_at_once_and_a_task_creates_the_entry(installation, alice_in_slack, alice, team):
    started = time.monotonic()
    response = post_command(Client(), command_body("shipped the Slack bridge #slack"))
    assert time.monotonic() - started < 3  # Slack gives up after 3 seconds
    assert response.status_code == 200
    assert response.json() == {"response_type": "ephemeral", "text": "Got it!"}
    assert Entry.objects.count() == 0  # the worker writes it, not the request
    [entry] = _run_all()
    assert (entry.author, entry.team, entry.kind, entry.text) == (
        alice,
        team,
        "done",
        "shipped the Slack bridge #slack",
    )
    assert list(entry.tags.values_list("name", flat=True)) == ["slack"]
    assert SlackCommand.objects.get().entry == entry


@pytest.mark.parametrize(
    ("text", "kind", "body"),
    [
        ("[ ] write spec", "goal", "write spec"),
        ("! waiting on keys", "blocker", "waiting on keys"),
        ("[x] tests", "done", "tests"),
    ],
)
def test_it_applies_the_markers(installation, alice_in_slack, text, kind, body):
    post_command(Client(), command_body(text))
    [entry] = _run_all()
    assert (entry.kind, entry.text) == (kind, body)


def test_the_entry_is_for_today_in_the_members_own_zone(installation, alice_in_slack, alice):
    alice.time_zone = "Pacific/Kiritimati"  # UTC+14: usually already tomorrow in UTC terms
    alice.save(update_fields=["time_zone"])
    post_command(Client(), command_body("early start"))
    [entry] = _run_all()
    assert entry.occurred_on == today_for(alice)


def test_a_tampered_request_is_a_401_and_nothing_happens(installation, alice_in_slack):
    body = command_body("shipped it")
    headers = sign(body)
    response = post_command(Client(), body.replace(b"shipped", b"deleted"), headers)
    assert response.status_code == 401
    wrong_secret = post_command(Client(), body, sign(body, secret="not-the-secret"))
    assert wrong_secret.status_code == 401
    assert (
        post_command(
            Client(), body, {"X-Slack-Request-Timestamp": "yesterday", "X-Slack-Signature": "v0=00"}
        ).status_code
        == 401
    )
    assert (
        Client().post("/slack/commands", data=body, content_type="application/x-www-form-urlencoded").status_code == 401
    )
    assert not SlackCommand.objects.exists() and not Entry.objects.exists()


def test_a_request_older_than_five_minutes_is_refused_even_if_correctly_signed(installation, alice_in_slack):
    body = command_body("shipped it")
    response = post_command(Client(), body, sign(body, timestamp=int(time.time()) - 6 * 60))
    assert response.status_code == 401
    assert not SlackCommand.objects.exists()


def test_slacks_retries_and_a_replayed_request_never_create_a_second_entry(installation, alice_in_slack):
    body = command_body("shipped once")
    headers = sign(body)
    assert post_command(Client(), body, headers).json()["text"] == "Got it!"
    retry = {**headers, "X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    assert post_command(Client(), body, retry).json()["text"] == "Got it!"
    _run_all()
    assert post_command(Client(), body, headers).status_code == 200  # a replay after the entry exists
    _run_all()
    assert Entry.objects.count() == 1 and SlackCommand.objects.count() == 1


def test_running_the_same_command_twice_creates_one_entry(installation, alice_in_slack):
    post_command(Client(), command_body("shipped once"))
    command = SlackCommand.objects.get()
    assert command_run(command_id=command.pk).status == "done"
    assert command_run(command_id=command.pk) is None  # a duplicate message: nothing to do
    assert Entry.objects.count() == 1


def test_an_unlinked_slack_user_gets_a_one_line_link_to_connect(installation):
    response = post_command(Client(), command_body("shipped it", user_id="U0STRANGER"))
    text = response.json()["text"]
    assert response.status_code == 200 and "\n" not in text
    assert "/u/settings/#slack" in text
    assert not SlackCommand.objects.exists()


def test_empty_text_gets_a_hint_and_no_entry(installation, alice_in_slack):
    response = post_command(Client(), command_body("   "))
    assert "needs some text" in response.json()["text"]
    assert not SlackCommand.objects.exists()


@pytest.fixture
def second_team(alice, installation):
    """Another of Alice's teams, connected to the same workspace."""
    other = team_create(owner=alice, name="Launchpad")
    grant = BotGrant(
        slack_team_id=WORKSPACE["id"],
        slack_team_name="Rocket Works",
        bot_user_id="U0BOT",
        bot_token=BOT_TOKEN,
        scopes="",
    )
    installation_connect(team=other, actor=alice, grant=grant)
    return other


def test_a_member_in_several_linked_teams_picks_one_with_its_slug(second_team, alice_in_slack, team):
    post_command(Client(), command_body(f"#{second_team.slug} fuelled the rocket", trigger_id="t1"))
    [entry] = _run_all()
    assert (entry.team, entry.text) == (second_team, "fuelled the rocket")


def test_without_a_slug_or_default_they_are_asked_which_team(second_team, alice_in_slack, team):
    text = post_command(Client(), command_body("which team?")).json()["text"]
    assert f"#{team.slug}" in text and f"#{second_team.slug}" in text
    assert not SlackCommand.objects.exists()


def test_the_default_team_takes_a_done_without_a_slug(second_team, alice_in_slack, alice, team):
    alice_in_slack.default_team = team
    alice_in_slack.save()
    post_command(Client(), command_body("#unrelated-tag counts as text"))
    [entry] = _run_all()
    assert (entry.team, entry.text) == (team, "#unrelated-tag counts as text")


def test_a_team_disconnected_from_slack_takes_no_dones(installation, alice_in_slack):
    SlackInstallation.objects.update(state=SlackInstallation.State.DISCONNECTED)
    text = post_command(Client(), command_body("shipped it")).json()["text"]
    assert "None of your iDoneThis teams is connected" in text


def test_it_is_a_clear_404_when_slack_is_not_set_up(settings, alice_in_slack):
    settings.SLACK_SIGNING_SECRET = ""
    response = post_command(Client(), command_body("shipped"))
    assert response.status_code == 404
    assert response.json() == {"error": "Slack is not set up on this site."}


def test_maintenance_answers_slack_with_503_json_before_any_check(installation, alice_in_slack, alice):
    from tests.ops.conftest import _staff

    root = _staff("root@idonethis.test", superuser=True)
    maintenance_set(actor=root, enabled=True, message="Back soon")
    response = post_command(Client(), command_body("during maintenance"))
    assert response.status_code == 503
    assert response.json() == {"error": "Back soon", "maintenance": True}
    assert not SlackCommand.objects.exists()


def test_a_get_is_refused(installation):
    assert Client().get("/slack/commands").status_code == 405
