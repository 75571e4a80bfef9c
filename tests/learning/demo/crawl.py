"""Follow every same-site link a role can see, and note each page that breaks.

The crawl is bounded by URL *patterns*: ids, UUIDs and certificate serials become
placeholders, and Wagtail page ids and page URLs become the page's type where the
view depends on it (editing, previewing, adding, the public page), so each kind of
page is opened once however much demo data there is.
"""

import re
import traceback
from collections import Counter, deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

from django.db import transaction
from django.test import Client
from wagtail.models import Page

MAX_PER_PATTERN = 1
MAX_QUERIES_PER_PATH = 2
MAX_PER_ROLE = 250

# Never followed. Logging out would end the crawl; the rest change data or ask
# to (their GET shows a confirmation), and Wagtail's bulk actions need the ids
# its JavaScript adds to their links.
SKIP = re.compile(
    r"logout|delete|unpublish|revoke|freeze|/lock/|/unlock/|/move/|/copy/"
    r"|/revert/|/workflow/.*/cancel|/generate|^/admin/bulk/"
)
# Files: fetched once per pattern, since each is a whole PDF, ZIP or workbook.
DOWNLOAD = re.compile(
    r"\.pdf$|/pdf/|/download/|/transcript|/export/|export=|/template/"
)
STATIC = re.compile(
    r"^/(static|media)/|\.(css|js|png|jpe?g|gif|svg|ico|webp|woff2?|ttf|map)$"
)

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
SERIAL = re.compile(r"GC\d\d(-[0-9A-Z]{4}){3}")
NUMBER = re.compile(r"(?<=/)\d+(?=/|$|\.)")
ADMIN_PAGE_ID = re.compile(r"^(/admin/pages/(?:add/[\w/]+?/)?)(\d+)(?=/)")
PAGE_MODEL = re.compile(r"^(/admin/pages/(?:usage|create))/\w+/\w+(?=/|$)")
# Wagtail's page views are told apart by page type already: one of each will do.
ONCE = re.compile(r"^/admin/pages/")

# What a user must never see: Django's debug pages, a raw traceback, or the
# English words an untranslated error page or message would show.
FORBIDDEN_TEXT = [
    "Traceback (most recent call last)",
    "Exception Value",
    "Using the URLconf",
    "Server Error",
    "Internal Server Error",
    "Page not found",
    "Not Found",
    "Forbidden",
    "Bad Request",
    "Permission denied",
    "matching query does not exist",
    "NoneType",
    "This field is required",
    "Enter a valid",
]
VISIBLE = re.compile(r"<(script|style)\b.*?</\1>|<[^>]+>", re.S | re.I)
JSON_URL = re.compile(r'"(?:url|href)":\s*"(/[^"]*)"')


class _Links(HTMLParser):
    """`<a href>`, GET forms with no fields, and URLs in the admin's JSON props."""

    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self._form: dict | None = None
        self._in_json = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        elif tag == "form" and (attrs.get("method") or "get").lower() == "get":
            self._form = {"action": attrs.get("action") or "", "fields": 0}
        elif tag in ("input", "select", "textarea") and self._form is not None:
            self._form["fields"] += 1
        elif tag == "script" and attrs.get("type") == "application/json":
            self._in_json = True

    def handle_endtag(self, tag):
        if tag == "form" and self._form is not None:
            if not self._form["fields"] and self._form["action"]:
                self.links.append(self._form["action"])
            self._form = None
        elif tag == "script":
            self._in_json = False

    def handle_data(self, data):
        if self._in_json:
            self.links.extend(JSON_URL.findall(data))


@dataclass
class Crawl:
    """What one role's crawl saw, URL by URL."""

    status: dict[str, int] = field(default_factory=dict)
    pattern: dict[str, str] = field(default_factory=dict)
    # URL -> the exception's last lines, or what the page wrongly showed.
    problems: dict[str, str] = field(default_factory=dict)
    # URL -> where the link was, for links that end in 403 or 404.
    broken: dict[str, str] = field(default_factory=dict)

    def opened(self) -> set[str]:
        """Paths that answered 200."""
        return {url.partition("?")[0] for url, s in self.status.items() if s == 200}


