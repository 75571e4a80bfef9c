"""Reading admin and learner pages the way a person sees them."""

import html
import re

_INVISIBLE = re.compile(r"<(script|style|svg)\b.*?</\1>", re.S | re.I)
# An element marked hidden that holds only text, such as an empty counter.
_HIDDEN = re.compile(r"<(\w+)\b[^<>]*\shidden\b[^<>]*>[^<]*</\1>", re.S)
# Attribute values may hold ">" (Stimulus actions such as "w-dialog:show->…").
_TAG = re.compile(r"""<(?:"[^"]*"|'[^']*'|[^'">])*>""")


def visible_text(response) -> str:
    """The text on the page, including dialogs shown on demand (kept in
    <template>): no markup, attributes or scripts."""
    page = _HIDDEN.sub(" ", _INVISIBLE.sub(" ", response.content.decode()))
    return re.sub(r"\s+", " ", html.unescape(_TAG.sub(" ", page)))
