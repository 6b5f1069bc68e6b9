"""Bases the portal's model pages share.

``ReadOnlyAdmin``: history nobody edits, on tables that may be big.

``AuditedModelAdmin``: edits made through the admin's own forms go to the ops audit log too, beside
Django's LogEntry: the admin's change message plus each value that changed, old → new, read from the
database before and after (secret-named values masked), in the admin's own transaction.

``ServiceModelAdmin``: for models whose fields a core service owns. Its ``save_model`` calls the
services (never ``obj.save()`` on those fields); a service's refusal (``ValueError``) rolls the whole
form back and shows as an error message, never a 500; an action the role lacks answers 403.
"""

import json
from collections.abc import Callable

from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models.constants import LOOKUP_SEP
from django.http import HttpResponseRedirect

from ops.admin.paging import BoundedPaginator
from ops.masking import is_secret_name
from ops.models import AuditRecord
from ops.services.audit import audit_change, audit_record

DELETIONS_NAMED = 20  # a bulk delete names this many objects and counts the rest


def _target(obj) -> str:
    return f"{obj._meta.verbose_name} {obj.pk}: {obj}"


def _message(message) -> object:
    if isinstance(message, str):
        try:
            return json.loads(message)
        except ValueError:
            return message
    return message


def json_ready(value) -> object:
    """A value as JSON holds it (dates and times as ISO strings)."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def model_state(obj) -> dict:
    """Every stored field of ``obj`` (foreign keys as ids, many-to-many as sorted ids), JSON-ready."""
    state = {field.attname: json_ready(getattr(obj, field.attname)) for field in obj._meta.concrete_fields}
    for field in obj._meta.many_to_many:
        state[field.name] = sorted(getattr(obj, field.name).values_list("pk", flat=True))
    return state


class SecretLookupsRefused:
    """Mixin for a ``ModelAdmin``: no list filter on a secret-named column, nor on one this person may not
    see (``hidden_lookups``). The stock admin accepts a lookup on any of the model's own columns from the
    query string (``?api_token_hash__startswith=a``), and which rows are listed answers each guess."""

    def hidden_lookups(self, request) -> set[str]:
        return set()

    def lookup_allowed(self, lookup, value, request=None):
        parts = lookup.split(LOOKUP_SEP)
        if any(is_secret_name(part) for part in parts):
            return False
        if request is not None and parts[0] in self.hidden_lookups(request):
            return False
        return super().lookup_allowed(lookup, value, request)


class _UnusableFilter(Exception):
    pass


class FilterErrorsExplained:
    """Mixin for a ``ModelAdmin``: a filter the list cannot use (``?id__gt=x``, ``?created_at__gte=notadate``,
    a column the model lacks) sends the person to the unfiltered list with a message naming it. The stock
    admin redirects to ``?e=1`` without a word, so the whole list looks like the filtered one, and with
    ``e=1`` already in the address it shows its "Database error" page, an alarm about nothing."""

    def get_changelist_instance(self, request):
        try:
            return super().get_changelist_instance(request)
        except IncorrectLookupParameters as error:
            raise _UnusableFilter from error

    def changelist_view(self, request, extra_context=None):
        try:
            return super().changelist_view(request, extra_context)
        except _UnusableFilter:
            shown = "&".join(f"{key}={value}" for key, value in request.GET.items() if key != "e")[:300]
            self.message_user(request, f"This list cannot be filtered by {shown or 'that'}: it is shown unfiltered.",
                              messages.ERROR)
            return HttpResponseRedirect(request.path)


class AuditedModelAdmin(FilterErrorsExplained, SecretLookupsRefused):
    """Mixin for a ``ModelAdmin`` (before ``admin.ModelAdmin`` in the bases)."""

    def _action(self, verb: str) -> str:
        return f"{self.model._meta.app_label}.{self.model._meta.model_name}.{verb}"

    def audit_state(self, obj) -> dict:
        """What the audit row compares before and after a change; subclasses add derived values."""
        return model_state(obj)

    def _stored_state(self, obj) -> dict:
        return self.audit_state(self.model._default_manager.get(pk=obj.pk))

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None and request.method == "POST":
            # The object exactly as stored, before the form touches it: the "old" of old → new.
            request._ops_audit_before = self.audit_state(obj)
        return obj

    def log_addition(self, request, obj, message):
        entry = super().log_addition(request, obj, message)
        audit_record(actor=request.user, action=self._action("add"), target=_target(obj),
                     parameters={"change": _message(message)})
        return entry

    def log_change(self, request, obj, message):
        entry = super().log_change(request, obj, message)
        parameters = {"change": _message(message)}
        before = getattr(request, "_ops_audit_before", None)
        if before is not None:
            audit_change(actor=request.user, action=self._action("change"), target=_target(obj),
                         old=before, new=self._stored_state(obj), parameters=parameters)
            return entry
        audit_record(actor=request.user, action=self._action("change"), target=_target(obj), parameters=parameters)
        return entry

    def log_deletions(self, request, queryset):
        entries = super().log_deletions(request, queryset)
        objects = list(queryset[: DELETIONS_NAMED + 1])
        named = [_target(obj) for obj in objects[:DELETIONS_NAMED]]
        target = named[0] if len(objects) == 1 else f"{queryset.count()} {self.model._meta.verbose_name_plural}"
        audit_record(actor=request.user, action=self._action("delete"), target=target, parameters={"objects": named})
        return entries


class ServiceRefused(Exception):
    """A core service refused a change made in a form (its ``ValueError``); the form's writes roll back."""


