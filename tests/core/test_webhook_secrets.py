"""Hook secrets at rest: the database holds Fernet ciphertext only, the plaintext is handed out at creation
and rotation only, keys rotate without losing a secret, the data migration encrypts existing rows (and
decrypts them going back), and a secret no key opens holds its deliveries instead of sending them unsigned."""

import hashlib
import hmac

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from core.crypto import SecretUnreadable, unseal
from core.models import Hook, WebhookDelivery
from core.services.entries import entry_create
from core.services.hooks import hook_secret_rotate
from core.services.webhooks import webhook_delivery_send

pytestmark = pytest.mark.usefixtures("loopback_webhooks")  # tests/core/conftest.py

NEW_KEY = "a-new-field-encryption-key-0123456789abcdef"
OTHER_KEY = "another-field-encryption-key-0123456789abcdef"


@pytest.fixture(autouse=True)
def _derived_key_only(settings):
    settings.FIELD_ENCRYPTION_KEYS = []


def _row(pk: int) -> str:
    """Every column of the hook's row as the database holds it, read with SQL, past the ORM."""
    assert Hook._meta.db_table == "core_hook"
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM core_hook WHERE id = %s", [pk])
        return " ".join(str(value) for value in cursor.fetchone())


def _stored(hook: Hook) -> str:
    return _row(hook.pk)


def _signed_with(secret: str, request) -> bool:
    expected = hmac.new(secret.encode(), request.body, hashlib.sha256).hexdigest()
    return request.headers["X-IDT-Signature"] == f"sha256={expected}"


def _send(bob, team, hook):
    entry_create(author=bob, team=team, text="Shipped it")
    return webhook_delivery_send(delivery_id=WebhookDelivery.objects.filter(hook=hook).latest("pk").pk)


def test_the_database_never_holds_the_plaintext(hook):
    assert len(hook.new_secret) == 64
    row = _stored(hook)
    assert hook.new_secret not in row and hook.new_secret.encode().hex() not in row
    assert unseal(Hook.objects.get(pk=hook.pk).secret_encrypted) == hook.new_secret
    assert not hasattr(Hook.objects.get(pk=hook.pk), "new_secret")  # only the create answer carries it


def test_it_signs_with_the_decrypted_secret(hook, bob, team, receiver):
    assert _send(bob, team, hook).status == WebhookDelivery.Status.SENT
    assert _signed_with(hook.new_secret, receiver.requests[0])


def test_rotating_the_secret_signs_with_the_new_one_at_once(alice, bob, hook, team, receiver):
    old = hook.new_secret
    entry_create(author=bob, team=team, text="Owed before the rotation")
    rotated = hook_secret_rotate(hook=Hook.objects.get(pk=hook.pk), actor=alice)
    assert rotated.new_secret != old and len(rotated.new_secret) == 64
    assert rotated.new_secret not in _stored(hook) and old not in _stored(hook)
    webhook_delivery_send(delivery_id=WebhookDelivery.objects.get(hook=hook).pk)
    assert _signed_with(rotated.new_secret, receiver.requests[0]) and not _signed_with(old, receiver.requests[0])


def test_only_the_owner_rotates_a_secret(bob, charlie, hook):
    before = Hook.objects.get(pk=hook.pk).secret_encrypted
    for someone in (bob, charlie):
        with pytest.raises(PermissionDenied):
            hook_secret_rotate(hook=hook, actor=someone)
    assert Hook.objects.get(pk=hook.pk).secret_encrypted == before


def test_adding_a_key_keeps_old_secrets_readable_and_reencrypting_moves_them(hook, settings):
    derived = Hook.objects.get(pk=hook.pk).secret_encrypted  # made with the key derived from SECRET_KEY
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY]
    assert unseal(derived) == hook.new_secret
    call_command("hook_secrets_reencrypt", stdout=open("/dev/null", "w"))  # noqa: SIM115
    moved = Hook.objects.get(pk=hook.pk).secret_encrypted
    assert moved != derived
    settings.SECRET_KEY = "a-rotated-secret-key-with-no-fallback-0123456789"  # the derived key is gone
    assert unseal(moved) == hook.new_secret
    with pytest.raises(SecretUnreadable):
        unseal(derived)


def test_the_secret_key_rotates_through_its_fallbacks(hook, settings):
    old_key = settings.SECRET_KEY
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "the-next-secret-key-0123456789abcdefghij", [old_key]
    call_command("hook_secrets_reencrypt", stdout=open("/dev/null", "w"))  # noqa: SIM115
    settings.SECRET_KEY_FALLBACKS = []
    assert unseal(Hook.objects.get(pk=hook.pk).secret_encrypted) == hook.new_secret


def test_reencrypting_stops_on_a_secret_no_key_opens(hook, settings):
    settings.FIELD_ENCRYPTION_KEYS = [OTHER_KEY]
    settings.SECRET_KEY = "a-rotated-secret-key-with-no-fallback-0123456789"
    with pytest.raises(CommandError, match="Put the old key back"):
        call_command("hook_secrets_reencrypt")


def test_a_secret_no_key_opens_holds_the_delivery_and_sends_nothing(hook, bob, team, receiver, settings):
    settings.SECRET_KEY = "a-rotated-secret-key-with-no-fallback-0123456789"
    delivery = _send(bob, team, hook)
    assert receiver.requests == []
    assert delivery.status == WebhookDelivery.Status.PENDING and "cannot be decrypted" in delivery.error


# --- the data migration ---------------------------------------------------------------------------


def _encrypting_migration_and_its_parent():
    """Found by name, so renumbering the migration on a merge needs no change here."""
    graph = MigrationExecutor(connection).loader.graph
    (node,) = [n for n in graph.nodes if n[0] == "core" and n[1].endswith("_hook_secrets_encrypted_pause_events")]
    (parent,) = [p for p in graph.node_map[node].parents if p.key[0] == "core"]
    return parent.key, node


def _migrate(target):
    MigrationExecutor(connection).migrate([target])
    return MigrationExecutor(connection).loader.project_state([target]).apps


@pytest.fixture
def back_to_latest():
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_the_migration_encrypts_existing_secrets_and_going_back_restores_them(alice, team, back_to_latest):
    plain = "0f" * 32
    BEFORE, ENCRYPTED = _encrypting_migration_and_its_parent()  # noqa: N806 (constants in spirit)
    OldHook = _migrate(BEFORE).get_model("core", "Hook")
    old = OldHook.objects.create(team_id=team.pk, user_id=alice.pk, target_url="https://example.com/h", secret=plain)

    NewHook = _migrate(ENCRYPTED).get_model("core", "Hook")
    migrated = NewHook.objects.get(pk=old.pk)
    assert unseal(migrated.secret_encrypted) == plain
    assert migrated.events == ["entry_created", "entry_updated"] and migrated.paused_at is None
    assert plain not in _row(old.pk)

    OldHook = _migrate(BEFORE).get_model("core", "Hook")
    assert OldHook.objects.get(pk=old.pk).secret == plain
