from django import template
from django.utils.safestring import mark_safe

from points.certificates import seal_svg

register = template.Library()


@register.simple_tag
def seal(issuer: str, font: str):
    """The drawn red seal, inline, when no seal image was uploaded."""
    return mark_safe(seal_svg(issuer, font))
