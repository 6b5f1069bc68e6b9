"""Email backends for process tests: a slow ESP, so a test can kill a worker in the middle of a send,
before the ESP has the message or after it has it but before it answers."""

import time

from django.conf import settings

from core.mail import FilePerMessageBackend


class SlowFileBackend(FilePerMessageBackend):
    def send_messages(self, email_messages):
        time.sleep(float(getattr(settings, "SLOW_MAIL_SECONDS", 30)))  # the "ESP" takes its time
        return super().send_messages(email_messages)


class FileThenSlowBackend(FilePerMessageBackend):
    def send_messages(self, email_messages):
        sent = super().send_messages(email_messages)  # the "ESP" has it…
        time.sleep(float(getattr(settings, "SLOW_MAIL_SECONDS", 30)))  # …and has not answered yet
        return sent
