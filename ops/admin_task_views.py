"""The task detail page's pieces (pretty JSON, traceback, attempts) and its retry/revoke buttons."""

import json

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django_celery_results.models import TaskResult

from ops.views.confirm import confirm_then

FINISHED = ("SUCCESS", "FAILURE", "REVOKED", "IGNORED")
BADGE = {"SUCCESS": "ops-green", "FAILURE": "ops-red", "RETRY": "ops-amber", "REVOKED": "ops-grey",
         "STARTED": "ops-amber"}


def state_badge(status: str):
    return format_html('<span class="ops-badge {}" data-state="{}">{}</span>', BADGE.get(status, "ops-grey"),
                       status, status)


def meta_of(obj) -> dict:
    try:
        meta = json.loads(obj.meta or "{}")
    except ValueError:
        return {}
    return meta if isinstance(meta, dict) else {}


def _pretty(stored: str | None):
    if stored in (None, ""):
        return "–"
    try:
        value = json.loads(stored)
        if isinstance(value, str):  # arguments: the JSON we published, JSON-encoded again by the backend
            value = json.loads(value)
        text = json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True)
    except ValueError:
        text = stored  # a repr from before exact arguments: shown as stored
    return format_html('<pre class="ops-pre">{}</pre>', text)


@admin.display(description="arguments")
def arguments(self, obj):
    return _pretty(obj.task_args)


@admin.display(description="keyword arguments")
def keyword_arguments(self, obj):
    return _pretty(obj.task_kwargs)


@admin.display(description="result")
def result_json(self, obj):
    return _pretty(obj.result)


@admin.display(description="traceback")
def traceback_text(self, obj):
    return format_html('<pre class="ops-pre" id="traceback">{}</pre>', obj.traceback) if obj.traceback else "–"


@admin.display(description="sent by schedule")
def periodic_task_link(self, obj):
    from django_celery_beat.models import PeriodicTask

    if not obj.periodic_task_name:
        return "–"
    schedule = PeriodicTask.objects.filter(name=obj.periodic_task_name).only("pk").first()
    if schedule is None:
        return obj.periodic_task_name
    url = reverse("admin:django_celery_beat_periodictask_change", args=[schedule.pk])
    return format_html('<a href="{}">{}</a>', url, obj.periodic_task_name)


def _result_link(task_id: str, label: str = ""):
    found = TaskResult.objects.filter(task_id=task_id).only("pk", "status").first()
    if found is None:
        return format_html('<span data-attempt="{}">{}</span> (no result stored yet)', task_id, label or task_id)
    url = reverse("admin:django_celery_results_taskresult_change", args=[found.pk])
    return format_html('<a href="{}" data-attempt="{}">{}</a> {}', url, task_id, label or task_id,
                       state_badge(found.status))


@admin.display(description="other attempts")
def attempts(self, obj):
    from ops.services.tasks import retry_links

    links = retry_links(obj.task_id)
    lines = []
    if links["retry_of"]:
        lines.append(format_html("retry of {}", _result_link(links["retry_of"])))
    for new_id, record in links["retried_as"]:
        lines.append(format_html("retried as {} by {} at {}", _result_link(new_id), record.actor_label,
                                 f"{record.created_at:%Y-%m-%d %H:%M:%S}"))
    if not lines:
        return "–"
    return format_html("<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((line,) for line in lines)))


def sent_message(task_name: str, task_id: str, url: str):
    return format_html('Sent {} as <a href="{}" data-new-task="{}">{}</a>.', task_name, url, task_id, task_id)


def _task_action(request, object_id: str, *, question: str, run):
    if not request.user.has_perm("ops.retry_task"):
        raise PermissionDenied("needs ops.retry_task")
    from django import forms

    task_result = get_object_or_404(TaskResult, pk=object_id)
    back = reverse("admin:django_celery_results_taskresult_change", args=[task_result.pk])
    return confirm_then(request, forms.Form(request.POST or None), question=question.format(task_result),
                        back=back, run=lambda data: run(task_result))


def retry_view(request, object_id):
    from ops.services.tasks import task_retry

    def run(task_result):
        new_id = task_retry(actor=request.user, task_result=task_result)
        url = reverse("admin:django_celery_results_taskresult_changelist") + f"?q={new_id}"
        return sent_message(task_result.task_name, new_id, url)

    return _task_action(request, object_id, question="Send {0.task_name} again with the same arguments?", run=run)


def revoke_view(request, object_id):
    from ops.services.tasks import task_revoke

    def run(task_result):
        task_revoke(actor=request.user, task_id=task_result.task_id)
        return f"Revoke sent for {task_result.task_id}: workers discard it if it has not started."

    return _task_action(request, object_id, question="Revoke {0.task_id} ({0.task_name}) if it has not started?",
                        run=run)
