"""Reading admin and learner pages the way a person sees them."""

import html
import re

_INVISIBLE = re.compile(r"<(script|style|svg|template)\b.*?</\1>", re.S | re.I)
_TAG = re.compile(r"<[^>]+>")


def visible_text(response) -> str:
    """The text on the page: no markup, attributes, scripts or hidden templates."""
    page = _INVISIBLE.sub(" ", response.content.decode())
    return re.sub(r"\s+", " ", html.unescape(_TAG.sub(" ", page)))
