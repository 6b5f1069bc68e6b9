"""Support staff never see a secret in the portal, nor learn one a character at a time: a list page
filtered on a secret-named column (``?password__startswith=…``) would answer yes or no per guess."""

import pytest
from django.urls import reverse

from core.models import Hook
from tests.ops.conftest import client_for
from tests.ops.test_task_history import task_result

pytestmark = pytest.mark.django_db


def _listed(response, text: str) -> bool:
    return response.status_code == 200 and text in response.content.decode()


def test_it_refuses_to_filter_people_on_their_password_hash_or_api_token(sam, root, alice):
    stored = type(alice).objects.get(pk=alice.pk)
    url = reverse("admin:core_user_changelist")
    for client in (client_for(sam), client_for(root)):
        for lookup in (f"password__startswith={stored.password[:25]}", "password__regex=^pbkdf2",
                       "api_token_hash__startswith=a", "api_token_hash__gt="):
            response = client.get(f"{url}?{lookup}")
            assert response.status_code == 400, lookup
            assert not _listed(response, "alice@example.com")


def test_it_refuses_to_filter_hooks_on_their_secret(sam, team, alice):
    Hook.objects.create(team=team, user=alice, target_url="https://hooks.example.com/idt")
    url = reverse("admin:core_hook_changelist")
    assert client_for(sam).get(f"{url}?secret_encrypted__startswith=a").status_code == 400


def test_it_refuses_support_a_filter_on_task_arguments_it_may_not_see(sam, dev):
    task_result(status="FAILURE")
    url = reverse("admin:django_celery_results_taskresult_changelist")
    for lookup in ("task_args__contains=1", "task_kwargs__contains=a", "result__contains=a",
                   "traceback__contains=Error"):
        assert client_for(sam).get(f"{url}?{lookup}").status_code == 400, lookup
        assert client_for(dev).get(f"{url}?{lookup}").status_code == 200, lookup  # developers see arguments


def test_it_still_filters_on_ordinary_columns(sam):
    url = reverse("admin:core_user_changelist")
    assert client_for(sam).get(f"{url}?email__startswith=alice").status_code == 200


def test_it_shows_support_no_secret_on_any_page_about_a_person_or_team(sam, dev, alice, team, settings):
    from core.services.accounts import user_api_token_reset
    from core.services.hooks import hook_create
    from idt_slack.crypto import token_encrypt
    from idt_slack.models import SlackInstallation
    from ops.models import AuditRecord

    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    token = user_api_token_reset(user=alice, actor=alice)
    hook = hook_create(actor=alice, team=team, target_url="http://127.0.0.1:9/idt")  # never called here
    secret = hook.new_secret
    SlackInstallation.objects.create(team=team, slack_team_id="T42", slack_team_name="Rocketeers",
                                     bot_token_encrypted=token_encrypt("xoxb-not-for-support-42"))
    client = client_for(sam)
    # Support revokes the token from the people list: the audit row records the change, not the values.
    client.post(reverse("admin:core_user_changelist"), {"action": "api_token_revoke", "_selected_action": [alice.pk]})
    assert AuditRecord.objects.filter(action="core.user.api_token_reset", actor=sam).exists()
    stored = type(alice).objects.get(pk=alice.pk)
    hook.refresh_from_db()
    installation = SlackInstallation.objects.get(team=team)
    secrets = {
        "password hash": stored.password,
        "API token": token,
        "API token hash": stored.api_token_hash,
        "hook secret": secret,
        "hook secret (encrypted)": hook.secret_encrypted,
        "Slack token": "xoxb-not-for-support-42",
        "Slack token (encrypted)": installation.bot_token_encrypted,
    }
    assert all(secrets.values())
    urls = [
        reverse("admin:core_user_changelist"),
        reverse("admin:core_user_change", args=[alice.pk]),
        reverse("admin:core_user_history", args=[alice.pk]),
        reverse("admin:ops_person", args=[alice.hash_id]),
        reverse("admin:ops_team", args=[team.hash_id]),
        reverse("admin:core_team_change", args=[team.pk]),
        reverse("admin:core_hook_changelist"),
        reverse("admin:core_hook_change", args=[hook.pk]),
        reverse("admin:core_hook_history", args=[hook.pk]),
        reverse("admin:ops_auditrecord_changelist"),
        reverse("admin:ops_find") + "?q=alice",
        *[reverse("admin:ops_auditrecord_change", args=[r.pk]) for r in AuditRecord.objects.only("pk")],
    ]
    for who in (client, client_for(dev)):
        for url in urls:
            response = who.get(url, follow=True)
            assert response.status_code == 200, url
            html = response.content.decode()
            leaked = [name for name, value in secrets.items() if value in html]
            assert not leaked, f"{url} shows {leaked}"


