"""Retry and revoke: the task history's bulk actions, the detail page's buttons and revoke by task id
(Workers and queues page). Each asks first and calls one audited service."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django_celery_results.models import TaskResult

from ops.admin.confirm import confirm_then
from ops.admin.tasks.columns import sent_message
from ops.runtime.task_arguments import InexactArguments
from ops.services.tasks import task_retry, task_revoke

FINISHED = ("SUCCESS", "FAILURE", "REVOKED", "IGNORED")
BULK_LIMIT = 100


def _revoked_message(task_id: str) -> str:
    return f"Revoke sent for {task_id}: workers discard it if it has not started."


# --- bulk actions on the task history (ModelAdmin actions: ``has_retry_permission``) -------------
@admin.action(description="Retry selected tasks with the same arguments", permissions=["retry"])
def retry_selected(model_admin, request, queryset):
    for task_result in TaskResult.objects.filter(pk__in=queryset.values("pk")[:BULK_LIMIT]):
        try:
            new_id = task_retry(actor=request.user, task_result=task_result)
        except InexactArguments as error:
            model_admin.message_user(request, f"{task_result.task_id}: not retried: {error}", messages.ERROR)
            continue
        model_admin.message_user(request, sent_message(task_result.task_name, new_id))


@admin.action(description="Revoke selected tasks (if not started yet)", permissions=["retry"])
def revoke_selected(model_admin, request, queryset):
    ids = list(queryset.exclude(status__in=FINISHED).values_list("task_id", flat=True)[:BULK_LIMIT])
    for task_id in ids:
        task_revoke(actor=request.user, task_id=task_id)
    model_admin.message_user(request, f"Revoke sent for {len(ids)} task(s); finished ones are left as they are.")


# --- the detail page's buttons -------------------------------------------------------------------
def _task_action(request, object_id: str, *, question: str, run):
    if not request.user.has_perm("ops.retry_task"):
        raise PermissionDenied("needs ops.retry_task")
    if not str(object_id).isdecimal():  # the URL takes any path; a result's key is a number
        raise Http404("No such task result.")
    task_result = get_object_or_404(TaskResult, pk=object_id)
    back = reverse("admin:django_celery_results_taskresult_change", args=[task_result.pk])
    return confirm_then(
        request,
        forms.Form(request.POST or None),
        question=question.format(task_result),
        back=back,
        run=lambda data: run(task_result),
    )


def retry_view(request, object_id):
    def run(task_result):
        return sent_message(task_result.task_name, task_retry(actor=request.user, task_result=task_result))

    return _task_action(request, object_id, question="Send {0.task_name} again with the same arguments?", run=run)


def revoke_view(request, object_id):
    def run(task_result):
        task_revoke(actor=request.user, task_id=task_result.task_id)
        return _revoked_message(task_result.task_id)

    return _task_action(
        request, object_id, question="Revoke {0.task_id} ({0.task_name}) if it has not started?", run=run
    )


# --- revoke by id (a task that has no result yet: only its id is known) --------------------------
class TaskIdForm(forms.Form):
    task_id = forms.RegexField(regex=r"^[\w.:@-]{1,255}$")


def revoke_by_id_view(request):
    def run(data):
        task_revoke(actor=request.user, task_id=data["task_id"])
        return _revoked_message(data["task_id"])

    params = request.POST or request.GET
    return confirm_then(
        request,
        TaskIdForm(params),
        question=f"Revoke task {params.get('task_id')} before it starts?",
        back=reverse("admin:ops_celery"),
        run=run,
    )
