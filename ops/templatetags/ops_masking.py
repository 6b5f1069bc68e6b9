"""``{{ url|masked_url }}``: a URL as staff may see it (``ops.masking.mask_url``); ``{{ text|masked_text }}``:
free text (an error a service reported) with passwords in URLs and bearer tokens hidden (``mask_text``)."""

from django import template

from ops.masking import mask_text, mask_url

register = template.Library()


@register.filter
def masked_url(url) -> str:
    return mask_url(str(url or ""))


@register.filter
def masked_text(text) -> str:
    return mask_text(str(text or ""))
