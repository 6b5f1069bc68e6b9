"""Re-encrypt every webhook secret under the first key, the middle step of a key rotation (README,
"Secrets at rest"): add the new key first, run this, then remove the old one. Safe to run twice."""

from django.core.management.base import BaseCommand, CommandError

from core.crypto import SecretUnreadable
from core.services.hooks import hook_secrets_reencrypt


class Command(BaseCommand):
    help = "Re-encrypt every webhook signing secret under the first FIELD_ENCRYPTION_KEYS key."

    def handle(self, *args, **options):
        try:
            changed = hook_secrets_reencrypt()
        except SecretUnreadable as error:
            raise CommandError(f"{error} Put the old key back in FIELD_ENCRYPTION_KEYS and run this again.") from None
        self.stdout.write(f"{changed} webhook secrets re-encrypted under the first key.")
