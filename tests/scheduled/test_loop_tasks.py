"""The daily loop's tasks are registered under stable names and scheduled by code."""

from django.core import mail
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from core.models import Notification
from core.services.entries import entry_create
from core.services.notification_emails import QUIET
from core.services.social import comment_create
from portal.celery import app
from scheduled.schedules import SCHEDULES
from scheduled.sync import schedules_sync
from scheduled.tasks import notification_emails


def test_every_scheduled_task_exists_under_its_stable_name(db):
    app.loader.import_default_modules()
    for spec in SCHEDULES.values():
        assert spec["task"] in app.tasks, spec["task"]
        assert spec["task"].startswith("scheduled.")
    assert "scheduled.send_delivery" in app.tasks
    schedules_sync()
    assert PeriodicTask.objects.get(name="deliveries-tick").interval.every == 60
    assert PeriodicTask.objects.get(name="inbound-prune").crontab.hour == "3"


def test_the_notification_emails_task_sends_settled_batches_every_minute(team, alice, bob):
    schedules_sync()
    assert PeriodicTask.objects.get(name="notification-emails").interval.every == 60
    entry = entry_create(author=bob, team=team, text="Shipped it")
    comment_create(entry=entry, author=alice, text="Well done")
    mail.outbox.clear()
    assert notification_emails() == 0  # not settled yet
    Notification.objects.update(created_at=timezone.now() - QUIET)
    assert notification_emails() == 1
    assert mail.outbox[0].to == ["bob@example.com"]
