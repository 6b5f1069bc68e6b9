"""Task history filters whose choices never scan the results table (no ``SELECT DISTINCT`` over millions)."""

import datetime as dt
import functools
import time

from celery import states
from django.contrib import admin
from django.db.models import Q
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from ops.models import Heartbeat
from portal.celery import app as celery_app

ARGUMENT_SEARCH_DAYS = 7
# Choices (schedules, workers) change rarely: each process reads them at most this often, not on every page.
CHOICES_SECONDS = 10


def _kept_for(seconds: float):
    """Remember a function's answer for ``seconds`` (per process; a concurrent miss only asks twice)."""

    def decorate(function):
        known: dict = {}

        @functools.wraps(function)
        def remembered():
            now = time.monotonic()
            if known and now - known["at"] < seconds:
                return known["value"]
            value = function()
            known.update(at=now, value=value)
            return value

        remembered.forget = known.clear
        return remembered

    return decorate


@_kept_for(CHOICES_SECONDS)
def _schedules() -> tuple[tuple[str, str], ...]:
    """(name, task) of every beat schedule, in one query for both filters."""
    return tuple(PeriodicTask.objects.order_by("name").values_list("name", "task"))


@_kept_for(CHOICES_SECONDS)
def _worker_names() -> tuple[str, ...]:
    names = {(stats or {}).get("hostname") for stats in Heartbeat.objects.filter(process_type="worker")
             .values_list("stats", flat=True)}
    return tuple(sorted(n for n in names if n))


def forget_choices() -> None:
    _schedules.forget()
    _worker_names.forget()


class _EqualsFilter(admin.SimpleListFilter):
    field = ""

    def queryset(self, request, queryset):
        return queryset.filter(**{self.field: self.value()}) if self.value() else queryset


class StateFilter(_EqualsFilter):
    title, parameter_name, field = "state", "status", "status"

    def lookups(self, request, model_admin):
        return [(s, s.title()) for s in sorted(states.ALL_STATES)]


class TaskNameFilter(_EqualsFilter):
    title, parameter_name, field = "task", "task_name", "task_name"

    def lookups(self, request, model_admin):
        names = set(_registered_task_names()) | {task for _, task in _schedules()}
        return [(n, n) for n in sorted(names)]


@functools.cache
def _registered_task_names() -> tuple[str, ...]:
    celery_app.loader.import_default_modules()  # once per process: the code does not change while it runs
    return tuple(n for n in celery_app.tasks if not n.startswith("celery."))


class PeriodicTaskFilter(_EqualsFilter):
    title, parameter_name, field = "schedule", "periodic_task_name", "periodic_task_name"

    def lookups(self, request, model_admin):
        return [(name, name) for name, _ in _schedules()]


class WorkerFilter(_EqualsFilter):
    title, parameter_name, field = "worker", "worker", "worker"

    def lookups(self, request, model_admin):
        return [(n, n) for n in _worker_names()]


WITHIN = {"1h": dt.timedelta(hours=1), "24h": dt.timedelta(hours=24), "7d": dt.timedelta(days=7),
          "30d": dt.timedelta(days=30)}


class DoneWithinFilter(admin.SimpleListFilter):
    """A time range on ``date_done``; exact ranges work too: ``?date_done__gte=…&date_done__lt=…``."""

    title, parameter_name = "done within", "done"

    def lookups(self, request, model_admin):
        return [("1h", "Last hour"), ("24h", "Last 24 hours"), ("7d", "Last 7 days"), ("30d", "Last 30 days")]

    def queryset(self, request, queryset):
        if self.value() in WITHIN:
            return queryset.filter(date_done__gte=timezone.now() - WITHIN[self.value()])
        return queryset


def arguments_containing(request, queryset, text: str):
    """Rows whose arguments contain ``text``; within the last week unless the page already has a range."""
    if not ({"done", "date_done__gte", "date_done__gt"} & set(request.GET)):
        queryset = queryset.filter(date_done__gte=timezone.now() - dt.timedelta(days=ARGUMENT_SEARCH_DAYS))
    return queryset.filter(Q(task_args__contains=text) | Q(task_kwargs__contains=text))