def test_it_masks_a_password_or_token_in_a_webhook_target_on_every_portal_page(sam, dev, alice, team, settings):
    from core.models import WebhookDelivery
    from ops.models import AuditRecord

    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    target = "http://hookuser:hunter2-pass@127.0.0.1:9/idt?token=tok-zz-42&team=a"
    hook = Hook.objects.create(team=team, user=alice, target_url=target)
    delivery = WebhookDelivery.objects.create(hook=hook, team=team, target_url=target, event="entry_created", body="[]")
    redeliver = reverse("admin:ops_support_redeliver_webhook")
    client_for(sam).post(redeliver, {"delivery": delivery.pk, "confirmed": "yes"})
    assert AuditRecord.objects.filter(action="webhook.redeliver").exists()
    urls = [
        reverse("admin:core_hook_changelist"),
        reverse("admin:core_hook_change", args=[hook.pk]),
        reverse("admin:core_hook_history", args=[hook.pk]),
        reverse("admin:core_webhookdelivery_changelist"),
        reverse("admin:core_webhookdelivery_change", args=[delivery.pk]),
        reverse("admin:ops_webhook_delivery", args=[delivery.pk]),
        reverse("admin:ops_team", args=[team.hash_id]),
        f"{redeliver}?delivery={delivery.pk}",
        reverse("admin:ops_auditrecord_changelist"),
        *[reverse("admin:ops_auditrecord_change", args=[r.pk]) for r in AuditRecord.objects.only("pk")],
    ]
    for who in (client_for(sam), client_for(dev)):
        for url in urls:
            html = who.get(url, follow=True).content.decode()
            assert "hunter2-pass" not in html and "tok-zz-42" not in html, url
    page = client_for(sam).get(reverse("admin:ops_webhook_delivery", args=[delivery.pk])).content.decode()
    assert "127.0.0.1:9/idt" in page  # the target itself is still there to read


def test_it_searches_hooks_by_their_target_as_shown_so_a_search_cannot_test_a_password(sam, alice, team):
    hook = Hook.objects.create(team=team, user=alice, target_url="https://hookuser:hunter2-pass@hooks.example.com/x")
    url = reverse("admin:core_hook_changelist")
    client = client_for(sam)
    assert hook.hash_id not in client.get(url, {"q": "hunter2"}).content.decode()
    assert hook.hash_id not in client.get(url, {"q": "hookuser:h"}).content.decode()
    assert hook.hash_id in client.get(url, {"q": "hooks.example.com"}).content.decode()
    assert hook.hash_id in client.get(url, {"q": hook.hash_id}).content.decode()


def test_it_masks_a_token_in_a_slack_installations_last_error_on_the_team_page(sam, team):
    from idt_slack.crypto import token_encrypt
    from idt_slack.models import SlackInstallation

    SlackInstallation.objects.create(
        team=team,
        slack_team_id="T43",
        slack_team_name="Rocketeers",
        bot_token_encrypted=token_encrypt("xoxb-not-for-support-43"),
        last_error="invalid_auth: Authorization: Bearer xoxb-leaked-in-an-error-1234",
    )
    page = client_for(sam).get(reverse("admin:ops_team", args=[team.hash_id])).content.decode()
    assert "last error: invalid_auth" in page and "xoxb-leaked-in-an-error-1234" not in page
