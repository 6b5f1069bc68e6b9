"""List actions posted by a role that is not offered them (a hand-made POST: the page never shows the
button) change nothing: the task history's retry and revoke, a schedule's run-now, pause and resume, a
membership's pause, an entry's or schedule's bulk delete."""

import pytest
from django.urls import reverse
from django_celery_beat.models import PeriodicTask

from core.models import Entry, Membership
from ops.models import AuditRecord
from tests.ops.conftest import client_for
from tests.ops.test_role_matrix import samples  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def _post_action(client, changelist: str, action: str, pks: list) -> int:
    return client.post(reverse(changelist), {"action": action, "_selected_action": pks, "post": "yes"}).status_code


def test_it_does_nothing_for_a_list_action_the_role_is_not_offered(samples, sam, dev, stan):  # noqa: F811
    from django_celery_results.models import TaskResult

    support, developer, nobody = client_for(sam), client_for(dev), client_for(stan)
    tasks = "admin:django_celery_results_taskresult_changelist"
    schedules = "admin:django_celery_beat_periodictask_changelist"
    for action in ("retry_selected", "revoke_selected"):
        assert _post_action(support, tasks, action, [samples[TaskResult]]) in (200, 302, 403)
    for action in ("run_now", "pause", "resume", "delete_selected"):
        assert _post_action(support, schedules, action, [samples[PeriodicTask]]) in (200, 302, 403)
    assert _post_action(developer, schedules, "delete_selected", [samples[PeriodicTask]]) in (200, 302, 403)
    assert _post_action(nobody, "admin:core_membership_changelist", "emails_pause", [samples[Membership]]) == 403
    assert _post_action(support, "admin:core_membership_changelist", "delete_selected", [samples[Membership]]) \
        in (200, 302, 403)
    assert _post_action(developer, "admin:core_entry_changelist", "delete_selected", [samples[Entry]]) \
        in (200, 302, 403)
    assert PeriodicTask.objects.filter(pk=samples[PeriodicTask], enabled=True).exists()
    assert Membership.objects.filter(pk=samples[Membership], emails_paused=False).exists()
    assert Entry.objects.filter(pk=samples[Entry]).exists()
    assert not AuditRecord.objects.exclude(action="test.sample").exists()  # nothing was retried, sent or changed
