"""The admin's navigation sidebar, rendered once per distinct input instead of on every page.

Django renders ``admin/app_list.html`` for the sidebar on every admin page: forty-odd models, each
with its links, about a fifth of a lean page's Python time. Its output depends only on the app list
(what this user may see, and the links), the page's path (the current model is highlighted) and the
language, so the same template's output is kept per process for exactly those inputs.
"""

import threading

from django import template
from django.template.loader import get_template
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

register = template.Library()

_KEPT = 512
_rendered: dict[tuple, str] = {}
_lock = threading.Lock()


def _fingerprint(app_list) -> tuple:
    return tuple(
        (app["name"], app["app_label"], app["app_url"],
         tuple((m["name"], m["object_name"], m.get("admin_url"), m.get("add_url"), m.get("view_only"))
               for m in app["models"]))
        for app in app_list
    )


@register.simple_tag(takes_context=True)
def ops_app_list(context, app_list):
    request = context["request"]
    key = (get_language(), request.path, _fingerprint(app_list or ()))
    with _lock:
        html = _rendered.get(key)
    if html is None:
        html = get_template("admin/app_list.html").render(
            {"app_list": app_list, "show_changelinks": False, "request": request}
        )
        with _lock:
            if len(_rendered) >= _KEPT:
                _rendered.clear()
            _rendered[key] = html
    return mark_safe(html)  # the admin's own template rendered it, escaping included
