"""``{{ url|masked_url }}``: a URL as staff may see it (``ops.masking.mask_url``)."""

from django import template

from ops.masking import mask_url

register = template.Library()


@register.filter
def masked_url(url) -> str:
    return mask_url(str(url or ""))
