from django import template

from manuals import selectors

register = template.Library()


@register.simple_tag
def manual_size():
    """The manual's size for pages outside it, such as the landing page."""
    return selectors.manual_size()
