"""A lean stand-in for the admin's ``{% result_list %}`` on pages of big tables.

The stock tag runs ``lookup_field``/``display_for_*`` and a widget template per cell and per
checkbox, which costs more than the page's queries; this renders the same markup (``#result_list``,
``.action-select`` checkboxes, so the admin's actions JavaScript works) with one format per cell.
"""

import html

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()


def _header(model_admin, name: str) -> str:
    if name == "action_checkbox":
        return mark_safe('<th scope="col" class="action-checkbox-column"><div class="text"><span>'
                         '<input type="checkbox" id="action-toggle" aria-label="Select all"></span></div></th>')
    function = getattr(model_admin, name, None)
    label = getattr(function, "short_description", None) or name.replace("_", " ")
    return format_html('<th scope="col" class="column-{}"><div class="text"><span>{}</span></div></th>', name, label)


def _column(model_admin, name: str, linked: bool):
    """A function from a row to its cell's markup, looked up once per page rather than once per cell."""
    function = getattr(model_admin, name, None)
    value_of = function if callable(function) else (lambda obj: getattr(obj, name))
    if name == "action_checkbox":
        opening, closing = '<td class="action-checkbox">', "</td>"
    elif linked:
        opening, closing = f'<th class="field-{name}"><a href="{{link}}">', "</a></th>"
    else:
        opening, closing = f'<td class="field-{name}">', "</td>"

    def cell(obj, link: str) -> str:
        value = value_of(obj)
        # What conditional_escape does, without its lazy-string wrapper: 500 cells a page make it count.
        if value is None or value == "":
            shown = "–"
        elif hasattr(value, "__html__"):
            shown = value.__html__()
        else:
            shown = html.escape(str(value))
        return (opening.replace("{link}", link) if linked else opening) + shown + closing

    return cell


def generic_row(columns, obj, link: str) -> str:
    return "<tr>" + "".join(cell(obj, link) for cell in columns) + "</tr>"


@register.simple_tag
def lean_result_list(cl):
    model_admin, opts = cl.model_admin, cl.opts
    names = list(cl.list_display)
    links = set(cl.list_display_links or names[1:2])
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=["__pk__"])  # once, not per row
    prepare = getattr(model_admin, "prepare_lean_rows", None)
    if prepare is not None:
        prepare(cl.result_list)  # per-page work done once (a time zone lookup), not per cell
    columns = [_column(model_admin, n, n in links and n != "action_checkbox") for n in names]
    # A page may format a whole row in one go (the same markup: see TaskResultAdmin.lean_row); None: cell by cell.
    whole_row = getattr(model_admin, "lean_row", None)
    rows = []
    for obj in cl.result_list:
        link = url.replace("__pk__", str(obj.pk))
        row = whole_row(obj, link, names, links) if whole_row is not None else None
        rows.append(row if row is not None else generic_row(columns, obj, link))
    head = "".join(_header(model_admin, n) for n in names)
    # Every cell value went through conditional_escape above; names and links are ours.
    return mark_safe(f'<div class="results"><table id="result_list"><thead><tr>{head}</tr></thead>'
                     f'<tbody>{"".join(rows)}</tbody></table></div>')
