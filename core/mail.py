"""The embedded email backend: one readable ``.eml`` file per message under ``EMAIL_FILE_PATH``.

Each file is written whole or not at all (a temporary file renamed into place), and its name carries a
short hash of the message's Message-ID, so "did this message go out?" (core/esp.py) is one directory
match, not a read of every file — what the reconciler asks after a sender was killed mid-send.
"""

import hashlib
import uuid
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone


def message_file_key(message_id: str) -> str:
    """The part of a message file's name that stands for its Message-ID."""
    return hashlib.sha256(message_id.strip().encode()).hexdigest()[:16]


class FilePerMessageBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        folder = Path(settings.EMAIL_FILE_PATH)
        folder.mkdir(parents=True, exist_ok=True)
        for message in email_messages:
            built = message.message()
            key = message_file_key(str(built["Message-ID"] or ""))
            # The uuid keeps two sends of one message (a duplicate) two files: the drills count them.
            name = f"{timezone.now():%Y%m%d-%H%M%S}-{key}-{uuid.uuid4().hex[:8]}.eml"
            tmp = folder / f".{name}.tmp"
            tmp.write_bytes(built.as_bytes())
            # A process killed before this line leaves only a hidden .tmp file that nothing reads as a
            # message; after it, the whole message. Readers never see half of one.
            tmp.rename(folder / name)
        return len(email_messages)
