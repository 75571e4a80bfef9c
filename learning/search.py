"""Chinese full-text search on the database backends Wagtail ships.

Chinese is written without spaces, so the database backends index a whole
sentence as one token and find no words in it. Both sides are segmented with
jieba: the indexed text (through SegmentedSearchField) and every query string
(through the backend below, so Wagtail's admin search box benefits too).
"""

import io
import re
import threading
from contextlib import contextmanager

import jieba
from modelsearch.backends.database import SearchBackend as vendor_backend
from wagtail.search import index

# Words residents and workers use that jieba's general dictionary splits apart.
DOMAIN_WORDS = [
    "低保",
    "低边",
    "特困",
    "居住证",
    "市民卡",
    "优待证",
    "光荣证",
    "狗证",
    "犬证",
    "残疾人证",
    "就业创业证",
    "代办",
    "容缺",
    "即办件",
    "承办件",
    "交办件",
    "代办件",
    "最多跑一次",
    "跑零次",
    "高龄津贴",
]

_TOKEN = re.compile(r"[\w]+", re.UNICODE)
_ready = threading.Lock()
_initialised = False


def _initialise() -> None:
    global _initialised
    with _ready:
        if _initialised:
            return
        jieba.setLogLevel(60)
        for word in DOMAIN_WORDS:
            jieba.add_word(word, freq=200000)
        _initialised = True


def segment(text: str) -> str:
    """Space-separated search words: whole words plus the shorter words inside them."""
    if not text:
        return ""
    _initialise()
    words = []
    for chunk in _TOKEN.findall(str(text)):
        words.extend(w for w in jieba.cut_for_search(chunk) if w.strip())
    return " ".join(words)


def query_terms(query: str) -> list[str]:
    """The words a user typed, segmented, without duplicates; for highlighting."""
    seen: list[str] = []
    for word in segment(query).split():
        if word not in seen:
            seen.append(word)
    return seen


class SegmentedSearchField(index.SearchField):
    """A search field whose value is indexed as segmented Chinese words."""

    def get_value(self, obj):
        value = super().get_value(obj)
        if value is None:
            return None
        if isinstance(value, list | tuple):
            value = " ".join(str(v) for v in value)
        return segment(str(value))


class SegmentedAutocompleteField(index.AutocompleteField):
    """Autocomplete (prefix) matching on segmented words, as the admin search uses."""

    def get_value(self, obj):
        value = super().get_value(obj)
        return None if value is None else segment(str(value))


def segment_query(query):
    """Segment a query string, or the strings inside a parsed query."""
    from wagtail.search.query import And, Not, Or, Phrase, PlainText

    if isinstance(query, str):
        return segment(query)
    if isinstance(query, PlainText):
        return PlainText(
            segment(query.query_string), operator=query.operator, boost=query.boost
        )
    if isinstance(query, Phrase):
        return Phrase(segment(query.query_string))
    if isinstance(query, And | Or):
        return type(query)([segment_query(q) for q in query.subqueries])
    if isinstance(query, Not):
        return Not(segment_query(query.subquery))
    return query


class ChineseQueryMixin:
    def search(self, query, model_or_queryset, *args, **kwargs):
        return super().search(segment_query(query), model_or_queryset, *args, **kwargs)

    def autocomplete(self, query, model_or_queryset, *args, **kwargs):
        return super().autocomplete(
            segment_query(query), model_or_queryset, *args, **kwargs
        )


_classes: dict[type, type] = {}


def SearchBackend(params):
    """Wagtail's database backend for the current database, with segmented queries."""
    backend = vendor_backend(params)
    base = type(backend)
    if base not in _classes:
        _classes[base] = type(f"Chinese{base.__name__}", (ChineseQueryMixin, base), {})
    backend.__class__ = _classes[base]
    return backend


def highlight(text: str, terms: list[str]):
    """Escape text and wrap every occurrence of the terms in <mark>."""
    from django.utils.html import escape
    from django.utils.safestring import mark_safe

    terms = sorted({t for t in terms if t}, key=len, reverse=True)
    if not terms:
        return escape(text)
    pattern = re.compile("|".join(re.escape(t) for t in terms))
    out, last = [], 0
    for match in pattern.finditer(text):
        out.append(escape(text[last : match.start()]))
        out.append(f"<mark>{escape(match.group(0))}</mark>")
        last = match.end()
    out.append(escape(text[last:]))
    return mark_safe("".join(out))


@contextmanager
def index_updates_batched(*, rebuild_in_background: bool = False):
    """Save many pages without queueing a background task for each save.

    Every saved page queues a search-index and a reference-index task: seeding
    the demo queued 3,356 of them, minutes of work for the task worker. Inside
    this block nothing is queued; on leaving it, both indexes are rebuilt once,
    in bulk, in this process (or by the task worker, with rebuild_in_background),
    unless nothing was saved or deleted at all (a second `seed_demo` finds
    everything in place).
    """
    from django.db.models.signals import post_delete, post_save
    from modelsearch import signal_handlers
    from modelsearch.index import get_indexed_models
    from wagtail.signal_handlers import disable_reference_index_auto_update

    changed = []

    def note_change(**kwargs):
        changed.append(True)

    models = [m for m in get_indexed_models() if getattr(m, "search_auto_update", True)]
    for model in models:
        post_save.disconnect(signal_handlers.post_save_signal_handler, sender=model)
    post_save.connect(note_change, weak=False, dispatch_uid="index_updates_batched")
    post_delete.connect(note_change, weak=False, dispatch_uid="index_updates_batched")
    try:
        with disable_reference_index_auto_update():
            yield
    finally:
        post_save.disconnect(dispatch_uid="index_updates_batched")
        post_delete.disconnect(dispatch_uid="index_updates_batched")
        for model in models:
            post_save.connect(signal_handlers.post_save_signal_handler, sender=model)
    if not changed:
        return
    if rebuild_in_background:
        from learning.tasks import index_rebuild_task

        index_rebuild_task.enqueue()
    else:
        index_rebuild()


def index_rebuild() -> None:
    """Build the search index and the reference index from scratch."""
    from django.core.management import call_command
    from django.urls import get_resolver

    # The admin's viewsets register their models for the reference index when the
    # URLconf loads; a command that skipped the system checks has not loaded it.
    get_resolver().url_patterns  # noqa: B018
    for command in ("update_index", "rebuild_references_index"):
        call_command(command, verbosity=0, stdout=io.StringIO())
