"""Connecting Slack in a real browser against the fake Slack's OAuth pages: a team admin connects the
workspace and picks the channel, a member links their Slack user. Screenshots: slack-team-settings.png and
slack-digest.png (the digest as the fake renders what was posted; see tests/browser.py)."""

import copy
import datetime as dt

import pytest
from django.utils import timezone

from core.services.entries import entry_create
from idt_slack.crypto import token_decrypt
from idt_slack.models import SlackInstallation, SlackMember, SlackMessage
from idt_slack.services.messages import digests_claim_due, message_send
from tests.browser import screenshot
from tests.idt_slack.fake_slack import BOT_TOKEN

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def browser_settings(settings, live_server, fake_slack):
    settings.SITE_URL = live_server.url  # the OAuth redirect URL Slack sends people back to
    policy = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
    policy["DIRECTIVES"]["form-action"] = ["'self'", fake_slack.url]
    settings.CONTENT_SECURITY_POLICY = policy
    return settings


def _log_in(page, email: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", password)
    page.click("main button[type=submit]")
    page.wait_for_load_state()


def test_an_admin_connects_slack_picks_a_channel_and_a_member_links_their_slack_user(
    page, browser_settings, fake_slack, alice, bob, team
):
    _log_in(page, "alice@example.com", "alice-password-1")
    page.goto(f"/t/{team.hash_id}/settings/")
    page.click("[data-slack-connect]")
    page.wait_for_selector("#allow")  # the fake Slack's consent page
    assert "chat:write" in page.content()
    page.click("#allow")
    page.wait_for_selector("text=Slack is connected.")
    installation = SlackInstallation.objects.get(team=team)
    assert (
        installation.slack_team_name == "Rocket Works" and token_decrypt(installation.bot_token_encrypted) == BOT_TOKEN
    )
    assert BOT_TOKEN not in page.content()  # never shown

    page.select_option("[data-slack-channel]", label="#done-list")
    page.click("text=Use this channel")
    page.wait_for_selector("text=Entries and digests now go to #done-list.")
    assert SlackInstallation.objects.get(team=team).channel_id == "C0DONE"
    screenshot(page, "slack-team-settings")

    page.goto("/u/settings/")
    page.click("[data-slack-link-start]")
    page.wait_for_selector("#allow")
    page.click("#allow")
    page.wait_for_selector("text=Your Slack account is linked.")
    page.wait_for_selector("[data-slack-link=U0ALICE]")
    member = SlackMember.objects.get(user=alice)
    assert (member.slack_team_id, member.slack_user_id) == ("T0FAKE", "U0ALICE")

    # A replayed callback (the same state again) is refused: states are single-use.
    callback = fake_slack.calls_to("openid.connect.token")[0].params["redirect_uri"]
    assert page.goto(f"{callback}?code=again&state=used-up").status == 400

    # The morning after: the digest in the channel, as the fake renders it.
    yesterday = (timezone.now() - dt.timedelta(days=1)).date()
    for author, text in (
        (alice, "[x] Connected Slack to the team"),
        (alice, "[ ] Write the Slack docs"),
        (alice, "Reviewed the OAuth flow #security"),
    ):
        entry_create(author=author, team=team, text=text, occurred_on=yesterday)
    entry_create(author=bob, team=team, text="! Waiting on the app's review", occurred_on=yesterday)
    SlackMessage.objects.all().delete()  # only the digest in the picture
    fake_slack.posted.clear()
    SlackInstallation.objects.update(digest_days="0123456", next_digest_at=timezone.now() - dt.timedelta(seconds=1))
    digests_claim_due(enqueue=lambda pk: None)
    assert message_send(message_id=SlackMessage.objects.get(kind="digest").pk).status == "sent"
    page.set_viewport_size({"width": 720, "height": 400})
    page.goto(f"{fake_slack.url}/channels/C0DONE")
    page.wait_for_selector("text=what got done on")
    assert "Waiting on the app" in page.content() and "Everyone posted." in page.content()
    screenshot(page, "slack-digest")
