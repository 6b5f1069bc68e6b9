"""Post an admin change form as a browser would: every field as the page shows it, with some changed."""

from django.forms import CheckboxInput
from django.test import Client


def _posted(value) -> object:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return [str(getattr(v, "pk", v)) for v in value]
    return str(getattr(value, "pk", value))


def _fields(form, data: dict) -> None:
    for name, field in form.fields.items():
        value = form[name].value()
        key = form.add_prefix(name)
        if isinstance(field.widget, CheckboxInput):
            if value:
                data[key] = "on"  # an unticked box is simply not sent
        else:
            data[key] = _posted(value)


def change_form_data(client: Client, url: str, **changes) -> dict:
    """The form at ``url`` as a browser would submit it unchanged, then ``changes`` applied.

    A change of ``None`` leaves the field out, as a browser does for an unticked checkbox.
    """
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    data: dict = {"_save": "Save"}
    _fields(page.context["adminform"].form, data)
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        _fields(formset.management_form, data)
        for form in formset.forms:
            _fields(form, data)
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data
