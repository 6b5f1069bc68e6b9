"""The team's Webhooks page: the API's rule on the web — any member adds hooks to their team, only a hook's
owner sees or changes it (a team admin included gets a 404 for someone else's), non-members get a 404 for
all of it — every write through core/services/hooks.py, the secret shown once, CSRF and bad input."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from core.crypto import unseal
from core.models import Hook, WebhookDelivery
from core.services.entries import entry_create
from core.services.hooks import hook_create
from core.services.webhooks import webhook_delivery_send

pytestmark = pytest.mark.usefixtures("loopback_webhooks")  # tests/core/conftest.py

ACTIONS = ("hook_rotate", "hook_pause", "hook_resume", "hook_delete")


def _as(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _hook_urls(team, hook):
    args = [team.hash_id, hook.hash_id]
    return [reverse("team_hook", args=args)] + [reverse(name, args=args) for name in ACTIONS]


def test_a_member_adds_a_hook_and_sees_its_secret_once(bob, team, receiver):
    client = _as(bob)
    page = client.get(reverse("team_hooks", args=[team.hash_id]))
    assert page.status_code == 200 and "You have no webhooks on this team yet." in page.content.decode()
    assert 'class="error"' not in page.content.decode()  # the form is bound only on POST
    answer = client.post(
        reverse("team_hooks", args=[team.hash_id]), {"target_url": receiver.url, "events": ["entry_created"]}
    )
    hook = Hook.objects.get(user=bob, team=team)
    secret = unseal(hook.secret_encrypted)
    assert answer.status_code == 200 and secret in answer.content.decode()
    assert "no-store" in answer["Cache-Control"]
    assert hook.events == ["entry_created"] and hook.target_url == receiver.url
    for url in (reverse("team_hooks", args=[team.hash_id]), reverse("team_hook", args=[team.hash_id, hook.hash_id])):
        shown = client.get(url)
        assert shown.status_code == 200 and receiver.url in shown.content.decode()
        assert secret not in shown.content.decode()


@pytest.mark.parametrize(
    "data, error",
    [
        ({"target_url": "http://169.254.169.254/latest", "events": ["entry_created"]}, "cloud metadata address"),
        ({"target_url": "http://10.0.0.7/hook", "events": ["entry_created"]}, "a private address"),
        ({"target_url": "ftp://example.com/x", "events": ["entry_created"]}, "starts with http:// or https://"),
        ({"target_url": "", "events": ["entry_created"]}, "This field is required."),
        ({"target_url": "http://127.0.0.1:9/", "events": []}, "Choose at least one event."),
        ({"target_url": "http://127.0.0.1:9/", "events": ["entry_deleted"]}, "Select a valid choice."),
    ],
)
def test_bad_input_gets_a_clear_error_and_saves_nothing(bob, team, settings, data, error):
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    answer = _as(bob).post(reverse("team_hooks", args=[team.hash_id]), data)
    assert answer.status_code == 200 and error in answer.content.decode()
    assert not Hook.objects.exists()


def test_the_team_limit_is_said_on_the_form(bob, team, settings, receiver):
    settings.WEBHOOK_MAX_PER_TEAM = 1
    hook_create(actor=bob, team=team, target_url=receiver.url)
    answer = _as(bob).post(
        reverse("team_hooks", args=[team.hash_id]), {"target_url": receiver.url, "events": ["entry_created"]}
    )
    assert "A team has at most 1 webhooks." in answer.content.decode() and Hook.objects.count() == 1


def test_each_member_sees_only_their_own_hooks(alice, bob, team, hook, receiver):
    bobs = hook_create(actor=bob, team=team, target_url=receiver.url + "?bob")
    alices_page = _as(alice).get(reverse("team_hooks", args=[team.hash_id])).content.decode()
    assert f'data-hook="{hook.hash_id}"' in alices_page and bobs.hash_id not in alices_page
    assert "Other members have 1 more" in alices_page


def test_a_teammate_gets_a_404_for_someone_elses_hook_and_changes_nothing(bob, team, hook):
    client = _as(bob)
    for url in _hook_urls(team, hook):
        assert client.post(url, {"target_url": "http://127.0.0.1:9/x", "events": ["entry_created"]}).status_code == 404
    assert client.get(reverse("team_hook", args=[team.hash_id, hook.hash_id])).status_code == 404
    after = Hook.objects.get(pk=hook.pk)
    assert after.target_url == hook.target_url and after.paused_at is None
    assert unseal(after.secret_encrypted) == hook.new_secret


def test_a_team_admin_does_not_manage_a_members_hook_as_in_the_api(alice, bob, team, receiver):
    bobs = hook_create(actor=bob, team=team, target_url=receiver.url)
    client = _as(alice)
    for url in _hook_urls(team, bobs):
        assert client.post(url).status_code == 404
    assert Hook.objects.filter(pk=bobs.pk, paused_at__isnull=True).exists()


def test_someone_outside_the_team_gets_a_404_for_all_of_it(charlie, team, hook, receiver):
    client = _as(charlie)
    assert client.get(reverse("team_hooks", args=[team.hash_id])).status_code == 404
    answer = client.post(
        reverse("team_hooks", args=[team.hash_id]), {"target_url": receiver.url, "events": ["entry_created"]}
    )
    assert answer.status_code == 404 and Hook.objects.count() == 1
    for url in _hook_urls(team, hook):
        assert client.post(url).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(team, hook):
    for url in [reverse("team_hooks", args=[team.hash_id]), *_hook_urls(team, hook)]:
        answer = Client().post(url)
        assert answer.status_code == 302 and reverse("login") in answer["Location"]


def test_the_owner_changes_rotates_pauses_resumes_and_deletes(alice, team, hook, receiver):
    client, args = _as(alice), [team.hash_id, hook.hash_id]
    saved = client.post(
        reverse("team_hook", args=args), {"target_url": receiver.url + "?v=2", "events": ["entry_updated"]}
    )
    assert saved.status_code == 302
    saved_hook = Hook.objects.get(pk=hook.pk)
    assert saved_hook.target_url == receiver.url + "?v=2" and saved_hook.events == ["entry_updated"]

    rotated = client.post(reverse("hook_rotate", args=args))
    new_secret = unseal(Hook.objects.get(pk=hook.pk).secret_encrypted)
    assert new_secret != hook.new_secret and new_secret in rotated.content.decode()
    assert "no-store" in rotated["Cache-Control"]

    assert client.post(reverse("hook_pause", args=args)).status_code == 302
    assert Hook.objects.get(pk=hook.pk).paused_at is not None
    assert "paused since" in client.get(reverse("team_hook", args=args)).content.decode()
    client.post(reverse("hook_resume", args=args))
    assert Hook.objects.get(pk=hook.pk).paused_at is None

    assert client.post(reverse("hook_delete", args=args))["Location"] == reverse("team_hooks", args=[team.hash_id])
    assert not Hook.objects.filter(pk=hook.pk).exists()


def test_a_bad_change_shows_its_error_and_keeps_the_hook(alice, team, hook):
    args = [team.hash_id, hook.hash_id]
    answer = _as(alice).post(
        reverse("team_hook", args=args), {"target_url": "http://192.168.1.1/", "events": ["entry_created"]}
    )
    assert answer.status_code == 200 and "a private address" in answer.content.decode()
    assert Hook.objects.get(pk=hook.pk).target_url == hook.target_url


def test_the_hook_page_shows_its_recent_deliveries(alice, bob, team, hook, receiver):
    receiver.answer(500)
    entry_create(author=bob, team=team, text="Shipped it")
    delivery = webhook_delivery_send(delivery_id=WebhookDelivery.objects.get(hook=hook).pk)
    html = _as(alice).get(reverse("team_hook", args=[team.hash_id, hook.hash_id])).content.decode()
    assert f'data-delivery="{delivery.delivery_id}"' in html and "HTTP 500" in html and "pending" in html


def test_actions_are_post_only_and_need_the_csrf_token(alice, team, hook):
    client = _as(alice)
    for name in ACTIONS:
        assert client.get(reverse(name, args=[team.hash_id, hook.hash_id])).status_code == 405
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(alice)
    for url in [reverse("team_hooks", args=[team.hash_id]), *_hook_urls(team, hook)]:
        assert browser.post(url, {"target_url": "http://127.0.0.1:9/", "events": ["entry_created"]}).status_code == 403
    assert Hook.objects.filter(pk=hook.pk, paused_at__isnull=True).count() == 1 == Hook.objects.count()


def test_the_pages_carry_the_csp_and_no_inline_code(alice, team, hook):
    client = _as(alice)
    for url in (
        reverse("team_hooks", args=[team.hash_id]),
        reverse("team_hook", args=[team.hash_id, hook.hash_id]),
    ):
        answer = client.get(url)
        html = answer.content.decode()
        assert "default-src 'self'" in answer["Content-Security-Policy"]
        assert "<script>" not in html and " style=" not in html and "<style" not in html and " onclick" not in html


def test_team_settings_link_to_the_page(bob, team):
    html = _as(bob).get(reverse("team_settings", args=[team.hash_id])).content.decode()
    assert reverse("team_hooks", args=[team.hash_id]) in html


def _creation_key(page) -> str:
    found = re.search(r'name="creation_key" value="([^"]+)"', page.content.decode())
    assert found, "the add form carries its one-time key"
    return found.group(1)


def test_the_add_form_sent_again_adds_no_second_hook_and_shows_no_secret(bob, team, receiver):
    """A reload of the page that shows the secret re-sends the form: the hook it made is shown (without
    its secret), and no second hook with another secret is made."""
    client = _as(bob)
    page = client.get(reverse("team_hooks", args=[team.hash_id]))
    data = {"target_url": receiver.url, "events": ["entry_created"], "creation_key": _creation_key(page)}
    first = client.post(reverse("team_hooks", args=[team.hash_id]), data)
    hook = Hook.objects.get(user=bob, team=team)
    secret = unseal(hook.secret_encrypted)
    assert first.status_code == 200 and secret in first.content.decode()

    again = client.post(reverse("team_hooks", args=[team.hash_id]), data, follow=True)
    assert again.redirect_chain == [(reverse("team_hook", args=[team.hash_id, hook.hash_id]), 302)]
    shown = again.content.decode()
    assert "That form was sent twice" in shown and secret not in shown
    assert Hook.objects.filter(user=bob).count() == 1
    assert unseal(Hook.objects.get(pk=hook.pk).secret_encrypted) == secret  # not rotated either

    # A fresh form (a new key) adds another, as asked.
    fresh = client.get(reverse("team_hooks", args=[team.hash_id]))
    assert _creation_key(fresh) != data["creation_key"]
    client.post(reverse("team_hooks", args=[team.hash_id]), {**data, "creation_key": _creation_key(fresh)})
    assert Hook.objects.filter(user=bob).count() == 2


def test_another_members_key_is_theirs_alone(alice, bob, team, receiver):
    """The key is per person: the same key from someone else (copied, or guessed) adds their own hook and
    never shows or names the other's."""
    key = "k" * 32
    bobs = hook_create(actor=bob, team=team, target_url=receiver.url, creation_key=key)
    answer = _as(alice).post(
        reverse("team_hooks", args=[team.hash_id]),
        {"target_url": receiver.url, "events": ["entry_created"], "creation_key": key},
    )
    assert answer.status_code == 200 and bobs.hash_id not in answer.content.decode()
    assert Hook.objects.filter(user=alice).count() == 1 and Hook.objects.filter(user=bob).count() == 1


def test_an_unreadable_key_gets_a_clear_error_and_saves_nothing(bob, team, receiver):
    answer = _as(bob).post(
        reverse("team_hooks", args=[team.hash_id]),
        {"target_url": receiver.url, "events": ["entry_created"], "creation_key": "x" * 65},
    )
    assert answer.status_code == 200 and "This form could not be read" in answer.content.decode()
    assert not Hook.objects.exists()
