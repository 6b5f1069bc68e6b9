"""Slack test fixtures: the fake Slack server, the app's test credentials, signed slash-command requests."""

import hashlib
import hmac
import time
from urllib.parse import urlencode

import pytest

from idt_slack.models import SlackInstallation, SlackMember
from idt_slack.oauth import BotGrant
from idt_slack.services.installations import installation_channel_set, installation_connect
from ops.selectors.maintenance import maintenance_forget
from tests.idt_slack.fake_slack import BOT_TOKEN, WORKSPACE, running_fake

SIGNING_SECRET = "test-slack-signing-secret-abcdef"
SLACK_ENV = {
    "SLACK_CLIENT_ID": "1111.2222",
    "SLACK_CLIENT_SECRET": "test-slack-client-secret",
    "SLACK_SIGNING_SECRET": SIGNING_SECRET,
}


def slack_env(fake_url: str) -> dict:
    """The environment a process started by a test needs to talk to the fake Slack."""
    return {**SLACK_ENV, "SLACK_API_URL": f"{fake_url}/api/", "SLACK_OAUTH_URL": fake_url}


@pytest.fixture(autouse=True)
def _forget_maintenance():
    """Maintenance state is remembered per process for a moment; no test may see another's."""
    maintenance_forget()
    yield
    maintenance_forget()


@pytest.fixture
def fake_slack(settings):
    with running_fake() as fake:
        settings.SLACK_CLIENT_ID = SLACK_ENV["SLACK_CLIENT_ID"]
        settings.SLACK_CLIENT_SECRET = SLACK_ENV["SLACK_CLIENT_SECRET"]
        settings.SLACK_SIGNING_SECRET = SIGNING_SECRET
        settings.SLACK_API_URL = f"{fake.url}/api/"
        settings.SLACK_OAUTH_URL = fake.url
        yield fake


def sign(body: bytes, *, timestamp: int | None = None, secret: str = SIGNING_SECRET) -> dict:
    """Slack's v0 signature headers for ``body`` (as Slack computes them)."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    base = b"v0:" + str(timestamp).encode() + b":" + body
    signature = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": str(timestamp), "X-Slack-Signature": signature}


def command_body(
    text: str, *, user_id: str = "U0ALICE", trigger_id: str = "13345224609.738474920.8088930838d88f008e0", **extra
) -> bytes:
    fields = {
        "token": "deprecated-verification-token",
        "team_id": WORKSPACE["id"],
        "team_domain": "rocketworks",
        "channel_id": "C0GENERAL",
        "user_id": user_id,
        "user_name": "someone",
        "command": "/done",
        "text": text,
        "response_url": "https://hooks.slack.invalid/commands/T0FAKE/1/abc",
        "trigger_id": trigger_id,
        **extra,
    }
    return urlencode(fields).encode()


def post_command(client, body: bytes, headers: dict | None = None):
    headers = sign(body) if headers is None else headers
    django_headers = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()}
    return client.post("/slack/commands", data=body, content_type="application/x-www-form-urlencoded", **django_headers)


@pytest.fixture
def installation(fake_slack, team, alice) -> SlackInstallation:
    """Alice's team connected to the fake workspace, posting to #done-list."""
    grant = BotGrant(
        slack_team_id=WORKSPACE["id"],
        slack_team_name=WORKSPACE["name"],
        bot_user_id="U0BOT",
        bot_token=BOT_TOKEN,
        scopes="commands",
    )
    installed = installation_connect(team=team, actor=alice, grant=grant)
    return installation_channel_set(installation=installed, actor=alice, channel_id="C0DONE", channel_name="done-list")


@pytest.fixture
def alice_in_slack(alice) -> SlackMember:
    return SlackMember.objects.create(
        user=alice, slack_team_id=WORKSPACE["id"], slack_user_id="U0ALICE", slack_team_name=WORKSPACE["name"]
    )