class ServiceModelAdmin(AuditedModelAdmin):
    """Mixin for admins of models whose fields core services own (before ``admin.ModelAdmin``)."""

    def call_service(self, service: Callable, **kwargs):
        """Call a core service from ``save_model``; its refusal becomes ``ServiceRefused``."""
        try:
            return service(**kwargs)
        except ValueError as error:
            raise ServiceRefused(str(error)) from error

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ServiceRefused as refusal:
            return self._refused(request, refusal, verb="change", object_id=object_id)

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except ServiceRefused as refusal:
            return self._refused(request, refusal, verb="delete", object_id=object_id)

    def get_deleted_objects(self, objs, request):
        # The core service decides what goes with the object (and checks the actor), not the
        # per-model delete permissions of every row that cascades with it.
        deleted, model_count, _perms_needed, protected = super().get_deleted_objects(objs, request)
        return deleted, model_count, set(), protected

    def _refused(self, request, refusal: ServiceRefused, *, verb: str, object_id) -> HttpResponseRedirect:
        # The admin's transaction has rolled everything back; the attempt itself is still recorded.
        audit_record(actor=request.user, action=self._action(verb), target=f"{self.opts.verbose_name} {object_id}",
                     result=AuditRecord.Result.FAILED, detail=str(refusal))
        self.message_user(request, f"Nothing was changed: {refusal}", messages.ERROR)
        return HttpResponseRedirect(request.get_full_path())

    def changelist_view(self, request, extra_context=None):
        """An action this role is not offered is refused outright (403), not silently ignored."""
        if request.method == "POST":
            known = {name for _func, name, _description in self._get_base_actions()}
            offered = self.get_actions(request)
            refused = (set(request.POST.getlist("action")) & known) - set(offered)
            if refused:
                raise PermissionDenied(f"{', '.join(sorted(refused))}: your role does not have that permission")
        return super().changelist_view(request, extra_context)

    def run_service_action(self, request, queryset, *, verb: str, service: Callable, done: str) -> None:
        """Apply ``service(obj)`` to each selected object, each in its own transaction with its audit row."""
        changed, refused = 0, []
        for selected in queryset:
            try:
                with transaction.atomic():
                    # Locked and read afresh: the "old" is what the service changes, not what the list showed.
                    obj = self.model._default_manager.select_for_update().get(pk=selected.pk)
                    before = self.audit_state(obj)
                    service(obj)
                    audit_change(actor=request.user, action=self._action(verb), target=_target(obj),
                                 old=before, new=self._stored_state(obj))
                changed += 1
            except ValueError as error:
                audit_record(actor=request.user, action=self._action(verb), target=_target(selected),
                             result=AuditRecord.Result.FAILED, detail=str(error))
                refused.append(f"{selected}: {error}")
        if changed:
            self.message_user(request, f"{done}: {changed}.", messages.SUCCESS)
        for message in refused:
            self.message_user(request, f"Not changed — {message}", messages.ERROR)


class ReadOnlyAdmin(FilterErrorsExplained, SecretLookupsRefused, admin.ModelAdmin):
    show_full_result_count = False  # big tables: never count them whole

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class BigTableAdmin(ReadOnlyAdmin):
    """History that grows without bound (deliveries, inbound email, the audit log): same rules as the
    task-history page. No ``COUNT(*)`` (``BoundedPaginator``), no facet counts, no ``date_hierarchy``,
    one ordering (newest first) that an index serves, and searches that are index lookups
    (``get_search_results`` in each subclass) instead of the stock ``icontains`` over every row."""

    paginator = BoundedPaginator
    show_facets = admin.ShowFacets.NEVER
    sortable_by = ()
    list_max_show_all = 0
    list_per_page = 50
