"""The change list's filter sidebar and action bar, rendered once per distinct input instead of on every page.

On the task history both are a tenth of the page's Python time each, and what they show depends only on a
few values: the filters on each spec's choices and the page's query string, the action bar on the actions
this person may run and the selection counter's texts. Their output (the admin's own templates, escaping
included) is kept per process under a key made of exactly those values; a page whose inputs are not known
to be covered (a filter with its own ``choices()``, facet counts, a bound action form after a failed
submit) renders as the admin would, uncached.
"""

import threading

from django import template
from django.contrib import admin
from django.contrib.admin.templatetags.admin_list import admin_actions
from django.contrib.admin.templatetags.base import InclusionAdminNode
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

register = template.Library()

_KEPT = 512


class _Kept:
    """Rendered fragments by key, per process, bounded (cleared when full: the keys are few in practice)."""

    def __init__(self):
        self._html: dict[tuple, str] = {}
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            return self._html.get(key)

    def put(self, key, html: str) -> None:
        with self._lock:
            if len(self._html) >= _KEPT:
                self._html.clear()
            self._html[key] = html

    def clear(self) -> None:
        with self._lock:
            self._html.clear()

    def __len__(self) -> int:
        return len(self._html)


filters_kept = _Kept()
actions_kept = _Kept()


def forget() -> None:
    filters_kept.clear()
    actions_kept.clear()


def _simple_choices(spec) -> bool:
    """A filter whose ``choices()`` is ``SimpleListFilter``'s own: its output follows from its lookups,
    its parameter and the page's query string alone."""
    return isinstance(spec, admin.SimpleListFilter) and type(spec).choices is admin.SimpleListFilter.choices


def filters_key(cl) -> tuple | None:
    """Everything the filter sidebar's markup reads, or None when that is not known."""
    if cl.add_facets or not all(_simple_choices(spec) for spec in cl.filter_specs):
        return None
    specs = tuple(
        (type(spec), str(spec.title), spec.parameter_name, spec.template,
         tuple((str(value), str(label)) for value, label in spec.lookup_choices))
        for spec in cl.filter_specs
    )
    query = tuple(sorted((name, tuple(values)) for name, values in cl.filter_params.items()))
    return (cl.model, get_language(), query, specs, cl.has_active_filters, cl.is_facets_optional)


class KeptFiltersNode(template.Node):
    def __init__(self, nodelist, changelist):
        self.nodelist, self.changelist = nodelist, changelist

    def render(self, context):
        key = filters_key(self.changelist.resolve(context))
        if key is None:
            return self.nodelist.render(context)
        html = filters_kept.get(key)
        if html is None:
            html = self.nodelist.render(context)
            filters_kept.put(key, html)
        return mark_safe(html)  # rendered by the admin's own templates, escaping included


@register.tag("ops_kept_filters")
def ops_kept_filters(parser, token):
    """``{% ops_kept_filters cl %}{{ block.super }}{% end_ops_kept_filters %}``: the stock sidebar, kept."""
    _tag, changelist = token.split_contents()
    nodelist = parser.parse(("end_ops_kept_filters",))
    parser.delete_first_token()
    return KeptFiltersNode(nodelist, parser.compile_filter(changelist))


def actions_key(context, template_name: str) -> tuple | None:
    form = context.get("action_form")
    cl = context.get("cl")
    if form is None or cl is None or form.is_bound:
        return None  # a resubmitted form shows the person's own choice: rendered as the admin would
    choices = tuple((str(value), str(label)) for value, label in form.fields["action"].choices)
    fields = tuple((name, type(field), str(field.label), field.initial) for name, field in form.fields.items())
    return (
        template_name, get_language(), context.get("action_index", -1), fields, choices,
        bool(context.get("actions_selection_counter")), str(context.get("selection_note", "")),
        str(context.get("selection_note_all", "")), str(context.get("module_name", "")),
        cl.result_count, len(cl.result_list),
    )


class KeptActionsNode(InclusionAdminNode):
    """``{% admin_actions %}`` (same templates, same ``action_index`` count), its output kept per key."""

    def render(self, context):
        opts = context["opts"]
        # The template InclusionAdminNode would pick (a model's or an app's own actions.html first).
        name = context.template.engine.select_template(
            [f"admin/{opts.app_label}/{opts.model_name}/actions.html", f"admin/{opts.app_label}/actions.html",
             "admin/actions.html"]
        ).origin.name
        key = actions_key(context, name)
        html = actions_kept.get(key) if key is not None else None
        if html is None:
            html = super().render(context)
            if key is not None:
                actions_kept.put(key, html)
            return html
        admin_actions(context)  # what the stock tag does to the context: counts the action bars rendered
        return mark_safe(html)  # the admin's own actions template rendered it


@register.tag("ops_admin_actions")
def ops_admin_actions(parser, token):
    return KeptActionsNode(parser, token, func=admin_actions, template_name="actions.html")
