"""The change list's filter sidebar, action bar, search form and pagination, rendered once per distinct
input instead of on every page.

On the task history the filter sidebar and the action bar were each about a tenth of the page's Python
time, search and pagination a few percent each, and what they show depends only on a few values: the
filters on each spec's choices and the page's query string, the action bar on the actions this person
may run and the selection counter's texts, search and pagination on the query string and the counts.
Their output (the admin's own templates, escaping included) is kept per process under a key made of
exactly those values; a page whose inputs are not known to be covered (a filter with its own
``choices()``, facet counts, a bound action form after a failed submit, another paginator) renders as
the admin would, uncached.
"""

import threading

from django import template
from django.contrib import admin
from django.contrib.admin.templatetags.admin_list import admin_actions
from django.contrib.admin.templatetags.base import InclusionAdminNode
from django.urls import get_script_prefix
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


kept = {name: _Kept() for name in ("filters", "search", "pagination", "actions", "head", "breadcrumbs", "tools")}


def forget() -> None:
    for fragments in kept.values():
        fragments.clear()


def _simple_choices(spec) -> bool:
    """A filter whose ``choices()`` is ``SimpleListFilter``'s own: its output follows from its lookups,
    its parameter and the page's query string alone."""
    return isinstance(spec, admin.SimpleListFilter) and type(spec).choices is admin.SimpleListFilter.choices


def _query(cl) -> tuple:
    return tuple(sorted((name, tuple(values)) for name, values in cl.filter_params.items()))


def filters_key(cl, context) -> tuple | None:
    """Everything the filter sidebar's markup reads, or None when that is not known."""
    if cl.add_facets or not all(_simple_choices(spec) for spec in cl.filter_specs):
        return None
    specs = tuple(
        (type(spec), str(spec.title), spec.parameter_name, spec.template,
         tuple((str(value), str(label)) for value, label in spec.lookup_choices))
        for spec in cl.filter_specs
    )
    return (cl.model, get_language(), _query(cl), specs, cl.has_active_filters, cl.is_facets_optional)


def search_key(cl, context) -> tuple:
    """Everything ``admin/search_form.html`` reads."""
    return (cl.model, get_language(), _query(cl), tuple(sorted(cl.params.items())), cl.query,
            tuple(cl.search_fields), str(cl.search_help_text or ""), cl.result_count, cl.full_result_count,
            cl.show_full_result_count, cl.is_popup, cl.add_facets)


def pagination_key(cl, context) -> tuple | None:
    """Everything the bounded pagination reads (``admin/ops/bounded_pagination.html``); None for another
    paginator."""
    paginator = cl.paginator
    if not hasattr(paginator, "count_label") or cl.formset:
        return None
    return (cl.model, get_language(), _query(cl), cl.page_num, paginator.num_pages, paginator.count,
            paginator.found, paginator.count_label, cl.show_all, cl.can_show_all, cl.multi_page)


def _where(context) -> tuple:
    """What every ``{% url %}`` and ``{% static %}`` of a fragment depends on besides its arguments."""
    request = context.get("request")
    return (get_language(), get_script_prefix(), getattr(request, "current_app", None), bool(context.get("is_popup")))


def head_key(cl, context) -> tuple:
    """The change list's ``extrastyle`` and ``extrahead``: stylesheets and scripts (the page's form media)."""
    media = context.get("media")
    files = (repr(media._css_lists), repr(media._js_lists)) if media is not None else None
    return (cl.model, *_where(context), files, bool(cl.formset), bool(context.get("action_form")),
            bool(context.get("actions_on_top")), bool(context.get("actions_on_bottom")))


def breadcrumbs_key(cl, context) -> tuple:
    return (cl.model, *_where(context))


def tools_key(cl, context) -> tuple | None:
    if context.get("has_add_permission"):
        return None  # the add link carries the page's preserved filters: rendered as the admin would
    return (cl.model, *_where(context))


KEYS = {"filters": filters_key, "search": search_key, "pagination": pagination_key, "head": head_key,
        "breadcrumbs": breadcrumbs_key, "tools": tools_key}


class KeptNode(template.Node):
    def __init__(self, nodelist, name: str, changelist):
        self.nodelist, self.name, self.changelist = nodelist, name, changelist

    def render(self, context):
        key = KEYS[self.name](self.changelist.resolve(context), context)
        if key is None:
            return self.nodelist.render(context)
        # Which page and which tag in it too: the same values elsewhere are another fragment.
        key = (context.template.origin.name, self.origin.name, self.token.lineno, self.token.position, *key)
        fragments = kept[self.name]
        html = fragments.get(key)
        if html is None:
            html = self.nodelist.render(context)
            fragments.put(key, html)
        return mark_safe(html)  # rendered by the admin's own templates, escaping included


@register.tag("ops_kept")
def ops_kept(parser, token):
    """``{% ops_kept "filters" cl %}{{ block.super }}{% end_ops_kept %}``: the stock block, kept per key
    (``filters``, ``search``, ``pagination``, ``head``, ``breadcrumbs`` or ``tools``: see ``KEYS``)."""
    _tag, name, changelist = token.split_contents()
    name = name.strip("\"'")
    if name not in KEYS:
        raise template.TemplateSyntaxError(f"ops_kept: no key for {name!r} (one of {', '.join(KEYS)})")
    nodelist = parser.parse(("end_ops_kept",))
    parser.delete_first_token()
    return KeptNode(nodelist, name, parser.compile_filter(changelist))


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
        html = kept["actions"].get(key) if key is not None else None
        if html is None:
            html = super().render(context)
            if key is not None:
                kept["actions"].put(key, html)
            return html
        admin_actions(context)  # what the stock tag does to the context: counts the action bars rendered
        return mark_safe(html)  # the admin's own actions template rendered it


@register.tag("ops_admin_actions")
def ops_admin_actions(parser, token):
    return KeptActionsNode(parser, token, func=admin_actions, template_name="actions.html")