class _Patterns:
    """Groups URLs that render the same view over different rows."""

    def __init__(self):
        pages = Page.objects.select_related("content_type")
        self.page_type = {p.pk: p.content_type.model for p in pages}
        self.page_type_by_url = {}
        for page in Page.objects.live().specific(defer=True).iterator():
            url = page.get_url()
            if url:
                self.page_type_by_url[url] = type(page).__name__

    def _admin_type(self, match, path: str) -> str:
        """The page type where the view depends on it (editing, previewing,
        adding a page); Wagtail's listing, history and usage views are the same
        for every type, so those count as one pattern."""
        rest = path[match.end() :]
        if match[1] != "/admin/pages/" or rest.startswith("/edit/"):
            return self.page_type.get(int(match[2]), "page")
        return "page"

    def path(self, path: str) -> str:
        if path in self.page_type_by_url:
            return f"<page:{self.page_type_by_url[path]}>"
        path = ADMIN_PAGE_ID.sub(
            lambda m: m[1] + f"<{self._admin_type(m, path)}>", path
        )
        path = PAGE_MODEL.sub(r"\1/<type>", path)
        path = UUID.sub("<uuid>", path)
        path = SERIAL.sub("<serial>", path)
        return NUMBER.sub("<n>", path)


def _problem(exc: BaseException) -> str:
    lines = traceback.format_exception(exc)
    return "".join(lines[-6:]).strip()


def _same_site(url: str) -> str | None:
    """The URL as path and query, or None for another site, a file or a skip.

    Outside the login pages, `next` only says where to go after saving, so it is
    dropped rather than opening the same form once per page that links to it.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("", "http", "https"):
        return None
    if parts.netloc not in ("", "testserver"):
        return None
    query = parts.query
    if not parts.path.endswith("/login/"):
        query = urlencode([(k, v) for k, v in parse_qsl(query, True) if k != "next"])
    url = parts.path + (f"?{query}" if query else "")
    if SKIP.search(url) or STATIC.search(parts.path):
        return None
    return url


def crawl(client: Client, start: list[str], limit: int = MAX_PER_ROLE) -> Crawl:
    """Open `start` and every same-site link found, within the bounds above."""
    patterns = _Patterns()
    result = Crawl()
    per_pattern: Counter = Counter()
    queries_per_path: dict[str, set[str]] = {}
    seen: set[str] = set()
    queue = deque((url, "") for url in start)
    while queue and len(result.status) < limit:
        found, referrer = queue.popleft()
        url = _same_site(found)
        if url is None or url in seen:
            continue
        seen.add(url)
        path, _, query = url.partition("?")
        path_pattern = patterns.path(path)
        names = "&".join(sorted({k for k, _ in parse_qsl(query, True)}))
        key = f"{path_pattern}?{names}"
        allowed = 1 if DOWNLOAD.search(url) or ONCE.search(path) else MAX_PER_PATTERN
        if per_pattern[key] >= allowed:
            continue
        queries = queries_per_path.setdefault(path_pattern, set())
        if query and len(queries) >= MAX_QUERIES_PER_PATH:
            continue
        per_pattern[key] += 1
        if query:
            queries.add(query)
        result.pattern[url] = key

        try:
            # A failed query must not abort the transaction the crawl runs in.
            with transaction.atomic():
                response = client.get(url)
        except Exception as exc:  # noqa: BLE001 - every failure is reported
            result.status[url] = 500
            result.problems[url] = _problem(exc)
            continue
        status = result.status[url] = response.status_code
        if status >= 500:
            result.problems[url] = f"HTTP {status}"
            continue
        if status in (403, 404):
            result.broken[url] = f"HTTP {status}, linked from {referrer or '-'}"
        if status in (301, 302, 303, 307, 308):
            queue.append((urljoin(url, response["Location"]), url))
            continue
        if "text/html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        text = VISIBLE.sub(" ", html)
        shown = [phrase for phrase in FORBIDDEN_TEXT if phrase in text]
        if shown:
            result.problems[url] = f"HTTP {status} shows {shown}"
        parser = _Links()
        parser.feed(html)
        queue.extend((urljoin(url, link), url) for link in parser.links)
    return result
