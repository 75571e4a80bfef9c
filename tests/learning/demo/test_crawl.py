"""Every page each demo role can reach opens: no server error, no debug page, no
English error text, no link to a missing page."""

import pytest
from django.contrib.auth import get_user_model

from manuals.models import ServiceItemPage
from quizzes.models import QuizPage
from tests.learning.demo.crawl import crawl

# Server errors not fixed yet: URL pattern, as a failure prints it in brackets
# (e.g. "<page:QuizIndexPage>?"), to what breaks. A role that meets only these
# is marked xfail; once one passes the test fails until it is removed here.
# To be emptied, not grown.
KNOWN_FAILURES: dict[str, str] = {}

# Where a visitor arrives from outside: the address bar, a bookmark, a QR code.
VISITOR_START = ["/", "/manual/", "/verify/", "/admin/"]
# The only admin pages that open without logging in.
PUBLIC_ADMIN = {"/admin/login/", "/admin/password_reset/"}


def _quiz_pages():
    return {page.get_url() for page in QuizPage.objects.live()}


def _item_edit_views():
    pks = ServiceItemPage.objects.values_list("pk", flat=True)
    return {f"/admin/pages/{pk}/edit/" for pk in pks}


TRAINER_PAGES = {
    "/admin/questions/",
    "/admin/questions/import/",
    "/admin/questions/stats/",
    "/admin/trainings/import/",
    "/admin/certificate-templates/",
}
MANAGER_PAGES = {
    "/admin/rankings/",
    "/admin/staff/",
    "/admin/ledger/",
    "/admin/adjustments/",
    "/admin/certificates/",
    "/points/",
}

ROLES = {
    "visitor": (None, {"/", "/login/", "/admin/login/", "/verify/"}),
    "worker": ("GC0101", {"/points/", "/points/certificates/", "/quiz/wrong-book/"}),
    "trainer": ("GC0012", TRAINER_PAGES),
    "senior_trainer": ("GC0011", TRAINER_PAGES),
    "community_manager": ("GC0003", MANAGER_PAGES),
    "centre_manager": ("GC0002", MANAGER_PAGES),
    "street_manager": ("GC0001", MANAGER_PAGES),
    "superuser": ("admin", MANAGER_PAGES | TRAINER_PAGES | {"/admin/users/"}),
}


def _report(crawl_result, urls):
    return "\n\n".join(
        f"{url}  [{crawl_result.pattern[url]}]\n{crawl_result.problems[url]}"
        for url in urls
    )


@pytest.mark.parametrize("role", ROLES)
def test_every_page_a_role_reaches_opens(demo, db, client, role):
    username, must_open = ROLES[role]
    start = VISITOR_START
    if username:
        user = get_user_model().objects.get(username=username)
        client.force_login(user)
        start = ["/"]
        if user.has_perm("wagtailadmin.access_admin"):
            start.append("/admin/")

    result = crawl(client, start)

    opened = result.opened()
    assert must_open <= opened, sorted(must_open - opened)
    if role in ("visitor", "worker"):
        admin_pages = {path for path in opened if path.startswith("/admin/")}
        assert admin_pages <= PUBLIC_ADMIN
    if role == "worker":
        assert opened & _quiz_pages()
    if role in ("trainer", "senior_trainer", "superuser"):
        assert opened & _item_edit_views()

    known = {u for u in result.problems if result.pattern[u] in KNOWN_FAILURES}
    new = [u for u in result.problems if u not in known]
    assert not new, f"{len(new)} of {len(result.status)} pages failed:\n\n" + _report(
        result, new
    )
    assert not result.broken, result.broken
    fixed = {
        pattern
        for pattern in KNOWN_FAILURES
        if any(result.pattern[u] == pattern for u in result.status)
        and not any(result.pattern[u] == pattern for u in known)
    }
    assert not fixed, f"Fixed now; remove from KNOWN_FAILURES: {sorted(fixed)}"
    if known:
        pytest.xfail(_report(result, sorted(known)))


@pytest.mark.urls("tests.learning.error_urls")
def test_the_crawl_reports_a_server_error_with_its_traceback(db, client):
    result = crawl(client, ["/test-broken/", "/test-forbidden/"])

    assert "RuntimeError: boom" in result.problems["/test-broken/"]
    assert result.broken == {"/test-forbidden/": "HTTP 403, linked from -"}
