"""Every dangerous action asks first: a POST without ``confirmed=yes`` renders "Are you sure?"."""

from collections.abc import Callable

from django.contrib import admin, messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse

from ops.masking import mask_text


def admin_render(request, template: str, context: dict) -> TemplateResponse:
    return TemplateResponse(request, template, {**admin.site.each_context(request), **context})


def back_url(request, default: str) -> str:
    """Back to the page the button was on (only our own portal paths, never another site), else ``default``."""
    back = request.POST.get("back") or request.GET.get("back") or ""
    return back if back.startswith("/admin/") and "//" not in back else default


def errors_in_words(form) -> str:
    """A form's errors as plain text for a message (``errors.as_text()`` is already HTML-escaped, and the
    messages template escapes again: an apostrophe showed as ``&#x27;``)."""
    return "; ".join(f"{field}: {' '.join(errors)}" if field != "__all__" else " ".join(errors)
                     for field, errors in form.errors.items())


def confirm_then(request, form, *, question: str, back: str, run: Callable[[dict], str]):
    """Validate ``form``; once confirmed call ``run(cleaned_data)``, flash its message, go ``back``."""
    if request.method != "POST" or not form.is_valid():
        if request.method == "POST" or form.errors:  # nothing to ask about: say why, not an empty question
            messages.error(request, f"Nothing done: {errors_in_words(form)}")
            return redirect(back)
        return admin_render(request, "admin/ops/confirm.html", {"title": "Are you sure?", "question": question,
                                                               "fields": request.GET.items(), "back": back})
    if request.POST.get("confirmed") != "yes":
        fields = [(k, v) for k, v in request.POST.items() if k not in ("csrfmiddlewaretoken", "confirmed")]
        return admin_render(request, "admin/ops/confirm.html", {"title": "Are you sure?", "question": question,
                                                               "fields": fields, "back": back})
    try:
        messages.success(request, run(form.cleaned_data))
    except Exception as error:  # the audit log has it too; the operator needs to see it now
        messages.error(request, mask_text(f"Failed: {error}"))
    return redirect(back)
